package lab

import (
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// initramfs collects the files of a Linux initramfs in memory and writes
// them as the "newc" cpio archive the kernel unpacks (see the kernel's
// Documentation/driver-api/early-userspace/buffer-format.rst). Everything is
// owned by root with mtime 0, so the same input gives the same bytes.
type initramfs struct {
	entries map[string]cpioEntry
}

type cpioEntry struct {
	mode         uint32 // type and permission bits, as in st_mode
	data         []byte // file contents, or a symlink's target
	major, minor uint32 // for device nodes
}

// Type bits of st_mode, which cpio's mode field carries as they are.
const (
	cpioDir     = 0o040000
	cpioFile    = 0o100000
	cpioSymlink = 0o120000
	cpioCharDev = 0o020000
)

func newInitramfs() *initramfs {
	return &initramfs{entries: make(map[string]cpioEntry)}
}

// add records name (an absolute path) and makes its parent folders.
func (r *initramfs) add(name string, e cpioEntry) error {
	clean := path.Clean("/" + name)
	if clean == "/" || clean != name {
		return fmt.Errorf("lab: initramfs: bad path %q", name)
	}
	for dir := path.Dir(clean); dir != "/"; dir = path.Dir(dir) {
		if old, ok := r.entries[dir]; ok && old.mode&0o170000 != cpioDir {
			return fmt.Errorf("lab: initramfs: %s is not a folder, so %s cannot go in it", dir, name)
		}
		if _, ok := r.entries[dir]; !ok {
			r.entries[dir] = cpioEntry{mode: cpioDir | 0o755}
		}
	}
	if old, ok := r.entries[clean]; ok && !(old.mode&0o170000 == cpioDir && e.mode&0o170000 == cpioDir) {
		return fmt.Errorf("lab: initramfs: %s added twice", name)
	}
	r.entries[clean] = e
	return nil
}

func (r *initramfs) file(name string, perm fs.FileMode, data []byte) error {
	return r.add(name, cpioEntry{mode: cpioFile | uint32(perm.Perm()), data: data})
}

func (r *initramfs) dir(name string) error {
	return r.add(name, cpioEntry{mode: cpioDir | 0o755})
}

func (r *initramfs) symlink(name, target string) error {
	return r.add(name, cpioEntry{mode: cpioSymlink | 0o777, data: []byte(target)})
}

func (r *initramfs) charDev(name string, perm fs.FileMode, major, minor uint32) error {
	return r.add(name, cpioEntry{mode: cpioCharDev | uint32(perm.Perm()), major: major, minor: minor})
}

// writeTo writes the archive: every folder before what it holds (sorted
// order does that, as "/a" sorts before "/a/b"), then the trailer.
func (r *initramfs) writeTo(w io.Writer) error {
	names := make([]string, 0, len(r.entries))
	for n := range r.entries {
		names = append(names, n)
	}
	sort.Strings(names)
	ino := uint32(1)
	for _, n := range names {
		if err := writeCPIOEntry(w, ino, strings.TrimPrefix(n, "/"), r.entries[n]); err != nil {
			return err
		}
		ino++
	}
	return writeCPIOEntry(w, 0, "TRAILER!!!", cpioEntry{})
}

func writeCPIOEntry(w io.Writer, ino uint32, name string, e cpioEntry) error {
	nlink := uint32(1)
	if e.mode&0o170000 == cpioDir {
		nlink = 2
	}
	fields := []uint32{
		ino, e.mode, 0, 0, nlink, 0, uint32(len(e.data)),
		0, 0, e.major, e.minor, uint32(len(name) + 1), 0,
	}
	var hdr strings.Builder
	hdr.WriteString("070701")
	for _, f := range fields {
		fmt.Fprintf(&hdr, "%08X", f)
	}
	hdr.WriteString(name)
	hdr.WriteByte(0)
	// The name is padded so that the data starts on a 4-byte boundary, and
	// the data so that the next header does.
	for hdr.Len()%4 != 0 {
		hdr.WriteByte(0)
	}
	if _, err := io.WriteString(w, hdr.String()); err != nil {
		return err
	}
	if _, err := w.Write(e.data); err != nil {
		return err
	}
	if pad := (4 - len(e.data)%4) % 4; pad > 0 {
		if _, err := w.Write(make([]byte, pad)); err != nil {
			return err
		}
	}
	return nil
}
