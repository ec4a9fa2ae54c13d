//go:build unix

package transport

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// modesChecked: unix file modes say who may write a file.
const modesChecked = true

// maxLinks bounds the symbolic links followed on one path, as the kernel's
// ELOOP does.
const maxLinks = 40

// checkLookup follows path one name at a time, as the kernel resolves it,
// and returns an error wrapping ErrInsecurePermissions when another user
// could change what it resolves to: a folder that any user can write to,
// in which a name on the way is looked up. Such a folder is allowed above
// the file only with the sticky bit (as /tmp), where others cannot replace
// an entry that belongs to root or to this user, and only for such an
// entry; the folder that holds the file itself may not be writable by
// everyone, sticky or not, since a file missing from it (an optional
// revocation list) could be planted. Links are followed wherever they
// point, and the folders they lead through are checked the same way. The
// file's own mode is checked by the caller, on the opened file.
func checkLookup(path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	root, err := os.Stat("/")
	if err != nil {
		return err
	}
	dir, dirInfo := "/", root
	pending := names(abs)
	links := 0
	for len(pending) > 0 {
		name := pending[0]
		pending = pending[1:]
		switch name {
		case ".":
			continue
		case "..":
			dir = filepath.Dir(dir)
			if dirInfo, err = os.Stat(dir); err != nil {
				return err
			}
			continue
		}
		next := filepath.Join(dir, name)
		fi, err := os.Lstat(next)
		if err != nil {
			return err
		}
		isLink := fi.Mode()&fs.ModeSymlink != 0
		if err := checkEntry(dir, dirInfo, next, fi, len(pending) == 0 && !isLink); err != nil {
			return err
		}
		if isLink {
			if links++; links > maxLinks {
				return fmt.Errorf("%s: %w", path, syscall.ELOOP)
			}
			target, err := os.Readlink(next)
			if err != nil {
				return err
			}
			if filepath.IsAbs(target) {
				dir, dirInfo = "/", root
			}
			pending = append(names(target), pending...)
			continue
		}
		if len(pending) == 0 {
			return nil
		}
		if !fi.IsDir() {
			return fmt.Errorf("%s: %w", next, syscall.ENOTDIR)
		}
		dir, dirInfo = next, fi
	}
	return nil
}

// checkEntry checks the lookup of entry (whose Lstat is fi) in the folder
// dir: whether another user could have put it there or could replace it.
func checkEntry(dir string, dirInfo fs.FileInfo, entry string, fi fs.FileInfo, holdsFile bool) error {
	mode := dirInfo.Mode()
	if mode.Perm()&0o002 == 0 {
		return nil
	}
	if holdsFile {
		return fmt.Errorf("%w: the folder '%s' holding it is writable by any user (mode %s), so anyone on this machine could replace the file; chmod o-w '%s'", ErrInsecurePermissions, dir, octal(mode), dir)
	}
	if mode&fs.ModeSticky == 0 {
		return fmt.Errorf("%w: the folder '%s' on its path is writable by any user (mode %s), so anyone on this machine could replace '%s'; chmod o-w '%s'", ErrInsecurePermissions, dir, octal(mode), entry, dir)
	}
	if uid, ok := owner(fi); ok && uid != 0 && uid != os.Geteuid() {
		return fmt.Errorf("%w: '%s' on its path belongs to user %d and lies in '%s', which any user can write to (mode %s), so that user may have put it there", ErrInsecurePermissions, entry, uid, dir, octal(mode))
	}
	return nil
}

func owner(fi fs.FileInfo) (int, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}

// names splits a path into its names, without empty ones.
func names(path string) []string {
	var out []string
	for _, n := range strings.Split(path, "/") {
		if n != "" {
			out = append(out, n)
		}
	}
	return out
}
