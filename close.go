package virtwire

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/virtwire/virtwire/protocol"
	"github.com/virtwire/virtwire/protocol/remote"
)

// CloseReason says why a Conn ended, as libvirt's close callback
// (virConnectRegisterCloseCallback) reports it, with one reason more: the
// daemon ending its side on purpose.
type CloseReason int32

// Close reasons. The first four have libvirt's numbers
// (VIR_CONNECT_CLOSE_REASON_*).
const (
	// CloseReasonError: the connection failed (a transport error, a
	// protocol violation, a net.Conn closed underneath the Conn).
	CloseReasonError CloseReason = CloseReason(ConnectCloseReasonError)
	// CloseReasonEOF: the daemon hung up.
	CloseReasonEOF CloseReason = CloseReason(ConnectCloseReasonEof)
	// CloseReasonKeepalive: the daemon stopped answering keepalive pings.
	CloseReasonKeepalive CloseReason = CloseReason(ConnectCloseReasonKeepalive)
	// CloseReasonClient: the program called Close.
	CloseReasonClient CloseReason = CloseReason(ConnectCloseReasonClient)
	// CloseReasonDaemon: the daemon told the client that its own connection
	// to its driver ended (REMOTE_PROC_CONNECT_EVENT_CONNECTION_CLOSED),
	// such as virtproxyd whose virtqemud went away: every later call would
	// fail, so the Conn ends. DaemonClosedError has the daemon's reason.
	CloseReasonDaemon CloseReason = 4
)

var closeReasonNames = [...]string{"error", "EOF", "keepalive", "client", "daemon"}

func (r CloseReason) String() string {
	if r >= 0 && int(r) < len(closeReasonNames) {
		return closeReasonNames[r]
	}
	return "CloseReason(" + strconv.Itoa(int(r)) + ")"
}

// DaemonClosedError is the Err of a Conn that ended because the daemon said
// its own connection to its driver closed.
type DaemonClosedError struct {
	// Reason is the daemon's reason: EOF when its backend went away, say.
	Reason ConnectCloseReason
}

func (e *DaemonClosedError) Error() string {
	return fmt.Sprintf("virtwire: the daemon's connection to its driver closed (%s); every call would fail: reconnect", reasonWord(e.Reason))
}

// Unwrap makes the error match ErrDisconnected.
func (e *DaemonClosedError) Unwrap() error { return ErrDisconnected }

func reasonWord(r ConnectCloseReason) string {
	return CloseReason(r).String()
}

// CloseReason reports why the Conn ended; ok is false while it is open.
// It is the reason of Err, as ReasonOf gives it.
func (c *Conn) CloseReason() (reason CloseReason, ok bool) {
	err := c.Err()
	if err == nil {
		return 0, false
	}
	return ReasonOf(err), true
}

// ReasonOf returns the close reason an error of a Conn stands for: one
// wrapping ErrConnClosed is the client's, ErrKeepaliveTimeout keepalive,
// a *DaemonClosedError the daemon's, ErrDisconnected at the end of the
// stream EOF, and anything else an error.
func ReasonOf(err error) CloseReason {
	var dc *DaemonClosedError
	switch {
	case errors.As(err, &dc):
		return CloseReasonDaemon
	case errors.Is(err, ErrConnClosed):
		return CloseReasonClient
	case errors.Is(err, ErrKeepaliveTimeout):
		return CloseReasonKeepalive
	case errors.Is(err, ErrDisconnected) && errors.Is(err, io.EOF):
		return CloseReasonEOF
	}
	return CloseReasonError
}

// ConnectionClosed is the event a daemon sends when its own connection to
// its driver closed (REMOTE_PROC_CONNECT_EVENT_CONNECTION_CLOSED). The
// Conn ends right after delivering it, with a *DaemonClosedError.
// Subscribe with SubscribeConnectionClosed.
type ConnectionClosed struct {
	Reason ConnectCloseReason
}

func (*ConnectionClosed) isEvent() {}

// registerCloseCallback asks the daemon to send its connection-closed
// event (REMOTE_PROC_CONNECT_REGISTER_CLOSE_CALLBACK), so that a Conn whose
// daemon can no longer serve it ends instead of failing every call. The
// handshake does it; the daemon's error, when it refuses, is kept for
// SubscribeConnectionClosed.
func (c *Conn) registerCloseCallback(ctx context.Context) error {
	return c.call(ctx, remote.Program, remote.ProtocolVersion, int32(remote.ProcConnectRegisterCloseCallback), nil, nil)
}

// connectionClosed handles the daemon's connection-closed event: it is
// delivered to the subscriptions that asked for it, and then the Conn
// ends.
func (c *Conn) connectionClosed(body []byte) error {
	var m remote.ConnectEventConnectionClosedMsg
	if err := protocol.Decode(body, &m); err != nil {
		return fmt.Errorf("%w: event %s: %w", ErrProtocol, procName(remote.Program, int32(remote.ProcConnectEventConnectionClosed)), err)
	}
	reason := ConnectCloseReason(m.Reason)
	c.deliverLocal(familyConnection, &ConnectionClosed{Reason: reason})
	// Fail never blocks on the network: it ends every waiter and closes
	// the socket, which ends the read loop this runs in.
	c.eng.Fail(&DaemonClosedError{Reason: reason})
	return nil
}

// SubscribeConnectionClosed subscribes to the daemon's connection-closed
// event (ConnectionClosed), which a daemon sends when its own connection
// to its driver closed. The Conn ends right after it, so the subscription
// then ends too, with the Conn's error. It fails when the daemon does not
// send the event (it refused the registration the handshake made; libvirt
// 1.2.3 and later accept it).
func (c *Conn) SubscribeConnectionClosed(ctx context.Context) (*Subscription, error) {
	if c.eng == nil {
		return nil, errNotConnected
	}
	if err := c.settings.features.closeRefused; err != nil {
		return nil, fmt.Errorf("virtwire: the daemon does not send connection-closed events: %w", err)
	}
	reg := eventReg{regKey{familyConnection, 0, "", ""}, func(context.Context) (int32, error) { return 0, nil }}
	return c.subscribe(ctx, []eventReg{reg}, false, func(context.Context, int32) error { return nil })
}
