package transport

import (
	"context"
	"crypto/tls"
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

	// TLSConfig, when set, is used (cloned) instead of libvirt's
	// certificate files. ServerName defaults to the URI's host, no_verify=1
	// still disables verification, and TLS 1.2 stays the minimum.
	TLSConfig *tls.Config

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
}

func (c *Config) dial(ctx context.Context, network, addr string) (net.Conn, error) {
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
	case TCP, TLS:
		port := u.Port
		if port == 0 {
			port = DefaultTCPPort
			if tr == TLS {
				port = DefaultTLSPort
			}
		}
		addr := net.JoinHostPort(u.Hostname(), strconv.Itoa(port))
		var tc *tls.Config
		if tr == TLS {
			// Certificate problems are reported before connecting, as libvirt does.
			var err error
			if tc, err = clientTLSConfig(u, &c); err != nil {
				return nil, fmt.Errorf("tls: %w", err)
			}
		}
		raw, err := c.dial(ctx, "tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("unable to connect to server at %s: %w", addr, err)
		}
		if tr == TCP {
			return raw, nil
		}
		conn, err := tlsHandshake(ctx, raw, tc, addr)
		if err != nil {
			raw.Close()
			return nil, err
		}
		return conn, nil
	case SSH, LibSSH, LibSSH2:
		cmd, err := RemoteCommand(u, c.ReadOnly, c.Client, c.System)
		if err != nil {
			return nil, err
		}
		if c.useExternalSSH(u) {
			name := u.Command()
			if name == "" {
				name = "ssh"
			}
			return startCommand(ctx, name, ExternalSSHArgs(u, cmd, c.SSH))
		}
		return dialSSHNative(ctx, u, cmd, &c)
	case Ext:
		name := u.Command()
		if name == "" {
			return nil, fmt.Errorf("for 'ext' transport, command is required")
		}
		return startCommand(ctx, name, nil)
	}
	return nil, fmt.Errorf("%w: transport %q", ErrUnsupported, tr)
}

func (c *Config) useExternalSSH(u *URI) bool {
	switch c.SSH.Mode {
	case SSHNative:
		return false
	case SSHExternal:
		return true
	}
	if u.EffectiveTransport() != SSH {
		return false
	}
	if u.Command() != "" {
		return true
	}
	_, err := c.System.lookPath("ssh")
	return err == nil
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
