package engine

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"

	"github.com/virtwire/virtwire/protocol"
)

// Errors of the connection itself, as opposed to errors the daemon reports.
// The root package exports them under the same names; every error a
// connection returns wraps one of them, or the transport's error.
var (
	// ErrConnClosed means the connection was closed by its owner.
	ErrConnClosed = errors.New("virtwire: connection closed")
	// ErrProtocol means the daemon sent something the protocol does not
	// allow.
	ErrProtocol = errors.New("virtwire: protocol violation")
	// ErrKeepaliveTimeout means the daemon stopped answering keepalive pings.
	ErrKeepaliveTimeout = errors.New("virtwire: keepalive timeout: the daemon stopped answering")
	// ErrDisconnected means the transport ended (EOF, reset) while the
	// connection was open.
	ErrDisconnected = errors.New("virtwire: connection lost")
	// ErrStreamAborted is the error of a stream after it was aborted.
	ErrStreamAborted = errors.New("virtwire: stream aborted")
	// ErrNoFDPassing means a call passes file descriptors over a connection
	// that cannot carry them: only unix sockets can.
	ErrNoFDPassing = errors.New("virtwire: file descriptors can only be passed over a unix socket")
)

// ioError turns a read or write error of the transport into the error
// that ends the connection.
func ioError(err error) error {
	switch {
	case errors.Is(err, ErrProtocol):
		return err
	case errors.Is(err, protocol.ErrTooLarge), errors.Is(err, protocol.ErrTooSmall):
		return fmt.Errorf("%w: %w", ErrProtocol, err)
	case err == io.EOF:
		return fmt.Errorf("%w: the daemon closed the connection (%w)", ErrDisconnected, err)
	case errors.Is(err, io.EOF):
		// An EOF that says more, such as the ssh program's exit status and
		// stderr ("Host key verification failed."): keep what it says.
		return fmt.Errorf("%w: %w", ErrDisconnected, err)
	case errors.Is(err, net.ErrClosed):
		// The net.Conn was closed underneath the connection, by someone
		// other than its owner.
		return fmt.Errorf("%w: the transport was closed: %w", ErrDisconnected, err)
	}
	return fmt.Errorf("%w: %w", ErrDisconnected, err)
}

func isTimeout(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }
