package admin

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/internal/engine"
	"github.com/virtwire/virtwire/protocol"
	wire "github.com/virtwire/virtwire/protocol/admin"
	"github.com/virtwire/virtwire/protocol/keepalive"
	"github.com/virtwire/virtwire/transport"
)

// A Conn is a connection to a daemon's admin server. It is safe for
// concurrent use: calls are multiplexed on one socket, as on a
// virtwire.Conn, on the same engine. Every call takes a context;
// cancelling it makes the call return at once.
//
// When the connection fails (the daemon closes it, an admin disconnects
// it, the daemon violates the protocol), every pending and later call
// returns an error that wraps the cause, Done is closed and Err says why.
//
// The zero Conn is not connected: its methods return an error wrapping
// virtwire.ErrConnClosed.
type Conn struct {
	eng *engine.Engine
	// socket is the path Dial connected to ("" after NewConn).
	socket string

	closeOnce sync.Once
	closeErr  error
}

// An Option configures a Conn made by Dial or NewConn.
type Option func(*options)

type options struct {
	logger            *slog.Logger
	dialTimeout       time.Duration
	keepAliveInterval time.Duration
	keepAliveCount    int
}

// WithLogger logs packets (direction, procedure, type, serial, status,
// size; never bodies) at debug level and the end of the connection at info
// level, as virtwire.WithLogger does.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithDialTimeout bounds how long Dial or NewConn may take to connect and
// open the admin connection, on top of the context's own deadline. Without
// it and without a deadline, 30 s.
func WithDialTimeout(d time.Duration) Option { return func(o *options) { o.dialTimeout = d } }

// WithKeepAlive makes the client ping an idle daemon every interval and
// end the connection after count unanswered pings. libvirt's admin client
// sends no pings, and neither does a Conn without this option; both answer
// the daemon's.
func WithKeepAlive(interval time.Duration, count int) Option {
	return func(o *options) { o.keepAliveInterval, o.keepAliveCount = interval, count }
}

// errNotConnected is the error of the zero Conn's methods.
var errNotConnected = fmt.Errorf("%w: the admin Conn is not connected (make one with admin.Dial or admin.NewConn)", virtwire.ErrConnClosed)

// DefaultURI returns the admin URI virt-admin uses when it is given none:
// $LIBVIRT_ADMIN_DEFAULT_URI, else uri_default in libvirt-admin.conf, else
// libvirtd:///system for root and libvirtd:///session for other users.
func DefaultURI() (string, error) {
	return transport.DefaultAdminURI(nil)
}

// Dial connects to the admin server of the daemon that uri names, as
// `virt-admin -c uri` does, and opens the admin connection:
//
//	libvirtd:///system                  /run/libvirt/libvirt-admin-sock
//	virtqemud:///system                 /run/libvirt/virtqemud-admin-sock
//	virtproxyd:///session               $XDG_RUNTIME_DIR/libvirt/virtproxyd-admin-sock
//	libvirtd:///system?socket=PATH      PATH
//
// An empty uri means DefaultURI; an alias from libvirt-admin.conf's
// uri_aliases is resolved. Daemons serve the admin protocol on their local
// unix socket only: a URI with another transport or a host is refused with
// an error wrapping transport.ErrAdminURI.
func Dial(ctx context.Context, uri string, opts ...Option) (*Conn, error) {
	o := newOptions(opts)
	ctx, cancel := engine.HandshakeContext(ctx, o.dialTimeout)
	defer cancel()
	o.dialTimeout = 0 // the deadline is in ctx now
	u, err := resolveURI(uri)
	if err != nil {
		return nil, err
	}
	path, err := transport.AdminSocket(u, nil)
	if err != nil {
		return nil, fmt.Errorf("admin: %w", err)
	}
	nc, err := transport.DialUnix(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("admin: connecting to %s (%s): %w", u, path, err)
	}
	c, err := newConn(ctx, nc, o)
	if err != nil {
		return nil, fmt.Errorf("admin: %s: %w", u, err)
	}
	c.socket = path
	return c, nil
}

func resolveURI(uri string) (*transport.URI, error) {
	if uri == "" {
		var err error
		if uri, err = DefaultURI(); err != nil {
			return nil, fmt.Errorf("admin: %w", err)
		}
	}
	if !strings.Contains(uri, ":") {
		cfg, err := transport.LoadAdminConfig(nil)
		if err != nil {
			return nil, fmt.Errorf("admin: %w", err)
		}
		resolved, ok, err := cfg.ResolveAlias(uri)
		if err != nil {
			return nil, fmt.Errorf("admin: libvirt-admin.conf: %w", err)
		}
		if ok {
			uri = resolved
		}
	}
	u, err := transport.ParseURI(uri)
	if err != nil {
		return nil, fmt.Errorf("admin: %w", err)
	}
	return u, nil
}

// NewConn opens the admin connection on nc, a connection the caller made
// to a daemon's admin socket (or to anything that relays to one), and
// returns a Conn that owns nc. On error nc is closed.
func NewConn(ctx context.Context, nc net.Conn, opts ...Option) (*Conn, error) {
	o := newOptions(opts)
	ctx, cancel := engine.HandshakeContext(ctx, o.dialTimeout)
	defer cancel()
	c, err := newConn(ctx, nc, o)
	if err != nil {
		return nil, fmt.Errorf("admin: %w", err)
	}
	return c, nil
}

func newOptions(opts []Option) options {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// programs is the one program an admin Conn speaks.
var programs = []engine.Program{{Number: wire.Program, Version: wire.ProtocolVersion}}

// newConn runs the admin program's handshake, which is libvirt's admin
// client's: ADMIN_PROC_CONNECT_OPEN, nothing before it (the admin socket
// asks for no authentication: its permissions are the access control).
func newConn(ctx context.Context, nc net.Conn, o options) (*Conn, error) {
	c := &Conn{}
	c.eng = engine.New(nc, engine.Config{
		Programs:    programs,
		Name:        procName,
		RemoteError: func(we *protocol.Error) error { return virtwire.NewError(we) },
		Logger:      o.logger,
	})
	if err := c.connectOpen(ctx, 0); err != nil {
		c.eng.Shutdown(fmt.Errorf("%w: handshake failed", virtwire.ErrConnClosed))
		return nil, fmt.Errorf("opening the admin connection: %w", err)
	}
	if o.keepAliveInterval > 0 {
		c.eng.StartKeepalive(o.keepAliveInterval, o.keepAliveCount)
	}
	return c, nil
}

// procName names a procedure for errors and logs.
func procName(prog uint32, proc int32) string {
	name := ""
	switch prog {
	case wire.Program:
		name = wire.Procedure(proc).String()
	case keepalive.Program:
		name = keepalive.Procedure(proc).String()
	}
	if name != "" && !strings.HasPrefix(name, "Procedure(") {
		return name
	}
	return fmt.Sprintf("procedure %d of program %#x", proc, prog)
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
// that ended it (wrapping virtwire.ErrConnClosed after Close).
func (c *Conn) Err() error {
	if c.eng == nil {
		return errNotConnected
	}
	return c.eng.Err()
}

// Socket returns the path of the admin socket Dial connected to, "" for a
// Conn made by NewConn.
func (c *Conn) Socket() string { return c.socket }

// Close tells the daemon the connection is ending (ADMIN_PROC_CONNECT_CLOSE),
// closes the socket and waits for the Conn's goroutines to end. Pending
// calls return errors wrapping virtwire.ErrConnClosed. Close is safe to
// call more than once; later calls return the first result.
func (c *Conn) Close() error {
	if c.eng == nil {
		return errNotConnected
	}
	c.closeOnce.Do(func() {
		if err := c.eng.Close(header(int32(wire.ProcConnectClose))); err != nil {
			c.closeErr = fmt.Errorf("admin: closing: %w", err)
		}
	})
	return c.closeErr
}

func header(proc int32) protocol.Header {
	return protocol.Header{Program: wire.Program, Version: wire.ProtocolVersion, Procedure: proc}
}

// invoke runs one procedure of the admin program with the arguments'
// encoding and the result's decoding methods (nil for none); the
// generated methods use it, as the root package's use Conn.invoke.
func (c *Conn) invoke(ctx context.Context, proc int32, enc func(*protocol.Encoder), dec func(*protocol.Decoder) error) error {
	if c.eng == nil {
		return errNotConnected
	}
	return c.eng.Call(ctx, header(proc), enc, dec)
}

// Call runs any procedure of the admin program by number: it sends args
// (nil for none) and decodes the reply into ret (nil for none). Use it for
// procedures of daemons newer than this package.
func (c *Conn) Call(ctx context.Context, proc int32, args, ret protocol.Value) error {
	var enc func(*protocol.Encoder)
	var dec func(*protocol.Decoder) error
	if args != nil {
		enc = args.EncodeXDR
	}
	if ret != nil {
		dec = ret.DecodeXDR
	}
	return c.invoke(ctx, proc, enc, dec)
}
