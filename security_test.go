package virtwire_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"net/url"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/internal/fakeserver"
	"github.com/virtwire/virtwire/internal/lab"
	"github.com/virtwire/virtwire/protocol/remote"
	"github.com/virtwire/virtwire/transport"
)

// The security review of virtwire's defaults, as tests: TLS verifies the
// server and its name and never goes below TLS 1.2; ssh checks host keys,
// with the built-in client and with the ssh program; SASL PLAIN is never
// used on plain TCP; passwords and passphrases appear in no error, log or
// URI string; a socket path cannot inject commands into the remote shell;
// a read-only connection is refused every write. The transport package
// tests the pieces (applyPriority, shellQuote, knownhosts); these go
// through Dial, as a user does.

// --- TLS ---

type pki struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newCA(t *testing.T, name string) *pki {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &pki{cert, key, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue signs a certificate for names (IP addresses or DNS names), for a
// server or a client; it returns the certificate and key in PEM.
func (ca *pki) issue(t *testing.T, client bool, names ...string) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: names[0]},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if client {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
}

// pkiDir writes a pkipath= folder trusting ca, with a client certificate.
func (ca *pki) pkiDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	cert, key := ca.issue(t, true, "client")
	for name, data := range map[string][]byte{"cacert.pem": ca.pem, "clientcert.pem": cert, "clientkey.pem": key} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// tlsDaemon is a fake daemon behind TLS, as libvirtd's TLS listener: after
// the handshake it sends the confirmation byte and speaks the protocol.
// It records the TLS versions each client offered and counts the
// connections that got as far as the protocol.
type tlsDaemon struct {
	addr string

	mu       sync.Mutex
	offered  [][]uint16
	sessions int
}

func startTLSDaemon(t *testing.T, certPEM, keyPEM []byte, maxVersion uint16) *tlsDaemon {
	t.Helper()
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	d := &tlsDaemon{}
	cfg := &tls.Config{
		Certificates: []tls.Certificate{cert}, ClientAuth: tls.RequestClientCert,
		MinVersion: tls.VersionTLS10, MaxVersion: maxVersion,
		GetConfigForClient: func(h *tls.ClientHelloInfo) (*tls.Config, error) {
			d.mu.Lock()
			d.offered = append(d.offered, slices.Clone(h.SupportedVersions))
			d.mu.Unlock()
			return nil, nil
		},
	}
	srv := libVersionServer(nil)
	d.addr = serveTCP(t, func(raw net.Conn) {
		tc := tls.Server(raw, cfg)
		if tc.Handshake() != nil {
			return
		}
		if _, err := tc.Write([]byte{1}); err != nil {
			return
		}
		d.mu.Lock()
		d.sessions++
		d.mu.Unlock()
		_ = srv.Serve(tc)
	})
	return d
}

// serveTCP runs handle on every connection to a new TCP port of 127.0.0.1,
// each on a goroutine of its own, and returns the address. At cleanup it
// closes the listener and the connections and waits for the handlers.
func serveTCP(t *testing.T, handle func(net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var conns sync.Map
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			nc, err := l.Accept()
			if err != nil {
				return
			}
			conns.Store(nc, true)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer nc.Close()
				handle(nc)
			}()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		conns.Range(func(k, _ any) bool { k.(net.Conn).Close(); return true })
		wg.Wait()
	})
	return l.Addr().String()
}

func (d *tlsDaemon) stats() (offered [][]uint16, sessions int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.offered), d.sessions
}

// The tls.Config virtwire builds from libvirt's files verifies the server
// and its name, with TLS 1.2 as the floor whatever tls_priority says; only
// no_verify=1 turns verification off.
func TestTLSConfigDefaults(t *testing.T) {
	dir := newCA(t, "ca").pkiDir(t)
	for _, prio := range []string{"", "NORMAL", "NORMAL:+VERS-TLS1.0:+VERS-TLS1.1", "SECURE256", "NORMAL:-VERS-TLS1.2", "LEGACY:+VERS-ALL"} {
		t.Run("priority "+prio, func(t *testing.T) {
			u, err := transport.ParseURI("qemu+tls://host.example/system?pkipath=" + url.QueryEscape(dir))
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := transport.TLSConfig(u, prio, nil)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.MinVersion < tls.VersionTLS12 {
				t.Errorf("MinVersion %#x, below TLS 1.2", cfg.MinVersion)
			}
			if cfg.MaxVersion != 0 && cfg.MaxVersion < tls.VersionTLS12 {
				t.Errorf("MaxVersion %#x, below TLS 1.2", cfg.MaxVersion)
			}
			if cfg.InsecureSkipVerify || cfg.RootCAs == nil || cfg.ServerName != "host.example" {
				t.Errorf("InsecureSkipVerify %v, RootCAs %v, ServerName %q", cfg.InsecureSkipVerify, cfg.RootCAs != nil, cfg.ServerName)
			}
			if len(cfg.Certificates) != 1 {
				t.Errorf("%d client certificates", len(cfg.Certificates))
			}
		})
	}
	u, _ := transport.ParseURI("qemu+tls://host.example/system?no_verify=1&pkipath=" + url.QueryEscape(dir))
	if cfg, err := transport.TLSConfig(u, "", nil); err != nil || !cfg.InsecureSkipVerify || cfg.MinVersion < tls.VersionTLS12 {
		t.Errorf("no_verify=1: %v, InsecureSkipVerify %v", err, cfg != nil && cfg.InsecureSkipVerify)
	}
}

// Through Dial: a server the CA did not sign, or whose certificate names
// another host, or that speaks only TLS 1.0 and 1.1, is refused before a
// single libvirt packet is sent, whether virtwire read libvirt's files or
// was given a tls.Config; and no client hello ever offers less than 1.2.
func TestTLSVerifiesByDefault(t *testing.T) {
	noLeaks(t)
	ca, rogue := newCA(t, "ca"), newCA(t, "rogue")
	dir := ca.pkiDir(t)
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	clientCert, clientKey := ca.issue(t, true, "client")
	pair, err := tls.X509KeyPair(clientCert, clientKey)
	if err != nil {
		t.Fatal(err)
	}
	weakCfg := &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS10}
	good := func() ([]byte, []byte) { return ca.issue(t, false, "127.0.0.1") }

	var unknownCA x509.UnknownAuthorityError
	var wrongName x509.HostnameError
	tests := []struct {
		name   string
		server func() ([]byte, []byte)
		max    uint16
		params string
		opts   []virtwire.Option
		want   any // nil: Dial must succeed; an error type for errors.As; an error for errors.Is; a string the error must hold
	}{
		{"trusted CA, right name", good, 0, "", nil, nil},
		{"trusted CA, right name, own tls.Config", good, 0, "", []virtwire.Option{virtwire.WithTLSConfig(weakCfg)}, nil},
		{"another CA", func() ([]byte, []byte) { return rogue.issue(t, false, "127.0.0.1") }, 0, "", nil, &unknownCA},
		{"another CA, own tls.Config", func() ([]byte, []byte) { return rogue.issue(t, false, "127.0.0.1") }, 0, "", []virtwire.Option{virtwire.WithTLSConfig(weakCfg)}, &unknownCA},
		{"another name", func() ([]byte, []byte) { return ca.issue(t, false, "elsewhere.invalid") }, 0, "", nil, &wrongName},
		{"server only up to TLS 1.1", good, tls.VersionTLS11, "", nil, "protocol version"},
		{"server only up to TLS 1.1, own tls.Config asking for 1.0", good, tls.VersionTLS11, "", []virtwire.Option{virtwire.WithTLSConfig(weakCfg)}, "protocol version"},
		{"server only up to TLS 1.1, tls_priority asking for 1.0", good, tls.VersionTLS11, "&tls_priority=NORMAL:%2BVERS-TLS1.0", nil, "protocol version"},
		{"another CA with no_verify=1 (the explicit opt-out)", func() ([]byte, []byte) { return rogue.issue(t, false, "127.0.0.1") }, 0, "&no_verify=1", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			certPEM, keyPEM := tt.server()
			d := startTLSDaemon(t, certPEM, keyPEM, tt.max)
			uri := "test+tls://" + d.addr + "/default?pkipath=" + url.QueryEscape(dir) + tt.params
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c, err := virtwire.Dial(ctx, uri, tt.opts...)
			offered, sessions := d.stats()
			for _, hello := range offered {
				for _, v := range hello {
					if v < tls.VersionTLS12 {
						t.Errorf("the client offered TLS version %#x (all: %#x)", v, hello)
					}
				}
			}
			if len(offered) == 0 {
				t.Error("no client hello reached the server")
			}
			if !refused(t, ctx, c, err, tt.want != nil) {
				return
			}
			switch w := tt.want.(type) {
			case string:
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v, want it to say %q", err, w)
				}
			default:
				if !errors.As(err, w) {
					t.Errorf("err = %v, want %T", err, w)
				}
			}
			if sessions != 0 {
				t.Errorf("%d connections got past TLS to the protocol", sessions)
			}
		})
	}
}

// refused checks the outcome of a Dial: when it must be refused, that it
// failed (the caller then checks the error); otherwise that it worked and
// the Conn answers a call. It reports whether Dial failed.
func refused(t *testing.T, ctx context.Context, c *virtwire.Conn, err error, mustFail bool) bool {
	t.Helper()
	if mustFail {
		if err == nil {
			c.Close()
			t.Fatal("Dial succeeded")
		}
		return true
	}
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer c.Close()
	if _, err := c.ConnectGetLibVersion(ctx); err != nil {
		t.Fatal(err)
	}
	return false
}

// --- SSH ---

// sshNetConn is an ssh channel as a net.Conn, for the fake daemon.
type sshNetConn struct {
	ssh.Channel
	local, remote net.Addr
}

func (c sshNetConn) LocalAddr() net.Addr              { return c.local }
func (c sshNetConn) RemoteAddr() net.Addr             { return c.remote }
func (c sshNetConn) SetDeadline(time.Time) error      { return nil }
func (c sshNetConn) SetReadDeadline(time.Time) error  { return nil }
func (c sshNetConn) SetWriteDeadline(time.Time) error { return nil }

// sshDaemon is an in-process ssh server in front of a fake daemon: it
// accepts one client key, and runs the fake daemon for every exec request,
// whatever its command, which it records.
type sshDaemon struct {
	addr    string
	hostKey ssh.Signer

	mu       sync.Mutex
	execs    []string
	sessions int // connections that passed the ssh handshake
}

func startSSHDaemon(t *testing.T, authorized ssh.PublicKey) *sshDaemon {
	t.Helper()
	_, hostPriv, _ := ed25519.GenerateKey(rand.Reader)
	hostKey, err := ssh.NewSignerFromKey(hostPriv)
	if err != nil {
		t.Fatal(err)
	}
	d := &sshDaemon{hostKey: hostKey}
	cfg := &ssh.ServerConfig{PublicKeyCallback: func(_ ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
		if authorized != nil && bytes.Equal(key.Marshal(), authorized.Marshal()) {
			return nil, nil
		}
		return nil, errors.New("key not authorized")
	}}
	cfg.AddHostKey(hostKey)
	srv := libVersionServer(nil)
	d.addr = serveTCP(t, func(raw net.Conn) {
		sc, chans, reqs, err := ssh.NewServerConn(raw, cfg)
		if err != nil {
			return
		}
		d.mu.Lock()
		d.sessions++
		d.mu.Unlock()
		go ssh.DiscardRequests(reqs)
		for nc := range chans {
			ch, chReqs, err := nc.Accept()
			if err != nil {
				continue
			}
			for req := range chReqs {
				if req.Type != "exec" || len(req.Payload) < 4 {
					_ = req.Reply(false, nil)
					continue
				}
				d.mu.Lock()
				d.execs = append(d.execs, string(req.Payload[4:4+binary.BigEndian.Uint32(req.Payload)]))
				d.mu.Unlock()
				_ = req.Reply(true, nil)
				_ = srv.Serve(sshNetConn{ch, sc.LocalAddr(), sc.RemoteAddr()})
				_, _ = ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{0}))
				ch.Close()
				break
			}
		}
	})
	return d
}

func (d *sshDaemon) stats() (execs []string, sessions int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.execs), d.sessions
}

// knownHosts writes a known_hosts file recording key for the daemon.
func (d *sshDaemon) knownHosts(t *testing.T, key ssh.PublicKey) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(path, []byte(knownHostsLine(d.addr, key)), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func knownHostsLine(addr string, key ssh.PublicKey) string {
	host, port, _ := net.SplitHostPort(addr)
	return fmt.Sprintf("[%s]:%s %s", host, port, ssh.MarshalAuthorizedKey(key))
}

// clientKey writes an ed25519 key, encrypted when passphrase is set, and
// returns its path and public key.
func clientKey(t *testing.T, passphrase string) (string, ssh.PublicKey) {
	t.Helper()
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	var block *pem.Block
	var err error
	if passphrase == "" {
		block, err = ssh.MarshalPrivateKey(priv, "")
	} else {
		block, err = ssh.MarshalPrivateKeyWithPassphrase(priv, "", []byte(passphrase))
	}
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "id_ed25519")
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	sshPub, _ := ssh.NewPublicKey(pub)
	return path, sshPub
}

// Unknown and changed host keys are refused by default, with the built-in
// client and with the ssh program (the default for ssh:// URIs), before
// any authentication; a recorded key lets the connection through.
func TestSSHVerifiesHostKeysByDefault(t *testing.T) {
	noLeaks(t)
	key, pub := clientKey(t, "")
	d := startSSHDaemon(t, pub)
	t.Setenv("HOME", t.TempDir()) // no ~/.ssh/known_hosts
	_, otherPriv, _ := ed25519.GenerateKey(rand.Reader)
	other, _ := ssh.NewSignerFromKey(otherPriv)
	native := virtwire.WithSSH(transport.SSHConfig{Mode: transport.SSHNative})
	sshProgram := filepath.Join(t.TempDir(), "ssh")
	empty := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// The system ssh with no user configuration and an empty known_hosts;
	// BatchMode because a test has no one to ask.
	script := "#!/bin/sh\nexec ssh -F /dev/null -o UserKnownHostsFile=" + empty + " -o GlobalKnownHostsFile=/dev/null -o BatchMode=yes \"$@\"\n"
	if err := os.WriteFile(sshProgram, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	base := "test+ssh://root@" + d.addr + "/default?socket=/run/fake-sock&keyfile=" + url.QueryEscape(key)
	tests := []struct {
		name string
		uri  string
		opts []virtwire.Option
		is   error
		says string
	}{
		{"built-in client, unknown host", base, []virtwire.Option{native}, transport.ErrHostKeyUnknown, ""},
		{"built-in client, changed host key", base + "&known_hosts=" + url.QueryEscape(d.knownHosts(t, other.PublicKey())), []virtwire.Option{native}, transport.ErrHostKeyMismatch, ""},
		{"ssh program, unknown host", base + "&command=" + url.QueryEscape(sshProgram), nil, nil, "Host key verification failed"},
		{"built-in client, recorded host key", base + "&known_hosts=" + url.QueryEscape(d.knownHosts(t, d.hostKey.PublicKey())), []virtwire.Option{native}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, before := d.stats()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			c, err := virtwire.Dial(ctx, tt.uri, tt.opts...)
			_, after := d.stats()
			if !refused(t, ctx, c, err, tt.is != nil || tt.says != "") {
				return
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("err = %v, want %v", err, tt.is)
			}
			if !strings.Contains(err.Error(), tt.says) {
				t.Errorf("err = %v, want it to say %q", err, tt.says)
			}
			if after != before {
				t.Errorf("the client authenticated to a host it did not trust")
			}
		})
	}
}

// --- SASL ---

// saslDaemon is a fake daemon that requires SASL, offers mechs, and
// accepts user and password with PLAIN. It records what AUTH_SASL_START
// carried.
func saslDaemon(mechs, user, password string, starts *[][]byte, mu *sync.Mutex) *fakeserver.Server {
	srv := libVersionServer(func(c *fakeserver.Conn, req *fakeserver.Request) bool {
		switch remote.Procedure(req.Header.Procedure) {
		case remote.ProcAuthSASLInit:
			_ = c.Reply(req, &remote.AuthSASLInitRet{Mechlist: mechs})
		case remote.ProcAuthSASLStart:
			var args remote.AuthSASLStartArgs
			_ = req.Decode(&args)
			data := make([]byte, len(args.Data))
			for i, b := range args.Data {
				data[i] = byte(b)
			}
			mu.Lock()
			*starts = append(*starts, data)
			mu.Unlock()
			if args.Mech == "PLAIN" && string(data) == "\x00"+user+"\x00"+password {
				_ = c.Reply(req, &remote.AuthSASLStartRet{Complete: 1, Nil: 1})
			} else {
				_ = c.ReplyError(req, int32(virtwire.ErrAuthFailed), "authentication failed: authentication failed")
			}
		default:
			return false
		}
		return true
	})
	srv.AuthTypes = []remote.AuthType{remote.AuthSASL}
	return srv
}

// PLAIN sends the password as it is: virtwire uses it on a unix socket (or
// TLS), never on plain TCP, however it is asked to.
func TestSASLPlainNeverOnTCP(t *testing.T) {
	noLeaks(t)
	const user, password = "agent", "pl41n-s3cret"
	var mu sync.Mutex
	var starts [][]byte
	srv := saslDaemon("PLAIN", user, password, &starts, &mu)
	tcp := "test+tcp://" + serveTCP(t, func(nc net.Conn) { _ = srv.Serve(nc) }) + "/default"
	unix := "test+unix:///default?socket=" + url.QueryEscape(srv.ListenUnix(t))
	creds := virtwire.WithSASL(user, password)
	tests := []struct {
		name string
		uri  string
		opts []virtwire.Option
		ok   bool
	}{
		{"tcp", tcp, []virtwire.Option{creds}, false},
		{"tcp, PLAIN the only mechanism allowed", tcp, []virtwire.Option{creds, virtwire.WithSASLMechanisms("PLAIN")}, false},
		{"tcp, auth=sasl.plain in the URI", tcp + "?auth=sasl.plain", []virtwire.Option{creds}, false},
		{"unix", unix, []virtwire.Option{creds}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			starts = nil
			mu.Unlock()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c, err := virtwire.Dial(ctx, tt.uri, tt.opts...)
			mu.Lock()
			sent := slices.Clone(starts)
			mu.Unlock()
			if tt.ok {
				if err != nil {
					t.Fatalf("Dial: %v", err)
				}
				c.Close()
				if len(sent) != 1 || string(sent[0]) != "\x00"+user+"\x00"+password {
					t.Fatalf("AUTH_SASL_START carried %q", sent)
				}
				return
			}
			if err == nil {
				c.Close()
				t.Fatal("Dial succeeded with PLAIN on plain TCP")
			}
			if !strings.Contains(err.Error(), "PLAIN") {
				t.Errorf("err = %v, want it to say why PLAIN is refused", err)
			}
			if len(sent) != 0 {
				t.Errorf("the client sent AUTH_SASL_START %q", sent)
			}
		})
	}
}

// --- Secrets ---

// logBuffer collects what a slog.Logger writes.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func debugLogger() (*slog.Logger, *logBuffer) {
	b := &logBuffer{}
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b
}

// noSecret fails the test if any rendering of err, or the log, holds
// secret.
func noSecret(t *testing.T, secret string, err error, log string) {
	t.Helper()
	if err != nil {
		for _, s := range []string{err.Error(), fmt.Sprintf("%v %+v %#v", err, err, err)} {
			if strings.Contains(s, secret) {
				t.Errorf("the error shows the secret: %s", s)
			}
		}
	}
	if strings.Contains(log, secret) {
		t.Errorf("the log shows the secret:\n%s", log)
	}
}

// SASL passwords, passwords in URIs and ssh key passphrases appear in no
// error and no debug log, whether authentication works or not.
func TestSecretsStayOut(t *testing.T) {
	noLeaks(t)
	t.Run("SASL password", func(t *testing.T) {
		const user, password = "agent", "s4sl-pa55word"
		var mu sync.Mutex
		var starts [][]byte
		srv := saslDaemon("PLAIN SCRAM-SHA-256", user, password, &starts, &mu)
		uri := "test+unix:///default?socket=" + url.QueryEscape(srv.ListenUnix(t))
		for _, pw := range []string{password, password + "-wrong"} {
			log, buf := debugLogger()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			// PLAIN: the mechanism that puts the password itself on the wire.
			c, err := virtwire.Dial(ctx, uri, virtwire.WithSASL(user, pw), virtwire.WithSASLMechanisms("PLAIN"), virtwire.WithLogger(log))
			cancel()
			if (err == nil) != (pw == password) {
				t.Fatalf("Dial with password %q: %v", pw, err)
			}
			if err == nil {
				if _, err := c.ConnectGetLibVersion(context.Background()); err != nil {
					t.Fatal(err)
				}
				c.Close()
			}
			if !strings.Contains(buf.String(), "REMOTE_PROC_AUTH_SASL_START") {
				t.Fatalf("the debug log does not show the SASL exchange, so it proves nothing:\n%s", buf)
			}
			noSecret(t, pw, err, buf.String())
		}
	})
	t.Run("password in the URI", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close() // nothing listens there now
		const secret = "ur1-pa55word"
		log, buf := debugLogger()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err = virtwire.Dial(ctx, "test+tcp://agent:"+secret+"@"+addr+"/default", virtwire.WithLogger(log))
		if err == nil {
			t.Fatal("Dial succeeded")
		}
		noSecret(t, secret, err, buf.String())
		// libvirt URIs carry no password: ParseURI refuses one, without
		// repeating it.
		_, perr := transport.ParseURI("test+tcp://agent:" + secret + "@host/default")
		if !errors.Is(perr, transport.ErrInvalidURI) {
			t.Fatalf("ParseURI of a URI with a password: %v", perr)
		}
		noSecret(t, secret, perr, "")
	})
	t.Run("ssh key passphrase", func(t *testing.T) {
		const passphrase = "k3y-pa55phrase"
		key, pub := clientKey(t, passphrase)
		d := startSSHDaemon(t, pub)
		kh := d.knownHosts(t, d.hostKey.PublicKey())
		uri := "test+ssh://root@" + d.addr + "/default?socket=/run/fake-sock&keyfile=" + url.QueryEscape(key) + "&known_hosts=" + url.QueryEscape(kh)
		for _, answer := range []string{passphrase + "-wrong", passphrase} {
			log, buf := debugLogger()
			asked := 0
			creds := virtwire.WithCredentials(func(ctx context.Context, cs []*virtwire.Credential) error {
				for _, c := range cs {
					if c.Type == transport.CredPassphrase {
						c.Result = answer
						asked++
					}
				}
				return nil
			})
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			c, err := virtwire.Dial(ctx, uri, creds, virtwire.WithLogger(log), virtwire.WithSSH(transport.SSHConfig{Mode: transport.SSHNative}))
			cancel()
			if asked == 0 {
				t.Fatal("the passphrase was never asked for, so this proves nothing")
			}
			if (err == nil) != (answer == passphrase) {
				t.Fatalf("Dial with passphrase %q: %v", answer, err)
			}
			if err == nil {
				c.Close()
			}
			noSecret(t, answer, err, buf.String())
		}
	})
}

// --- Remote commands ---

// A socket path made of shell syntax reaches nc as one argument through a
// real sshd and login shell, with the built-in client and with the ssh
// program: the path (a link to the lab daemon's socket) works, and none of
// the commands hidden in it runs.
func TestRemoteCommandQuotedThroughSSHD(t *testing.T) {
	l := lab.Require(t)
	dir, err := os.MkdirTemp("", "vwq-") // short: a socket path has at most 107 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	login, err := user.Lookup(l.SSHUser)
	if err != nil {
		t.Fatal(err)
	}
	// Each piece would create the canary, in the remote shell's working
	// folder (the login's home), if the shell interpreted it.
	var rnd [3]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		t.Fatal(err)
	}
	token := fmt.Sprintf("vwc-%x", rnd) // short: it is in the path three times
	canary := filepath.Join(login.HomeDir, token)
	t.Cleanup(func() { os.Remove(canary) })
	name := "a'; touch " + token + "; '\"$(touch " + token + ")\"`touch " + token + "` \\;$HOME&|><"
	link := filepath.Join(dir, name)
	if err := os.Symlink(l.UnixSocket, link); err != nil {
		t.Fatal(err)
	}
	for name, mode := range map[string]transport.SSHMode{"built-in client": transport.SSHNative, "ssh program": transport.SSHExternal} {
		t.Run(name, func(t *testing.T) {
			// libvirt reads '+' in a query as itself: spaces must be %20.
			esc := func(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }
			uri := fmt.Sprintf("test+ssh://%s@%s/default?socket=%s&keyfile=%s&known_hosts=%s&command=%s",
				l.SSHUser, l.SSHAddr, esc(link), esc(l.SSHKey), esc(l.SSHKnownHosts), esc(l.SSHCommand))
			c, err := dialURI(t, uri, virtwire.WithSSH(transport.SSHConfig{Mode: mode}))
			if err != nil {
				t.Fatalf("Dial through a socket path of shell syntax: %v", err)
			}
			hostnameMatches(t, c)
			if _, err := os.Stat(canary); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("the remote shell ran a command hidden in the socket path (%s exists)", canary)
			}
		})
	}
}

// --- Read-only ---

// A read-only connection is refused every write procedure tried, with
// libvirt's own read-only error, and stays usable; the domain it tried to
// change is unchanged. TestReadOnly (readonly_integration_test.go) covers
// four writes on three kinds of read-only connection against virsh's
// messages; these are eight more.
func TestReadOnlyRefusesWrites(t *testing.T) {
	l := lab.Require(t)
	c := labConn(t, l.URI(lab.UnixRO), virtwire.WithReadOnly())
	ctx := context.Background()
	dom, err := c.DomainLookupByName(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	stateBefore, _, err := c.DomainGetState(ctx, dom, 0)
	if err != nil {
		t.Fatal(err)
	}
	writes := []struct {
		name string
		call func() error
	}{
		{"DomainCreateXML", func() error { _, err := c.DomainCreateXML(ctx, testDomainXML("ro-test"), 0); return err }},
		{"DomainDestroy", func() error { return c.DomainDestroy(ctx, &dom) }},
		{"DomainUndefine", func() error { return c.DomainUndefine(ctx, dom) }},
		{"DomainSetMemory", func() error { return c.DomainSetMemory(ctx, dom, 1024) }},
		{"DomainSetAutostart", func() error { return c.DomainSetAutostart(ctx, dom, 1) }},
		{"NetworkDefineXML", func() error {
			_, err := c.NetworkDefineXML(ctx, "<network><name>ro-test</name></network>")
			return err
		}},
		{"StoragePoolCreateXML", func() error {
			_, err := c.StoragePoolCreateXML(ctx, "<pool type='dir'><name>ro-test</name><target><path>/tmp</path></target></pool>", 0)
			return err
		}},
		{"SecretDefineXML", func() error { _, err := c.SecretDefineXML(ctx, "<secret ephemeral='yes'/>", 0); return err }},
	}
	for _, w := range writes {
		t.Run(w.name, func(t *testing.T) {
			err := w.call()
			var e *virtwire.Error
			if !errors.Is(err, virtwire.ErrOperationDenied) || !errors.As(err, &e) || !strings.Contains(e.Message, "read only") {
				t.Fatalf("%s on a read-only connection: %v, want libvirt's read-only error", w.name, err)
			}
			if _, err := c.ConnectGetLibVersion(ctx); err != nil {
				t.Fatalf("the Conn after the refusal: %v", err)
			}
		})
	}
	if state, _, err := c.DomainGetState(ctx, dom, 0); err != nil || state != stateBefore {
		t.Errorf("the domain's state went from %d to %d (%v)", stateBefore, state, err)
	}
	if _, err := c.DomainLookupByName(ctx, "ro-test"); !errors.Is(err, virtwire.ErrNoDomain) {
		t.Errorf("a domain was defined through the read-only connection: %v", err)
	}
}
