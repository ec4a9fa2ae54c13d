package xmlspec

import (
	"bytes"
	"encoding"
	"fmt"
	"net"
	"reflect"
	"strconv"
	"strings"
)

// setLeaf parses text into v, a settable value of a leaf type.
func setLeaf(v reflect.Value, kind leafKind, text string) error {
	switch kind {
	case leafString:
		v.SetString(text)
	case leafInt:
		n, err := strconv.ParseInt(strings.TrimSpace(text), 0, v.Type().Bits())
		if err != nil {
			return fmt.Errorf("invalid integer %q", text)
		}
		v.SetInt(n)
	case leafUint:
		n, err := strconv.ParseUint(strings.TrimSpace(text), 0, v.Type().Bits())
		if err != nil {
			return fmt.Errorf("invalid unsigned integer %q", text)
		}
		v.SetUint(n)
	case leafMAC:
		hw, err := parseMAC(text)
		if err != nil {
			return err
		}
		v.SetBytes(hw)
	case leafTextual:
		if p, ok := v.Addr().Interface().(*UUID); ok {
			u, err := ParseUUID(text) // without UnmarshalText's copy of text
			if err != nil {
				return err
			}
			*p = u
			return nil
		}
		u := v.Addr().Interface().(encoding.TextUnmarshaler)
		if err := u.UnmarshalText([]byte(text)); err != nil {
			return err
		}
	default:
		return fmt.Errorf("xmlspec: internal error: not a leaf: %s", v.Type())
	}
	return nil
}

// formatLeaf prints v, a leaf value, in the form libvirt writes it.
func formatLeaf(v reflect.Value, kind leafKind, format string) (string, error) {
	switch kind {
	case leafString:
		return v.String(), nil
	case leafInt:
		if format != "" {
			return fmt.Sprintf(format, v.Int()), nil
		}
		return strconv.FormatInt(v.Int(), 10), nil
	case leafUint:
		if format != "" {
			return fmt.Sprintf(format, v.Uint()), nil
		}
		return strconv.FormatUint(v.Uint(), 10), nil
	case leafMAC:
		mac := net.HardwareAddr(v.Bytes())
		if len(mac) != 6 {
			return "", fmt.Errorf("MAC address %s is %d bytes, want 6", mac, len(mac))
		}
		return mac.String(), nil
	case leafTextual:
		b, err := v.Interface().(encoding.TextMarshaler).MarshalText()
		return string(b), err
	}
	return "", fmt.Errorf("xmlspec: internal error: not a leaf: %s", v.Type())
}

// leafTextual returns the text to write for leaf value v: the spelling it was
// read with if it still holds the value read, else libvirt's usual form.
func leafText(v reflect.Value, kind leafKind, format, raw string, hasRaw bool) (string, error) {
	if hasRaw && sameAsRaw(v, kind, raw) {
		return raw, nil
	}
	return formatLeaf(v, kind, format)
}

// formatChooser lets a struct say how a new number in one of its attributes
// is printed when that depends on another field (an address's type).
type formatChooser interface {
	xmlFormat(attr string) string
}

func sameAsRaw(v reflect.Value, kind leafKind, raw string) bool {
	// What setLeaf would make of raw, compared without allocating a value
	// for it where the kind allows.
	switch kind {
	case leafString:
		return v.String() == raw
	case leafInt:
		n, err := strconv.ParseInt(strings.TrimSpace(raw), 0, v.Type().Bits())
		return err == nil && n == v.Int()
	case leafUint:
		n, err := strconv.ParseUint(strings.TrimSpace(raw), 0, v.Type().Bits())
		return err == nil && n == v.Uint()
	case leafMAC:
		hw, err := parseMAC(raw)
		return err == nil && bytes.Equal(v.Bytes(), hw)
	}
	if v.Type() == uuidType && v.CanAddr() {
		u, err := ParseUUID(raw)
		return err == nil && u == *v.Addr().Interface().(*UUID)
	}
	parsed := reflect.New(v.Type()).Elem()
	if setLeaf(parsed, kind, raw) != nil {
		return false
	}
	if v.Type().Comparable() {
		return v.Equal(parsed)
	}
	return reflect.DeepEqual(v.Interface(), parsed.Interface())
}

// keepsRaw reports whether the spelling of a leaf must be remembered: typed
// values always (hex, case, leading zeros), strings only when empty, to tell
// an empty attribute from a missing one.
func keepsRaw(kind leafKind, text string) bool {
	return kind != leafString || text == ""
}

// parseMAC accepts what libvirt accepts: six groups of one or two hex digits
// separated by colons.
func parseMAC(s string) (net.HardwareAddr, error) {
	hw := make(net.HardwareAddr, 0, 6)
	rest := s
	for i := 0; i < 6; i++ {
		var part string
		if i < 5 {
			var ok bool
			part, rest, ok = strings.Cut(rest, ":")
			if !ok {
				return nil, fmt.Errorf("invalid MAC address %q: want six colon-separated hex bytes", s)
			}
		} else {
			part = rest
		}
		if len(part) < 1 || len(part) > 2 {
			return nil, fmt.Errorf("invalid MAC address %q: want six colon-separated hex bytes", s)
		}
		b, err := strconv.ParseUint(part, 16, 8)
		if err != nil {
			return nil, fmt.Errorf("invalid MAC address %q: %q is not a hex byte", s, part)
		}
		hw = append(hw, byte(b))
	}
	return hw, nil
}
