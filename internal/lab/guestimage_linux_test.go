//go:build linux

package lab

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestGuestImageFromCache checks the cache path of BuildGuestImage without
// apt: with apt's answer remembered for the current fingerprint and an
// entry under the key of those versions, the entry is returned as it is.
func TestGuestImageFromCache(t *testing.T) {
	cache := t.TempDir()
	pkgs := []debPackage{
		{name: "linux-image-6.1.0-56-cloud-amd64", version: "6.1.192-2"},
		{name: busyboxPackage, version: "1:1.35.0-4+deb12u1+b1"},
		{name: agentPackage, version: "1:7.2+dfsg-7+deb12u18+b3"},
		{name: "libc6", version: "2.36-9+deb12u14"},
	}
	var list []string
	for _, p := range pkgs {
		list = append(list, p.String())
	}
	writeJSON(t, filepath.Join(cache, "resolved", aptFingerprint()+".json"), list)
	key := guestKey(pkgs)
	entry := filepath.Join(cache, "guest-"+key)
	want := GuestImage{Key: key, Dir: entry, Kernel: filepath.Join(entry, "vmlinuz"), Initrd: filepath.Join(entry, "initrd.cpio"),
		KernelRelease: "6.1.0-56-cloud-amd64", Packages: list}
	writeJSON(t, filepath.Join(entry, manifestFile), want)
	for _, f := range []string{want.Kernel, want.Initrd} {
		if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	img, err := BuildGuestImage(context.Background(), cache)
	if err != nil {
		t.Fatal(err)
	}
	if img.Key != key || img.Kernel != want.Kernel || img.Initrd != want.Initrd || img.KernelRelease != want.KernelRelease {
		t.Errorf("BuildGuestImage = %+v, want the cached %+v", img, want)
	}
	if other := guestKey(append(pkgs[:3:3], debPackage{name: "libc6", version: "2.36-9+deb12u15"})); other == key {
		t.Error("a new library version keeps the cache key")
	}
}

func TestPruneGuestCache(t *testing.T) {
	cache := t.TempDir()
	long := time.Now().Add(-40 * 24 * time.Hour)
	made := func(path string, mtime time.Time) string {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		return path
	}
	current := filepath.Join(cache, "guest-current")
	made(filepath.Join(current, manifestFile), long)
	made(filepath.Join(cache, "guest-stale", manifestFile), long)
	made(filepath.Join(cache, "guest-recent", manifestFile), time.Now().Add(-24*time.Hour))
	made(filepath.Join(cache, "resolved", "stale.json"), long)
	made(filepath.Join(cache, "resolved", "recent.json"), time.Now())
	made(filepath.Join(cache, ".build-dead", "debs", "x.deb"), long)
	if err := os.Chtimes(filepath.Join(cache, ".build-dead"), long, long); err != nil {
		t.Fatal(err)
	}

	pruneGuestCache(cache, current)
	for path, keep := range map[string]bool{
		"guest-current": true, "guest-recent": true, "resolved/recent.json": true,
		"guest-stale": false, "resolved/stale.json": false, ".build-dead": false,
	} {
		_, err := os.Stat(filepath.Join(cache, path))
		if keep && err != nil {
			t.Errorf("%s removed: %v", path, err)
		}
		if !keep && !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s kept (stat err %v)", path, err)
		}
	}
	if fi, err := os.Stat(filepath.Join(current, manifestFile)); err != nil || time.Since(fi.ModTime()) > time.Hour {
		t.Errorf("the entry in use was not marked used (%v)", err)
	}
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
