//go:build unix

package transport

import (
	"bytes"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/virtwire/virtwire/internal/testenv"
)

// layout builds files, folders and links under root; paths are relative
// to it. A mode of 0 leaves what os.MkdirAll and os.WriteFile made.
type layout struct {
	dirs  map[string]fs.FileMode
	files map[string]fs.FileMode
	links map[string]string // link -> target (as written in the link; {root} is the root)
	chown map[string]int    // path -> uid
}

func (l layout) build(t *testing.T, root string) {
	t.Helper()
	for d := range l.dirs {
		if err := os.MkdirAll(filepath.Join(root, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	for f := range l.files {
		p := filepath.Join(root, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("pem"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for link, target := range l.links {
		if err := os.Symlink(strings.ReplaceAll(target, "{root}", root), filepath.Join(root, link)); err != nil {
			t.Fatal(err)
		}
	}
	for p, uid := range l.chown {
		if err := os.Lchown(filepath.Join(root, p), uid, -1); err != nil {
			t.Fatal(err)
		}
	}
	// Modes last, files first: a folder without write permission for its
	// owner still lets root in, but not other users.
	for f, m := range l.files {
		if err := os.Chmod(filepath.Join(root, f), m); err != nil {
			t.Fatal(err)
		}
	}
	for d, m := range l.dirs {
		if m != 0 {
			// os.Chmod takes the sticky bit as fs.ModeSticky.
			if err := os.Chmod(filepath.Join(root, d), m); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// What may change a TLS file decides whether it is read: the file's own
// mode, every folder a name is looked up in on its path, every link on the
// way and the folders it leads through.
func TestPKIFilePermissions(t *testing.T) {
	const sticky = fs.ModeSticky | 0o777
	tests := []struct {
		name    string
		layout  layout
		path    string // the file read, relative to the root
		private bool
		err     error  // nil: read works
		says    string // the error, or the warning, must hold this ("" for none)
	}{
		{"private folder and file", layout{dirs: map[string]fs.FileMode{"pki": 0o700}, files: map[string]fs.FileMode{"pki/cacert.pem": 0o644}}, "pki/cacert.pem", false, nil, ""},
		{"world-writable file", layout{dirs: map[string]fs.FileMode{"pki": 0o755}, files: map[string]fs.FileMode{"pki/cacert.pem": 0o666}}, "pki/cacert.pem", false, ErrInsecurePermissions, "it is writable by any user (mode 0666)"},
		{"group-writable file is not refused", layout{dirs: map[string]fs.FileMode{"pki": 0o755}, files: map[string]fs.FileMode{"pki/cacert.pem": 0o664}}, "pki/cacert.pem", false, nil, ""},
		{"world-writable folder holding the file", layout{dirs: map[string]fs.FileMode{"pki": 0o777}, files: map[string]fs.FileMode{"pki/cacert.pem": 0o644}}, "pki/cacert.pem", false, ErrInsecurePermissions, "pki' holding it is writable by any user (mode 0777)"},
		{"sticky world-writable folder holding the file", layout{dirs: map[string]fs.FileMode{"pki": sticky}, files: map[string]fs.FileMode{"pki/cacert.pem": 0o644}}, "pki/cacert.pem", false, ErrInsecurePermissions, "(mode 1777)"},
		{"world-writable folder above", layout{dirs: map[string]fs.FileMode{"home": 0o777, "home/pki": 0o700}, files: map[string]fs.FileMode{"home/pki/cacert.pem": 0o644}}, "home/pki/cacert.pem", false, ErrInsecurePermissions, "home' on its path is writable by any user (mode 0777)"},
		{"sticky folder above, as /tmp", layout{dirs: map[string]fs.FileMode{"tmp": sticky, "tmp/pki": 0o700}, files: map[string]fs.FileMode{"tmp/pki/cacert.pem": 0o644}}, "tmp/pki/cacert.pem", false, nil, ""},
		{"link to a file in a world-writable folder", layout{dirs: map[string]fs.FileMode{"pki": 0o700, "open": 0o777}, files: map[string]fs.FileMode{"open/ca.pem": 0o644}, links: map[string]string{"pki/cacert.pem": "../open/ca.pem"}}, "pki/cacert.pem", false, ErrInsecurePermissions, "open' holding it"},
		{"link in a world-writable folder", layout{dirs: map[string]fs.FileMode{"open": 0o777, "safe": 0o700}, files: map[string]fs.FileMode{"safe/ca.pem": 0o644}, links: map[string]string{"open/cacert.pem": "../safe/ca.pem"}}, "open/cacert.pem", false, ErrInsecurePermissions, "open' on its path"},
		{"link to a private file (a link's own mode does not count)", layout{dirs: map[string]fs.FileMode{"pki": 0o700, "store": 0o755}, files: map[string]fs.FileMode{"store/ca.pem": 0o644}, links: map[string]string{"pki/cacert.pem": "../store/ca.pem"}}, "pki/cacert.pem", false, nil, ""},
		{"absolute link to a world-writable file", layout{dirs: map[string]fs.FileMode{"pki": 0o700, "store": 0o755}, files: map[string]fs.FileMode{"store/ca.pem": 0o666}, links: map[string]string{"pki/cacert.pem": "{root}/store/ca.pem"}}, "pki/cacert.pem", false, ErrInsecurePermissions, "(mode 0666)"},
		{"pkipath a link to a world-writable folder", layout{dirs: map[string]fs.FileMode{"open": 0o777}, files: map[string]fs.FileMode{"open/cacert.pem": 0o644}, links: map[string]string{"pki": "open"}}, "pki/cacert.pem", false, ErrInsecurePermissions, "open' holding it"},
		{"link loop", layout{dirs: map[string]fs.FileMode{"pki": 0o700}, links: map[string]string{"pki/a": "b", "pki/b": "a"}}, "pki/a", false, syscall.ELOOP, "too many levels"},
		{"missing file", layout{dirs: map[string]fs.FileMode{"pki": 0o700}}, "pki/cacrl.pem", false, fs.ErrNotExist, ""},
		{"private key readable by others: a warning", layout{dirs: map[string]fs.FileMode{"pki": 0o700}, files: map[string]fs.FileMode{"pki/clientkey.pem": 0o644}}, "pki/clientkey.pem", true, nil, "readable by other users"},
		{"private key readable by its group: a warning", layout{dirs: map[string]fs.FileMode{"pki": 0o700}, files: map[string]fs.FileMode{"pki/clientkey.pem": 0o640}}, "pki/clientkey.pem", true, nil, "mode=0640"},
		{"private key for its owner only", layout{dirs: map[string]fs.FileMode{"pki": 0o700}, files: map[string]fs.FileMode{"pki/clientkey.pem": 0o600}}, "pki/clientkey.pem", true, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			tt.layout.build(t, root)
			var logged bytes.Buffer
			check := PKICheck{Logger: slog.New(slog.NewTextHandler(&logged, nil))}
			path := filepath.Join(root, tt.path)
			data, err := check.Read(nil, path, "CA certificate", tt.private)
			if tt.err != nil {
				if !errors.Is(err, tt.err) || !strings.Contains(err.Error(), tt.says) {
					t.Fatalf("read = %q, %v; want %v saying %q", data, err, tt.err, tt.says)
				}
				if errors.Is(err, ErrInsecurePermissions) && !strings.Contains(err.Error(), "CA certificate '"+path+"'") {
					t.Errorf("err = %v, want it to name the file", err)
				}
				return
			}
			if err != nil || string(data) != "pem" {
				t.Fatalf("read = %q, %v", data, err)
			}
			if tt.says == "" && logged.Len() != 0 {
				t.Errorf("unexpected warning: %s", logged.String())
			}
			if !strings.Contains(logged.String(), tt.says) || (tt.says != "" && !strings.Contains(logged.String(), path)) {
				t.Errorf("log = %q, want a warning naming %s saying %q", logged.String(), path, tt.says)
			}
		})
	}
}

// An entry in a sticky world-writable folder (as /tmp) that belongs to
// another user may have been put there by that user: refused.
func TestPKIFileInStickyFolderOfAnotherUser(t *testing.T) {
	if os.Geteuid() != 0 {
		testenv.Unavailable(t, "needs root, to give a folder to another user")
	}
	root := t.TempDir()
	layout{
		dirs:  map[string]fs.FileMode{"tmp": fs.ModeSticky | 0o777, "tmp/pki": 0o755},
		files: map[string]fs.FileMode{"tmp/pki/cacert.pem": 0o644},
		chown: map[string]int{"tmp/pki": 65534},
	}.build(t, root)
	_, err := PKICheck{}.Read(nil, filepath.Join(root, "tmp/pki/cacert.pem"), "CA certificate", false)
	if !errors.Is(err, ErrInsecurePermissions) || !strings.Contains(err.Error(), "belongs to user 65534") {
		t.Fatalf("err = %v, want ErrInsecurePermissions naming the owner", err)
	}
}

// InsecurePKIPermissions reads what others can change, with a warning.
func TestPKIFileInsecureAccepted(t *testing.T) {
	root := t.TempDir()
	layout{dirs: map[string]fs.FileMode{"pki": 0o777}, files: map[string]fs.FileMode{"pki/cacert.pem": 0o666}}.build(t, root)
	var logged bytes.Buffer
	check := PKICheck{Logger: slog.New(slog.NewTextHandler(&logged, nil)), Insecure: true}
	data, err := check.Read(nil, filepath.Join(root, "pki/cacert.pem"), "CA certificate", false)
	if err != nil || string(data) != "pem" {
		t.Fatalf("read = %q, %v", data, err)
	}
	for _, want := range []string{"holding it is writable by any user (mode 0777)", "it is writable by any user (mode 0666)"} {
		if !strings.Contains(logged.String(), want) {
			t.Errorf("log = %q, want a warning saying %q", logged.String(), want)
		}
	}
}
