//go:build unix

package tlsdial

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/virtwire/virtwire/internal/lab"
	"github.com/virtwire/virtwire/transport"
)

// For a user other than root, libvirt's TLS files come from ~/.pki/libvirt
// when they are there: the same checks apply, against the lab's real TLS
// daemon. A world-writable ~/.pki would let anyone put a CA there that is
// then preferred over /etc/pki's.
func TestPKIFilesUnderHome(t *testing.T) {
	l := lab.Require(t)
	tests := []struct {
		name  string
		modes map[string]fs.FileMode // relative to the home folder
		says  string                 // "": the dial must work
	}{
		{"private", nil, ""},
		{"world-writable ~/.pki", map[string]fs.FileMode{".pki": 0o777}, ".pki' on its path is writable by any user (mode 0777)"},
		{"world-writable clientkey.pem", map[string]fs.FileMode{".pki/libvirt/clientkey.pem": 0o666}, "client key '"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			dir := filepath.Join(home, ".pki", "libvirt")
			if err := os.MkdirAll(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"cacert.pem", "clientcert.pem", "clientkey.pem"} {
				data, err := os.ReadFile(filepath.Join(l.PKIDir, name))
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			for p, m := range tt.modes {
				if err := os.Chmod(filepath.Join(home, p), m); err != nil {
					t.Fatal(err)
				}
			}
			sys := &transport.System{
				Geteuid:   func() int { return 1000 },
				LookupEnv: func(k string) (string, bool) { return map[string]string{"HOME": home}[k], k == "HOME" },
			}
			conn, err := dialTLS(t, "test+tls://"+l.TLSAddr+"/default", &transport.Config{System: sys})
			if tt.says == "" {
				if err != nil {
					t.Fatalf("Dial: %v", err)
				}
				conn.Close()
				return
			}
			if err == nil {
				conn.Close()
				t.Fatal("Dial succeeded")
			}
			if !errors.Is(err, transport.ErrInsecurePermissions) || !strings.Contains(err.Error(), tt.says) || !strings.Contains(err.Error(), dir) {
				t.Fatalf("err = %v, want ErrInsecurePermissions saying %q", err, tt.says)
			}
		})
	}
}
