package lab

import (
	"os"
	"path/filepath"
	"testing"
)

func TestDebVersion(t *testing.T) {
	status := `Package: libvirt-daemon-driver-qemu
Status: install ok installed
Version: 11.3.0-2~bpo12+1

Package: libvirt-daemon
Status: deinstall ok config-files
Version: 9.0.0-4

Package: libvirt-daemon
Status: install ok installed
Architecture: amd64
Version: 11.3.0-2~bpo12+1
Description: the daemon
 Version: 1.0 (a continuation line, not a field)
`
	file := filepath.Join(t.TempDir(), "status")
	if err := os.WriteFile(file, []byte(status), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ pkg, want string }{
		{"libvirt-daemon", "11.3.0-2~bpo12+1"},
		{"libvirt-daemon-driver-qemu", "11.3.0-2~bpo12+1"},
		{"libvirt-clients", ""},
	}
	for _, tt := range tests {
		if got := debVersion(file, tt.pkg); got != tt.want {
			t.Errorf("debVersion(%s) = %q, want %q", tt.pkg, got, tt.want)
		}
	}
	if got := debVersion(filepath.Join(t.TempDir(), "missing"), "libvirt-daemon"); got != "" {
		t.Errorf("debVersion of a missing file = %q", got)
	}
}

func TestOpenRoot(t *testing.T) {
	dir := t.TempDir()
	if _, ok := OpenRoot(dir); ok {
		t.Fatal("OpenRoot of an empty folder succeeded")
	}
	status := filepath.Join(dir, "var/lib/dpkg/status")
	if err := os.MkdirAll(filepath.Dir(status), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(status, []byte("Package: libvirt-daemon\nStatus: install ok installed\nVersion: 11.3.0-2~bpo12+1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, ok := OpenRoot(dir)
	if !ok || r.Libvirt != "11.3.0-2~bpo12+1" || r.Modular != "" {
		t.Fatalf("OpenRoot without the modular daemons = %+v, %v", r, ok)
	}
	proxy := filepath.Join(dir, ModularPrefix, "sbin", "virtproxyd")
	if err := os.MkdirAll(filepath.Dir(proxy), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(proxy, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	if r, ok := OpenRoot(dir); !ok || r.Modular != ModularPrefix {
		t.Fatalf("OpenRoot with the modular daemons = %+v, %v", r, ok)
	}
}
