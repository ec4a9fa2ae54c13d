package transport

import (
	"fmt"
	"strings"
)

// Character classes of RFC 3986, as libvirt's URI code (libxml2) applies
// them, plus the sets libvirt uses when it formats a remote name.

func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isHex(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// isUnreserved: ALPHA / DIGIT / "-" / "." / "_" / "~".
func isUnreserved(c byte) bool {
	return isAlpha(c) || isDigit(c) || c == '-' || c == '.' || c == '_' || c == '~'
}

func isSubDelim(c byte) bool { return strings.IndexByte("!$&'()*+,;=", c) >= 0 }

func isUserChar(c byte) bool  { return isUnreserved(c) || isSubDelim(c) }
func isHostChar(c byte) bool  { return isUnreserved(c) || isSubDelim(c) }
func isPChar(c byte) bool     { return isUnreserved(c) || isSubDelim(c) || c == ':' || c == '@' }
func isPathChar(c byte) bool  { return isPChar(c) || c == '/' }
func isQueryChar(c byte) bool { return isPChar(c) || c == '/' || c == '?' }

func isFragmentChar(c byte) bool { return isQueryChar(c) }

// isParamChar is what String leaves unescaped in a parameter name or value:
// query characters that do not split sections or names from values.
func isParamChar(c byte) bool {
	return isQueryChar(c) && c != '&' && c != ';' && c != '='
}

// isNamePathChar is the set libxml2's xmlSaveUri keeps raw in a path, which
// libvirt uses to format the remote name.
func isNamePathChar(c byte) bool {
	return isAlpha(c) || isDigit(c) || strings.IndexByte("-_.!~*'()/;@&=+$,", c) >= 0
}

const upperHex = "0123456789ABCDEF"

// escape percent-encodes every byte of s that keep rejects.
func escape(s string, keep func(byte) bool) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !keep(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if keep(c) {
			b = append(b, c)
		} else {
			b = append(b, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return string(b)
}

// unescape decodes percent-escapes in s, whose other bytes must satisfy
// allowed.
func unescape(s string, allowed func(byte) bool) (string, error) {
	if !strings.ContainsRune(s, '%') {
		for i := 0; i < len(s); i++ {
			if !allowed(s[i]) {
				return "", fmt.Errorf("character %q at offset %d must be percent-encoded", s[i], i)
			}
		}
		return s, nil
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				end := min(i+3, len(s))
				return "", fmt.Errorf("bad percent-escape %q at offset %d", s[i:end], i)
			}
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		case allowed(c):
			b = append(b, c)
		default:
			return "", fmt.Errorf("character %q at offset %d must be percent-encoded", c, i)
		}
	}
	return string(b), nil
}

func unhex(c byte) byte {
	switch {
	case isDigit(c):
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}
