package virtwire

import "github.com/virtwire/virtwire/internal/cflags"

// flagString formats a flag set as the names of its set bits joined by |
// (see internal/cflags); the generated String methods call it.
func flagString(v uint64, n int, at func(int) (uint64, string)) string {
	return cflags.String(v, n, at)
}
