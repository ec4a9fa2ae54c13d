package xdrgen

import (
	"errors"
	"os"
	"path/filepath"
)

// DefaultSource returns the folder holding libvirt's protocol/ and include/
// folders: $LIBVIRT_SOURCE if set (a libvirt source tree works: its .x files
// are found under src/ there), else ../shared/libvirt beside the module root.
func DefaultSource() (string, error) {
	if s := os.Getenv("LIBVIRT_SOURCE"); s != "" {
		return s, nil
	}
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "..", "shared", "libvirt"), nil
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
