package transport

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"
)

// Default ports of libvirtd's network listeners.
const (
	DefaultTCPPort = 16509
	DefaultTLSPort = 16514
)

// Config is everything Dial needs besides the URI. The zero value dials as
// libvirt's client would on this machine.
type Config struct {
	// ReadOnly selects the read-only socket ("-ro") for unix, and asks
	// virt-ssh-helper for a read-only connection (-r). The caller still
	// sends the read-only flag in CONNECT_OPEN.
	ReadOnly bool

	// Credentials answers questions during ssh authentication (passwords,
	// key passphrases, keyboard-interactive prompts, unknown host keys).
	Credentials CredentialFunc

	// SSH tunes the ssh transports.
	SSH SSHConfig

	// InsecurePKIPermissions uses libvirt's TLS files even when any user
	// of the machine can change them (world-writable, or reached through
	// a world-writable folder or link), logging a warning; by default such
	// a file is refused with ErrInsecurePermissions, since whoever swaps
	// the CA certificate can impersonate the daemon. libvirt's client uses
	// them.
	InsecurePKIPermissions bool

	// Logger receives warnings about what the dial used: a TLS private key
	// that other users can read, a file InsecurePKIPermissions let
	// through. nil logs nothing.
	Logger *slog.Logger

	// Client holds libvirt.conf settings (remote_mode, remote_proxy,
	// tls_priority). nil reads libvirt.conf from the machine.
	Client *ClientConfig

	// System is the machine's environment, files and user; nil is the
	// real one.
	System *System

	// DialContext opens network connections for tcp, tls and native ssh;
	// nil uses a net.Dialer.
	DialContext func(ctx context.Context, network, address string) (net.Conn, error)

	// Options are the settings of the transports other packages register
	// (transport/tlsdial's certificates, transport/sshdial's keys).
	Options []Option
}

// NetDial opens a network connection with DialContext, or a net.Dialer
// when it is nil. Registered transports open theirs with it.
func (c *Config) NetDial(ctx context.Context, network, addr string) (net.Conn, error) {
	if c.DialContext != nil {
		return c.DialContext(ctx, network, addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

// Dial opens the byte stream to the daemon that u names, the way libvirt's
// remote driver does for its transport:
//
//   - unix: the socket ChooseSocket picks; the conn is a *net.UnixConn, so
//     file descriptors can be passed with ReadMsgUnix and WriteMsgUnix.
//   - tcp: host:port, port 16509 by default.
//   - tls: host:port (16514) with TLSConfig's checks, then libvirtd's
//     confirmation byte; ErrCertificateRejected when it does not come.
//   - ssh, libssh, libssh2: a login running RemoteCommand (virt-ssh-helper
//     or nc -U), natively or through the ssh program (see SSHMode).
//   - ext: command= run locally, its stdin and stdout as the stream.
//
// ctx bounds the dial, handshakes and authentication; cancelling it aborts
// them (and kills a started subprocess). It does not affect the returned
// connection. cfg may be nil.
func Dial(ctx context.Context, u *URI, cfg *Config) (net.Conn, error) {
	c := Config{}
	if cfg != nil {
		c = *cfg
	}
	if c.Client == nil {
		cc, err := LoadClientConfig(c.System)
		if err != nil {
			return nil, err
		}
		c.Client = cc
	}
	tr := u.EffectiveTransport()
	switch tr {
	case Unix:
		s, err := ChooseSocket(u, c.ReadOnly, c.Client, c.System)
		if err != nil {
			return nil, err
		}
		conn, err := DialUnix(ctx, s.Path)
		if err != nil {
			return nil, fmt.Errorf("connect to %s: %w", s, err)
		}
		return conn, nil
	case TCP:
		port := u.Port
		if port == 0 {
			port = DefaultTCPPort
		}
		addr := net.JoinHostPort(u.Hostname(), strconv.Itoa(port))
		raw, err := c.NetDial(ctx, "tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("unable to connect to server at %s: %w", addr, err)
		}
		return raw, nil
	case TLS:
		dial, err := registered(TLS, "tls URIs need the TLS transport")
		if err != nil {
			return nil, err
		}
		return dial(ctx, u, &c)
	case SSH, LibSSH, LibSSH2:
		if c.useExternalSSH(u) {
			cmd, err := RemoteCommand(u, c.ReadOnly, c.Client, c.System)
			if err != nil {
				return nil, err
			}
			name := u.Command()
			if name == "" {
				name = "ssh"
			}
			return startCommand(ctx, name, ExternalSSHArgs(u, cmd, c.SSH))
		}
		dial, err := registered(SSH, fmt.Sprintf("%s URIs need the built-in ssh client (%s)", tr, c.sshWhy(u)))
		if err != nil {
			return nil, err
		}
		return dial(ctx, u, &c)
	case Ext:
		name := u.Command()
		if name == "" {
			return nil, fmt.Errorf("for 'ext' transport, command is required")
		}
		return startCommand(ctx, name, nil)
	}
	return nil, fmt.Errorf("%w: transport %q", ErrUnsupported, tr)
}

// DialUnix connects to the unix socket at path. A leading '@' names an
// abstract socket, as in libvirt.
func DialUnix(ctx context.Context, path string) (*net.UnixConn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return nil, err
	}
	return conn.(*net.UnixConn), nil
}
