package xmlspec

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/bits"
	"net"
	"strings"
)

// UUID is a 128-bit identifier as libvirt writes it in <uuid> and in
// attributes: 32 hex digits, with or without the usual dashes. Marshal keeps
// the spelling a document used; a UUID set in Go is written in the dashed,
// lower-case form.
type UUID [16]byte

// ParseUUID reads a UUID in either of libvirt's spellings,
// "c7a5fdbd-edaf-9455-926a-d65c16db1809" or "c7a5fdbdedaf9455926ad65c16db1809".
func ParseUUID(s string) (UUID, error) {
	var u UUID
	t := strings.TrimSpace(s)
	switch len(t) {
	case 36:
		if t[8] != '-' || t[13] != '-' || t[18] != '-' || t[23] != '-' {
			return u, fmt.Errorf("invalid UUID %q: dashes misplaced", s)
		}
		t = t[:8] + t[9:13] + t[14:18] + t[19:23] + t[24:]
	case 32:
	default:
		return u, fmt.Errorf("invalid UUID %q: want 32 hex digits", s)
	}
	if _, err := hex.Decode(u[:], []byte(t)); err != nil {
		return UUID{}, fmt.Errorf("invalid UUID %q: %v", s, err)
	}
	return u, nil
}

// NewUUID returns a random (version 4) UUID.
func NewUUID() (UUID, error) {
	var u UUID
	if _, err := rand.Read(u[:]); err != nil {
		return u, fmt.Errorf("xmlspec: random UUID: %w", err)
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u, nil
}

// String returns u in the dashed, lower-case form.
func (u UUID) String() string {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}

// IsZero reports whether u is all zeros (unset).
func (u UUID) IsZero() bool { return u == UUID{} }

// MarshalText implements encoding.TextMarshaler.
func (u UUID) MarshalText() ([]byte, error) { return []byte(u.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (u *UUID) UnmarshalText(b []byte) error {
	v, err := ParseUUID(string(b))
	if err != nil {
		return err
	}
	*u = v
	return nil
}

// LibvirtMACPrefix is the locally administered OUI libvirt and QEMU use for
// the MAC addresses they generate.
var LibvirtMACPrefix = [3]byte{0x52, 0x54, 0x00}

// RandomMAC returns a random unicast MAC address with libvirt's 52:54:00
// prefix, as libvirt itself would assign to a new NIC.
func RandomMAC() (net.HardwareAddr, error) {
	mac := make(net.HardwareAddr, 6)
	copy(mac, LibvirtMACPrefix[:])
	if _, err := rand.Read(mac[3:]); err != nil {
		return nil, fmt.Errorf("xmlspec: random MAC: %w", err)
	}
	return mac, nil
}

// ParseMAC reads a MAC address as libvirt writes it: six hex bytes separated
// by colons, in either case ("52:54:00:AB:cd:01").
func ParseMAC(s string) (net.HardwareAddr, error) {
	hw, err := parseMAC(s)
	if err != nil {
		return nil, fmt.Errorf("xmlspec: %w", err)
	}
	return hw, nil
}

// ErrUnit is wrapped by the error for a size unit libvirt does not know.
var ErrUnit = errors.New("xmlspec: unknown unit")

// UnitBytes converts value in unit to bytes. The units are libvirt's: "b" or
// "bytes"; "KB", "MB", "GB", "TB", "PB", "EB" (powers of 1000); "k", "KiB",
// "M", "MiB", "G", "GiB", "T", "TiB", "P", "PiB", "E", "EiB" (powers of
// 1024). Case does not matter, except that libvirt reads "KB" and "kb" alike
// as 1000. An empty unit is defaultUnit.
func UnitBytes(value uint64, unit, defaultUnit string) (uint64, error) {
	if unit == "" {
		unit = defaultUnit
	}
	mult, err := unitMultiplier(unit)
	if err != nil {
		return 0, err
	}
	hi, lo := bits.Mul64(value, mult)
	if hi != 0 {
		return 0, fmt.Errorf("xmlspec: %d %s overflows 64 bits of bytes", value, unit)
	}
	return lo, nil
}

func unitMultiplier(unit string) (uint64, error) {
	u := strings.ToLower(unit)
	if u == "" || u == "b" || u == "byte" || u == "bytes" {
		return 1, nil
	}
	const prefixes = "kmgtpe"
	i := strings.IndexByte(prefixes, u[0])
	if i < 0 {
		return 0, fmt.Errorf("%w %q", ErrUnit, unit)
	}
	var base uint64
	switch u[1:] {
	case "", "ib":
		base = 1024
	case "b":
		base = 1000
	default:
		return 0, fmt.Errorf("%w %q", ErrUnit, unit)
	}
	m := uint64(1)
	for ; i >= 0; i-- {
		m *= base
	}
	return m, nil
}

// Size is a number with an optional unit, libvirt's "scaled integer":
// <size unit='MiB'>64</size>. The unit libvirt assumes when there is none
// depends on the element; each field that holds a Size says which.
type Size struct {
	Unit  string `xml:"unit,attr"`
	Value uint64 `xml:",chardata"`
	Extra Extra  `xml:"-"`
}

// Bytes returns the size in bytes, reading a missing unit as defaultUnit.
func (s Size) Bytes(defaultUnit string) (uint64, error) {
	return UnitBytes(s.Value, s.Unit, defaultUnit)
}

// KiB returns a Size of n kibibytes, the unit libvirt writes memory sizes in.
func KiB(n uint64) *Size { return &Size{Value: n, Unit: "KiB"} }

// Flag is an element whose presence is the setting, such as <readonly/> or
// <acpi/>.
type Flag struct {
	Extra Extra `xml:"-"`
}

// FeatureState is an element that switches something on or off through a
// state attribute: <smm state='on'/>.
type FeatureState struct {
	State string `xml:"state,attr"` // "on" or "off"
	Extra Extra  `xml:"-"`
}

// Toggle is an element that enables or disables something through an
// enabled attribute: <suspend-to-mem enabled='no'/>.
type Toggle struct {
	Enabled string `xml:"enabled,attr"` // "yes" or "no"
	Extra   Extra  `xml:"-"`
}

// Text is an element holding only text, for elements that can also carry
// attributes in some contexts.
type Text struct {
	Value string `xml:",chardata"`
	Extra Extra  `xml:"-"`
}
