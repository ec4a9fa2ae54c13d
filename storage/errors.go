package storage

import (
	"errors"
	"fmt"
)

// ErrInvalid means an argument (a name, a size, a definition...) is
// malformed; nothing was sent to the daemon.
var ErrInvalid = errors.New("invalid argument")

// Error is the error of an operation on a storage pool or volume. It names
// them and the operation, and wraps the cause: the daemon's
// *virtwire.Error (so errors.Is(err, virtwire.ErrNoStorageVol) and the other
// error numbers work), ErrInvalid, or the connection's error.
type Error struct {
	Pool   string // the pool's name, "" if unknown
	Volume string // the volume's name (or the path or key it was looked up by), "" for a pool
	Op     string // what was being done: "start", "upload"...
	Err    error
}

func (e *Error) Error() string {
	switch {
	case e.Volume == "":
		return fmt.Sprintf("storage pool %q: %s: %v", e.Pool, e.Op, e.Err)
	case e.Pool == "":
		return fmt.Sprintf("storage volume %q: %s: %v", e.Volume, e.Op, e.Err)
	default:
		return fmt.Sprintf("storage volume %q in pool %q: %s: %v", e.Volume, e.Pool, e.Op, e.Err)
	}
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

func poolError(pool, op string, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Pool: pool, Op: op, Err: err}
}

func volumeError(pool, vol, op string, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Pool: pool, Volume: vol, Op: op, Err: err}
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

// checkName applies libvirt's rules for pool and volume names: not empty,
// no '/'.
func checkName(what, name string) error {
	switch {
	case name == "":
		return invalid("empty %s name", what)
	case len(name) > 255:
		return invalid("%s name %q is longer than 255 bytes", what, name)
	case name == "." || name == "..":
		return invalid("%s name %q", what, name)
	}
	for _, r := range name {
		if r == '/' || r < ' ' {
			return invalid("%s name %q contains '/' or a control character", what, name)
		}
	}
	return nil
}
