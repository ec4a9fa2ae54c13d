package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/examples/internal/cli"
	"github.com/virtwire/virtwire/internal/lab"
	"github.com/virtwire/virtwire/storage"
	"github.com/virtwire/virtwire/xmlspec"
)

// env is the lab's main daemon with its storage driver and a dir pool of
// the test's (in a folder of the host's /tmp, which the daemon sees).
type env struct {
	lab  *lab.Lab
	uri  string
	conn *virtwire.Conn
	pool *storage.Pool
}

func newEnv(t *testing.T) *env {
	t.Helper()
	l := lab.Require(t)
	e := &env{lab: l, uri: l.DriverURI(lab.UnixRW, "qemu", "/system")}
	ctx := ctxT(t)
	var err error
	if e.conn, err = virtwire.Dial(ctx, e.uri); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.conn.Close() })
	b := make([]byte, 4)
	rand.Read(b)
	def := xmlspec.NewDirPool(fmt.Sprintf("vwvol-%x", b), filepath.Join(t.TempDir(), "pool"))
	if e.pool, err = storage.DefinePool(ctx, e.conn, def, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if vols, err := e.pool.Volumes(ctx); err == nil {
			for _, v := range vols {
				v.Delete(ctx, 0)
			}
		}
		e.pool.Stop(ctx)
		e.pool.Delete(ctx, 0)
		if err := e.pool.Undefine(ctx); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	if err := e.pool.Start(ctx, virtwire.StoragePoolCreateWithBuild); err != nil {
		t.Fatal(err)
	}
	return e
}

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

type result struct {
	code           int
	stdout, stderr string
	err            error
}

// volume runs the program with stdout as given (a buffer if nil).
func (e *env) volume(t *testing.T, stdout io.Writer, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	if stdout == nil {
		stdout = &out
	}
	err := run(ctxT(t), append([]string{"-c", e.uri}, args...), stdout, &errb)
	code := cli.Exit("volume", err, &errb)
	return result{code, out.String(), errb.String(), err}
}

func (e *env) virsh(t *testing.T, args ...string) string {
	t.Helper()
	return e.lab.Virsh(t, e.uri, args...)
}

// qcow2Image is a qcow2 image file of 200 MiB capacity that qemu-img made
// on the daemon's side, downloaded.
func (e *env) qcow2Image(t *testing.T) string {
	t.Helper()
	ctx := ctxT(t)
	v, err := e.pool.CreateVolumeAs(ctx, storage.VolumeSpec{Name: "made.qcow2", Capacity: 200 << 20, Format: "qcow2"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Delete(ctx, 0)
	path := filepath.Join(t.TempDir(), "image.qcow2")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := v.Download(ctx, f, nil); err != nil {
		t.Fatal(err)
	}
	return path
}

// rawImage is a 64 MiB raw image: random data at its start and middle,
// holes elsewhere.
func rawImage(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "image.raw")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, off := range []int64{0, 30 << 20} {
		buf := make([]byte, 1<<20)
		rand.Read(buf)
		if _, err := f.WriteAt(buf, off); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Truncate(64 << 20); err != nil {
		t.Fatal(err)
	}
	return path
}

func checksum(t *testing.T, path string) uint32 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := crc32.New(crc32.MakeTable(crc32.Castagnoli))
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return h.Sum32()
}

// virter's image pull, step by step: pull a qcow2 and a raw image, give a
// new guest an overlay disk, list the pool as virsh vol-list --details
// does (byte for byte), download an image back, remove the guest's disk.
// Standard output is not a terminal: no progress bar.
func TestPullOverlayList(t *testing.T) {
	e := newEnv(t)
	qcow2, raw := e.qcow2Image(t), rawImage(t)
	for _, args := range [][]string{
		{"pull", e.pool.Name(), "debian.qcow2", qcow2},
		{"pull", e.pool.Name(), "disk.raw", raw},
		{"overlay", e.pool.Name(), "web1.qcow2", "debian.qcow2"},
		{"overlay", e.pool.Name(), "web2.qcow2", "debian.qcow2", "--capacity", "1G"},
	} {
		if r := e.volume(t, nil, args...); r.code != 0 || r.stdout != "" || r.stderr != "" {
			t.Fatalf("volume %s: exit %d, stdout %q, stderr %q", strings.Join(args, " "), r.code, r.stdout, r.stderr)
		}
	}
	r := e.volume(t, nil, "list", e.pool.Name())
	if want := e.virsh(t, "vol-list", "--details", e.pool.Name()); strings.TrimSpace(r.stdout) != want {
		t.Errorf("list differs from virsh vol-list --details:\n%s\nvirsh:\n%s", r.stdout, want)
	}
	for name, want := range map[string]string{"debian.qcow2": "200.00 MiB", "disk.raw": "64.00 MiB", "web1.qcow2": "200.00 MiB", "web2.qcow2": "1.00 GiB"} {
		if !strings.Contains(r.stdout, " "+name+" ") || !strings.Contains(lineOf(r.stdout, name), want) {
			t.Errorf("list: %s is not %s:\n%s", name, want, r.stdout)
		}
	}
	base := e.virsh(t, "vol-path", "--pool", e.pool.Name(), "debian.qcow2")
	for _, guest := range []string{"web1.qcow2", "web2.qcow2"} {
		dump := e.virsh(t, "vol-dumpxml", "--pool", e.pool.Name(), guest)
		_, bs, ok := strings.Cut(dump, "<backingStore>")
		if !ok || !strings.Contains(bs, "<path>"+base+"</path>") || !strings.Contains(bs, "<format type='qcow2'/>") {
			t.Errorf("virsh vol-dumpxml %s: no backing store %s:\n%s", guest, base, dump)
		}
	}
	// The raw image's 2 MiB of data take about that on the daemon's side:
	// its holes stayed holes.
	for _, line := range strings.Split(e.virsh(t, "vol-info", "--bytes", "--pool", e.pool.Name(), "disk.raw"), "\n") {
		if v, ok := strings.CutPrefix(line, "Allocation:"); ok {
			var n int64
			if _, err := fmt.Sscanf(strings.TrimSpace(v), "%d bytes", &n); err != nil || n > 8<<20 {
				t.Errorf("virsh vol-info disk.raw: %s; want about 2 MiB", line)
			}
		}
	}
	for name, src := range map[string]string{"debian.qcow2": qcow2, "disk.raw": raw} {
		out := filepath.Join(t.TempDir(), name)
		if r := e.volume(t, nil, "download", e.pool.Name(), name, out); r.code != 0 || r.stdout != "" {
			t.Fatalf("download %s: exit %d, %q %q", name, r.code, r.stdout, r.stderr)
		}
		if checksum(t, out) != checksum(t, src) {
			t.Errorf("download %s differs from the image pulled", name)
		}
	}
	if r := e.volume(t, nil, "rm", e.pool.Name(), "web2.qcow2"); r.code != 0 {
		t.Fatalf("rm: exit %d, %s", r.code, r.stderr)
	}
	if strings.Contains(e.virsh(t, "vol-list", e.pool.Name()), "web2.qcow2") {
		t.Error("virsh vol-list still has web2.qcow2 after rm")
	}
}

func lineOf(out, name string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, " "+name+" ") {
			return l
		}
	}
	return ""
}

// Bad command lines are usage errors (exit 2); what the daemon or the file
// system refuses exits 1; a failed pull leaves no volume behind.
func TestBadInput(t *testing.T) {
	e := newEnv(t)
	pool := e.pool.Name()
	raw := rawImage(t)
	if r := e.volume(t, nil, "pull", pool, "taken.raw", raw); r.code != 0 {
		t.Fatalf("pull: %s", r.stderr)
	}
	before := e.virsh(t, "vol-list", "--details", pool)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "want a command"},
		{[]string{"frob"}, 2, `unknown command "frob"`},
		{[]string{"list"}, 2, "list: want 1 arguments, got 0"},
		{[]string{"pull", pool, "x"}, 2, "pull: want 3 arguments"},
		{[]string{"list", pool, "--capacity", "1G"}, 2, "list does not take --capacity"},
		{[]string{"pull", pool, "x", raw, "--format", "vmdk"}, 2, `--format "vmdk"`},
		{[]string{"overlay", pool, "x", "taken.raw", "--capacity", "12 parsecs"}, 2, "unknown unit"},
		{[]string{"overlay", pool, "x", "taken.raw", "--capacity", "lots"}, 2, `unknown unit "lots"`},
		{[]string{"overlay", pool, "x", "taken.raw", "--capacity", "1.5G"}, 2, "want a number"},
		{[]string{"list", "vwvol-no-such-pool"}, 1, "Storage pool not found"},
		{[]string{"pull", pool, "taken.raw", raw}, 1, "taken.raw"},
		{[]string{"pull", pool, "x", "/nonexistent/image"}, 1, "/nonexistent/image"},
		{[]string{"pull", pool, "x", t.TempDir()}, 1, "not a regular file"},
		{[]string{"pull", pool, "a/b", raw}, 1, "contains '/'"},
		{[]string{"overlay", pool, "x", "no-such-base"}, 1, "no-such-base"},
		{[]string{"download", pool, "no-such-vol", filepath.Join(t.TempDir(), "out")}, 1, "no-such-vol"},
		{[]string{"rm", pool, "no-such-vol"}, 1, "no-such-vol"},
	} {
		r := e.volume(t, nil, tc.args...)
		if r.code != tc.code || !strings.HasPrefix(r.stderr, "volume: ") || !strings.Contains(r.stderr, tc.want) || r.stdout != "" {
			t.Errorf("volume %s: exit %d, stderr %q; want exit %d and %q", strings.Join(tc.args, " "), r.code, r.stderr, tc.code, tc.want)
		}
		if after := e.virsh(t, "vol-list", "--details", pool); after != before {
			t.Fatalf("volume %s changed the pool:\n%s", strings.Join(tc.args, " "), after)
		}
	}
	if r := e.volume(t, nil, "pull", pool, "x", raw); r.code != 0 {
		t.Errorf("a good pull after the bad ones: %s", r.stderr)
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]uint64{"1000": 1000, "20G": 20 << 30, "512MiB": 512 << 20, "1 GB": 1e9, "3k": 3 << 10, "7b": 7} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "G", "-1G", "1.5G", "16EiB", "99999999999T"} {
		if _, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) accepted", in)
		}
	}
}
