package virtwire

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/virtwire/virtwire/internal/engine"
	"github.com/virtwire/virtwire/protocol"
	"github.com/virtwire/virtwire/protocol/keepalive"
	"github.com/virtwire/virtwire/protocol/lxc"
	"github.com/virtwire/virtwire/protocol/qemu"
	"github.com/virtwire/virtwire/protocol/remote"
)

// A Conn is a connection to a libvirt daemon. It is safe for concurrent use
// by any number of goroutines: calls are multiplexed on one socket, one
// goroutine at a time reads it and routes replies to their callers by
// serial number (a caller reads its own reply when no one else is reading),
// and writes are queued in order.
//
// Every call takes a context. Cancelling it makes the call return at once;
// the daemon still runs the procedure, and its late reply is dropped.
//
// When the connection fails (the daemon closes it, the network breaks, the
// daemon violates the protocol or stops answering keepalive pings), every
// pending and later call returns an error that wraps the cause, Done is
// closed and Err says why.
//
// The zero Conn is not connected: its methods return an error wrapping
// ErrConnClosed. Make Conns with Dial or NewConn.
type Conn struct {
	// eng runs the protocol: packets, serials, the read side, streams,
	// keepalive, descriptors (internal/engine). Nil in the zero Conn.
	eng *engine.Engine
	// settings are fixed once the handshake is done.
	settings settings
	// events are the event registrations and their subscriptions.
	events eventRegistry

	// typedParamString and eventCallback keep the daemon's answers for
	// string typed parameters and event filtering (askedFeature).
	typedParamString atomic.Int32
	eventCallback    atomic.Int32

	closeOnce sync.Once
	closeErr  error
}

// settings are what the Conn was opened with and what the daemon said
// during the handshake.
type settings struct {
	opts     connOptions
	channel  channel
	features features
}

// channel says what libvirt's client would say of the transport.
type channel struct {
	secure    bool // unix, tls, the ssh family (libvirt's is_secure)
	encrypted bool // tls
}

// tlsConn is what of *tls.Conn's methods channelOf looks for: naming the
// type would link crypto/tls into every program.
type tlsConn interface {
	NetConn() net.Conn
	HandshakeContext(ctx context.Context) error
}

// channelOf judges a connection made by the caller from its type.
func channelOf(nc net.Conn) channel {
	switch nc.(type) {
	case *net.UnixConn:
		return channel{secure: true}
	case tlsConn:
		return channel{secure: true, encrypted: true}
	}
	return channel{}
}

// features are what the daemon told us it supports (CONNECT_SUPPORTS_FEATURE).
type features struct {
	keepalive    bool
	closeRefused error // the daemon's answer to the close-callback registration
}

// errNotConnected is the error of the zero Conn's methods.
var errNotConnected = fmt.Errorf("%w: the Conn is not connected (make one with Dial or NewConn)", ErrConnClosed)

// programs are the RPC programs a Conn speaks.
var programs = []engine.Program{
	{Number: remote.Program, Version: remote.ProtocolVersion},
	{Number: qemu.Program, Version: qemu.ProtocolVersion},
	{Number: lxc.Program, Version: lxc.ProtocolVersion},
}

// handshakeContext bounds connecting and the handshake: by WithDialTimeout,
// else by the context's own deadline, else by engine.DefaultHandshakeTimeout.
func handshakeContext(ctx context.Context, o options) (context.Context, context.CancelFunc) {
	return engine.HandshakeContext(ctx, o.dialTimeout)
}

// NewConn runs libvirt's handshake on nc, a connection the caller made to a
// daemon (or to anything that relays to one), and returns a Conn that owns
// nc. The handshake lists the daemon's authentication types, authenticates
// (none and polkit need no client-side exchange), asks which features the
// daemon supports, and opens the URI given with WithName (or the daemon's
// default). Options that only Dial understands (credentials, SASL, TLS and
// SSH settings) are refused with an error naming them. On error nc is
// closed.
func NewConn(ctx context.Context, nc net.Conn, opts ...Option) (*Conn, error) {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	if len(o.dialOnly) > 0 {
		nc.Close()
		return nil, fmt.Errorf("virtwire: NewConn: %s only apply to Dial, which makes the connection itself", strings.Join(o.dialOnly, ", "))
	}
	return newConn(ctx, nc, o, channelOf(nc), nil)
}

// authenticator runs an authentication exchange other than none and
// polkit; Dial supplies one for SASL.
type authenticator func(ctx context.Context, c *Conn, offered []remote.AuthType) error

func newConn(ctx context.Context, nc net.Conn, o options, ch channel, auth authenticator) (*Conn, error) {
	c := &Conn{settings: settings{opts: o.kept(), channel: ch}}
	c.eng = engine.New(nc, engine.Config{
		Programs:     programs,
		Name:         procName,
		RemoteError:  func(we *protocol.Error) error { return newError(we) },
		Event:        c.dispatchEvent,
		StreamBuffer: o.streamBuffer,
		Logger:       o.logger,
	})
	ctx, cancel := handshakeContext(ctx, o)
	defer cancel()
	if err := c.handshake(ctx, auth); err != nil {
		c.eng.Shutdown(fmt.Errorf("%w: handshake failed", ErrConnClosed))
		return nil, err
	}
	if c.settings.features.keepalive {
		c.eng.StartKeepalive(o.keepAliveInterval, o.keepAliveCount)
	}
	return c, nil
}

// closedChan is the Done of the zero Conn.
var closedChan = func() chan struct{} { ch := make(chan struct{}); close(ch); return ch }()

// Done returns a channel that is closed when the connection has failed or
// been closed.
func (c *Conn) Done() <-chan struct{} {
	if c.eng == nil {
		return closedChan
	}
	return c.eng.Done()
}

// Err returns nil while the connection is open, and afterwards the error
// that ended it (wrapping ErrConnClosed after Close).
func (c *Conn) Err() error {
	if c.eng == nil {
		return errNotConnected
	}
	return c.eng.Err()
}

// Close tells the daemon the connection is ending (CONNECT_CLOSE), closes
// the socket and waits for the Conn's goroutines to end. Pending calls
// return errors wrapping ErrConnClosed. Close is safe to call more than once
// and concurrently with calls; later calls return the first result.
func (c *Conn) Close() error {
	if c.eng == nil {
		return errNotConnected
	}
	c.closeOnce.Do(func() {
		err := c.eng.Close(protocol.Header{Program: remote.Program, Version: remote.ProtocolVersion, Procedure: int32(remote.ProcConnectClose)})
		if err != nil {
			c.closeErr = fmt.Errorf("virtwire: closing: %w", err)
		}
		c.events.wait()
	})
	return c.closeErr
}

// call runs one procedure: it sends args (nil for none) and decodes the
// reply into ret (nil for none).
func (c *Conn) call(ctx context.Context, prog, vers uint32, proc int32, args, ret protocol.Value) error {
	return c.invoke(ctx, prog, vers, proc, encoderOf(args), decoderOf(ret))
}

// invoke is call with the arguments' encoding and the result's decoding
// methods given as functions (nil for none). The generated methods use it:
// the method values of their concrete argument and result structs do not
// make those escape to the heap, as a protocol.Value does, which spares
// two allocations per call.
func (c *Conn) invoke(ctx context.Context, prog, vers uint32, proc int32, enc func(*protocol.Encoder), dec func(*protocol.Decoder) error) error {
	if c.eng == nil {
		return errNotConnected
	}
	return c.eng.Call(ctx, protocol.Header{Program: prog, Version: vers, Procedure: proc}, enc, dec)
}

// send sends a call without waiting for its reply (engine.Send): the
// handshake sends calls that do not wait for each other together.
func (c *Conn) send(ctx context.Context, prog, vers uint32, proc int32, args protocol.Value) (engine.Pending, error) {
	if c.eng == nil {
		return engine.Pending{}, errNotConnected
	}
	return c.eng.Send(ctx, protocol.Header{Program: prog, Version: vers, Procedure: proc}, encoderOf(args))
}

// encoderOf returns v's encoding method, or nil when v is nil.
func encoderOf(v protocol.Value) func(*protocol.Encoder) {
	if v == nil {
		return nil
	}
	return v.EncodeXDR
}

// decoderOf returns v's decoding method, or nil when v is nil.
func decoderOf(v protocol.Value) func(*protocol.Decoder) error {
	if v == nil {
		return nil
	}
	return v.DecodeXDR
}

// procName names a procedure for errors and logs. It uses the programs'
// names only (not their Lookup tables), so that a program links the codecs
// of the procedures it calls and no others.
func procName(prog uint32, proc int32) string {
	var name string
	switch prog {
	case remote.Program:
		name = remote.Procedure(proc).String()
	case qemu.Program:
		name = qemu.Procedure(proc).String()
	case lxc.Program:
		name = lxc.Procedure(proc).String()
	case keepalive.Program:
		return keepalive.Procedure(proc).String()
	}
	// String spells unknown numbers Procedure(N).
	if name != "" && !strings.HasPrefix(name, "Procedure(") {
		return name
	}
	return fmt.Sprintf("procedure %d of program %#x", proc, prog)
}

// Call runs any procedure of any program by number: it sends args (nil
// for none) and decodes the reply into ret (nil for none). The generated
// methods are built on it; use it for procedures of programs or daemons
// newer than this package.
func (c *Conn) Call(ctx context.Context, prog, vers uint32, proc int32, args, ret protocol.Value) error {
	return c.call(ctx, prog, vers, proc, args, ret)
}
