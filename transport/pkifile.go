package transport

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
)

// PKICheck is how the TLS files are checked before they are used, in the
// spirit of OpenSSH's StrictModes: a file that any user of the machine can
// change (world-writable, in a world-writable folder, or reached through
// such a folder or link) is refused, since anyone could swap the CA and
// make the client trust their daemon; Insecure turns the refusal into a
// warning. A private key that other users can read is used with a warning,
// as libvirt uses it (existing setups have such keys).
type PKICheck struct {
	// Logger receives the warnings; nil logs nothing.
	Logger *slog.Logger
	// Insecure is Config.InsecurePKIPermissions.
	Insecure bool
}

// Read returns the contents of one TLS file, what it is ("CA certificate")
// naming it in errors. A missing file gives an error that wraps
// fs.ErrNotExist. A fake file system (System.ReadFile) has no modes to
// check.
func (c PKICheck) Read(sys *System, path, what string, private bool) ([]byte, error) {
	if sys != nil && sys.ReadFile != nil {
		return sys.ReadFile(path)
	}
	if err := checkLookup(path); err != nil {
		if !errors.Is(err, ErrInsecurePermissions) {
			return nil, err
		}
		if err := c.refuse(what, path, err); err != nil {
			return nil, err
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// The opened file's own mode, not the path's: no swap between the
	// check and the read.
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if modesChecked && fi.Mode().Perm()&0o002 != 0 {
		err := fmt.Errorf("%w: it is writable by any user (mode %s), so anyone on this machine could replace it; chmod o-w '%s'", ErrInsecurePermissions, octal(fi.Mode()), path)
		if err := c.refuse(what, path, err); err != nil {
			return nil, err
		}
	}
	if modesChecked && private && fi.Mode().Perm()&0o044 != 0 && c.Logger != nil {
		c.Logger.Warn("virtwire: the TLS private key is readable by other users; chmod 600 it",
			"file", path, "mode", octal(fi.Mode()))
	}
	return io.ReadAll(f)
}

// refuse returns the error for a file others can change, or, when the
// caller accepted that, logs it and returns nil.
func (c PKICheck) refuse(what, path string, err error) error {
	if !c.Insecure {
		return fmt.Errorf("%s '%s': %w", what, path, err)
	}
	if c.Logger != nil {
		c.Logger.Warn("virtwire: using a TLS file that any user can change (InsecurePKIPermissions)",
			"file", path, "err", err)
	}
	return nil
}

// octal renders a mode's permission and sticky bits as chmod takes them.
func octal(m fs.FileMode) string {
	bits := uint32(m.Perm())
	if m&fs.ModeSticky != 0 {
		bits |= 0o1000
	}
	if m&fs.ModeSetgid != 0 {
		bits |= 0o2000
	}
	if m&fs.ModeSetuid != 0 {
		bits |= 0o4000
	}
	return fmt.Sprintf("%04o", bits)
}
