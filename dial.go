package virtwire

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/virtwire/virtwire/internal/authfile"
	"github.com/virtwire/virtwire/internal/saslhook"
	"github.com/virtwire/virtwire/protocol/remote"
	"github.com/virtwire/virtwire/transport"
)

// Credential is one question asked during authentication (an SSH password,
// a key passphrase, a SASL user name...); the callback sets Result.
type Credential = transport.Credential

// CredentialFunc answers the questions authentication asks. It is called
// only for what neither an explicit option nor libvirt's auth file
// (authfile=, $LIBVIRT_AUTH_FILE, ~/.config/libvirt/auth.conf) answers.
type CredentialFunc = transport.CredentialFunc

// WithCredentials sets the callback that answers authentication questions
// (SASL user name and password, SSH passwords and passphrases).
func WithCredentials(f CredentialFunc) Option {
	return func(o *options) { o.credentials = f; o.dialOnly = append(o.dialOnly, "WithCredentials") }
}

// WithSASL gives the SASL user name and password explicitly.
func WithSASL(user, password string) Option {
	return func(o *options) {
		o.saslUser, o.saslPassword = user, password
		o.dialOnly = append(o.dialOnly, "WithSASL")
	}
}

// WithSASLMechanisms limits the SASL mechanisms the client may use (by
// default SCRAM-SHA-512, SCRAM-SHA-256, SCRAM-SHA-1 and PLAIN, on TLS, unix
// and ssh only).
func WithSASLMechanisms(mechs ...string) Option {
	return func(o *options) { o.saslMechs = mechs; o.dialOnly = append(o.dialOnly, "WithSASLMechanisms") }
}

// WithInsecureSASL lets SCRAM run on a channel that is neither encrypted
// nor local (tcp and ext URIs), where Dial refuses SASL by default, as
// libvirt's client does: SCRAM has no security layer, so whoever answers
// on the daemon's address learns the user name and a proof from which a
// weak password can be recovered offline, and the session after it is
// unprotected. PLAIN stays refused there. Prefer a tls URI.
func WithInsecureSASL() Option {
	return func(o *options) { o.insecureSASL = true; o.dialOnly = append(o.dialOnly, "WithInsecureSASL") }
}

// ErrInsecureSASL is wrapped by Dial's error when the daemon asks for SASL
// on a channel that is neither encrypted nor local and the client refuses
// before sending a user name (see WithInsecureSASL).
var ErrInsecureSASL = saslhook.ErrInsecureChannel

// ErrNotLinked is wrapped by Dial's error when the URI or the daemon needs
// a part that only a package the program does not import provides: tls
// URIs need transport/tlsdial, the built-in ssh client transport/sshdial,
// SASL authentication virtwire/sasl (or all of them, virtwire/all). The
// error names the package.
var ErrNotLinked = transport.ErrNotLinked

// WithTransport passes settings to the transports that other packages
// register: transport/tlsdial's WithConfig (a tls.Config of the caller's)
// and transport/sshdial's WithConfig (keys, an agent, a host key
// callback).
//
//	conn, err := virtwire.Dial(ctx, "qemu+tls://host/system", virtwire.WithTransport(tlsdial.WithConfig(cfg)))
func WithTransport(opts ...transport.Option) Option {
	return func(o *options) {
		o.transport = append(o.transport, opts...)
		o.dialOnly = append(o.dialOnly, "WithTransport")
	}
}

// WithSSH tunes the ssh transports: whether the system's ssh program or
// the built-in client is used, and changed host keys. The built-in
// client's keys, agent and host key callback are given with WithTransport
// and transport/sshdial's WithConfig.
func WithSSH(cfg transport.SSHConfig) Option {
	return func(o *options) { o.ssh = cfg; o.dialOnly = append(o.dialOnly, "WithSSH") }
}

// WithInsecurePKIPermissions uses libvirt's TLS files (cacert.pem,
// clientcert.pem, clientkey.pem, cacrl.pem) even when any user of the
// machine can change them: world-writable, or reached through a
// world-writable folder or link. Dial refuses them by default, naming the
// file and its mode (transport.ErrInsecurePermissions), since whoever swaps
// the CA certificate can impersonate the daemon; libvirt's client uses
// them. With this option each is used with a warning to WithLogger's
// logger.
func WithInsecurePKIPermissions() Option {
	return func(o *options) { o.insecurePKI = true; o.dialOnly = append(o.dialOnly, "WithInsecurePKIPermissions") }
}

// DefaultURI returns the URI libvirt's client uses when it is given none:
// $LIBVIRT_DEFAULT_URI, else uri_default from libvirt.conf, else "" (the
// daemon then picks its default driver).
func DefaultURI() string {
	if s := os.Getenv("LIBVIRT_DEFAULT_URI"); s != "" {
		return s
	}
	if cfg, err := transport.LoadClientConfig(nil); err == nil && cfg.URIDefault != "" {
		return cfg.URIDefault
	}
	return ""
}

// Dial connects to the libvirt daemon that uri names, as `virsh -c uri`
// would, with authentication (none, polkit, SASL), then the handshake of
// NewConn. An empty uri means DefaultURI; aliases from libvirt.conf's
// uri_aliases are resolved.
//
// unix, tcp, ext and ssh through the ssh program are always there. The
// parts that need large libraries are linked by importing their packages,
// so that a program pays only for what it dials: transport/tlsdial (tls),
// transport/sshdial (libssh, libssh2, and ssh without the ssh program),
// virtwire/sasl (SASL), or virtwire/all for every one. A URI that needs a
// missing one fails with an error wrapping ErrNotLinked that names the
// package.
//
//	import _ "github.com/virtwire/virtwire/all"
//
//	conn, err := virtwire.Dial(ctx, "qemu+ssh://root@host/system")
func Dial(ctx context.Context, uri string, opts ...Option) (*Conn, error) {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	ctx, cancel := handshakeContext(ctx, o)
	defer cancel()
	o.dialTimeout = 0 // the deadline is in ctx now; newConn must not restart it
	u, err := resolveURI(uri)
	if err != nil {
		return nil, err
	}
	creds := authfile.Credentials(u, nil, o.credentials)
	nc, err := transport.Dial(ctx, u, &transport.Config{
		ReadOnly:               o.readOnly,
		Options:                o.transport,
		Credentials:            creds,
		SSH:                    o.ssh,
		InsecurePKIPermissions: o.insecurePKI,
		Logger:                 o.logger,
	})
	if errors.Is(err, transport.ErrInsecurePermissions) {
		return nil, fmt.Errorf("virtwire: connecting to %s: %w (or, accepting the risk, use virtwire.WithInsecurePKIPermissions())", u, err)
	}
	if err != nil {
		return nil, fmt.Errorf("virtwire: connecting to %s: %w", u, err)
	}
	if o.name == nil {
		name := u.RemoteName()
		o.name = &name
	}
	k := u.EffectiveTransport()
	ch := channel{secure: k.Secure(), encrypted: k == transport.TLS}
	return newConn(ctx, nc, o, ch, saslAuthenticator(u, o, creds))
}

func resolveURI(uri string) (*transport.URI, error) {
	if uri == "" {
		uri = DefaultURI()
	}
	if uri == "" {
		uri = "qemu:///session"
		if os.Geteuid() == 0 {
			uri = "qemu:///system"
		}
	}
	if !strings.Contains(uri, ":") {
		if cfg, err := transport.LoadClientConfig(nil); err == nil {
			if resolved, ok, err := cfg.ResolveAlias(uri); err != nil {
				return nil, fmt.Errorf("virtwire: %w", err)
			} else if ok {
				uri = resolved
			}
		}
	}
	u, err := transport.ParseURI(uri)
	if err != nil {
		return nil, fmt.Errorf("virtwire: %w", err)
	}
	return u, nil
}

// saslAuthenticator runs libvirt's SASL exchange: AUTH_SASL_INIT gives the
// server's mechanisms, AUTH_SASL_START and AUTH_SASL_STEP carry the
// messages until both sides are done. Whether the channel is secure is the
// URI's transport's (transport.Kind.Secure, as libvirt's is_secure);
// internal/sasl decides what may run on it, before AUTH_SASL_START. It is
// there when virtwire/sasl is imported (saslhook.NewClient is set).
func saslAuthenticator(u *transport.URI, o options, creds CredentialFunc) authenticator {
	return func(ctx context.Context, c *Conn, offered []remote.AuthType) error {
		want := ""
		if a := u.Auth(); a != "" {
			if m, ok := strings.CutPrefix(strings.ToLower(a), "sasl."); ok {
				want = strings.ToUpper(m)
			}
		}
		if saslhook.NewClient == nil {
			return fmt.Errorf("virtwire: the daemon asks for SASL authentication: %w: import _ %q (or %q)", ErrNotLinked, "github.com/virtwire/virtwire/sasl", transport.AllPackage)
		}
		cl := saslhook.NewClient(saslhook.Config{
			Allowed:              o.saslMechs,
			Want:                 want,
			Secure:               u.EffectiveTransport().Secure(),
			AllowInsecureChannel: o.insecureSASL,
			Username:             o.saslUser,
			Password:             o.saslPassword,
			Credentials:          creds,
			Host:                 u.Hostname(),
		})
		var init remote.AuthSASLInitRet
		if err := c.call(ctx, remote.Program, remote.ProtocolVersion, int32(remote.ProcAuthSASLInit), nil, &init); err != nil {
			return fmt.Errorf("virtwire: SASL authentication: %w", err)
		}
		mech, data, err := cl.Start(ctx, init.Mechlist)
		if errors.Is(err, saslhook.ErrInsecureChannel) {
			return fmt.Errorf("virtwire: SASL authentication over %s: %w, or accept the risk with virtwire.WithInsecureSASL()", u.EffectiveTransport(), err)
		}
		if err != nil {
			return fmt.Errorf("virtwire: SASL authentication: %w", err)
		}
		start := remote.AuthSASLStartArgs{Mech: mech, Data: toChars(data)}
		if data == nil {
			start.Nil = 1
		}
		var ret remote.AuthSASLStartRet
		if err := c.call(ctx, remote.Program, remote.ProtocolVersion, int32(remote.ProcAuthSASLStart), &start, &ret); err != nil {
			return fmt.Errorf("virtwire: SASL authentication (%s): %w", mech, err)
		}
		for {
			next, done, err := cl.Step(ctx, fromChars(ret.Data), ret.Complete != 0)
			if err != nil {
				return fmt.Errorf("virtwire: SASL authentication (%s): %w", mech, err)
			}
			if done {
				return nil
			}
			step := remote.AuthSASLStepArgs{Data: toChars(next)}
			if next == nil {
				step.Nil = 1
			}
			var sret remote.AuthSASLStepRet
			if err := c.call(ctx, remote.Program, remote.ProtocolVersion, int32(remote.ProcAuthSASLStep), &step, &sret); err != nil {
				return fmt.Errorf("virtwire: SASL authentication (%s): %w", mech, err)
			}
			ret = remote.AuthSASLStartRet(sret)
		}
	}
}

// SASL data travels as an XDR array of chars: one 4-byte int per byte.
func toChars(b []byte) []int8 {
	if b == nil {
		return nil
	}
	out := make([]int8, len(b))
	for i, c := range b {
		out[i] = int8(c)
	}
	return out
}

func fromChars(c []int8) []byte {
	out := make([]byte, len(c))
	for i, v := range c {
		out[i] = byte(v)
	}
	return out
}
