package lab

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// readNewc parses a newc archive the way the kernel does, for the test.
func readNewc(t *testing.T, b []byte) (names []string, entries map[string]cpioEntry) {
	t.Helper()
	entries = make(map[string]cpioEntry)
	off := 0
	field := func(i int) uint32 {
		v, err := strconv.ParseUint(string(b[off+6+8*i:off+14+8*i]), 16, 32)
		if err != nil {
			t.Fatalf("header at %d, field %d: %v", off, i, err)
		}
		return uint32(v)
	}
	for {
		if off%4 != 0 {
			t.Fatalf("header at %d is not 4-byte aligned", off)
		}
		if string(b[off:off+6]) != "070701" {
			t.Fatalf("magic at %d = %q", off, b[off:off+6])
		}
		mode, size, major, minor, namesize := field(1), field(6), field(9), field(10), field(11)
		if field(2) != 0 || field(3) != 0 || field(5) != 0 {
			t.Errorf("header at %d: uid, gid or mtime not 0", off)
		}
		nameStart := off + 110
		name := string(b[nameStart : nameStart+int(namesize)-1])
		if b[nameStart+int(namesize)-1] != 0 {
			t.Fatalf("%s: name not NUL-terminated", name)
		}
		dataStart := (nameStart + int(namesize) + 3) &^ 3
		if name == "TRAILER!!!" {
			if dataStart != len(b) {
				t.Errorf("%d bytes after the trailer", len(b)-dataStart)
			}
			return names, entries
		}
		data := b[dataStart : dataStart+int(size)]
		names = append(names, name)
		var d []byte
		if len(data) > 0 {
			d = append(d, data...)
		}
		entries[name] = cpioEntry{mode: mode, data: d, major: major, minor: minor}
		off = (dataStart + int(size) + 3) &^ 3
	}
}

func TestInitramfs(t *testing.T) {
	r := newInitramfs()
	for _, err := range []error{
		r.file("/init", 0o755, []byte("#!/bin/sh\n")),
		r.file("/lib/modules/virtio.ko", 0o644, []byte("abcde")),
		r.symlink("/var/run", "/run"),
		r.charDev("/dev/console", 0o600, 5, 1),
		r.dir("/proc"),
		r.dir("/lib"), // already made for /lib/modules: not an error
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := r.writeTo(&buf); err != nil {
		t.Fatal(err)
	}
	names, entries := readNewc(t, buf.Bytes())
	wantNames := []string{"dev", "dev/console", "init", "lib", "lib/modules", "lib/modules/virtio.ko", "proc", "var", "var/run"}
	if diff := cmp.Diff(wantNames, names); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	want := map[string]cpioEntry{
		"init":                  {mode: 0o100755, data: []byte("#!/bin/sh\n")},
		"lib/modules/virtio.ko": {mode: 0o100644, data: []byte("abcde")},
		"var/run":               {mode: 0o120777, data: []byte("/run")},
		"dev/console":           {mode: 0o020600, major: 5, minor: 1},
		"lib":                   {mode: 0o040755},
	}
	for name, w := range want {
		if diff := cmp.Diff(w, entries[name], cmp.AllowUnexported(cpioEntry{})); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
	var again bytes.Buffer
	if err := r.writeTo(&again); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Error("two writes of one archive differ")
	}
}

func TestInitramfsRefuses(t *testing.T) {
	tests := []struct {
		name    string
		add     func(r *initramfs) error
		wantErr string
	}{
		{"relative path", func(r *initramfs) error { return r.file("init", 0o755, nil) }, "bad path"},
		{"unclean path", func(r *initramfs) error { return r.file("/a/../init", 0o755, nil) }, "bad path"},
		{"root", func(r *initramfs) error { return r.dir("/") }, "bad path"},
		{"twice", func(r *initramfs) error {
			_ = r.file("/init", 0o755, nil)
			return r.file("/init", 0o755, nil)
		}, "added twice"},
		{"file as folder", func(r *initramfs) error {
			_ = r.file("/a", 0o644, nil)
			return r.file("/a/b", 0o644, nil)
		}, "not a folder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.add(newInitramfs())
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
