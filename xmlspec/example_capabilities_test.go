package xmlspec_test

import (
	"fmt"
	"log"

	"github.com/virtwire/virtwire/xmlspec"
)

// An excerpt of what virConnectGetCapabilities returns.
const hostCapabilities = `<capabilities>
  <host>
    <cpu>
      <arch>x86_64</arch>
      <model>Skylake-Client-IBRS</model>
      <vendor>Intel</vendor>
      <topology sockets='1' dies='1' cores='4' threads='2'/>
    </cpu>
    <topology>
      <cells num='2'>
        <cell id='0'>
          <memory unit='KiB'>8388608</memory>
          <cpus num='2'>
            <cpu id='0' socket_id='0' die_id='0' cluster_id='0' core_id='0' siblings='0,1'/>
            <cpu id='1' socket_id='0' die_id='0' cluster_id='0' core_id='0' siblings='0,1'/>
          </cpus>
        </cell>
        <cell id='1'>
          <memory unit='KiB'>8388608</memory>
          <cpus num='2'>
            <cpu id='2' socket_id='0' die_id='0' cluster_id='0' core_id='1' siblings='2,3'/>
            <cpu id='3' socket_id='0' die_id='0' cluster_id='0' core_id='1' siblings='2,3'/>
          </cpus>
        </cell>
      </cells>
    </topology>
  </host>
  <guest>
    <os_type>hvm</os_type>
    <arch name='x86_64'>
      <wordsize>64</wordsize>
      <emulator>/usr/bin/qemu-system-x86_64</emulator>
      <machine maxCpus='255'>pc-i440fx-9.2</machine>
      <machine canonical='pc-i440fx-9.2' maxCpus='255'>pc</machine>
      <machine maxCpus='4096'>pc-q35-9.2</machine>
      <machine canonical='pc-q35-9.2' maxCpus='4096'>q35</machine>
      <domain type='qemu'/>
      <domain type='kvm'/>
    </arch>
  </guest>
</capabilities>`

// Pick the machine type q35 stands for, and see the host's NUMA nodes.
func ExampleHostCapabilities_MachineTypes() {
	caps, err := xmlspec.ParseHostCapabilities([]byte(hostCapabilities))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(caps.Arches(), caps.DomainTypes("x86_64"))
	for _, m := range caps.MachineTypes("x86_64", "kvm") {
		if m.Name == "q35" {
			fmt.Println("q35 is", m.Canonical)
		}
	}
	for _, cell := range caps.NUMACells() {
		mem, err := cell.MemoryBytes()
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("node %d: %d GiB, CPUs %v\n", *cell.ID, mem>>30, cell.CPUIDs())
	}
	// Output:
	// [x86_64] [qemu kvm]
	// q35 is pc-q35-9.2
	// node 0: 8 GiB, CPUs [0 1]
	// node 1: 8 GiB, CPUs [2 3]
}

// An excerpt of what virConnectGetDomainCapabilities returns.
const domainCapabilities = `<domainCapabilities>
  <path>/usr/bin/qemu-system-x86_64</path>
  <domain>kvm</domain>
  <machine>pc-q35-9.2</machine>
  <arch>x86_64</arch>
  <vcpu max='4096'/>
  <os supported='yes'>
    <enum name='firmware'>
      <value>bios</value>
      <value>efi</value>
    </enum>
  </os>
  <cpu>
    <mode name='host-passthrough' supported='yes'/>
    <mode name='host-model' supported='yes'>
      <model fallback='forbid'>Skylake-Client-IBRS</model>
      <vendor>Intel</vendor>
      <feature policy='require' name='ss'/>
    </mode>
    <mode name='custom' supported='yes'>
      <model usable='yes' vendor='Intel'>Skylake-Client</model>
      <model usable='no' vendor='Intel'>Icelake-Server</model>
      <blockers model='Icelake-Server'>
        <feature name='avx512f'/>
      </blockers>
      <model usable='yes' vendor='unknown'>qemu64</model>
    </mode>
  </cpu>
  <devices>
    <disk supported='yes'>
      <enum name='bus'>
        <value>scsi</value>
        <value>virtio</value>
        <value>sata</value>
      </enum>
    </disk>
  </devices>
  <features>
    <sev supported='no'/>
  </features>
</domainCapabilities>`

// Choose a CPU model this host can run, a firmware and a disk bus.
func ExampleDomainCapabilities_CPUModels() {
	caps, err := xmlspec.ParseDomainCapabilities([]byte(domainCapabilities))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("usable:", caps.CPUModels(true))
	fmt.Println("Icelake-Server lacks", caps.CPUBlockers("Icelake-Server"))
	fmt.Println("firmware:", caps.Firmwares())
	fmt.Println("virtio disks:", caps.Device("disk").Enum("bus").Has("virtio"))
	fmt.Println("SEV:", caps.SupportsFeature("sev"))
	cpu := caps.HostModelCPU()
	fmt.Println("host-model is", cpu.Model.Name, "with", len(cpu.Features), "feature")
	// Output:
	// usable: [Skylake-Client qemu64]
	// Icelake-Server lacks [avx512f]
	// firmware: [bios efi]
	// virtio disks: true
	// SEV: false
	// host-model is Skylake-Client-IBRS with 1 feature
}
