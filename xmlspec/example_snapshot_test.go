package xmlspec_test

import (
	"fmt"
	"log"

	"github.com/virtwire/virtwire/xmlspec"
)

// A disk-only snapshot of a running guest before an upgrade: vda gets a
// qcow2 overlay, vdb (scratch data) is left out. Pass it to
// virDomainSnapshotCreateXML with VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY.
func ExampleNewExternalSnapshotDisk() {
	snap := &xmlspec.DomainSnapshot{
		Name:        "before-upgrade",
		Description: "taken by the upgrade job",
		Memory:      &xmlspec.DomainSnapshotMemory{Snapshot: xmlspec.SnapshotNo},
	}
	snap.AddDisk(xmlspec.NewExternalSnapshotDisk("vda", "/var/lib/libvirt/images/web1.before-upgrade.qcow2"))
	snap.AddDisk(xmlspec.DomainSnapshotDisk{Name: "vdb", Snapshot: xmlspec.SnapshotNo})
	out, err := snap.Marshal()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(out))
	// Output:
	// <domainsnapshot>
	//   <name>before-upgrade</name>
	//   <description>taken by the upgrade job</description>
	//   <memory snapshot="no"></memory>
	//   <disks>
	//     <disk name="vda" snapshot="external" type="file">
	//       <driver type="qcow2"></driver>
	//       <source file="/var/lib/libvirt/images/web1.before-upgrade.qcow2"></source>
	//     </disk>
	//     <disk name="vdb" snapshot="no"></disk>
	//   </disks>
	// </domainsnapshot>
}

// Read a snapshot (virDomainSnapshotGetXMLDesc) and the domain definition
// it keeps, a Domain like any other.
func ExampleParseDomainSnapshot() {
	snap, err := xmlspec.ParseDomainSnapshot([]byte(`<domainsnapshot>
  <name>nightly</name>
  <state>running</state>
  <parent><name>weekly</name></parent>
  <creationTime>1700000000</creationTime>
  <memory snapshot='internal'/>
  <domain type='kvm'>
    <name>web1</name>
    <memory unit='GiB'>4</memory>
    <os><type arch='x86_64'>hvm</type></os>
    <devices>
      <disk type='file' device='disk'>
        <driver name='qemu' type='qcow2'/>
        <source file='/var/lib/libvirt/images/web1.qcow2'/>
        <target dev='vda' bus='virtio'/>
      </disk>
    </devices>
  </domain>
</domainsnapshot>`))
	if err != nil {
		log.Fatal(err)
	}
	created, _ := snap.Created()
	fmt.Println(snap.Name, "after", snap.ParentName(), "at", created.UTC().Format("2006-01-02 15:04"), "state", snap.State)
	mem, _ := snap.Domain.Memory.Bytes()
	fmt.Println(snap.Domain.Name, mem>>30, "GiB")
	for _, d := range snap.Domain.Devices.Disks {
		fmt.Println(d.Target.Dev, d.Source.File)
	}
	// Output:
	// nightly after weekly at 2023-11-14 22:13 state running
	// web1 4 GiB
	// vda /var/lib/libvirt/images/web1.qcow2
}

// A checkpoint for incremental backups of vda (virDomainCheckpointCreateXML).
func ExampleNewDomainCheckpoint() {
	out, err := xmlspec.NewDomainCheckpoint("nightly-2024-05-01", "vda").Marshal()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(out))
	// Output:
	// <domaincheckpoint>
	//   <name>nightly-2024-05-01</name>
	//   <disks>
	//     <disk name="vda" checkpoint="bitmap"></disk>
	//   </disks>
	// </domaincheckpoint>
}

// An incremental push backup of vda since a checkpoint
// (virDomainBackupBegin).
func ExampleNewPushBackup() {
	b := xmlspec.NewPushBackup("nightly-2024-05-01", map[string]string{"vda": "/backup/web1-vda.inc.qcow2"})
	out, err := b.Marshal()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(out))
	// Output:
	// <domainbackup mode="push">
	//   <incremental>nightly-2024-05-01</incremental>
	//   <disks>
	//     <disk name="vda" backup="yes" type="file">
	//       <driver type="qcow2"></driver>
	//       <target file="/backup/web1-vda.inc.qcow2"></target>
	//     </disk>
	//   </disks>
	// </domainbackup>
}
