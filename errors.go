package virtwire

import (
	"errors"
	"fmt"
	"strings"

	"github.com/virtwire/virtwire/internal/engine"
	"github.com/virtwire/virtwire/protocol"
)

// Errors from the connection itself, as opposed to errors the daemon
// reports (*Error). Errors returned by a Conn wrap one of these, or the
// transport's error, so callers test with errors.Is.
var (
	// ErrConnClosed means the Conn was closed by Close (or is the zero
	// Conn, which was never connected).
	ErrConnClosed = engine.ErrConnClosed
	// ErrProtocol means the daemon sent something the protocol does not
	// allow (a reply to an unknown call, an unknown program, a malformed
	// body...). When the violation leaves the connection's packets
	// untrustworthy (framing, header, routing, events, streams) the Conn is
	// closed with it; a reply whose body alone is malformed fails only its
	// call.
	ErrProtocol = engine.ErrProtocol
	// ErrKeepaliveTimeout means the daemon stopped answering keepalive pings.
	ErrKeepaliveTimeout = engine.ErrKeepaliveTimeout
	// ErrDisconnected means the transport ended (EOF, reset, or the
	// net.Conn closed by someone other than the Conn) while the Conn was
	// open.
	ErrDisconnected = engine.ErrDisconnected
)

// Error is an error reported by the daemon (libvirt's virError).
//
// errors.Is(err, n) with an ErrorNumber n reports whether the daemon's
// error has that code, so every error number is a sentinel:
//
//	if errors.Is(err, virtwire.ErrNoDomain) { ... }
type Error struct {
	Code    ErrorNumber
	Domain  ErrorDomain
	Level   ErrorLevel
	Message string
	// Extra information some errors carry.
	Str1, Str2, Str3 string
	Int1, Int2       int32
}

func (e *Error) Error() string {
	if e.Message == "" {
		return "libvirt: " + e.Code.Error()
	}
	return "libvirt: " + e.Message
}

// Is reports whether target is the ErrorNumber of e.
func (e *Error) Is(target error) bool {
	n, ok := target.(ErrorNumber)
	return ok && n == e.Code
}

// Error makes every ErrorNumber usable as a sentinel error value.
func (n ErrorNumber) Error() string {
	if s, ok := errorNumberText[n]; ok {
		return "libvirt error: " + s
	}
	return fmt.Sprintf("libvirt error %d", int32(n))
}

// IsUnsupported reports whether err says that the daemon, or its driver,
// does not implement what was asked: an RPC procedure unknown to an older
// daemon, or a function the hypervisor driver lacks.
func IsUnsupported(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code {
	case ErrNoSupport, ErrOperationUnsupported:
		return true
	case ErrRPC:
		return strings.Contains(e.Message, "unknown procedure")
	}
	return false
}

// NewError returns the Error a daemon's error reply carries. Every
// libvirt program (remote, qemu, lxc, admin) sends the same remote_error
// body; the Conns of this module (and of package admin) convert their
// replies with it, so that one Error type and one set of sentinels serve
// every program.
func NewError(w *protocol.Error) *Error { return newError(w) }

func newError(w *protocol.Error) *Error {
	e := &Error{
		Code:   ErrorNumber(w.Code),
		Domain: ErrorDomain(w.Domain),
		Level:  ErrorLevel(w.Level),
		Int1:   w.Int1,
		Int2:   w.Int2,
	}
	deref := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	e.Message = deref(w.Message)
	e.Str1, e.Str2, e.Str3 = deref(w.Str1), deref(w.Str2), deref(w.Str3)
	return e
}
