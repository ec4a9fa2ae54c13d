package domain

import (
	"errors"
	"fmt"
)

// Errors the package reports itself, before asking the daemon to change
// anything. Test for them with errors.Is.
var (
	// ErrNoNIC means the domain has no NIC with the MAC address given.
	ErrNoNIC = errors.New("no NIC with that MAC address")
	// ErrDuplicateMAC means a MAC address is already used by a NIC of the
	// domain (when attaching), or by more than one (when a MAC must pick
	// exactly one NIC).
	ErrDuplicateMAC = errors.New("MAC address used by another NIC of the domain")
	// ErrUnparsable means a value in the daemon's answer did not parse:
	// an address or hardware address that a guest agent reported, say.
	// Interfaces returns what did parse along with it.
	ErrUnparsable = errors.New("unparsable value in the daemon's answer")
)

// Error is the error of an operation on one domain. It names the domain and
// the operation, and wraps the cause: the daemon's *virtwire.Error (so
// errors.Is(err, virtwire.ErrNoDomain) and the other error numbers work),
// one of this package's sentinel errors, or the connection's error.
type Error struct {
	Domain string // the domain's name, or what the caller looked it up by
	Op     string // what was being done: "start", "detach NIC 52:54:00:12:34:56"...
	Err    error
}

func (e *Error) Error() string {
	return fmt.Sprintf("domain %q: %s: %v", e.Domain, e.Op, e.Err)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

func wrap(name, op string, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Domain: name, Op: op, Err: err}
}
