package xmlspec

import (
	"testing"
)

func ptr[T any](v T) *T { return &v }

// A domain and a network built field by field in Go (no document read, so
// no remembered order) must come out schema-valid: the struct field order
// is the write order.
func TestBuildFromScratch(t *testing.T) {
	uuid, err := NewUUID()
	if err != nil {
		t.Fatal(err)
	}
	mac, err := RandomMAC()
	if err != nil {
		t.Fatal(err)
	}
	dom := &Domain{
		Type:          "kvm",
		Name:          "scratch",
		UUID:          &uuid,
		Title:         "built in Go",
		Memory:        &DomainMemory{Value: 2, Unit: "GiB"},
		CurrentMemory: &Size{Value: 2, Unit: "GiB"},
		VCPU:          &VCPU{Placement: "static", Value: 2},
		OS: &OS{
			Type:   &OSType{Arch: "x86_64", Machine: "q35", Value: "hvm"},
			Loader: &Loader{ReadOnly: "yes", Type: "pflash", Path: "/usr/share/OVMF/OVMF_CODE.fd"},
			Boot:   []OSBoot{{Dev: "hd"}, {Dev: "network"}},
		},
		Features: &Features{ACPI: &Flag{}, APIC: &FeatureAPIC{}, SMM: &FeatureSMM{State: "on"}},
		CPU: &CPU{Mode: "host-passthrough", Check: "none",
			Topology: &CPUTopology{Sockets: 1, Cores: 2, Threads: 1}},
		Clock:      &Clock{Offset: "utc", Timers: []Timer{{Name: "rtc", TickPolicy: "catchup"}, {Name: "hpet", Present: "no"}}},
		OnPoweroff: "destroy", OnReboot: "restart", OnCrash: "destroy",
		PM: &PM{SuspendToMem: &Toggle{Enabled: "no"}},
		Devices: &Devices{
			Emulator: "/usr/bin/qemu-system-x86_64",
			Disks: []Disk{{
				Type: "file", Device: "disk",
				Driver:  &DiskDriver{Name: "qemu", Type: "qcow2", Cache: "none"},
				Source:  &DiskSource{File: "/var/lib/libvirt/images/scratch.qcow2"},
				Target:  &DiskTarget{Dev: "vda", Bus: "virtio"},
				Boot:    &DeviceBoot{Order: 1},
				Address: NewPCIAddress(PCIAddr{Bus: 4}),
			}},
			Controllers: []Controller{
				{Type: "pci", Index: ptr(uint(0)), Model: "pcie-root"},
				{Type: "pci", Index: ptr(uint(1)), Model: "pcie-root-port",
					ModelName: &ControllerModel{Name: "pcie-root-port"},
					Target:    &ControllerTarget{Chassis: ptr(uint(1)), Port: ptr(uint(0x10))}},
				{Type: "usb", Index: ptr(uint(0)), Model: "qemu-xhci", Ports: ptr(uint(15))},
			},
			Interfaces: []Interface{*NewNetworkInterface("default", mac)},
			Serials:    []Chardev{{Type: "pty", Target: &ChardevTarget{Type: "isa-serial", Port: "0", Model: &ChardevTargetModel{Name: "isa-serial"}}}},
			Consoles:   []Chardev{{Type: "pty", Target: &ChardevTarget{Type: "serial", Port: "0"}}},
			Channels: []Chardev{{Type: "unix",
				Sources: []ChardevSource{{Mode: "bind"}},
				Target:  &ChardevTarget{Type: "virtio", Name: "org.qemu.guest_agent.0"}}},
			Inputs:     []Input{{Type: "tablet", Bus: "usb"}},
			Graphics:   []Graphics{{Type: "vnc", Port: ptr(-1), AutoPort: "yes", Listens: []GraphicsListen{{Type: "address", Address: "127.0.0.1"}}}},
			Videos:     []Video{{Model: &VideoModel{Type: "virtio", Heads: ptr(uint(1)), Primary: "yes"}}},
			MemBalloon: &MemBalloon{Model: "virtio"},
			RNGs:       []RNG{{Model: "virtio", Backend: &RNGBackend{Model: "random", Path: "/dev/urandom"}}},
			TPMs:       []TPM{{Model: "tpm-crb", Backend: &TPMBackend{Type: "emulator", Version: "2.0"}}},
		},
		QEMUCommandline: &QEMUCommandline{Args: []CommandlineArg{{Value: "-no-user-config"}}},
	}
	dom.Devices.Interfaces[0].Address = NewPCIAddress(PCIAddr{Bus: 1})

	nw := &Network{
		Name:    "built",
		UUID:    &uuid,
		Forward: &Forward{Mode: ForwardNAT, NAT: &ForwardNATConfig{Port: &NATPortRange{Start: 1024, End: 65535}}},
		Bridge:  &NetworkBridge{Name: "virbr42", STP: "on", Delay: ptr(uint64(0))},
		MAC:     &NetworkMAC{Address: mac},
		Domain:  &NetworkDomain{Name: "lab.example", LocalOnly: "yes"},
		DNS: &DNS{
			Forwarders: []DNSForwarder{{Addr: "192.0.2.53"}},
			Hosts:      []DNSHost{{IP: "192.168.42.5", Hostnames: []string{"db", "db.lab.example"}}},
			SRVs:       []DNSSRV{{Service: "ldap", Protocol: "tcp", Target: "db", Port: ptr(uint(389))}},
			TXTs:       []DNSTXT{{Name: "info", Value: "built in Go"}},
		},
		IPs: []NetworkIP{{
			Address: "192.168.42.1", Prefix: ptr(uint(24)),
			DHCP: &DHCP{Ranges: []DHCPRange{{Start: "192.168.42.100", End: "192.168.42.200",
				Lease: &DHCPLease{Expiry: ptr(uint64(1)), Unit: "hours"}}}},
		}, {
			Family: "ipv6", Address: "2001:db8:42::1", Prefix: ptr(uint(64)),
		}},
		Routes:         []Route{{Address: "10.42.0.0", Prefix: ptr(uint(16)), Gateway: "192.168.42.2"}},
		DnsmasqOptions: &DnsmasqOptions{Options: []DnsmasqOption{{Value: "log-queries"}}},
	}
	if _, err := nw.AddDHCPHost(DHCPHost{MAC: mac, Name: "scratch", IP: "192.168.42.10"}); err != nil {
		t.Fatal(err)
	}

	domXML, err := dom.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	netXML, err := nw.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	validate(t, "domain.rng", map[string][]byte{"domain": domXML})
	validate(t, "network.rng", map[string][]byte{"network": netXML})

	// And they read back to what was built.
	back, err := ParseDomain(domXML)
	if err != nil {
		t.Fatal(err)
	}
	again, err := back.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(domXML) {
		t.Errorf("domain does not read back the same:\n%s\n---\n%s", domXML, again)
	}
}
