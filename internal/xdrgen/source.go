package xdrgen

import (
	"context"
	"errors"
	"os"
	"path/filepath"

	"github.com/virtwire/virtwire/internal/libvirtsrc"
)

// DefaultSource returns the libvirt source tree the generator reads:
// $LIBVIRT_SOURCE if set, else the pinned release that internal/libvirtsrc
// fetches and caches.
func DefaultSource(ctx context.Context) (string, error) {
	return libvirtsrc.Dir(ctx)
}

// ModuleRoot walks up from the working directory to the folder with go.mod.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("xdrgen: no go.mod above the working directory")
		}
		dir = parent
	}
}
