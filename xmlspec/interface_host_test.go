package xmlspec

import (
	"testing"
)

var _ = registerCorpusKind(corpusKind{name: "interface", root: "interface", schema: "interface.rng", minShare: 99.5,
	parse: func(b []byte) (any, error) { return ParseHostInterface(b) }})

func TestHostInterfaceBuild(t *testing.T) {
	mac, err := RandomMAC()
	if err != nil {
		t.Fatal(err)
	}
	br := NewHostBridge("br0", "eth0", "eth1")
	br.Bridge.Delay = "0.01"
	br.MTU = &MTU{Size: 9000}
	eth := &HostInterface{
		Type: HostInterfaceEthernet, Name: "eth2",
		Start: &HostInterfaceStart{Mode: "hotplug"},
		MAC:   &NetworkMAC{Address: mac},
		Link:  &HostInterfaceLink{Speed: ptr(uint(1000)), State: "up"},
		Protocols: []HostInterfaceProtocol{
			{Family: "ipv4", IPs: []InterfaceIP{{Address: "192.0.2.5", Prefix: ptr(uint(24))}}, Route: &Route{Gateway: "192.0.2.1"}},
			{Family: "ipv6", Autoconf: &Flag{}, DHCP: &HostInterfaceDHCP{PeerDNS: "no"}},
		},
	}
	bond := &HostInterface{
		Type: HostInterfaceBond, Name: "bond0",
		Bond: &HostBond{Mode: "active-backup", MIIMon: &HostBondMIIMon{Freq: 100, UpDelay: ptr(uint(10)), Carrier: "netif"},
			Interfaces: []HostInterface{{Type: HostInterfaceEthernet, Name: "eth3"}, {Type: HostInterfaceEthernet, Name: "eth4"}}},
	}
	vlan := &HostInterface{
		Type: HostInterfaceVLAN, Name: "eth0.42",
		Start: &HostInterfaceStart{Mode: "onboot"},
		VLAN:  &HostVLAN{Tag: 42, Interface: &HostInterface{Name: "eth0"}},
	}
	docs := map[string][]byte{}
	for _, i := range []*HostInterface{br, eth, bond, vlan} {
		out, err := i.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		docs[i.Name] = out
	}
	validate(t, "interface.rng", docs)

	back, err := ParseHostInterface(docs["br0"])
	if err != nil {
		t.Fatal(err)
	}
	if m := back.Members(); len(m) != 2 || m[0].Name != "eth0" || m[1].Type != HostInterfaceEthernet {
		t.Errorf("bridge members %+v", m)
	}
	if p := back.Protocol("ipv4"); p == nil || p.DHCP == nil {
		t.Errorf("bridge ipv4 %+v", p)
	}
	if back.Protocol("ipv6") != nil || back.MACAddress() != nil {
		t.Error("bridge has ipv6 or a MAC")
	}
}

func TestHostInterfaceAccessors(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		members []string
		mac     string
	}{
		{"ethernet", `<interface type='ethernet' name='eth0'><mac address='AA:BB:CC:DD:EE:FF'/></interface>`, nil, "aa:bb:cc:dd:ee:ff"},
		{"bond", `<interface type='bond' name='bond0'><bond><interface type='ethernet' name='a'/><interface type='ethernet' name='b'/></bond></interface>`, []string{"a", "b"}, ""},
		{"vlan", `<interface type='vlan' name='eth0.5'><vlan tag='5'><interface name='eth0'/></vlan></interface>`, []string{"eth0"}, ""},
		{"vlan without parent", `<interface type='vlan'><vlan tag='5'/></interface>`, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i, err := ParseHostInterface([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, m := range i.Members() {
				names = append(names, m.Name)
			}
			if len(names) != len(tt.members) {
				t.Fatalf("members %v, want %v", names, tt.members)
			}
			for k := range names {
				if names[k] != tt.members[k] {
					t.Errorf("members %v, want %v", names, tt.members)
				}
			}
			if got := i.MACAddress().String(); got != tt.mac {
				t.Errorf("MAC %q, want %q", got, tt.mac)
			}
		})
	}
	// Members point into the document: an edit through them is kept.
	i, _ := ParseHostInterface([]byte(tests[1].in))
	i.Members()[0].Name = "c"
	if i.Bond.Interfaces[0].Name != "c" {
		t.Error("edit through Members lost")
	}
}

// A guest NIC snippet (hotplug test data) is not a host interface: it
// parses, keeps what HostInterface does not model and writes it back.
func TestHostInterfaceKeepsGuestNIC(t *testing.T) {
	in := `<interface type="direct"><source dev="eth0" mode="vepa"></source><model type="virtio"></model></interface>`
	i, err := ParseHostInterface([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(i.Extra.Nodes) != 2 {
		t.Errorf("%d nodes in Extra, want 2", len(i.Extra.Nodes))
	}
	out, err := i.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	want, _, _ := canonical([]byte(in))
	got, _, _ := canonical(out)
	if got != want {
		t.Errorf("round trip differs at %s", firstDiff(want, got))
	}
}

func FuzzParseHostInterface(f *testing.F) {
	f.Add([]byte(`<interface type='bridge' name='br0'><start mode='onboot'/><protocol family='ipv4'><dhcp/></protocol><bridge stp='off' delay='0'><interface type='ethernet' name='eth0'><mac address='52:54:00:00:00:01'/></interface></bridge></interface>`))
	addCorpusSeeds(f, "interface")
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRoundTrip(t, data, func(b []byte) (document, error) { return ParseHostInterface(b) })
	})
}
