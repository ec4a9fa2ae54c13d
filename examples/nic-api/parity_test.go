package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/virtwire/virtwire/internal/lab"
	"github.com/virtwire/virtwire/xmlspec"
)

// The differences from Kimchi's guest interface API that its users meet:
// PUT, "ips", direct and Open vSwitch NICs, NICs named as the guest names
// them.

func qemuURI(l *lab.Lab) string { return l.DriverURI(lab.UnixRW, "qemu", "/system") }

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// domifaddrIPs is every address virsh domifaddr reports for the domain,
// from each source that answers, by MAC address, in the order the API
// gathers them (lease, agent, arp) and each once.
func domifaddrIPs(t *testing.T, virsh func(context.Context, ...string) (string, error), name string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, src := range []string{"lease", "agent", "arp"} {
		text, err := virsh(context.Background(), "domifaddr", name, "--source", src)
		if err != nil {
			continue // a source that fails adds nothing
		}
		mac := ""
		for i, line := range strings.Split(strings.TrimSpace(text), "\n") {
			f := strings.Fields(line)
			if i < 2 || len(f) != 4 {
				continue
			}
			if f[1] != "-" {
				mac = f[1]
			}
			ip, _, _ := strings.Cut(f[3], "/")
			if !contains(out[mac], ip) {
				out[mac] = append(out[mac], ip)
			}
		}
	}
	return out
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// Every NIC carries "ips": its addresses from leases, agent and ARP, as
// virsh domifaddr reports them for each source.
func TestNICsCarryTheirAddresses(t *testing.T) {
	a := newAPI(t, func(l *lab.Lab) string { return l.URI(lab.UnixRW) })
	want := domifaddrIPs(t, func(ctx context.Context, args ...string) (string, error) { return a.lab.RunVirsh(ctx, a.uri, args...) }, "test")
	if len(want) == 0 {
		t.Fatal("virsh domifaddr reports no address for the test domain")
	}
	code, _, body := a.do("GET", "/vms/test/ifaces", "")
	var raw []map[string]any
	if code != 200 || json.Unmarshal([]byte(body), &raw) != nil || len(raw) == 0 {
		t.Fatalf("GET: %d %s", code, body)
	}
	for _, n := range raw {
		mac, _ := n["mac"].(string)
		var ips []string
		list, ok := n["ips"].([]any)
		if !ok {
			t.Fatalf("NIC %s has no \"ips\" list: %s", mac, body)
		}
		for _, ip := range list {
			ips = append(ips, ip.(string))
		}
		if diff := cmp.Diff(want[mac], ips); diff != "" {
			t.Errorf("ips of %s differ from virsh domifaddr (-virsh +api):\n%s", mac, diff)
		}
	}
	// A shut-off domain's NICs have none.
	qa := newAPI(t, qemuURI)
	name := definedQEMU(t, qa, "")
	for _, n := range qa.nics("/vms/" + name + "/ifaces") {
		if n.IPs == nil || len(n.IPs) != 0 {
			t.Errorf("a shut-off domain's NIC has ips %#v, want []", n.IPs)
		}
	}
}

// definedQEMU defines a persistent, shut-off QEMU domain with one NIC of
// type user (extra is more <devices> XML) and removes it when the test
// ends; it returns the name.
func definedQEMU(t *testing.T, a *api, extra string) string {
	t.Helper()
	ctx := ctxT(t)
	name := unique(t, "vwdp-apip")
	doc := fmt.Sprintf(`<domain type='qemu'><name>%s</name><memory unit='MiB'>32</memory>
<os><type arch='x86_64'>hvm</type></os>
<devices><interface type='user'><mac address='%s'/><model type='virtio'/></interface>%s</devices></domain>`, name, lab.RandomMAC(), extra)
	ref, err := a.conn.DomainDefineXML(ctx, doc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = a.conn.DomainDestroy(ctx, &ref)
		_ = a.conn.DomainUndefine(ctx, ref)
	})
	return name
}

// runningQEMU is definedQEMU, started. It boots nothing (no disk), which
// is all a NIC's live changes need; its guest agent channel stays
// unconnected.
func runningQEMU(t *testing.T, a *api) string {
	t.Helper()
	name := definedQEMU(t, a, `<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>`)
	a.lab.Virsh(t, a.uri, "start", name)
	return name
}

func (a *api) nicByMAC(path, mac string) nicJSON {
	a.t.Helper()
	for _, n := range a.nics(path) {
		if n.MAC == mac {
			return n
		}
	}
	a.t.Fatalf("GET %s has no NIC %s", path, mac)
	return nicJSON{}
}

// PUT changes a NIC in place in the persistent definition of a shut-off
// domain: network, model, link state, as virsh domiflist --inactive and
// domif-getlink --config show them. Bad requests get their status and
// change nothing.
func TestPutChangesANICInPlace(t *testing.T) {
	a := newAPI(t, qemuURI)
	ctx := ctxT(t)
	nets := make([]string, 2)
	for i := range nets {
		nets[i] = unique(t, "vwdp-apinet")
		doc, _ := (&xmlspec.Network{Name: nets[i]}).Marshal()
		ref, err := a.conn.NetworkDefineXML(ctx, string(doc))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.conn.NetworkUndefine(context.Background(), ref) })
	}
	name := definedQEMU(t, a, "")
	base := "/vms/" + name + "/ifaces"
	code, loc, body := a.do("POST", base, `{"type":"network","network":"`+nets[0]+`"}`)
	if code != http.StatusCreated {
		t.Fatalf("POST: %d %s", code, body)
	}
	mac := decodeNIC(t, body).MAC

	code, _, body = a.do("PUT", loc, `{"network":"`+nets[1]+`","model":"e1000","link":"down"}`)
	if code != 200 {
		t.Fatalf("PUT: %d %s", code, body)
	}
	got := decodeNIC(t, body)
	want := nicJSON{Type: "network", MAC: mac, Model: "e1000", Network: nets[1], Link: "down", IPs: []string{}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PUT's answer (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(got, a.nicByMAC(base, mac)); diff != "" {
		t.Errorf("GET after PUT (-put +get):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"network", nets[1], "e1000", mac}, a.domiflist(name, "--inactive")[1][1:]); diff != "" {
		t.Errorf("virsh domiflist --inactive after PUT (-want +virsh):\n%s", diff)
	}
	if link := a.lab.Virsh(t, a.uri, "domif-getlink", name, mac, "--config"); link != mac+" down" {
		t.Errorf("virsh domif-getlink --config: %q", link)
	}
	// Up again; the rest stays.
	if code, _, body := a.do("PUT", loc, `{"link":"up"}`); code != 200 || decodeNIC(t, body).Link != "up" || decodeNIC(t, body).Model != "e1000" {
		t.Fatalf("PUT link up: %d %s", code, body)
	}

	before := a.lab.Virsh(t, a.uri, "dumpxml", "--inactive", name)
	user := a.nics(base)[0].MAC
	for _, tc := range []struct {
		name, path, body string
		code             int
		want             string
	}{
		{"nothing to change", loc, `{}`, 400, "nothing to change"},
		{"unknown network", loc, `{"network":"vwdp-no-such-net"}`, 400, "vwdp-no-such-net"},
		{"bad link state", loc, `{"link":"sideways"}`, 400, `want \"up\" or \"down\"`},
		{"empty model", loc, `{"model":""}`, 400, `\"model\" is empty`},
		{"new MAC", loc, `{"mac":"52:54:00:00:00:01"}`, 400, "cannot change in place"},
		{"bridge of a network NIC", loc, `{"bridge":"br0"}`, 400, `applies to a \"bridge\" NIC`},
		{"network of a user NIC", base + "/" + user, `{"network":"` + nets[0] + `"}`, 400, `applies to a \"network\" NIC`},
		{"network and bridge", loc, `{"network":"a","bridge":"b"}`, 400, "not both"},
		{"unknown field", loc, `{"vlan":3}`, 400, "vlan"},
		{"unknown NIC", base + "/52:54:00:ff:ff:fe", `{"link":"down"}`, 404, "no NIC with that MAC address"},
		{"unknown domain", "/vms/vwdp-no-such-vm/ifaces/" + mac, `{"link":"down"}`, 404, "vwdp-no-such-vm"},
		{"guest name on a shut-off domain", base + "/eth0", `{"link":"down"}`, 409, "guest agent"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, body := a.do("PUT", tc.path, tc.body)
			if code != tc.code || !strings.Contains(body, tc.want) {
				t.Fatalf("%d %s; want %d and %q", code, body, tc.code, tc.want)
			}
			if after := a.lab.Virsh(t, a.uri, "dumpxml", "--inactive", name); after != before {
				t.Fatalf("the definition changed:\n%s", cmp.Diff(before, after))
			}
		})
	}
}

// On a running persistent domain PUT changes the running guest and the
// persistent definition alike; what libvirt cannot change live (the model)
// is refused before anything changes.
func TestPutChangesLiveAndConfig(t *testing.T) {
	a := newAPI(t, qemuURI)
	name := runningQEMU(t, a)
	base := "/vms/" + name + "/ifaces"
	mac := a.nics(base)[0].MAC
	code, _, body := a.do("PUT", base+"/"+mac, `{"link":"down"}`)
	if code != 200 || decodeNIC(t, body).Link != "down" {
		t.Fatalf("PUT link down: %d %s", code, body)
	}
	for _, where := range [][]string{nil, {"--config"}} { // the running guest, then the definition
		if link := a.lab.Virsh(t, a.uri, append([]string{"domif-getlink", name, mac}, where...)...); link != mac+" down" {
			t.Errorf("virsh domif-getlink %v: %q", where, link)
		}
	}
	live := a.lab.Virsh(t, a.uri, "dumpxml", name)
	inactive := a.lab.Virsh(t, a.uri, "dumpxml", "--inactive", name)
	code, _, body = a.do("PUT", base+"/"+mac, `{"model":"e1000","link":"up"}`)
	if code != http.StatusConflict || !strings.Contains(body, "stop the domain first") {
		t.Fatalf("PUT model on a running domain: %d %s", code, body)
	}
	if a.lab.Virsh(t, a.uri, "dumpxml", name) != live || a.lab.Virsh(t, a.uri, "dumpxml", "--inactive", name) != inactive {
		t.Fatal("a refused PUT changed the domain")
	}
}

// POST attaches direct (macvtap) NICs and Open vSwitch bridge NICs; the
// persistent definition has what virsh dumpxml --inactive and domiflist
// show, and GET reads them back.
func TestAttachDirectAndOpenVSwitch(t *testing.T) {
	a := newAPI(t, qemuURI)
	name := definedQEMU(t, a, "")
	base := "/vms/" + name + "/ifaces"
	for _, tc := range []struct {
		body string
		want nicJSON
		xml  func(*xmlspec.Interface) string // what the definition says, as the request put it
	}{
		{`{"type":"direct","source":"eth0","mode":"bridge"}`,
			nicJSON{Type: "direct", Model: "virtio", Source: "eth0", Mode: "bridge", Link: "up", IPs: []string{}},
			func(n *xmlspec.Interface) string { return n.Type + " " + n.Source.Dev + " " + n.Source.Mode }},
		{`{"type":"direct","source":"eth1","model":"e1000"}`, // libvirt's default mode: vepa
			nicJSON{Type: "direct", Model: "e1000", Source: "eth1", Mode: "vepa", Link: "up", IPs: []string{}},
			func(n *xmlspec.Interface) string { return n.Type + " " + n.Source.Dev + " " + n.Source.Mode }},
		{`{"type":"bridge","bridge":"ovsbr0","virtualport":"openvswitch"}`,
			nicJSON{Type: "bridge", Model: "virtio", Bridge: "ovsbr0", VirtualPort: "openvswitch", Link: "up", IPs: []string{}},
			func(n *xmlspec.Interface) string { return n.Type + " " + n.Source.Bridge + " " + n.VirtualPort.Type }},
	} {
		code, _, body := a.do("POST", base, tc.body)
		if code != http.StatusCreated {
			t.Fatalf("POST %s: %d %s", tc.body, code, body)
		}
		got := decodeNIC(t, body)
		tc.want.MAC = got.MAC
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("POST %s (-want +got):\n%s", tc.body, diff)
		}
		if diff := cmp.Diff(tc.want, a.nicByMAC(base, got.MAC)); diff != "" {
			t.Errorf("GET after POST %s (-want +got):\n%s", tc.body, diff)
		}
		def, err := xmlspec.ParseDomain([]byte(a.lab.Virsh(t, a.uri, "dumpxml", "--inactive", name)))
		if err != nil {
			t.Fatal(err)
		}
		nic := def.InterfaceByMAC(mustMAC(t, got.MAC))
		if nic == nil {
			t.Fatalf("virsh dumpxml has no NIC %s", got.MAC)
		}
		wantXML := strings.Join([]string{tc.want.Type, tc.want.Source + tc.want.Bridge, tc.want.Mode + tc.want.VirtualPort}, " ")
		if gotXML := tc.xml(nic); gotXML != wantXML {
			t.Errorf("virsh dumpxml --inactive: %q, want %q", gotXML, wantXML)
		}
	}
	if diff := cmp.Diff(without(a.domiflist(name, "--inactive")), rows(a.nics(base))); diff != "" {
		t.Errorf("GET differs from virsh domiflist --inactive (-virsh +api):\n%s", diff)
	}
	before := a.lab.Virsh(t, a.uri, "dumpxml", "--inactive", name)
	for _, tc := range []struct{ body, want string }{
		{`{"type":"direct"}`, `needs \"source\"`},
		{`{"type":"direct","source":"eth0","mode":"sideways"}`, `unsupported macvtap mode \"sideways\"`},
		{`{"type":"direct","source":"eth0","network":"default"}`, `takes no \"network\"`},
		{`{"type":"bridge","bridge":"br0","virtualport":"802.1Qbh"}`, `unsupported virtualport \"802.1Qbh\"`},
		{`{"type":"network","network":"default","virtualport":"openvswitch"}`, `takes no \"virtualport\"`},
		{`{"type":"bridge","virtualport":"openvswitch"}`, `needs \"bridge\"`},
	} {
		if code, _, body := a.do("POST", base, tc.body); code != 400 || !strings.Contains(body, tc.want) {
			t.Errorf("POST %s: %d %s; want 400 and %q", tc.body, code, body, tc.want)
		}
	}
	if a.lab.Virsh(t, a.uri, "dumpxml", "--inactive", name) != before {
		t.Fatal("a refused POST changed the definition")
	}
}

func mustMAC(t *testing.T, s string) []byte {
	t.Helper()
	mac, err := xmlspec.ParseMAC(s)
	if err != nil {
		t.Fatal(err)
	}
	return mac
}

// A NIC can be named by its name inside the guest: the guest agent maps it
// to the MAC address, as virsh domifaddr --source agent shows; without an
// agent that answers the answer is 409 with libvirt's reason.
func TestGuestNamesResolveThroughTheAgent(t *testing.T) {
	a := newAPI(t, func(l *lab.Lab) string { return l.URI(lab.UnixRW) })
	// The test driver's agent names the test domain's NIC testnet0.
	agent := a.lab.Virsh(t, a.uri, "domifaddr", "test", "--source", "agent")
	if !strings.Contains(agent, "testnet0   aa:bb:cc:dd:ee:ff") {
		t.Fatalf("virsh domifaddr --source agent:\n%s", agent)
	}
	code, _, byName := a.do("GET", "/vms/test/ifaces/testnet0", "")
	_, _, byMAC := a.do("GET", "/vms/test/ifaces/aa:bb:cc:dd:ee:ff", "")
	if code != 200 || !cmp.Equal(decodeNIC(t, byName), decodeNIC(t, byMAC)) {
		t.Fatalf("GET by guest name: %d %s; by MAC: %s", code, byName, byMAC)
	}

	q := newAPI(t, qemuURI)
	name := runningQEMU(t, q)
	_, err := q.lab.RunVirsh(context.Background(), q.uri, "domifaddr", name, "--source", "agent")
	if err == nil || !strings.Contains(err.Error(), "QEMU guest agent is not connected") {
		t.Fatalf("virsh domifaddr --source agent on a guest without agent: %v", err)
	}
	for _, method := range []string{"GET", "PUT", "DELETE"} {
		code, _, body := q.do(method, "/vms/"+name+"/ifaces/eth0", `{"link":"down"}`)
		if code != http.StatusConflict || !strings.Contains(body, "QEMU guest agent is not connected") || !strings.Contains(body, `\"eth0\"`) {
			t.Errorf("%s by guest name without an agent: %d %s; want 409 with libvirt's reason", method, code, body)
		}
	}
}
