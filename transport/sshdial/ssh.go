package sshdial

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os/user"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"github.com/virtwire/virtwire/transport"
)

func init() { transport.Register(transport.SSH, Dial) }

// Config holds the settings of the built-in client that need
// golang.org/x/crypto/ssh's types; WithConfig passes them to a dial.
// transport.SSHConfig holds the rest (the mode, changed host keys).
type Config struct {
	// Signers are tried first in public key authentication.
	Signers []ssh.Signer
	// Agent replaces the agent at $SSH_AUTH_SOCK.
	Agent agent.Agent
	// HostKeyCallback replaces known_hosts checking entirely.
	HostKeyCallback ssh.HostKeyCallback
}

type configKey struct{}

// WithConfig returns the option that gives the built-in ssh client cfg:
//
//	virtwire.Dial(ctx, uri, virtwire.WithTransport(sshdial.WithConfig(sshdial.Config{Signers: keys})))
func WithConfig(cfg Config) transport.Option { return transport.NewOption(configKey{}, cfg) }

// configOf returns the Config the dial's options give, or the zero one.
func configOf(cfg *transport.Config) Config {
	v, _ := cfg.Lookup(configKey{})
	c, _ := v.(Config)
	return c
}

// defaultKeys are the key files tried when keyfile= is not given.
var defaultKeys = []string{"id_ed25519", "id_ecdsa", "id_rsa"}

// sshUser is the login name: the URI's, else libvirt's "root" for libssh
// and libssh2, else the local user (as the ssh program would).
func sshUser(u *transport.URI, sys *transport.System) string {
	if u.User != "" {
		return u.User
	}
	if u.EffectiveTransport() != transport.SSH {
		return "root"
	}
	for _, k := range []string{"USER", "LOGNAME"} {
		if v := sys.Getenv(k); v != "" {
			return v
		}
	}
	if cur, err := user.Current(); err == nil {
		return cur.Username
	}
	return "root"
}

// Dial logs in to u's host with the built-in client and runs the command
// libvirt's remote driver runs there (transport.RemoteCommand), the
// connection being its stdin and stdout. transport.Dial calls it for
// libssh and libssh2 URIs, and for ssh URIs not run through the ssh
// program, once this package is linked.
func Dial(ctx context.Context, u *transport.URI, cfg *transport.Config) (net.Conn, error) {
	if cfg == nil {
		cfg = &transport.Config{}
	}
	cmd, err := transport.RemoteCommand(u, cfg.ReadOnly, cfg.Client, cfg.System)
	if err != nil {
		return nil, err
	}
	return dialSSHNative(ctx, u, cmd, cfg)
}

// dialSSHNative logs in with golang.org/x/crypto/ssh and runs remoteCmd;
// the connection is the command's stdin and stdout.
func dialSSHNative(ctx context.Context, u *transport.URI, remoteCmd string, cfg *transport.Config) (net.Conn, error) {
	sys := cfg.System
	own := configOf(cfg)
	port := u.Port
	if port == 0 {
		port = 22
	}
	addr := net.JoinHostPort(u.Hostname(), strconv.Itoa(port))
	login := sshUser(u, sys)

	hostKey := own.HostKeyCallback
	if hostKey == nil {
		setup, err := knownHostsFor(u, cfg.SSH, sys)
		if err != nil {
			return nil, err
		}
		hostKey = hostKeyCallback(ctx, setup, cfg.Credentials, sys)
	}
	methods, cleanup, err := sshAuthMethods(ctx, u, cfg, login)
	if err != nil {
		return nil, err
	}
	defer cleanup()

	raw, err := cfg.NetDial(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { _ = raw.SetDeadline(time.Unix(1, 0)) })
	sc, chans, reqs, err := ssh.NewClientConn(raw, addr, &ssh.ClientConfig{
		User:            login,
		Auth:            methods,
		HostKeyCallback: hostKey,
	})
	if !stop() {
		if err == nil {
			sc.Close()
		}
		raw.Close()
		return nil, ctx.Err()
	}
	if err != nil {
		raw.Close()
		return nil, fmt.Errorf("ssh %s@%s: %w", login, addr, err)
	}
	if err := raw.SetDeadline(time.Time{}); err != nil {
		sc.Close()
		return nil, err
	}
	client := ssh.NewClient(sc, chans, reqs)
	conn, err := startSSHCommand(client, remoteCmd, addr)
	if err != nil {
		client.Close()
		_ = client.Wait()
		return nil, err
	}
	return conn, nil
}

// sshAuthMethods builds the methods in sshauth= order (default agent,
// privkey when a key exists, password, keyboard-interactive). Agent and
// key signers form one publickey method, since the ssh library tries each
// method name once.
func sshAuthMethods(ctx context.Context, u *transport.URI, cfg *transport.Config, login string) ([]ssh.AuthMethod, func(), error) {
	own := configOf(cfg)
	sys := cfg.System
	host := u.Hostname()
	keys, err := keyFiles(u, sys)
	if err != nil {
		return nil, nil, err
	}
	order := u.SSHAuth()
	if order == nil {
		order = []transport.SSHAuthMethod{transport.AuthAgent, transport.AuthPrivKey, transport.AuthPassword, transport.AuthKeyboardInteractive}
		if len(keys) == 0 {
			order = []transport.SSHAuthMethod{transport.AuthAgent, transport.AuthPassword, transport.AuthKeyboardInteractive}
		}
	}
	var closers []io.Closer
	cleanup := func() {
		for _, c := range closers {
			c.Close()
		}
	}
	var signers []ssh.Signer
	signers = append(signers, own.Signers...)
	var methods []ssh.AuthMethod
	publicKeyAdded := false
	for _, m := range order {
		switch m {
		case transport.AuthAgent, transport.AuthPrivKey:
			if m == transport.AuthAgent {
				ag := own.Agent
				if ag == nil {
					if sock := sys.Getenv("SSH_AUTH_SOCK"); sock != "" {
						if c, err := net.Dial("unix", sock); err == nil {
							closers = append(closers, c)
							ag = agent.NewClient(c)
						}
					}
				}
				if ag != nil {
					if s, err := ag.Signers(); err == nil {
						signers = append(signers, s...)
					}
				}
			} else {
				for _, k := range keys {
					s, err := loadKey(ctx, k, cfg.Credentials, sys)
					if err != nil {
						cleanup()
						return nil, nil, err
					}
					signers = append(signers, s)
				}
			}
			if !publicKeyAdded {
				publicKeyAdded = true
				methods = append(methods, ssh.PublicKeysCallback(func() ([]ssh.Signer, error) { return signers, nil }))
			}
		case transport.AuthPassword:
			methods = append(methods, ssh.RetryableAuthMethod(ssh.PasswordCallback(func() (string, error) {
				c := &transport.Credential{Type: transport.CredPassphrase, Prompt: fmt.Sprintf("Enter %s's password for %s", login, host), Challenge: host, Service: "ssh", Host: host}
				return transport.Ask(ctx, cfg.Credentials, c)
			}), 3))
		case transport.AuthKeyboardInteractive:
			methods = append(methods, ssh.RetryableAuthMethod(ssh.KeyboardInteractive(func(name, instruction string, questions []string, echos []bool) ([]string, error) {
				if len(questions) == 0 {
					return nil, nil
				}
				head := strings.TrimSpace(strings.Join([]string{name, instruction}, "\n"))
				creds := make([]*transport.Credential, len(questions))
				for i, q := range questions {
					t := transport.CredNoEchoPrompt
					if echos[i] {
						t = transport.CredEchoPrompt
					}
					prompt := q
					if head != "" {
						prompt = head + "\n" + q
					}
					creds[i] = &transport.Credential{Type: t, Prompt: prompt, Challenge: host}
				}
				if cfg.Credentials == nil {
					return nil, fmt.Errorf("%w for keyboard-interactive authentication", transport.ErrNoCredentials)
				}
				if err := cfg.Credentials(ctx, creds); err != nil {
					return nil, err
				}
				answers := make([]string, len(creds))
				for i, c := range creds {
					answers[i] = c.Result
				}
				return answers, nil
			}), 3))
		}
	}
	return methods, cleanup, nil
}

// keyFiles lists the private keys to try: keyfile=, else the usual
// ~/.ssh/id_* files that exist.
func keyFiles(u *transport.URI, sys *transport.System) ([]string, error) {
	if k := u.KeyFile(); k != "" {
		return []string{k}, nil
	}
	home, err := sys.Home()
	if err != nil {
		return nil, nil // no home folder, no default keys
	}
	var out []string
	for _, name := range defaultKeys {
		if p := home + "/.ssh/" + name; sys.Exists(p) {
			out = append(out, p)
		}
	}
	return out, nil
}

// loadKey reads a private key. An encrypted key whose public half is known
// (from the file itself or path.pub) is decrypted only when the server
// accepts it, asking the credential callback for the passphrase then.
func loadKey(ctx context.Context, path string, creds transport.CredentialFunc, sys *transport.System) (ssh.Signer, error) {
	data, err := sys.Read(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read ssh key: %w", err)
	}
	signer, err := ssh.ParsePrivateKey(data)
	if err == nil {
		return signer, nil
	}
	var missing *ssh.PassphraseMissingError
	if !errors.As(err, &missing) {
		return nil, fmt.Errorf("cannot parse ssh key '%s': %w", path, err)
	}
	k := &lazyKey{path: path, data: data, pub: missing.PublicKey, ask: func() (string, error) {
		return transport.Ask(ctx, creds, &transport.Credential{Type: transport.CredPassphrase, Prompt: fmt.Sprintf("Enter passphrase for key '%s'", path), Challenge: path})
	}}
	if k.pub == nil {
		if pubData, err := sys.Read(path + ".pub"); err == nil {
			if pub, _, _, _, err := ssh.ParseAuthorizedKey(pubData); err == nil {
				k.pub = pub
			}
		}
	}
	if k.pub == nil {
		return k.load()
	}
	return k, nil
}

// lazyKey is an encrypted private key, decrypted on first use.
type lazyKey struct {
	path string
	data []byte
	pub  ssh.PublicKey
	ask  func() (string, error)

	once   sync.Once
	signer ssh.Signer
	err    error
}

func (k *lazyKey) load() (ssh.Signer, error) {
	k.once.Do(func() {
		var pass string
		if pass, k.err = k.ask(); k.err != nil {
			return
		}
		k.signer, k.err = ssh.ParsePrivateKeyWithPassphrase(k.data, []byte(pass))
		if k.err != nil {
			k.err = fmt.Errorf("error while opening private key '%s', wrong passphrase?", k.path)
		}
	})
	return k.signer, k.err
}

func (k *lazyKey) PublicKey() ssh.PublicKey { return k.pub }

func (k *lazyKey) Sign(rand io.Reader, data []byte) (*ssh.Signature, error) {
	s, err := k.load()
	if err != nil {
		return nil, err
	}
	return s.Sign(rand, data)
}

func (k *lazyKey) SignWithAlgorithm(rand io.Reader, data []byte, algorithm string) (*ssh.Signature, error) {
	s, err := k.load()
	if err != nil {
		return nil, err
	}
	if as, ok := s.(ssh.AlgorithmSigner); ok {
		return as.SignWithAlgorithm(rand, data, algorithm)
	}
	return s.Sign(rand, data)
}

func (k *lazyKey) Algorithms() []string {
	if k.pub.Type() == ssh.KeyAlgoRSA {
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	}
	return []string{k.pub.Type()}
}

// sshConn is a net.Conn over a remote command's stdin and stdout.
type sshConn struct {
	*transport.ProgramEnd
	client  *ssh.Client
	session *ssh.Session
	stdin   io.WriteCloser
	stdout  io.Reader

	closeOnce sync.Once
}

func startSSHCommand(client *ssh.Client, remoteCmd, addr string) (*sshConn, error) {
	session, err := client.NewSession()
	if err != nil {
		return nil, fmt.Errorf("ssh session with %s: %w", addr, err)
	}
	c := &sshConn{ProgramEnd: transport.NewProgramEnd("remote command on " + addr), client: client, session: session}
	if c.stdin, err = session.StdinPipe(); err == nil {
		c.stdout, err = session.StdoutPipe()
	}
	if err != nil {
		session.Close()
		return nil, err
	}
	session.Stderr = c.Stderr()
	if err := session.Start(remoteCmd); err != nil {
		session.Close()
		return nil, fmt.Errorf("ssh %s: running the remote command: %w", addr, err)
	}
	go func() {
		c.Ended(session.Wait())
	}()
	return c, nil
}

func (c *sshConn) Read(p []byte) (int, error) {
	n, err := c.stdout.Read(p)
	if err == io.EOF {
		return n, c.Err()
	}
	return n, err
}

func (c *sshConn) Write(p []byte) (int, error) { return c.stdin.Write(p) }

// Close ends the session and the ssh connection and waits for the ssh
// library's goroutines to finish.
func (c *sshConn) Close() error {
	c.closeOnce.Do(func() {
		c.Closing()
		c.session.Close()
		c.client.Close()
		<-c.Done()
		_ = c.client.Wait()
	})
	return nil
}

// CloseWrite sends EOF to the remote command.
func (c *sshConn) CloseWrite() error { return c.stdin.Close() }

func (c *sshConn) LocalAddr() net.Addr  { return c.client.LocalAddr() }
func (c *sshConn) RemoteAddr() net.Addr { return c.client.RemoteAddr() }

// errNoDeadline: ssh channels cannot time out single reads or writes;
// cancel by closing the connection.
var errNoDeadline = fmt.Errorf("%w: deadlines on ssh channels; close the connection instead", transport.ErrUnsupported)

func (c *sshConn) SetDeadline(t time.Time) error      { return errNoDeadline }
func (c *sshConn) SetReadDeadline(t time.Time) error  { return errNoDeadline }
func (c *sshConn) SetWriteDeadline(t time.Time) error { return errNoDeadline }
