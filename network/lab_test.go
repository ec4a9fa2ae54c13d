package network_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/internal/lab"
	"github.com/virtwire/virtwire/network"
	"github.com/virtwire/virtwire/xmlspec"
)

// Everything the tests create is named vwn<pid>-<n> (bridges vwb<pid><n>)
// so that helpers sharing the lab's daemon never collide.
var seq atomic.Int32

func unique(t *testing.T) (name, bridge string, subnet netip.Prefix) {
	t.Helper()
	n := seq.Add(1)
	pid := os.Getpid() % 100000
	// 10.<128+pid%100>.<n>.0/24: a subnet of our own in the 10/8 space.
	subnet = netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(128 + pid%100), byte(n), 1}), 24)
	return fmt.Sprintf("vwn%d-%d", pid, n), fmt.Sprintf("vwb%d%d", pid, n), subnet
}

type env struct {
	lab  *lab.Lab
	uri  string
	conn *virtwire.Conn
	ctx  context.Context
}

// dial connects to the lab's daemon with the driver (test or qemu). The
// test driver keeps its state only while a connection is open; this one
// stays open for the whole test.
func dial(t *testing.T, driver string) *env {
	t.Helper()
	l := lab.Require(t)
	uri := l.URI(lab.UnixRW)
	if driver == "qemu" {
		uri = l.DriverURI(lab.UnixRW, "qemu", "/system")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	conn, err := virtwire.Dial(ctx, uri)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Close()
		cancel()
	})
	return &env{lab: l, uri: uri, conn: conn, ctx: ctx}
}

func (e *env) virsh(t *testing.T, args ...string) string {
	t.Helper()
	return e.lab.Virsh(t, e.uri, args...)
}

// removeLater removes the network at cleanup, whatever state it is in.
func (e *env) removeLater(t *testing.T, name string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if n, err := network.Lookup(ctx, e.conn, name); err == nil {
			if err := n.Remove(ctx); err != nil {
				t.Errorf("cleanup: %v", err)
			}
		}
	})
}

// define defines a network of the test's own from cfg, with a unique name,
// bridge and subnet wherever cfg has none, starts it if asked, and removes
// it at cleanup.
func (e *env) define(t *testing.T, cfg network.Config, start bool) (*network.Network, network.Config) {
	t.Helper()
	name, bridge, cidr := unique(t)
	if cfg.Name == "" {
		cfg.Name = name
	}
	if cfg.Bridge == "" {
		cfg.Bridge = bridge
	}
	if !cfg.CIDR.IsValid() {
		cfg.CIDR = cidr
	}
	def, err := cfg.Definition()
	if err != nil {
		t.Fatal(err)
	}
	n, err := network.Define(e.ctx, e.conn, def)
	if err != nil {
		t.Fatal(err)
	}
	e.removeLater(t, cfg.Name)
	if start {
		if err := n.Start(e.ctx); err != nil {
			t.Fatal(err)
		}
	}
	return n, cfg
}

// netInfo parses `virsh net-info`.
func netInfo(t *testing.T, e *env, name string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, line := range strings.Split(e.virsh(t, "net-info", name), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok {
			out[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return out
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func checkInfo(t *testing.T, e *env, n *network.Network) {
	t.Helper()
	in, err := n.Info(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	v := netInfo(t, e, n.Name())
	want := map[string]string{
		"Name": in.Name, "UUID": in.UUID.String(), "Active": yesNo(in.Active),
		"Persistent": yesNo(in.Persistent), "Autostart": yesNo(in.Autostart), "Bridge": in.Bridge,
	}
	for k, w := range want {
		if v[k] != w {
			t.Errorf("virsh net-info %s: %s = %q, virtwire says %q", n.Name(), k, v[k], w)
		}
	}
}

func TestLifecycleMatchesVirsh(t *testing.T) {
	e := dial(t, "test")
	name, bridge, cidr := unique(t)
	def, err := network.Config{Name: name, CIDR: cidr, DHCP: true, ForwardMode: "nat", Domain: "vw.test", Bridge: bridge}.Definition()
	if err != nil {
		t.Fatal(err)
	}
	if err := network.CheckConflicts(e.ctx, e.conn, def); err != nil {
		t.Fatalf("CheckConflicts on a fresh name and subnet: %v", err)
	}
	n, err := network.Define(e.ctx, e.conn, def)
	if err != nil {
		t.Fatal(err)
	}
	e.removeLater(t, name)
	if n.Name() != name {
		t.Errorf("Name() = %q", n.Name())
	}
	checkInfo(t, e, n)
	if !slices.Contains(strings.Fields(e.virsh(t, "net-list", "--inactive", "--name")), name) {
		t.Errorf("virsh net-list --inactive does not list %s", name)
	}

	if err := n.Start(e.ctx); err != nil {
		t.Fatal(err)
	}
	if err := n.SetAutostart(e.ctx, true); err != nil {
		t.Fatal(err)
	}
	checkInfo(t, e, n)
	if v := netInfo(t, e, name); v["Active"] != "yes" || v["Autostart"] != "yes" || v["Bridge"] != bridge {
		t.Errorf("virsh net-info after Start and SetAutostart: %v", v)
	}
	if err := n.Start(e.ctx); !errors.Is(err, virtwire.ErrOperationInvalid) || !strings.Contains(err.Error(), name) {
		t.Errorf("starting an active network: %v, want ErrOperationInvalid naming it", err)
	}

	// The test driver has no NetworkXMLInactive (virsh net-dumpxml
	// --inactive fails there too); TestQemuDriverUpdateAndPorts checks it.
	got, err := n.XMLString(e.ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if want := e.virsh(t, "net-dumpxml", name); strings.TrimSpace(got) != want {
		t.Errorf("XMLString differs from virsh net-dumpxml:\n%s\nvirsh:\n%s", got, want)
	}
	x, err := n.XML(e.ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	start, end, _ := network.DHCPRange(cidr)
	if len(x.IPs) != 1 || x.IPs[0].DHCP == nil || len(x.IPs[0].DHCP.Ranges) != 1 ||
		x.IPs[0].DHCP.Ranges[0].Start != start.String() || x.IPs[0].DHCP.Ranges[0].End != end.String() ||
		x.Forward == nil || x.Forward.Mode != "nat" || x.Domain == nil || x.Domain.Name != "vw.test" {
		t.Errorf("XML() does not hold the definition: %+v", x)
	}
	if x.UUID == nil || *x.UUID != n.UUID() {
		t.Errorf("XML UUID %v, handle UUID %s", x.UUID, n.UUID())
	}
	byUUID, err := network.LookupByUUID(e.ctx, e.conn, n.UUID())
	if err != nil || byUUID.Name() != name {
		t.Errorf("LookupByUUID = %v, %v", byUUID, err)
	}

	if err := n.Stop(e.ctx); err != nil {
		t.Fatal(err)
	}
	checkInfo(t, e, n)
	if err := n.SetAutostart(e.ctx, false); err != nil {
		t.Fatal(err)
	}
	if err := n.Undefine(e.ctx); err != nil {
		t.Fatal(err)
	}
	_, err = network.Lookup(e.ctx, e.conn, name)
	if !errors.Is(err, virtwire.ErrNoNetwork) || !strings.Contains(err.Error(), fmt.Sprintf("%q", name)) {
		t.Errorf("Lookup after Undefine: %v, want ErrNoNetwork naming %s", err, name)
	}
	if _, err := e.lab.RunVirsh(e.ctx, e.uri, "net-info", name); err == nil {
		t.Errorf("virsh net-info still finds %s", name)
	}
	if _, err := n.IsActive(e.ctx); !errors.Is(err, virtwire.ErrNoNetwork) {
		t.Errorf("IsActive on an undefined network: %v, want ErrNoNetwork", err)
	}
}

func TestCreateTransient(t *testing.T) {
	e := dial(t, "test")
	name, bridge, cidr := unique(t)
	def, err := network.Config{Name: name, CIDR: cidr, Bridge: bridge}.Definition()
	if err != nil {
		t.Fatal(err)
	}
	n, err := network.Create(e.ctx, e.conn, def)
	if err != nil {
		t.Fatal(err)
	}
	e.removeLater(t, name)
	checkInfo(t, e, n)
	if v := netInfo(t, e, name); v["Persistent"] != "no" || v["Active"] != "yes" {
		t.Errorf("virsh net-info of a transient network: %v", v)
	}
	if !slices.Contains(strings.Fields(e.virsh(t, "net-list", "--transient", "--name")), name) {
		t.Errorf("virsh net-list --transient does not list %s", name)
	}
	// Creating it again fails and leaves the running one as it was.
	before := e.virsh(t, "net-dumpxml", name)
	def.Bridge.Name = bridge + "x"
	if _, err := network.Create(e.ctx, e.conn, def); err == nil || !strings.Contains(err.Error(), name) {
		t.Errorf("creating a second network %s: %v, want an error naming it", name, err)
	}
	if after := e.virsh(t, "net-dumpxml", name); after != before {
		t.Errorf("a failed Create changed the network:\n%s\n->\n%s", before, after)
	}
	if err := n.Stop(e.ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := network.Lookup(e.ctx, e.conn, name); !errors.Is(err, virtwire.ErrNoNetwork) {
		t.Errorf("a stopped transient network still exists: %v", err)
	}
}

func TestListFiltersMatchVirsh(t *testing.T) {
	e := dial(t, "test")
	// Three networks of ours: active+persistent+autostart, inactive
	// persistent, active transient.
	var mine []string
	mk := func(persistent, start, autostart bool) string {
		name, bridge, cidr := unique(t)
		def, err := network.Config{Name: name, CIDR: cidr, Bridge: bridge}.Definition()
		if err != nil {
			t.Fatal(err)
		}
		var n *network.Network
		if persistent {
			n, err = network.Define(e.ctx, e.conn, def)
		} else {
			n, err = network.Create(e.ctx, e.conn, def)
		}
		if err != nil {
			t.Fatal(err)
		}
		e.removeLater(t, name)
		if persistent && start {
			if err := n.Start(e.ctx); err != nil {
				t.Fatal(err)
			}
		}
		if autostart {
			if err := n.SetAutostart(e.ctx, true); err != nil {
				t.Fatal(err)
			}
		}
		mine = append(mine, name)
		return name
	}
	mk(true, true, true)
	mk(true, false, false)
	mk(false, true, false)
	ours := func(names []string) []string {
		var out []string
		for _, n := range names {
			if slices.Contains(mine, n) || n == "default" {
				out = append(out, n)
			}
		}
		slices.Sort(out)
		return out
	}
	tests := []struct {
		filter network.Filter
		virsh  []string
	}{
		{0, []string{"--all"}},
		{network.Active, nil},
		{network.Inactive, []string{"--inactive"}},
		{network.Persistent, []string{"--all", "--persistent"}},
		{network.Transient, []string{"--all", "--transient"}},
		{network.Autostart, []string{"--all", "--autostart"}},
		{network.NoAutostart, []string{"--all", "--no-autostart"}},
		{network.Active | network.Persistent, []string{"--persistent"}},
		{network.Inactive | network.Transient, []string{"--inactive", "--transient"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.filter), func(t *testing.T) {
			nets, err := network.List(e.ctx, e.conn, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, n := range nets {
				got = append(got, n.Name())
			}
			want := strings.Fields(e.virsh(t, append([]string{"net-list", "--name"}, tt.virsh...)...))
			if g, w := ours(got), ours(want); !slices.Equal(g, w) {
				t.Errorf("List(%v) = %v; virsh net-list %v = %v", tt.filter, g, tt.virsh, w)
			}
		})
	}
	// The filters do select: the table above would pass on lists that are
	// all empty.
	all, err := network.List(e.ctx, e.conn, 0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, n := range all {
		names = append(names, n.Name())
	}
	if got := ours(names); len(got) != 4 {
		t.Errorf("List(0) holds %v of ours, want default and 3 more", got)
	}
}

// dumpxml returns virsh net-dumpxml's output.
func dumpxml(t *testing.T, e *env, name string) string {
	t.Helper()
	return e.virsh(t, "net-dumpxml", name)
}

// TestUpdateMatchesVirshNetUpdate applies each change to two identical
// networks, with virtwire to one and with virsh net-update to the other,
// and checks that their XML stays identical after each step and once both
// are stopped.
func TestUpdateMatchesVirshNetUpdate(t *testing.T) {
	e := dial(t, "test")
	var names [2]string
	var nets [2]*network.Network
	_, _, cidr := unique(t)
	base := cidr.Masked().Addr().As4()
	addr := func(last byte) netip.Addr { return netip.AddrFrom4([4]byte{base[0], base[1], base[2], last}) }
	for i := range names {
		n, cfg := e.define(t, network.Config{CIDR: cidr}, true)
		names[i], nets[i] = cfg.Name, n
	}
	n := nets[0]
	mac, _ := xmlspec.ParseMAC("52:54:00:00:00:08")
	host := fmt.Sprintf("<host mac='52:54:00:00:00:08' name='alma-8-8' ip='%s'/>", addr(8))
	host9 := fmt.Sprintf("<host mac='52:54:00:00:00:08' name='alma-8-8' ip='%s'/>", addr(9))
	rng := fmt.Sprintf("<range start='%s' end='%s'/>", addr(100), addr(120))
	dnsHost := fmt.Sprintf("<host ip='%s'><hostname>www</hostname></host>", addr(50))
	dnsHost2 := fmt.Sprintf("<host ip='%s'><hostname>www</hostname><hostname>web</hostname></host>", addr(51))
	both := network.AffectLive | network.AffectConfig
	steps := []struct {
		name  string
		do    func() error
		virsh []string // net-update arguments after the network's name
	}{
		{"add dhcp host", func() error {
			return n.AddDHCPHost(e.ctx, xmlspec.DHCPHost{MAC: mac, Name: "alma-8-8", IP: addr(8).String()}, both)
		}, []string{"add-last", "ip-dhcp-host", host, "--live", "--config"}},
		{"modify dhcp host", func() error {
			return n.ModifyDHCPHost(e.ctx, xmlspec.DHCPHost{MAC: mac, Name: "alma-8-8", IP: addr(9).String()}, both)
		}, []string{"modify", "ip-dhcp-host", host9, "--live", "--config"}},
		{"add dhcp range", func() error { return n.AddDHCPRange(e.ctx, addr(100), addr(120), both) },
			[]string{"add-last", "ip-dhcp-range", rng, "--live", "--config"}},
		{"delete dhcp range", func() error { return n.DeleteDHCPRange(e.ctx, addr(100), addr(120), both) },
			[]string{"delete", "ip-dhcp-range", rng, "--live", "--config"}},
		{"add dns host config only", func() error {
			return n.AddDNSHost(e.ctx, xmlspec.DNSHost{IP: addr(50).String(), Hostnames: []string{"www"}}, network.AffectConfig)
		}, []string{"add-last", "dns-host", dnsHost, "--config"}},
		{"add dns host live", func() error {
			return n.AddDNSHost(e.ctx, xmlspec.DNSHost{IP: addr(50).String(), Hostnames: []string{"www"}}, network.AffectLive)
		}, []string{"add-last", "dns-host", dnsHost, "--live"}},
		{"add second dns host", func() error {
			return n.AddDNSHost(e.ctx, xmlspec.DNSHost{IP: addr(51).String(), Hostnames: []string{"www", "web"}}, both)
		}, []string{"add-last", "dns-host", dnsHost2, "--live", "--config"}},
		{"delete dns host", func() error { return n.DeleteDNSHost(e.ctx, addr(50), both) },
			[]string{"delete", "dns-host", fmt.Sprintf("<host ip='%s'/>", addr(50)), "--live", "--config"}},
		{"delete second dns host", func() error { return n.DeleteDNSHost(e.ctx, addr(51), both) },
			[]string{"delete", "dns-host", fmt.Sprintf("<host ip='%s'/>", addr(51)), "--live", "--config"}},
		{"add port group", func() error {
			return n.AddPortGroup(e.ctx, xmlspec.PortGroup{Name: "eng", Default: "yes"}, both)
		}, []string{"add-last", "portgroup", "<portgroup name='eng' default='yes'/>", "--live", "--config"}},
		{"modify port group", func() error {
			return n.ModifyPortGroup(e.ctx, xmlspec.PortGroup{Name: "eng", TrustGuestRxFilters: "yes"}, both)
		}, []string{"modify", "portgroup", "<portgroup name='eng' trustGuestRxFilters='yes'/>", "--live", "--config"}},
		{"delete port group", func() error { return n.DeletePortGroup(e.ctx, "eng", both) },
			[]string{"delete", "portgroup", "<portgroup name='eng'/>", "--live", "--config"}},
		{"delete dhcp host live only", func() error { return n.DeleteDHCPHost(e.ctx, mac, network.AffectLive) },
			[]string{"delete", "ip-dhcp-host", "<host mac='52:54:00:00:00:08'/>", "--live"}},
		{"current on an active network is live", func() error {
			return n.AddDHCPHost(e.ctx, xmlspec.DHCPHost{MAC: mac, IP: addr(10).String()}, network.AffectCurrent)
		}, []string{"add-last", "ip-dhcp-host", fmt.Sprintf("<host mac='52:54:00:00:00:08' ip='%s'/>", addr(10)), "--current"}},
	}
	// normalize blanks out what differs between the two networks by
	// construction.
	normalize := func(doc string) string {
		x, err := xmlspec.ParseNetwork([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		x.Name, x.UUID, x.Bridge = "", nil, nil
		out, err := x.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	prev := dumpxml(t, e, names[0])
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		e.virsh(t, append([]string{"net-update", names[1]}, st.virsh...)...)
		a, b := dumpxml(t, e, names[0]), dumpxml(t, e, names[1])
		if normalize(a) != normalize(b) {
			t.Errorf("%s: live XML differs from virsh net-update's:\nvirtwire:\n%s\nvirsh:\n%s", st.name, a, b)
		}
		if a == prev && !strings.Contains(st.name, "config only") {
			t.Errorf("%s changed nothing", st.name)
		}
		prev = a
	}
	// The host is at .10 now (the last step).
	live, err := n.XML(e.ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if h := live.DHCPHostByMAC(mac); h == nil || h.IP != addr(10).String() {
		t.Errorf("live DHCP host = %+v, want ip %s", h, addr(10))
	}
	// Once stopped, the test driver shows the definition it last ran
	// (virsh's network as ours), not the persistent one; so only
	// TestQemuDriverUpdateAndPorts tells live and persistent apart.
	for _, n := range nets {
		if err := n.Stop(e.ctx); err != nil {
			t.Fatal(err)
		}
	}
	a, b := dumpxml(t, e, names[0]), dumpxml(t, e, names[1])
	if normalize(a) != normalize(b) {
		t.Errorf("persistent XML differs from virsh net-update's:\nvirtwire:\n%s\nvirsh:\n%s", a, b)
	}
	cfg, err := n.XML(e.ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if (cfg.DNS != nil && len(cfg.DNS.Hosts) != 0) || len(cfg.PortGroups) != 0 || cfg.IPs[0].DHCP == nil || len(cfg.IPs[0].DHCP.Ranges) != 0 {
		t.Errorf("persistent XML keeps deleted DNS hosts, port groups or ranges:\n%s", a)
	}
}

// TestUpdateBadInputLeavesNetwork checks that updates the daemon refuses
// come back as errors naming the network, with its XML untouched.
func TestUpdateBadInputLeavesNetwork(t *testing.T) {
	e := dial(t, "test")
	n, cfg := e.define(t, network.Config{DHCP: true}, true)
	name, cidr := cfg.Name, cfg.CIDR
	mac, _ := xmlspec.ParseMAC("52:54:00:00:00:21")
	other, _ := xmlspec.ParseMAC("52:54:00:00:00:22")
	in := cidr.Addr().Next().Next().String()
	if err := n.AddDHCPHost(e.ctx, xmlspec.DHCPHost{MAC: mac, IP: in}, network.AffectLive|network.AffectConfig); err != nil {
		t.Fatal(err)
	}
	before := dumpxml(t, e, name)
	var libvirtErr *virtwire.Error
	tests := []struct {
		name string
		do   func() error
		want error // errors.Is target; nil: libvirt's error (*virtwire.Error)
		msg  string
	}{
		{"host outside every subnet", func() error {
			return n.AddDHCPHost(e.ctx, xmlspec.DHCPHost{MAC: other, IP: "172.31.255.9"}, network.AffectLive)
		}, xmlspec.ErrNoSubnet, "172.31.255.9"},
		{"duplicate MAC", func() error {
			return n.AddDHCPHost(e.ctx, xmlspec.DHCPHost{MAC: mac, IP: cidr.Addr().Next().String()}, network.AffectLive|network.AffectConfig)
		}, xmlspec.ErrDuplicateHost, "MAC " + mac.String()},
		{"duplicate IP", func() error {
			return n.AddDHCPHost(e.ctx, xmlspec.DHCPHost{MAC: other, IP: in}, network.AffectLive)
		}, xmlspec.ErrDuplicateHost, "ip " + in},
		{"delete a host it does not have", func() error { return n.DeleteDHCPHost(e.ctx, other, network.AffectLive) },
			network.ErrNoHost, "MAC " + other.String()},
		{"modify a host it does not have", func() error {
			// libvirt alone would replace the host that has this address.
			return n.ModifyDHCPHost(e.ctx, xmlspec.DHCPHost{MAC: other, IP: in}, network.AffectLive)
		}, network.ErrNoHost, "MAC " + other.String()},
		{"delete a port group it does not have", func() error { return n.DeletePortGroup(e.ctx, "nope", network.AffectConfig) },
			nil, "nope"},
		{"delete a DHCP range it does not have", func() error {
			return n.DeleteDHCPRange(e.ctx, cidr.Addr().Next(), cidr.Addr().Next().Next(), network.AffectLive)
		}, nil, "range"},
		{"malformed XML", func() error {
			return n.Update(e.ctx, virtwire.NetworkUpdateCommandAddLast, virtwire.NetworkSectionIPDHCPHost, -1, "<host", network.AffectLive)
		}, nil, ""},
		{"no such ip element", func() error {
			return n.Update(e.ctx, virtwire.NetworkUpdateCommandAddLast, virtwire.NetworkSectionIPDHCPHost, 7,
				fmt.Sprintf("<host mac='%s' ip='%s'/>", other, in), network.AffectLive)
		}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			if err == nil {
				t.Fatal("no error")
			}
			if tt.want != nil && !errors.Is(err, tt.want) || tt.want == nil && !errors.As(err, &libvirtErr) {
				t.Errorf("error = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("network %q: ", name)) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error = %v, want it to name the network and say %q", err, tt.msg)
			}
			if after := dumpxml(t, e, name); after != before {
				t.Errorf("the network changed:\n%s\n->\n%s", before, after)
			}
		})
	}
	gone, err := network.Lookup(e.ctx, e.conn, name+"-gone")
	if !errors.Is(err, virtwire.ErrNoNetwork) || gone != nil || !strings.Contains(err.Error(), name+"-gone") {
		t.Errorf("Lookup of an unknown network: %v, %v", gone, err)
	}
	ghost := network.FromRef(e.conn, virtwire.Network{Name: name + "-gone"})
	if err := ghost.AddDHCPHost(e.ctx, xmlspec.DHCPHost{MAC: other, IP: in}, network.AffectLive); !errors.Is(err, virtwire.ErrNoNetwork) {
		t.Errorf("updating an unknown network: %v, want ErrNoNetwork", err)
	}
}

func TestCheckConflicts(t *testing.T) {
	e := dial(t, "test")
	n, cfg := e.define(t, network.Config{}, false)
	name, bridge, cidr := cfg.Name, cfg.Bridge, cfg.CIDR
	name2, bridge2, cidr2 := unique(t)
	overlapping := netip.PrefixFrom(cidr.Addr().Next().Next(), 16) // holds cidr
	uuid := n.UUID()
	tests := []struct {
		name    string
		cfg     network.Config
		uuid    *xmlspec.UUID
		wantErr error
		wantMsg string
	}{
		{"fresh", network.Config{Name: name2, CIDR: cidr2, Bridge: bridge2}, nil, nil, ""},
		{"same name", network.Config{Name: name, CIDR: cidr2}, nil, network.ErrExists, "network already exists"},
		{"same uuid", network.Config{Name: name2, CIDR: cidr2}, &uuid, network.ErrExists, "has UUID " + uuid.String()},
		{"same bridge", network.Config{Name: name2, CIDR: cidr2, Bridge: bridge}, nil, network.ErrBridgeInUse, fmt.Sprintf("network %q has bridge %s", name, bridge)},
		{"same subnet", network.Config{Name: name2, CIDR: netip.PrefixFrom(cidr.Addr().Next(), 24)}, nil, network.ErrOverlap,
			fmt.Sprintf("%s overlaps %s of network %q", cidr.Masked(), cidr.Masked(), name)},
		{"larger subnet", network.Config{Name: name2, CIDR: overlapping}, nil, network.ErrOverlap, "overlaps " + cidr.Masked().String()},
		{"default's subnet", network.Config{Name: name2, CIDR: netip.MustParsePrefix("192.168.122.7/28")}, nil, network.ErrOverlap,
			`192.168.122.0/28 overlaps 192.168.122.0/24 of network "default"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := tt.cfg.Definition()
			if err != nil {
				t.Fatal(err)
			}
			d.UUID = tt.uuid
			err = network.CheckConflicts(e.ctx, e.conn, d)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("CheckConflicts: %v", err)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("CheckConflicts: %v; want %v containing %q", err, tt.wantErr, tt.wantMsg)
			}
		})
	}
}

func TestDHCPLeasesUnsupportedOnTestDriver(t *testing.T) {
	e := dial(t, "test")
	n, err := network.Lookup(e.ctx, e.conn, "default")
	if err != nil {
		t.Fatal(err)
	}
	_, err = n.DHCPLeases(e.ctx, nil)
	if !virtwire.IsUnsupported(err) || !strings.Contains(err.Error(), `network "default": DHCP leases`) {
		t.Fatalf("DHCPLeases on the test driver: %v, want an unsupported error naming the network", err)
	}
	if _, err := e.lab.RunVirsh(e.ctx, e.uri, "net-dhcp-leases", "default"); err == nil || !strings.Contains(err.Error(), "not supported") {
		t.Errorf("virsh net-dhcp-leases: %v, want not supported as well", err)
	}
}

// TestQemuDriverUpdateAndPorts uses the bridge network driver behind
// qemu:///system with a network that touches nothing on the host: a
// bridge-mode network on a bridge that does not exist, which libvirt starts
// without creating anything.
func TestQemuDriverUpdateAndPorts(t *testing.T) {
	e := dial(t, "qemu")
	// Defined but never started: no bridge, no dnsmasq.
	n, cfg := e.define(t, network.Config{DHCP: true}, false)
	name, cidr := cfg.Name, cfg.CIDR
	mac, _ := xmlspec.ParseMAC("52:54:00:00:00:31")
	ip := cidr.Addr().Next().Next().Next().String()
	if err := n.AddDHCPHost(e.ctx, xmlspec.DHCPHost{MAC: mac, Name: "q1", IP: ip}, network.AffectConfig); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("<host mac='%s' name='q1' ip='%s'/>", mac, ip)
	if got := e.virsh(t, "net-dumpxml", name, "--inactive"); !strings.Contains(got, want) {
		t.Errorf("virsh net-dumpxml --inactive after AddDHCPHost lacks %s:\n%s", want, got)
	}
	for _, inactive := range []bool{false, true} {
		got, err := n.XMLString(e.ctx, inactive)
		if err != nil {
			t.Fatal(err)
		}
		args := []string{"net-dumpxml", name}
		if inactive {
			args = append(args, "--inactive")
		}
		if want := e.virsh(t, args...); strings.TrimSpace(got) != want {
			t.Errorf("XMLString(inactive=%v) differs from virsh %s:\n%s\nvirsh:\n%s", inactive, strings.Join(args, " "), got, want)
		}
	}
	if err := n.AddDHCPHost(e.ctx, xmlspec.DHCPHost{MAC: mac, IP: ip}, network.AffectLive); err == nil {
		t.Error("a live update of an inactive network succeeded")
	}
	if err := n.DeleteDHCPHost(e.ctx, mac, network.AffectConfig); err != nil {
		t.Fatal(err)
	}
	if got := e.virsh(t, "net-dumpxml", name, "--inactive"); strings.Contains(got, "<host") {
		t.Errorf("the host is still there after DeleteDHCPHost:\n%s", got)
	}

	// Ports, on a bridge-mode network.
	pname, pbridge, _ := unique(t)
	pdef := &xmlspec.Network{Name: pname, Forward: &xmlspec.Forward{Mode: "bridge"}, Bridge: &xmlspec.NetworkBridge{Name: pbridge}}
	pn, err := network.Define(e.ctx, e.conn, pdef)
	if err != nil {
		t.Fatal(err)
	}
	e.removeLater(t, pname)
	if err := pn.Start(e.ctx); err != nil {
		t.Fatal(err)
	}
	// Live and persistent configurations part: a port group live only,
	// another in the persistent configuration only.
	if err := pn.AddPortGroup(e.ctx, xmlspec.PortGroup{Name: "liveonly"}, network.AffectLive); err != nil {
		t.Fatal(err)
	}
	if err := pn.AddPortGroup(e.ctx, xmlspec.PortGroup{Name: "configonly"}, network.AffectConfig); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		inactive   bool
		want, lack string
	}{{false, "liveonly", "configonly"}, {true, "configonly", "liveonly"}} {
		x, err := pn.XML(e.ctx, c.inactive)
		if err != nil {
			t.Fatal(err)
		}
		var groups []string
		for _, g := range x.PortGroups {
			groups = append(groups, g.Name)
		}
		if !slices.Equal(groups, []string{c.want}) {
			t.Errorf("XML(inactive=%v) port groups = %v, want [%s]", c.inactive, groups, c.want)
		}
		args := []string{"net-dumpxml", pname}
		if c.inactive {
			args = append(args, "--inactive")
		}
		if v := e.virsh(t, args...); !strings.Contains(v, "'"+c.want+"'") || strings.Contains(v, "'"+c.lack+"'") {
			t.Errorf("virsh %v:\n%s\nwant port group %s and not %s", args, v, c.want, c.lack)
		}
	}
	leases, err := pn.DHCPLeases(e.ctx, nil)
	if err != nil || len(leases) != 0 {
		t.Errorf("DHCPLeases of a network without DHCP = %v, %v", leases, err)
	}
	owner, _ := xmlspec.NewUUID()
	pmac, _ := xmlspec.ParseMAC("52:54:00:00:00:32")
	port, err := pn.CreatePort(e.ctx, &xmlspec.NetworkPort{
		Owner: &xmlspec.NetworkPortOwner{Name: "vwguest", UUID: &owner},
		MAC:   &xmlspec.NetworkMAC{Address: pmac},
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	ports, err := pn.Ports(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ports) != 1 || ports[0].UUID() != port.UUID() {
		t.Fatalf("Ports() = %v, want the one created", ports)
	}
	if got := strings.Fields(e.virsh(t, "net-port-list", pname, "--uuid")); !slices.Equal(got, []string{port.UUID().String()}) {
		t.Errorf("virsh net-port-list = %v, want %s", got, port.UUID())
	}
	px, err := port.XML(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if px.Plug == nil || px.Plug.Type != "bridge" || px.Plug.Bridge != pbridge || px.Owner == nil || px.Owner.Name != "vwguest" {
		t.Errorf("port XML = %+v", px)
	}
	vx, err := xmlspec.ParseNetworkPort([]byte(e.virsh(t, "net-port-dumpxml", pname, port.UUID().String())))
	if err != nil {
		t.Fatal(err)
	}
	if a, b := mustMarshal(t, px), mustMarshal(t, vx); a != b {
		t.Errorf("port XML differs from virsh net-port-dumpxml:\n%s\n%s", a, b)
	}
	if got, err := pn.LookupPort(e.ctx, port.UUID()); err != nil || got.UUID() != port.UUID() {
		t.Errorf("LookupPort = %v, %v", got, err)
	}
	if err := port.Delete(e.ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := pn.LookupPort(e.ctx, port.UUID()); !errors.Is(err, virtwire.ErrNoNetworkPort) || !strings.Contains(err.Error(), pname) {
		t.Errorf("LookupPort after Delete: %v, want ErrNoNetworkPort naming the network", err)
	}
}

func mustMarshal(t *testing.T, p *xmlspec.NetworkPort) string {
	t.Helper()
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// defineDomain defines a test-driver domain with the given NICs, starts it
// if asked, and removes it at cleanup.
func (e *env) defineDomain(t *testing.T, name string, start bool, nics ...string) virtwire.Domain {
	t.Helper()
	doc := fmt.Sprintf(`<domain type='test'><name>%s</name><memory>65536</memory><vcpu>1</vcpu>
<os><type arch='x86_64'>hvm</type></os><devices>%s</devices></domain>`, name, strings.Join(nics, ""))
	dom, err := e.conn.DomainDefineXML(e.ctx, doc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if start {
			_ = e.conn.DomainDestroy(ctx, &dom)
		}
		if err := e.conn.DomainUndefine(ctx, dom); err != nil {
			t.Errorf("cleanup: undefining %s: %v", name, err)
		}
	})
	if start {
		if err := e.conn.DomainCreate(e.ctx, &dom); err != nil {
			t.Fatal(err)
		}
	}
	return dom
}

// virshDomIfAddr parses `virsh domifaddr DOMAIN`: MAC to addresses.
func virshDomIfAddr(t *testing.T, e *env, dom string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, line := range strings.Split(e.virsh(t, "domifaddr", dom), "\n") {
		f := strings.Fields(line)
		if len(f) == 4 && strings.Count(f[1], ":") == 5 {
			addr, _, _ := strings.Cut(f[3], "/")
			out[f[1]] = append(out[f[1]], addr)
		}
	}
	return out
}

// virshDomIfList parses `virsh domiflist DOMAIN`: MAC to interface, type
// and source.
func virshDomIfList(t *testing.T, e *env, dom string) map[string][3]string {
	t.Helper()
	out := map[string][3]string{}
	for _, line := range strings.Split(e.virsh(t, "domiflist", dom), "\n") {
		f := strings.Fields(line)
		if len(f) == 5 && strings.Count(f[4], ":") == 5 {
			out[f[4]] = [3]string{f[0], f[1], f[2]}
		}
	}
	return out
}

func TestListAttached(t *testing.T) {
	e := dial(t, "test")
	n, cfg := e.define(t, network.Config{DHCP: true}, true)
	host := func(last byte) string {
		a := cfg.CIDR.Masked().Addr().As4()
		a[3] = last
		return netip.AddrFrom4(a).String()
	}
	mac1, _ := xmlspec.ParseMAC("52:54:00:10:00:01")
	mac2, _ := xmlspec.ParseMAC("52:54:00:10:00:02")
	mac3, _ := xmlspec.ParseMAC("52:54:00:10:00:03")
	mac4, _ := xmlspec.ParseMAC("52:54:00:10:00:04")
	for _, h := range []xmlspec.DHCPHost{{MAC: mac1, Name: "one", IP: host(8)}, {MAC: mac3, Name: "three", IP: host(9)}} {
		if err := n.AddDHCPHost(e.ctx, h, network.AffectLive|network.AffectConfig); err != nil {
			t.Fatal(err)
		}
	}
	nic := func(typ, attr, src string, mac net.HardwareAddr) string {
		return fmt.Sprintf("<interface type='%s'><mac address='%s'/><source %s='%s'/></interface>", typ, mac, attr, src)
	}
	base, _, _ := unique(t)
	running, stopped := base+"-a", base+"-b"
	// Domain names sort: -a before -b.
	e.defineDomain(t, running, true,
		nic("network", "network", cfg.Name, mac1),
		nic("network", "network", "default", mac4), // not ours
		nic("bridge", "bridge", cfg.Bridge, mac2))
	e.defineDomain(t, stopped, false, nic("network", "network", cfg.Name, mac3))

	got, err := n.ListAttached(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Other helpers' domains may sit on default, never on our network.
	if len(got) != 3 {
		t.Fatalf("ListAttached = %+v, want 3 NICs", got)
	}
	// The running domain: its first NIC has a static DHCP host; the test
	// driver has no network leases, so the bridge NIC's addresses come
	// from the domain's lease source, as virsh domifaddr shows them.
	ifaddr := virshDomIfAddr(t, e, running)
	iflist := virshDomIfList(t, e, running)
	for i, want := range []struct {
		mac      net.HardwareAddr
		hostname string
		nicType  string
		source   network.AddressSource
		ips      []string
	}{
		{mac1, "one", "network", network.FromDHCPHost, []string{host(8)}},
		{mac2, "", "bridge", network.FromDomainLease, ifaddr[mac2.String()]},
	} {
		a := got[i]
		if a.Domain != running || !a.Active || a.MAC.String() != want.mac.String() || a.Hostname != want.hostname {
			t.Errorf("NIC %d = %+v", i, a)
		}
		var ips []string
		for _, ip := range a.IPs {
			ips = append(ips, ip.String())
		}
		if len(want.ips) == 0 || !slices.Equal(ips, want.ips) || a.Source != want.source {
			t.Errorf("NIC %s: IPs %v from %q, want %v from %q", want.mac, ips, a.Source, want.ips, want.source)
		}
		l, ok := iflist[want.mac.String()]
		if !ok || a.HostDevice != l[0] || l[1] != want.nicType || a.HostDevice == "" {
			t.Errorf("NIC %s: host device %q; virsh domiflist says %v", want.mac, a.HostDevice, l)
		}
		if a.Interface == nil || a.Interface.Type != want.nicType {
			t.Errorf("NIC %s: Interface = %+v", want.mac, a.Interface)
		}
	}
	// The stopped domain: no host device, the address of its static DHCP
	// host.
	a := got[2]
	if a.Domain != stopped || a.Active || a.MAC.String() != mac3.String() || a.HostDevice != "" ||
		a.Source != network.FromDHCPHost || len(a.IPs) != 1 || a.IPs[0].String() != host(9) || a.Hostname != "three" {
		t.Errorf("stopped domain's NIC = %+v", a)
	}
	if l := virshDomIfList(t, e, stopped)[mac3.String()]; l[2] != cfg.Name {
		t.Errorf("virsh domiflist %s: %v, want source %s", stopped, l, cfg.Name)
	}

	// The test domain's NIC is on default, with the domain's lease address.
	def, err := network.Lookup(e.ctx, e.conn, "default")
	if err != nil {
		t.Fatal(err)
	}
	all, err := def.ListAttached(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(all, func(a network.Attachment) bool { return a.Domain == "test" })
	if i < 0 {
		t.Fatalf("ListAttached(default) = %+v, lacks domain test", all)
	}
	if a := all[i]; a.MAC.String() != "aa:bb:cc:dd:ee:ff" || a.HostDevice != "testnet0" || len(a.IPs) == 0 ||
		a.IPs[0].String() != virshDomIfAddr(t, e, "test")["aa:bb:cc:dd:ee:ff"][0] {
		t.Errorf("test domain's NIC = %+v", a)
	}
	if slices.ContainsFunc(all, func(a network.Attachment) bool { return a.MAC.String() == mac4.String() }) != true {
		t.Errorf("ListAttached(default) lacks %s of %s", mac4, running)
	}
}
