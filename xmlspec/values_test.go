package xmlspec

import (
	"bytes"
	"encoding/xml"
	"errors"
	"strings"
	"testing"
)

func TestParseUUID(t *testing.T) {
	want := UUID{0xc7, 0xa5, 0xfd, 0xbd, 0xcd, 0xaf, 0x94, 0x55, 0x92, 0x6a, 0xd6, 0x5c, 0x16, 0xdb, 0x18, 0x09}
	tests := []struct {
		in string
		ok bool
	}{
		{"c7a5fdbd-cdaf-9455-926a-d65c16db1809", true},
		{"C7A5FDBD-CDAF-9455-926A-D65C16DB1809", true},
		{"c7a5fdbdcdaf9455926ad65c16db1809", true},
		{" c7a5fdbdcdaf9455926ad65c16db1809\n", true},
		{"c7a5fdbd-cdaf-9455-926a-d65c16db180", false},
		{"c7a5fdbdcdaf-9455-926a-d65c16db1809", false},
		{"g7a5fdbdcdaf9455926ad65c16db1809", false},
		{"", false},
	}
	for _, tt := range tests {
		u, err := ParseUUID(tt.in)
		if tt.ok && (err != nil || u != want) {
			t.Errorf("ParseUUID(%q) = %v, %v", tt.in, u, err)
		}
		if !tt.ok && err == nil {
			t.Errorf("ParseUUID(%q) accepted", tt.in)
		}
	}
	if got := want.String(); got != "c7a5fdbd-cdaf-9455-926a-d65c16db1809" {
		t.Errorf("String() = %s", got)
	}
	if !(UUID{}).IsZero() || want.IsZero() {
		t.Error("IsZero")
	}
}

func TestNewUUID(t *testing.T) {
	a, err := NewUUID()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewUUID()
	if a == b || a.IsZero() {
		t.Errorf("NewUUID gave %v and %v", a, b)
	}
	if a[6]>>4 != 4 || a[8]>>6 != 2 {
		t.Errorf("%v is not a version 4 UUID", a)
	}
	if back, err := ParseUUID(a.String()); err != nil || back != a {
		t.Errorf("round trip of %v: %v %v", a, back, err)
	}
}

func TestRandomMAC(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 50; i++ {
		mac, err := RandomMAC()
		if err != nil {
			t.Fatal(err)
		}
		if len(mac) != 6 || !bytes.Equal(mac[:3], []byte{0x52, 0x54, 0x00}) {
			t.Fatalf("RandomMAC() = %s, want 52:54:00:xx:xx:xx", mac)
		}
		if mac[0]&1 != 0 {
			t.Fatalf("%s is a multicast address", mac)
		}
		seen[mac.String()] = true
	}
	if len(seen) < 45 {
		t.Errorf("only %d distinct MACs out of 50", len(seen))
	}
}

func TestParseMAC(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"52:54:00:AB:cd:01", "52:54:00:ab:cd:01"},
		{"52:54:0:7b:35:93", "52:54:00:7b:35:93"},
		{"52-54-00-ab-cd-01", ""},
		{"52:54:00:ab:cd", ""},
		{"52:54:00:ab:cd:01:02", ""},
		{"52:54:00:ab:cd:1ff", ""},
		{"", ""},
	}
	for _, tt := range tests {
		mac, err := ParseMAC(tt.in)
		switch {
		case tt.want == "" && err == nil:
			t.Errorf("ParseMAC(%q) accepted: %s", tt.in, mac)
		case tt.want != "" && (err != nil || mac.String() != tt.want):
			t.Errorf("ParseMAC(%q) = %s, %v; want %s", tt.in, mac, err, tt.want)
		}
	}
}

func TestUnitBytes(t *testing.T) {
	tests := []struct {
		v        uint64
		unit, dU string
		want     uint64
		err      bool
	}{
		{1, "", "KiB", 1024, false},
		{1, "", "", 1, false},
		{3, "b", "KiB", 3, false},
		{3, "bytes", "KiB", 3, false},
		{2, "k", "", 2048, false},
		{2, "KiB", "", 2048, false},
		{2, "KB", "", 2000, false},
		{1, "M", "", 1 << 20, false},
		{1, "MB", "", 1e6, false},
		{1, "GiB", "", 1 << 30, false},
		{1, "g", "", 1 << 30, false},
		{1, "TiB", "", 1 << 40, false},
		{1, "PB", "", 1e15, false},
		{1, "EiB", "", 1 << 60, false},
		{16, "EiB", "", 0, true},
		{1, "parsec", "", 0, true},
		{1, "KiBs", "", 0, true},
	}
	for _, tt := range tests {
		got, err := UnitBytes(tt.v, tt.unit, tt.dU)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("UnitBytes(%d, %q, %q) = %d, %v", tt.v, tt.unit, tt.dU, got, err)
		}
	}
	if _, err := UnitBytes(1, "parsec", ""); !errors.Is(err, ErrUnit) {
		t.Errorf("unknown unit error %v does not wrap ErrUnit", err)
	}
	m := DomainMemory{Value: 2, Unit: "GiB"}
	if b, _ := m.Bytes(); b != 2<<30 {
		t.Errorf("DomainMemory.Bytes = %d", b)
	}
	m = DomainMemory{Value: 4}
	if b, _ := m.Bytes(); b != 4096 {
		t.Errorf("DomainMemory without unit = %d bytes, want KiB", b)
	}
	if b, _ := KiB(8).Bytes("b"); b != 8192 {
		t.Errorf("KiB(8) = %d bytes", b)
	}
}

func TestAddressHelpers(t *testing.T) {
	a := NewPCIAddress(PCIAddr{Domain: 0, Bus: 1, Slot: 0x1f, Function: 7, Multifunction: true})
	p, ok := a.PCI()
	if !ok || p.Bus != 1 || p.Slot != 0x1f || p.Function != 7 || !p.Multifunction {
		t.Errorf("PCI() = %+v %v", p, ok)
	}
	if s := p.String(); s != "0000:01:1f.7" {
		t.Errorf("String() = %s", s)
	}
	if _, ok := NewUSBAddress(1, "2.1").PCI(); ok {
		t.Error("USB address read as PCI")
	}
	d, ok := NewDriveAddress(DriveAddr{Controller: 0, Bus: 0, Target: 0, Unit: 1}).Drive()
	if !ok || d.Unit != 1 {
		t.Errorf("Drive() = %+v %v", d, ok)
	}
	big := uint(0x20)
	bad := &Address{Type: AddressPCI, Slot: &big}
	if _, ok := bad.PCI(); ok {
		t.Error("slot 0x20 accepted as PCI")
	}

	// New numbers are written as libvirt writes them for the address type.
	tests := []struct {
		addr *Address
		want string
	}{
		{a, `<address type="pci" domain="0x0000" bus="0x01" slot="0x1f" function="0x7" multifunction="on"></address>`},
		{NewDriveAddress(DriveAddr{Controller: 0, Bus: 1, Target: 0, Unit: 10}), `<address type="drive" controller="0" bus="1" target="0" unit="10"></address>`},
		{NewUSBAddress(1, "2.1"), `<address type="usb" bus="1" port="2.1"></address>`},
		{NewCCWAddress(0xfe, 0, 0x10), `<address type="ccw" cssid="0xfe" ssid="0x0" devno="0x0010"></address>`},
		{&Address{Type: AddressDIMM, Slot: &big, Base: new(uint64)}, `<address type="dimm" slot="32" base="0x0"></address>`},
	}
	for _, tt := range tests {
		out, err := xml.Marshal(tt.addr)
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != tt.want {
			t.Errorf("got  %s\nwant %s", out, tt.want)
		}
	}
}

// A PCI address read in decimal stays decimal; a changed one is written
// in hex.
func TestAddressKeepsSpelling(t *testing.T) {
	in := `<disk type="file" device="disk"><target dev="vda" bus="virtio"/><address type="pci" domain="0" bus="0" slot="5" function="0"/></disk>`
	var d Disk
	if err := xml.Unmarshal([]byte(in), &d); err != nil {
		t.Fatal(err)
	}
	out, _ := xml.Marshal(d)
	if !strings.Contains(string(out), `domain="0" bus="0" slot="5" function="0"`) {
		t.Errorf("spelling lost: %s", out)
	}
	*d.Address.Slot = 6
	out, _ = xml.Marshal(d)
	if !strings.Contains(string(out), `domain="0" bus="0" slot="0x06" function="0"`) {
		t.Errorf("changed slot: %s", out)
	}
}
