package network

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseCIDR(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr string // substring of the error; "" for success
	}{
		{in: "10.255.0.1/24", want: "10.255.0.1/24"},
		{in: " 192.168.122.1/24 ", want: "192.168.122.1/24"},
		{in: "10.0.0.1/30", want: "10.0.0.1/30"},
		{in: "fd00:1::1/64", want: "fd00:1::1/64"},
		{in: "10.255.0.1", wantErr: "want an address and a prefix length"},
		{in: "10.255.0.1/33", wantErr: "want an address and a prefix length"},
		{in: "10.255.0.300/24", wantErr: "want an address and a prefix length"},
		{in: "garbage", wantErr: "want an address and a prefix length"},
		{in: "", wantErr: "want an address and a prefix length"},
		{in: "10.255.0.0/24", wantErr: "subnet's own address; give the host's address, such as 10.255.0.1/24"},
		{in: "10.255.0.255/24", wantErr: "broadcast address"},
		{in: "10.0.0.1/31", wantErr: "leaves no room for hosts"},
		{in: "10.0.0.1/32", wantErr: "leaves no room for hosts"},
		{in: "224.0.0.1/24", wantErr: "cannot be a host's address"},
		{in: "127.0.0.1/8", wantErr: "cannot be a host's address"},
		{in: "0.0.0.0/0", wantErr: "cannot be a host's address"},
		{in: "fe80::1%eth0/64", wantErr: "want an address and a prefix length"},
		{in: "::ffff:10.0.0.1/120", wantErr: "plain IPv4 or IPv6"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseCIDR(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrInvalid) {
					t.Fatalf("ParseCIDR(%q) = %v, %v; want an ErrInvalid error containing %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got.String() != tt.want {
				t.Fatalf("ParseCIDR(%q) = %v, %v; want %s", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestDHCPRange(t *testing.T) {
	tests := []struct {
		cidr, start, end string
	}{
		{"192.168.122.1/24", "192.168.122.2", "192.168.122.254"},
		{"10.255.0.1/24", "10.255.0.2", "10.255.0.254"},
		{"10.0.0.1/30", "10.0.0.2", "10.0.0.2"},
		{"10.0.0.2/30", "10.0.0.1", "10.0.0.1"}, // .1 is the only other usable address
		{"10.0.0.254/24", "10.0.0.1", "10.0.0.253"},
		{"10.0.0.100/24", "10.0.0.101", "10.0.0.254"},
		{"10.0.0.200/24", "10.0.0.1", "10.0.0.199"},
		{"10.1.0.1/16", "10.1.0.2", "10.1.255.254"},
		{"fd00:1::1/120", "fd00:1::2", "fd00:1::ff"},
		// Kept inside the 16-bit-aligned block of the host's neighbour, as
		// libvirt requires of a DHCP range.
		{"10.0.0.1/8", "10.0.0.2", "10.0.255.255"},
		{"10.0.0.1/15", "10.0.0.2", "10.0.255.255"},
		{"10.1.255.254/15", "10.1.0.0", "10.1.255.253"},
		{"10.255.255.254/8", "10.255.0.0", "10.255.255.253"},
		{"10.0.200.1/16", "10.0.0.1", "10.0.200.0"},
		{"10.0.255.255/8", "10.1.0.0", "10.1.255.255"},
		{"fd00:1::1/64", "fd00:1::2", "fd00:1::ffff"},
		{"fd00:1::1/112", "fd00:1::2", "fd00:1::ffff"},
		{"fd00:1::ffff:ffff:ffff:fffe/64", "fd00:1::ffff:ffff:ffff:0", "fd00:1::ffff:ffff:ffff:fffd"},
		{"fd00:1::1:0/64", "fd00:1::1:1", "fd00:1::1:ffff"},
		{"fd00:1::1:ffff/64", "fd00:1::2:0", "fd00:1::2:ffff"},
	}
	for _, tt := range tests {
		t.Run(tt.cidr, func(t *testing.T) {
			start, end, err := DHCPRange(netip.MustParsePrefix(tt.cidr))
			if err != nil {
				t.Fatal(err)
			}
			if start.String() != tt.start || end.String() != tt.end {
				t.Fatalf("DHCPRange(%s) = %s-%s, want %s-%s", tt.cidr, start, end, tt.start, tt.end)
			}
		})
	}
}

func TestConfigDefinition(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		want    string // the marshalled XML
		wantErr string
	}{
		{
			name: "virter net1",
			cfg:  Config{Name: "net1", DHCP: true, CIDR: netip.MustParsePrefix("10.255.0.1/24")},
			want: `<network>
  <name>net1</name>
  <ip address="10.255.0.1" prefix="24">
    <dhcp>
      <range start="10.255.0.2" end="10.255.0.254"></range>
    </dhcp>
  </ip>
</network>
`,
		},
		{
			name: "nat with domain and bridge",
			cfg: Config{Name: "nat1", CIDR: netip.MustParsePrefix("192.168.100.1/24"), ForwardMode: "nat",
				Domain: "test", Bridge: "virbr9"},
			want: `<network>
  <name>nat1</name>
  <forward mode="nat"></forward>
  <bridge name="virbr9"></bridge>
  <domain name="test"></domain>
  <ip address="192.168.100.1" prefix="24"></ip>
</network>
`,
		},
		{
			name: "ipv6 route",
			cfg:  Config{Name: "v6", CIDR: netip.MustParsePrefix("fd00:1::1/64"), ForwardMode: "route", DHCP: true},
			want: `<network>
  <name>v6</name>
  <forward mode="route"></forward>
  <ip address="fd00:1::1" prefix="64" family="ipv6">
    <dhcp>
      <range start="fd00:1::2" end="fd00:1::ffff"></range>
    </dhcp>
  </ip>
</network>
`,
		},
		{
			name: "isolated without ip",
			cfg:  Config{Name: "iso", ForwardMode: "none"},
			want: "<network>\n  <name>iso</name>\n</network>\n",
		},
		{name: "no name", cfg: Config{}, wantErr: "empty network name"},
		{name: "slash", cfg: Config{Name: "a/b"}, wantErr: `network name "a/b" contains '/'`},
		{name: "space", cfg: Config{Name: " a"}, wantErr: "white space"},
		{name: "bad mode", cfg: Config{Name: "x", ForwardMode: "bridge"}, wantErr: `forward mode "bridge": want nat, route, open or none`},
		{name: "dhcp without cidr", cfg: Config{Name: "x", DHCP: true}, wantErr: "DHCP needs a CIDR"},
		{name: "nat without cidr", cfg: Config{Name: "x", ForwardMode: "nat"}, wantErr: "forward mode nat needs a CIDR"},
		{name: "long bridge", cfg: Config{Name: "x", Bridge: "abcdefghijklmnop"}, wantErr: "longer than 15"},
		{name: "bridge colon", cfg: Config{Name: "x", Bridge: "br:0"}, wantErr: "contains '/', ':'"},
		{name: "bad domain", cfg: Config{Name: "x", Domain: "a..b"}, wantErr: `"" is not a DNS label`},
		{name: "domain underscore", cfg: Config{Name: "x", Domain: "my_lab"}, wantErr: `"my_lab" is not a DNS label`},
		{name: "network address", cfg: Config{Name: "x", CIDR: netip.MustParsePrefix("10.0.0.0/24")}, wantErr: "subnet's own address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			def, err := tt.cfg.Definition()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrInvalid) {
					t.Fatalf("Definition() error = %v, want ErrInvalid containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := def.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("XML (-want +got):\n%s", diff)
			}
		})
	}
}
