package xmlspec

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readDoc parses testdata/name and returns it with its bytes.
func readDoc[T any](t *testing.T, name string, parse func([]byte) (*T, error)) (*T, []byte) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	d, err := parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return d, data
}

func readDomain(t *testing.T, name string) (*Domain, []byte) {
	t.Helper()
	return readDoc(t, name, ParseDomain)
}

func mustMAC(t *testing.T, s string) net.HardwareAddr {
	t.Helper()
	m, err := ParseMAC(s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// validate runs xmllint once over docs and fails for each that the schema
// rejects.
func validate(t *testing.T, schema string, docs map[string][]byte) {
	t.Helper()
	dir := t.TempDir()
	var files []string
	for name, data := range docs {
		p := filepath.Join(dir, name+".xml")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	verdict := relaxNG(t, schemaPath(t, schema), files)
	for _, p := range files {
		if !verdict[p] {
			data, _ := os.ReadFile(p)
			t.Errorf("%s does not validate against %s:\n%s", filepath.Base(p), schema, data)
		}
	}
}

func TestFindInterfaces(t *testing.T) {
	d, _ := readDomain(t, "nics.xml")
	if n := len(d.Interfaces()); n != 2 {
		t.Fatalf("Interfaces() has %d NICs, want 2", n)
	}
	tests := []struct {
		name   string
		find   func() *Interface
		source string // "" for not found
	}{
		{"MAC in other case", func() *Interface { return d.InterfaceByMAC(mustMAC(t, "52:54:00:ab:cd:ef")) }, "default"},
		{"MAC as written", func() *Interface { return d.InterfaceByMAC(mustMAC(t, "52:54:00:AB:CD:EF")) }, "default"},
		{"second MAC", func() *Interface { return d.InterfaceByMAC(mustMAC(t, "52:54:00:12:34:56")) }, "br-storage"},
		{"unknown MAC", func() *Interface { return d.InterfaceByMAC(mustMAC(t, "52:54:00:00:00:01")) }, ""},
		{"nil MAC", func() *Interface { return d.InterfaceByMAC(nil) }, ""},
		{"target", func() *Interface { return d.InterfaceByTarget("vnet3") }, "br-storage"},
		{"unknown target", func() *Interface { return d.InterfaceByTarget("vnet9") }, ""},
		{"empty target", func() *Interface { return d.InterfaceByTarget("") }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.find()
			switch {
			case tt.source == "" && got != nil:
				t.Errorf("found %s, want none", got.SourceName())
			case tt.source != "" && (got == nil || got.SourceName() != tt.source):
				t.Errorf("found %v, want the NIC on %s", got, tt.source)
			}
		})
	}
	if (&Domain{}).InterfaceByMAC(mustMAC(t, "52:54:00:ab:cd:ef")) != nil || (&Domain{}).Interfaces() != nil {
		t.Error("a domain without devices has NICs")
	}
}

func TestEditInterfaceInPlace(t *testing.T) {
	d, orig := readDomain(t, "nics.xml")
	nic := d.InterfaceByMAC(mustMAC(t, "52:54:00:12:34:56"))
	nic.Source.Bridge = "br-new"
	nic.Driver.Host.CSum = "on"
	out, err := d.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	// Exactly the two edited attributes differ.
	want := strings.NewReplacer("br-storage", "br-new", "csum='off'", "csum='on'").Replace(string(orig))
	assertSameDoc(t, []byte(want), out)
	if !strings.Contains(string(out), `52:54:00:AB:CD:EF`) {
		t.Error("the other NIC's MAC lost its spelling")
	}
	validate(t, "domain.rng", map[string][]byte{"edited": out})
}

func assertSameDoc(t *testing.T, want, got []byte) {
	t.Helper()
	w, _, err := canonical(want)
	if err != nil {
		t.Fatal(err)
	}
	g, _, err := canonical(got)
	if err != nil {
		t.Fatal(err)
	}
	if w != g {
		t.Errorf("documents differ at %s\n%s", firstDiff(w, g), got)
	}
}

func TestAddAndRemoveInterface(t *testing.T) {
	d, orig := readDomain(t, "nics.xml")
	mac := mustMAC(t, "52:54:00:00:00:99")
	added := d.AddInterface(*NewNetworkInterface("isolated", mac))
	if added.SourceName() != "isolated" || d.InterfaceByMAC(mac) != added {
		t.Fatalf("added NIC not found: %+v", added)
	}
	bridged := d.AddInterface(*NewBridgeInterface("br0", nil))
	if bridged.MACAddress() != nil {
		t.Error("NIC without MAC has one")
	}
	out, err := d.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	// New NICs follow the existing ones, before the console.
	iLast, iNew, iBridge, iConsole := strings.Index(s, "br-storage"), strings.Index(s, "isolated"), strings.Index(s, `"br0"`), strings.Index(s, "<console")
	if !(iLast < iNew && iNew < iBridge && iBridge < iConsole) {
		t.Errorf("new NICs out of place:\n%s", s)
	}
	validate(t, "domain.rng", map[string][]byte{"added": out})

	removed, ok := d.RemoveInterface(mac)
	if !ok || removed.SourceName() != "isolated" {
		t.Fatalf("RemoveInterface = %+v, %v", removed, ok)
	}
	if _, ok := d.RemoveInterface(mac); ok {
		t.Error("removed the same NIC twice")
	}
	if n := len(d.RemoveInterfaces(func(i *Interface) bool { return i.SourceName() == "br0" })); n != 1 {
		t.Errorf("RemoveInterfaces removed %d NICs, want 1", n)
	}
	out, err = d.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	assertSameDoc(t, orig, out)

	// Removing the first NIC keeps the rest of <devices> in order.
	if _, ok := d.RemoveInterface(mustMAC(t, "52:54:00:ab:cd:ef")); !ok {
		t.Fatal("first NIC not removed")
	}
	out, _ = d.Marshal()
	if strings.Contains(string(out), "AB:CD:EF") || !strings.Contains(string(out), "<!-- the storage network -->") {
		t.Errorf("after removing the first NIC:\n%s", out)
	}
	validate(t, "domain.rng", map[string][]byte{"removed": out})
}

func TestNewInterfaceXML(t *testing.T) {
	mac := mustMAC(t, "52:54:00:0a:0b:0c")
	tests := []struct {
		iface *Interface
		want  string
	}{
		{NewNetworkInterface("default", mac), "<interface type=\"network\">\n  <mac address=\"52:54:00:0a:0b:0c\"></mac>\n  <source network=\"default\"></source>\n  <model type=\"virtio\"></model>\n</interface>\n"},
		{NewBridgeInterface("br0", nil), "<interface type=\"bridge\">\n  <source bridge=\"br0\"></source>\n  <model type=\"virtio\"></model>\n</interface>\n"},
	}
	for _, tt := range tests {
		out, err := tt.iface.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != tt.want {
			t.Errorf("got\n%s\nwant\n%s", out, tt.want)
		}
		back, err := ParseInterface(out)
		if err != nil {
			t.Fatal(err)
		}
		if back.SourceName() != tt.iface.SourceName() || back.MACAddress().String() != tt.iface.MACAddress().String() {
			t.Errorf("parsed back %+v", back)
		}
	}
	// Standalone device XML in a domain validates.
	d := &Domain{Type: "kvm", Name: "n", Memory: &DomainMemory{Value: 1024},
		OS: &OS{Type: &OSType{Value: "hvm"}}}
	d.AddInterface(*NewNetworkInterface("default", mac))
	d.AddInterface(*NewBridgeInterface("br0", nil))
	out, err := d.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	validate(t, "domain.rng", map[string][]byte{"new": out})
	if _, err := ParseInterface([]byte(`<disk/>`)); !errors.Is(err, ErrSyntax) {
		t.Errorf("ParseInterface(<disk/>) = %v, want ErrSyntax", err)
	}
}

func TestInterfaceAccessors(t *testing.T) {
	tests := []struct {
		iface Interface
		want  string
	}{
		{Interface{Type: InterfaceNetwork, Source: &InterfaceSource{Network: "n"}}, "n"},
		{Interface{Type: InterfaceBridge, Source: &InterfaceSource{Bridge: "b"}}, "b"},
		{Interface{Type: InterfaceDirect, Source: &InterfaceSource{Dev: "eth0", Mode: "vepa"}}, "eth0"},
		{Interface{Type: InterfaceVhostUser, Source: &InterfaceSource{Type: "unix", Path: "/s"}}, "/s"},
		{Interface{Type: InterfaceUser}, ""},
		{Interface{Type: InterfaceMcast, Source: &InterfaceSource{Address: "230.0.0.1"}}, ""},
	}
	for _, tt := range tests {
		if got := tt.iface.SourceName(); got != tt.want {
			t.Errorf("%s: SourceName() = %q, want %q", tt.iface.Type, got, tt.want)
		}
	}
	var i Interface
	src := mustMAC(t, "52:54:00:01:02:03")
	i.SetMAC(src)
	src[5] = 9 // the NIC holds its own copy
	if i.MACAddress()[5] != 3 {
		t.Error("SetMAC kept the caller's slice")
	}
	i.SetMAC(nil)
	if i.MAC != nil || i.TargetDev() != "" {
		t.Error("SetMAC(nil) left a <mac>")
	}
}
