package xdrgen

import (
	"os"
	"testing"
)

// sourceDir returns the libvirt source folder the tests read: $LIBVIRT_SOURCE,
// else ../shared/libvirt beside the module root.
func sourceDir(t testing.TB) string {
	t.Helper()
	dir, err := DefaultSource()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("libvirt source folder: %v (set LIBVIRT_SOURCE)", err)
	}
	return dir
}
