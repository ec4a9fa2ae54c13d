package virtwire

import (
	"log/slog"
	"time"

	"github.com/virtwire/virtwire/transport"
)

// An Option configures a Conn made by Dial or NewConn.
type Option func(*options)

type options struct {
	readOnly          bool
	name              *string
	keepAliveInterval time.Duration
	keepAliveCount    int
	logger            *slog.Logger
	dialTimeout       time.Duration
	eventBuffer       int
	streamBuffer      int

	// Dial only; dialOnly names the Dial-only options given, so that
	// NewConn can refuse them.
	dialOnly     []string
	credentials  CredentialFunc
	saslUser     string
	saslPassword string
	saslMechs    []string
	insecureSASL bool
	insecurePKI  bool
	transport    []transport.Option
	ssh          transport.SSHConfig
}

// connOptions is what a Conn keeps of its options once it is made: the
// rest (credentials, SASL's password, the transport's settings) ends with
// the dial that used them.
type connOptions struct {
	name        *string
	logger      *slog.Logger
	eventBuffer int
	readOnly    bool
}

func (o *options) kept() connOptions {
	return connOptions{name: o.name, logger: o.logger, eventBuffer: o.eventBuffer, readOnly: o.readOnly}
}

// Defaults of libvirt's client (virsh and the remote driver).
const (
	DefaultKeepAliveInterval = 5 * time.Second
	DefaultKeepAliveCount    = 5
)

func defaultOptions() options {
	return options{
		keepAliveInterval: DefaultKeepAliveInterval,
		keepAliveCount:    DefaultKeepAliveCount,
	}
}

// WithReadOnly opens the connection read-only (VIR_CONNECT_RO): the daemon
// refuses every procedure that changes anything. With Dial on a unix URI it
// also selects the daemon's read-only socket.
func WithReadOnly() Option { return func(o *options) { o.readOnly = true } }

// WithName sets the URI the daemon is asked to open (CONNECT_OPEN), such as
// "qemu:///system" or "test:///default". Dial derives it from the URI as
// libvirt does; NewConn sends none unless this option is given, and the
// daemon then picks its default driver.
func WithName(uri string) Option { return func(o *options) { o.name = &uri } }

// WithKeepAlive sets how often the client pings an idle daemon and how many
// unanswered pings close the connection. The defaults are libvirt's: 5 s
// and 5. Keepalive is used only when the daemon supports it.
func WithKeepAlive(interval time.Duration, count int) Option {
	return func(o *options) { o.keepAliveInterval, o.keepAliveCount = interval, count }
}

// WithoutKeepAlive turns the client's keepalive pings off. The client still
// answers the daemon's pings.
func WithoutKeepAlive() Option { return func(o *options) { o.keepAliveInterval = 0 } }

// WithLogger logs packets (direction, program, procedure, type, serial,
// status, size) at debug level, connection events at info level, and
// warnings about what Dial used (a TLS private key other users can read)
// at warn level. Packet bodies are never logged, so neither are secrets.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithDialTimeout bounds how long Dial may take to connect and complete the
// handshake, on top of the context's own deadline.
func WithDialTimeout(d time.Duration) Option { return func(o *options) { o.dialTimeout = d } }
