package xdrgen

import (
	"testing"

	"github.com/virtwire/virtwire/internal/libvirtsrc"
)

// sourceDir returns the libvirt source tree the tests read (see
// libvirtsrc.Require: fetched once, or a skip outside CI when offline).
func sourceDir(t testing.TB) string {
	t.Helper()
	return libvirtsrc.Require(t)
}
