package libvirtsrc

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ulikunitz/xz"
)

type entry struct {
	name, body, link string
}

// makeTarball writes a .tar.xz of entries and returns its bytes.
func makeTarball(t *testing.T, entries []entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	xw, err := xz.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	tw := tar.NewWriter(xw)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.body)), Typeflag: tar.TypeReg}
		switch {
		case strings.HasSuffix(e.name, "/"):
			h.Typeflag, h.Mode, h.Size = tar.TypeDir, 0o755, 0
		case e.link != "":
			h.Typeflag, h.Linkname, h.Size = tar.TypeSymlink, e.link, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := xw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func hashOf(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

var release = []entry{
	{name: "libvirt-1.2.3/"},
	{name: "libvirt-1.2.3/src/remote/remote_protocol.x", body: "const REMOTE_STRING_MAX = 4194304;\n"},
	{name: "libvirt-1.2.3/include/libvirt/libvirt.h", body: "/* header */\n"},
	{name: "libvirt-1.2.3/tests/out.xml", link: "in.xml"},
	{name: "libvirt-1.2.3/tests/in.xml", body: "<domain/>\n"},
}

// testSource is a source for a small fake release whose fetcher serves
// tarball and counts its calls.
func testSource(t *testing.T, tarball []byte, fetches *atomic.Int32) *source {
	t.Helper()
	return &source{
		version: "1.2.3",
		sha256:  hashOf(tarball),
		cache:   t.TempDir(),
		fetchers: []fetcher{{"test", func(ctx context.Context, cache string) (string, error) {
			fetches.Add(1)
			f, err := os.CreateTemp(cache, ".download-")
			if err != nil {
				return "", err
			}
			defer f.Close()
			_, err = f.Write(tarball)
			return f.Name(), err
		}}},
	}
}

func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".unpack-") || strings.HasPrefix(e.Name(), ".download-") {
			left = append(left, e.Name())
		}
	}
	return left
}

func TestDirFetchesOnceForConcurrentCallers(t *testing.T) {
	var fetches atomic.Int32
	s := testSource(t, makeTarball(t, release), &fetches)
	const n = 8
	dirs := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dirs[i], errs[i] = s.dir(context.Background(), "")
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		if dirs[i] != s.treePath() {
			t.Errorf("caller %d got %s, want %s", i, dirs[i], s.treePath())
		}
	}
	if got := fetches.Load(); got != 1 {
		t.Errorf("the release was fetched %d times, want once", got)
	}
	b, err := os.ReadFile(filepath.Join(s.treePath(), "tests", "out.xml"))
	if err != nil || string(b) != "<domain/>\n" {
		t.Errorf("the symbolic link in the tarball reads %q, %v; want the file it points to", b, err)
	}
	if left := leftovers(t, s.cache); len(left) > 0 {
		t.Errorf("temporary files left in the cache: %v", left)
	}
	// A second call uses the cache without fetching.
	if _, err := s.dir(context.Background(), ""); err != nil || fetches.Load() != 1 {
		t.Errorf("second call: %v, %d fetches", err, fetches.Load())
	}
}

func TestHashMismatchNamesBothHashes(t *testing.T) {
	var fetches atomic.Int32
	good := makeTarball(t, release)
	s := testSource(t, good, &fetches)
	bad := append(bytes.Clone(good), 0)
	p := filepath.Join(t.TempDir(), "libvirt-1.2.3.tar.xz")
	if err := os.WriteFile(p, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := s.dir(context.Background(), p)
	var he *HashError
	if !errors.As(err, &he) {
		t.Fatalf("got %v, want a *HashError", err)
	}
	for _, h := range []string{hashOf(bad), hashOf(good)} {
		if !strings.Contains(err.Error(), h) {
			t.Errorf("error %q does not name %s", err, h)
		}
	}
	if isTree(s.treePath()) {
		t.Error("a tarball that failed verification was unpacked")
	}
}

func TestFetchedTarballIsVerified(t *testing.T) {
	var fetches atomic.Int32
	s := testSource(t, makeTarball(t, release), &fetches)
	s.sha256 = strings.Repeat("0", 64)
	_, err := s.dir(context.Background(), "")
	var fe *FetchError
	var he *HashError
	if !errors.As(err, &fe) || !errors.As(err, &he) {
		t.Fatalf("got %v, want a *FetchError holding a *HashError", err)
	}
	if _, err := os.Stat(s.tarballPath()); !os.IsNotExist(err) {
		t.Errorf("a tarball that failed verification is in the cache: %v", err)
	}
	if left := leftovers(t, s.cache); len(left) > 0 {
		t.Errorf("temporary files left in the cache: %v", left)
	}
}

func TestFetchFallsBackToTheNextSource(t *testing.T) {
	var fetches atomic.Int32
	s := testSource(t, makeTarball(t, release), &fetches)
	down := fetcher{"unreachable", func(context.Context, string) (string, error) {
		return "", errors.New("connection refused")
	}}
	s.fetchers = append([]fetcher{down}, s.fetchers...)
	if _, err := s.dir(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	s2 := testSource(t, makeTarball(t, release), &fetches)
	s2.fetchers = []fetcher{down, {"also down", func(context.Context, string) (string, error) {
		return "", errUnavailable
	}}}
	_, err := s2.dir(context.Background(), "")
	if !errors.Is(err, errUnavailable) || !strings.Contains(err.Error(), "connection refused") || !strings.Contains(err.Error(), EnvVar) {
		t.Errorf("got %v, want an error naming both sources' failures and %s", err, EnvVar)
	}
}

func TestBrokenTarballLeavesNoTree(t *testing.T) {
	tests := []struct {
		name    string
		tarball func(t *testing.T) []byte
		want    string
	}{
		{"truncated", func(t *testing.T) []byte {
			b := makeTarball(t, release)
			return b[:len(b)/2]
		}, ""},
		{"escaping name", func(t *testing.T) []byte {
			return makeTarball(t, append([]entry{{name: "libvirt-1.2.3/../../evil", body: "x"}}, release...))
		}, "leaves the tree"},
		{"absolute link", func(t *testing.T) []byte {
			return makeTarball(t, append(append([]entry{}, release...), entry{name: "libvirt-1.2.3/passwd", link: "/etc/passwd"}))
		}, "points outside"},
		{"no protocol file", func(t *testing.T) []byte {
			return makeTarball(t, []entry{{name: "libvirt-1.2.3/README", body: "x"}})
		}, "holds no"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var fetches atomic.Int32
			s := testSource(t, tt.tarball(t), &fetches)
			_, err := s.dir(context.Background(), "")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
			if _, err := os.Stat(s.treePath()); !os.IsNotExist(err) {
				t.Errorf("a tree is in the cache after a failed unpack: %v", err)
			}
			if left := leftovers(t, s.cache); len(left) > 0 {
				t.Errorf("temporary files left in the cache: %v", left)
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(s.cache), "evil")); err == nil {
				t.Error("an entry was written outside the cache")
			}
		})
	}
}

func TestDirHonoursLibvirtSource(t *testing.T) {
	tree := t.TempDir()
	t.Setenv(EnvVar, tree)
	if _, err := Dir(context.Background()); err == nil || !strings.Contains(err.Error(), tree) {
		t.Errorf("a folder with no protocol file: got %v, want an error naming it", err)
	}
	if err := os.MkdirAll(filepath.Join(tree, "src", "remote"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tree, marker), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := Dir(context.Background()); err != nil || got != tree {
		t.Errorf("got %s, %v; want the tree %s as it is", got, err, tree)
	}
}

func TestMirrorIn(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"deb822", "Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm\n", "http://deb.debian.org/debian"},
		{"deb822 security first", "URIs: http://security.debian.org/debian-security\n\nURIs: http://ftp.de.debian.org/debian/\n", "http://ftp.de.debian.org/debian"},
		{"one line", "# comment\ndeb http://mirror.example/debian bookworm main\n", "http://mirror.example/debian"},
		{"one line with options", "deb [arch=amd64 signed-by=/k.gpg] http://m.example/debian bookworm main\n", "http://m.example/debian"},
		{"none", "deb http://archive.ubuntu.com/ubuntu jammy main\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mirrorIn([]byte(tt.text)); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestPinnedRelease checks the real tree: the files the generator and the
// tests read are where libvirt's layout puts them.
func TestPinnedRelease(t *testing.T) {
	dir := Require(t)
	for _, rel := range []string{
		"src/remote/remote_protocol.x", "src/remote/qemu_protocol.x", "src/remote/lxc_protocol.x",
		"src/rpc/virnetprotocol.x", "src/rpc/virkeepaliveprotocol.x", "src/admin/admin_protocol.x",
		"include/libvirt/libvirt-domain.h", "include/libvirt/libvirt-common.h.in",
		"src/conf/schemas/domain.rng", "tests/qemuxmlconfdata", "tests/networkxml2xmlin",
	} {
		if _, err := os.Stat(filepath.Join(dir, rel)); err != nil {
			t.Errorf("libvirt %s tree: %v", Version, err)
		}
	}
}
