package xmlspec

import (
	"errors"
	"strings"
	"testing"
)

func readNetwork(t *testing.T, name string) (*Network, []byte) {
	t.Helper()
	return readDoc(t, name, ParseNetwork)
}

func TestSubnet(t *testing.T) {
	u := func(v uint) *uint { return &v }
	tests := []struct {
		ip   NetworkIP
		want string
	}{
		{NetworkIP{Address: "192.168.122.1", Netmask: "255.255.255.0"}, "192.168.122.0/24"},
		{NetworkIP{Address: "192.168.122.1", Prefix: u(23)}, "192.168.122.0/23"},
		{NetworkIP{Address: "10.24.10.1"}, "10.0.0.0/8"},
		{NetworkIP{Address: "172.16.1.1"}, "172.16.0.0/16"},
		{NetworkIP{Address: "192.0.2.1"}, "192.0.2.0/24"},
		{NetworkIP{Address: "2001:db8::1", Family: "ipv6", Prefix: u(64)}, "2001:db8::/64"},
		{NetworkIP{Address: "2001:db8::1", Family: "ipv6"}, "2001:db8::/64"},
		{NetworkIP{Address: "192.168.1.1", Netmask: "255.0.255.0"}, ""},
		{NetworkIP{Address: "192.168.1.1", Netmask: "ffff::"}, ""},
		{NetworkIP{Address: "192.168.1.1", Prefix: u(33)}, ""},
		{NetworkIP{Address: "host.example"}, ""},
	}
	for _, tt := range tests {
		p, err := tt.ip.Subnet()
		switch {
		case tt.want == "" && err == nil:
			t.Errorf("%+v: Subnet() = %s, want an error", tt.ip, p)
		case tt.want != "" && (err != nil || p.String() != tt.want):
			t.Errorf("%+v: Subnet() = %s, %v; want %s", tt.ip, p, err, tt.want)
		}
	}
}

func TestAddDHCPHost(t *testing.T) {
	n, _ := readNetwork(t, "dhcp.xml")
	mac := mustMAC(t, "52:54:00:00:00:07")
	h, err := n.AddDHCPHost(DHCPHost{MAC: mac, Name: "c.example.com", IP: "192.168.122.11"})
	if err != nil {
		t.Fatal(err)
	}
	if n.DHCPHostByMAC(mac) != h || len(n.IPs[0].DHCP.Hosts) != 2 {
		t.Fatalf("host not added to the first subnet: %+v", n.IPs[0].DHCP)
	}
	// A subnet without <dhcp> gets one.
	if _, err := n.AddDHCPHost(DHCPHost{MAC: mustMAC(t, "52:54:00:00:00:08"), IP: "192.168.123.8"}); err != nil {
		t.Fatal(err)
	}
	if d := n.IPs[1].DHCP; d == nil || len(d.Hosts) != 1 {
		t.Fatalf("second subnet: %+v", d)
	}
	if _, err := n.AddDHCPHost(DHCPHost{Name: "v6b", IP: "2001:db8:ac10:fe01::21"}); err != nil {
		t.Fatal(err)
	}
	out, err := n.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	if i, j := strings.Index(s, "a.example.com"), strings.Index(s, "c.example.com"); i < 0 || j < i {
		t.Errorf("new host not after the existing one:\n%s", s)
	}
	if !strings.Contains(s, "00:16:3E:77:E2:ED") {
		t.Error("existing host's MAC lost its spelling")
	}
	validate(t, "network.rng", map[string][]byte{"added": out})

	errTests := []struct {
		name string
		host DHCPHost
		is   error
	}{
		{"same MAC in other case", DHCPHost{MAC: mustMAC(t, "00:16:3e:77:e2:ed"), IP: "192.168.122.12"}, ErrDuplicateHost},
		{"same IP", DHCPHost{MAC: mustMAC(t, "52:54:00:00:00:09"), IP: "192.168.122.10"}, ErrDuplicateHost},
		{"same name", DHCPHost{MAC: mustMAC(t, "52:54:00:00:00:0a"), Name: "A.example.com", IP: "192.168.122.13"}, ErrDuplicateHost},
		{"no subnet", DHCPHost{MAC: mustMAC(t, "52:54:00:00:00:0b"), IP: "10.1.1.1"}, ErrNoSubnet},
		{"bad IP", DHCPHost{MAC: mustMAC(t, "52:54:00:00:00:0c"), IP: "192.168.122"}, nil},
		{"no identity", DHCPHost{IP: "192.168.122.14"}, nil},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(n.DHCPHosts())
			_, err := n.AddDHCPHost(tt.host)
			if err == nil || (tt.is != nil && !errors.Is(err, tt.is)) {
				t.Errorf("AddDHCPHost = %v, want %v", err, tt.is)
			}
			if len(n.DHCPHosts()) != before {
				t.Error("a failed add changed the network")
			}
		})
	}
}

func TestRemoveDHCPHost(t *testing.T) {
	n, orig := readNetwork(t, "dhcp.xml")
	mac := mustMAC(t, "52:54:00:00:00:07")
	if _, err := n.AddDHCPHost(DHCPHost{MAC: mac, IP: "192.168.122.11"}); err != nil {
		t.Fatal(err)
	}
	h, ok := n.RemoveDHCPHost(mac)
	if !ok || h.IP != "192.168.122.11" {
		t.Fatalf("RemoveDHCPHost = %+v %v", h, ok)
	}
	if _, ok := n.RemoveDHCPHost(mac); ok {
		t.Error("removed twice")
	}
	out, _ := n.Marshal()
	assertSameDoc(t, orig, out)

	removed := n.RemoveDHCPHosts(func(h *DHCPHost) bool { return h.Name != "" })
	if len(removed) != 2 || len(n.DHCPHosts()) != 0 {
		t.Errorf("RemoveDHCPHosts removed %d, left %d", len(removed), len(n.DHCPHosts()))
	}
	out, _ = n.Marshal()
	validate(t, "network.rng", map[string][]byte{"removed": out})
}
