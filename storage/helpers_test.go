package storage_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/internal/lab"
	"github.com/virtwire/virtwire/storage"
	"github.com/virtwire/virtwire/xmlspec"
)

// env is a connection to the lab's main daemon with its storage driver
// (qemu:///system, whose dir pools run qemu-img on this host).
type env struct {
	lab  *lab.Lab
	uri  string
	conn *virtwire.Conn
}

func newEnv(t *testing.T) *env {
	t.Helper()
	l := lab.Require(t)
	uri := l.DriverURI(lab.UnixRW, "qemu", "/system")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := virtwire.Dial(ctx, uri)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &env{lab: l, uri: uri, conn: conn}
}

func (e *env) virsh(t *testing.T, args ...string) string {
	t.Helper()
	return e.lab.Virsh(t, e.uri, args...)
}

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func unique(t *testing.T, prefix string) string {
	t.Helper()
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return prefix + "-" + hex.EncodeToString(b)
}

// dirPoolXML is a dir pool's definition at path.
func dirPoolXML(name, path string) string {
	return fmt.Sprintf("<pool type='dir'><name>%s</name><target><path>%s</path></target></pool>", name, path)
}

// dirPool defines, builds and starts a dir pool in a folder of the test's
// and removes it, volumes and all, when the test ends. The daemon sees
// the host's /tmp: its mount namespace makes only libvirt's own folders
// private.
func (e *env) dirPool(t *testing.T) (*storage.Pool, string) {
	t.Helper()
	ctx := ctxT(t)
	dir := filepath.Join(t.TempDir(), "pool")
	p, err := storage.DefinePool(ctx, e.conn, xmlspec.NewDirPool(unique(t, "vwst"), dir), 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.removePool(t, p) })
	if err := p.Start(ctx, virtwire.StoragePoolCreateWithBuild); err != nil {
		t.Fatal(err)
	}
	return p, dir
}

// removePool deletes the pool's volumes, stops, deletes and undefines it;
// what is already gone is fine.
func (e *env) removePool(t *testing.T, p *storage.Pool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	gone := func(err error) bool { return err == nil || errors.Is(err, virtwire.ErrNoStoragePool) }
	if vols, err := p.Volumes(ctx); err == nil {
		for _, v := range vols {
			if err := v.Delete(ctx, 0); err != nil && !errors.Is(err, virtwire.ErrNoStorageVol) {
				t.Errorf("cleanup: %v", err)
			}
		}
	}
	if active, err := p.IsActive(ctx); err == nil && active {
		if err := p.Stop(ctx); !gone(err) {
			t.Errorf("cleanup: %v", err)
		}
	}
	if err := p.Delete(ctx, 0); !gone(err) && !errors.Is(err, virtwire.ErrOperationInvalid) {
		t.Logf("cleanup: %v", err) // a pool whose folder is gone already
	}
	if err := p.Undefine(ctx); !gone(err) {
		t.Errorf("cleanup: %v", err)
	}
}

// fields reads virsh's "Key:   value" lines (pool-info, vol-info).
func fields(out string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			m[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return m
}

// bytesField reads a size from virsh's --bytes output: "1234 bytes"
// (vol-info) or "1234" (pool-info).
func bytesField(t *testing.T, m map[string]string, key string) uint64 {
	t.Helper()
	n, err := strconv.ParseUint(strings.TrimSuffix(m[key], " bytes"), 10, 64)
	if err != nil {
		t.Fatalf("virsh's %s: %q", key, m[key])
	}
	return n
}

// volInfo is virsh vol-info --bytes of the volume.
func (e *env) volInfo(t *testing.T, v *storage.Volume) storage.VolumeInfo {
	t.Helper()
	m := fields(e.virsh(t, "vol-info", "--bytes", "--pool", v.PoolName(), v.Name()))
	typ := map[string]virtwire.StorageVolType{"file": virtwire.StorageVolFile, "block": virtwire.StorageVolBlock, "dir": virtwire.StorageVolDir}[m["Type"]]
	path := e.virsh(t, "vol-path", "--pool", v.PoolName(), v.Name())
	return storage.VolumeInfo{Name: m["Name"], Path: path, Type: typ,
		Capacity: bytesField(t, m, "Capacity"), Allocation: bytesField(t, m, "Allocation")}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}
