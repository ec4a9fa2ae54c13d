package remote

// This file is written by hand; the rest of the package is generated.

import (
	"encoding/hex"
	"errors"
	"fmt"
)

// ErrInvalidUUID is wrapped by the errors of ParseUUID and UUID.UnmarshalText.
var ErrInvalidUUID = errors.New("invalid UUID")

// String returns u as libvirt formats UUIDs (virUUIDFormat): 32 lower-case
// hex digits in groups of 8-4-4-4-12, "4dea22b3-1d52-d8f3-2516-782e98ab3fa0".
func (u UUID) String() string {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	hex.Encode(b[9:13], u[4:6])
	hex.Encode(b[14:18], u[6:8])
	hex.Encode(b[19:23], u[8:10])
	hex.Encode(b[24:36], u[10:16])
	b[8], b[13], b[18], b[23] = '-', '-', '-', '-'
	return string(b[:])
}

// ParseUUID reads a UUID the way libvirt does (virUUIDParse), so it accepts
// whatever virsh and libvirt's XML parser accept: 32 hex digits of either
// case, each pair of digits optionally preceded by any number of '-' and ' '
// (so the usual 8-4-4-4-12 form, no dashes at all, or any other grouping),
// with ASCII white space (space, tab, newline, carriage return, form feed)
// around it. A digit pair may not be split, nothing but white space may
// follow the 32nd digit, and a NUL byte (which would end a C string) is
// refused.
func ParseUUID(s string) (UUID, error) {
	var u UUID
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	for n := 0; n < len(u); {
		if i >= len(s) {
			return UUID{}, fmt.Errorf("%w %q: %d hex digits, want 32", ErrInvalidUUID, s, 2*n)
		}
		if s[i] == '-' || s[i] == ' ' {
			i++
			continue
		}
		hi, ok := unhex(s[i])
		if !ok {
			return UUID{}, fmt.Errorf("%w %q: %q at byte %d is not a hex digit", ErrInvalidUUID, s, s[i], i)
		}
		if i+1 >= len(s) {
			return UUID{}, fmt.Errorf("%w %q: %d hex digits, want 32", ErrInvalidUUID, s, 2*n+1)
		}
		lo, ok := unhex(s[i+1])
		if !ok {
			return UUID{}, fmt.Errorf("%w %q: %q at byte %d is not a hex digit (a pair of digits may not be split)", ErrInvalidUUID, s, s[i+1], i+1)
		}
		u[n] = hi<<4 | lo
		n++
		i += 2
	}
	for ; i < len(s); i++ {
		if !isSpace(s[i]) {
			return UUID{}, fmt.Errorf("%w %q: %q at byte %d follows the 32 hex digits", ErrInvalidUUID, s, s[i], i)
		}
	}
	return u, nil
}

// isSpace is GLib's g_ascii_isspace, which virUUIDParse uses: no vertical tab.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// MarshalText implements encoding.TextMarshaler with String's form, so that
// a UUID reads the same in JSON, XML and logs as in virsh.
func (u UUID) MarshalText() ([]byte, error) { return []byte(u.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with ParseUUID.
func (u *UUID) UnmarshalText(b []byte) error {
	v, err := ParseUUID(string(b))
	if err != nil {
		return err
	}
	*u = v
	return nil
}
