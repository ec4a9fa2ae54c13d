package virtwire

import "strings"

// cString returns the text of a C string that the protocol carries as an
// array of XDR chars (NodeGetInfo's model, security labels): the chars
// before the first NUL, or all of them when there is none. The bytes after
// the NUL are padding of C's fixed-size buffer and are dropped.
func cString(chars []int8) string {
	n := 0
	for n < len(chars) && chars[n] != 0 {
		n++
	}
	var b strings.Builder
	b.Grow(n)
	for _, c := range chars[:n] {
		b.WriteByte(byte(c))
	}
	return b.String()
}
