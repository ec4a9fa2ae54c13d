package tlsdial

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/virtwire/virtwire/internal/conntest"
	"github.com/virtwire/virtwire/transport"
)

// testCA is a certificate authority for tests.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

var serial int64 = 100

func newCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name + " CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue makes a leaf certificate; server ones carry the given names.
func (ca *testCA) issue(t *testing.T, cn string, server bool, names ...string) (certPEM, keyPEM []byte, serialNo *big.Int) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		for _, n := range names {
			if ip := net.ParseIP(n); ip != nil {
				tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			} else {
				tmpl.DNSNames = append(tmpl.DNSNames, n)
			}
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
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), tmpl.SerialNumber
}

// pkiDir writes a pkipath folder; nil contents leave a file out.
func pkiDir(t *testing.T, ca, cert, key []byte) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range map[string][]byte{"cacert.pem": ca, "clientcert.pem": cert, "clientkey.pem": key} {
		if data != nil {
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

// tlsServer is libvirtd's TLS listener in miniature: it requires a client
// certificate from its CA, then sends the confirmation byte (if confirm)
// and echoes. It stops when the test ends.
func tlsServer(t *testing.T, ca *testCA, certPEM, keyPEM []byte, confirm bool) string {
	t.Helper()
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{pair}, ClientCAs: pool, ClientAuth: tls.VerifyClientCertIfGiven,
	})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				tc := c.(*tls.Conn)
				if tc.Handshake() != nil {
					return
				}
				// libvirtd closes without the byte when it refuses the client.
				if !confirm || len(tc.ConnectionState().PeerCertificates) == 0 {
					return
				}
				if _, err := tc.Write([]byte{1}); err != nil {
					return
				}
				_, _ = io.Copy(tc, tc)
			}()
		}
	}()
	return ln.Addr().String()
}

// dialTLS dials uri as root on the real file system, without libvirt.conf.
func dialTLS(t *testing.T, uri string, cfg *transport.Config) (net.Conn, error) {
	t.Helper()
	u, err := transport.ParseURI(uri)
	if err != nil {
		t.Fatal(err)
	}
	if cfg == nil {
		cfg = &transport.Config{}
	}
	cfg.Client = &transport.ClientConfig{}
	if cfg.System == nil {
		cfg.System = &transport.System{Geteuid: func() int { return 0 }}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return transport.Dial(ctx, u, cfg)
}

func TestTLSDial(t *testing.T) {
	ca := newCA(t, "lab")
	rogue := newCA(t, "rogue")
	srvCert, srvKey, _ := ca.issue(t, "127.0.0.1", true, "127.0.0.1", "localhost")
	cliCert, cliKey, _ := ca.issue(t, "client", false)
	rogueCert, rogueKey, _ := rogue.issue(t, "client", false)
	good := pkiDir(t, ca.pem, cliCert, cliKey)
	addr := tlsServer(t, ca, srvCert, srvKey, true)
	_, port, _ := net.SplitHostPort(addr)

	t.Run("accepted", func(t *testing.T) {
		conn, err := dialTLS(t, "test+tls://127.0.0.1:"+port+"/default?pkipath="+good, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conntest.Echo(t, conn)
		if v := conn.(*tls.Conn).ConnectionState().Version; v < tls.VersionTLS12 {
			t.Errorf("TLS version %x", v)
		}
	})
	t.Run("DNS name", func(t *testing.T) {
		conn, err := dialTLS(t, "test+tls://localhost:"+port+"/default?pkipath="+good, nil)
		if err != nil {
			t.Fatal(err)
		}
		conn.Close()
	})
	t.Run("no client certificate: server refuses", func(t *testing.T) {
		_, err := dialTLS(t, "test+tls://127.0.0.1:"+port+"/default?pkipath="+pkiDir(t, ca.pem, nil, nil), nil)
		if !errors.Is(err, transport.ErrCertificateRejected) {
			t.Fatalf("err = %v, want ErrCertificateRejected", err)
		}
	})
	t.Run("client certificate from another CA: refused locally", func(t *testing.T) {
		_, err := dialTLS(t, "test+tls://127.0.0.1:"+port+"/default?pkipath="+pkiDir(t, ca.pem, rogueCert, rogueKey), nil)
		if err == nil || !strings.Contains(err.Error(), "our own certificate") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("client certificate from another CA, no_sanity: server refuses", func(t *testing.T) {
		bundle := append(append([]byte{}, ca.pem...), rogue.pem...)
		_, err := dialTLS(t, "test+tls://127.0.0.1:"+port+"/default?no_sanity=1&pkipath="+pkiDir(t, bundle, rogueCert, rogueKey), nil)
		if !errors.Is(err, transport.ErrCertificateRejected) {
			t.Fatalf("err = %v, want ErrCertificateRejected", err)
		}
	})
	t.Run("server not trusted", func(t *testing.T) {
		_, err := dialTLS(t, "test+tls://127.0.0.1:"+port+"/default?no_sanity=1&pkipath="+pkiDir(t, rogue.pem, cliCert, cliKey), nil)
		var unknown x509.UnknownAuthorityError
		if !errors.As(err, &unknown) {
			t.Fatalf("err = %v, want an unknown authority error", err)
		}
	})
	t.Run("name mismatch refused", func(t *testing.T) {
		_, err := dialTLS(t, "test+tls://127.0.0.2:"+port+"/default?pkipath="+good, &transport.Config{DialContext: redirect(addr)})
		var host x509.HostnameError
		if !errors.As(err, &host) {
			t.Fatalf("err = %v, want a host name error", err)
		}
	})
	t.Run("name mismatch with no_verify=1", func(t *testing.T) {
		conn, err := dialTLS(t, "test+tls://127.0.0.2:"+port+"/default?no_verify=1&pkipath="+good, &transport.Config{DialContext: redirect(addr)})
		if err != nil {
			t.Fatal(err)
		}
		conn.Close()
	})
	t.Run("missing CA", func(t *testing.T) {
		dir := pkiDir(t, nil, nil, nil)
		_, err := dialTLS(t, "test+tls://127.0.0.1:"+port+"/default?pkipath="+dir, nil)
		if err == nil || !strings.Contains(err.Error(), "cannot read CA certificate '"+dir+"/cacert.pem'") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("caller's tls.Config", func(t *testing.T) {
		pair, _ := tls.X509KeyPair(cliCert, cliKey)
		pool := x509.NewCertPool()
		pool.AddCert(ca.cert)
		tc := &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS10}
		conn, err := dialTLS(t, "test+tls://localhost:"+port+"/default", &transport.Config{Options: []transport.Option{WithConfig(tc)}})
		if err != nil {
			t.Fatal(err)
		}
		conn.Close()
		if tc.ServerName != "" || tc.MinVersion != tls.VersionTLS10 {
			t.Error("the caller's tls.Config was modified")
		}
	})
	t.Run("tls_priority TLS 1.2 only", func(t *testing.T) {
		conn, err := dialTLS(t, "test+tls://127.0.0.1:"+port+"/default?tls_priority=NORMAL:-VERS-TLS1.3&pkipath="+good, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if v := conn.(*tls.Conn).ConnectionState().Version; v != tls.VersionTLS12 {
			t.Errorf("version %x, want TLS 1.2", v)
		}
	})
}

func TestTLSNoConfirmationByte(t *testing.T) {
	ca := newCA(t, "lab")
	srvCert, srvKey, _ := ca.issue(t, "127.0.0.1", true, "127.0.0.1")
	cliCert, cliKey, _ := ca.issue(t, "client", false)
	addr := tlsServer(t, ca, srvCert, srvKey, false)
	_, err := dialTLS(t, "test+tls://"+addr+"/default?pkipath="+pkiDir(t, ca.pem, cliCert, cliKey), nil)
	if !errors.Is(err, transport.ErrCertificateRejected) || !strings.Contains(err.Error(), "the server rejected the client certificate") {
		t.Fatalf("err = %v, want ErrCertificateRejected", err)
	}
}

func TestTLSRevokedServer(t *testing.T) {
	ca := newCA(t, "lab")
	srvCert, srvKey, srvSerial := ca.issue(t, "127.0.0.1", true, "127.0.0.1")
	cliCert, cliKey, _ := ca.issue(t, "client", false)
	addr := tlsServer(t, ca, srvCert, srvKey, true)
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number: big.NewInt(1), ThisUpdate: time.Now(), NextUpdate: time.Now().Add(time.Hour),
		RevokedCertificateEntries: []x509.RevocationListEntry{{SerialNumber: srvSerial, RevocationTime: time.Now()}},
	}, ca.cert, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	dir := pkiDir(t, ca.pem, cliCert, cliKey)
	if err := os.WriteFile(filepath.Join(dir, "cacrl.pem"), pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = dialTLS(t, "test+tls://"+addr+"/default?pkipath="+dir, nil)
	if err == nil || !strings.Contains(err.Error(), "is revoked") {
		t.Fatalf("err = %v, want a revocation error", err)
	}
}

func TestTLSCancel(t *testing.T) {
	addr, ctx := conntest.SilentServer(t)
	ca := newCA(t, "lab")
	u, _ := transport.ParseURI("test+tls://" + addr + "/default?pkipath=" + pkiDir(t, ca.pem, nil, nil))
	_, err := transport.Dial(ctx, u, &transport.Config{Client: &transport.ClientConfig{}, System: &transport.System{Geteuid: func() int { return 0 }}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestApplyPriority(t *testing.T) {
	tests := []struct {
		prio     string
		min, max uint16
		suites   int
		err      string
	}{
		{"", tls.VersionTLS12, 0, 0, ""},
		{"NORMAL", tls.VersionTLS12, tls.VersionTLS13, 0, ""},
		{"NORMAL:-VERS-SSL3.0", tls.VersionTLS12, tls.VersionTLS13, 0, ""},
		{"NORMAL:-VERS-TLS1.3", tls.VersionTLS12, tls.VersionTLS12, 0, ""},
		{"NORMAL:-VERS-ALL:+VERS-TLS1.3", tls.VersionTLS13, tls.VersionTLS13, 0, ""},
		{"NONE:+VERS-TLS1.2:+AES-256-GCM:+SHA384:+ECDHE-RSA:+SIGN-ALL:+COMP-NULL", tls.VersionTLS12, tls.VersionTLS12, 0, ""},
		{"SECURE256:%COMPAT", tls.VersionTLS12, tls.VersionTLS13, 4, ""},
		{"@SYSTEM", tls.VersionTLS12, tls.VersionTLS13, 0, ""},
		{"NORMAL:-VERS-ALL:+VERS-TLS1.1", 0, 0, 0, "enables no TLS version"},
		{"NONE", 0, 0, 0, "enables no TLS version"},
		{"BOGUS", 0, 0, 0, `unknown keyword "BOGUS"`},
		{"NORMAL:VERS-TLS1.2", 0, 0, 0, `bad item "VERS-TLS1.2"`},
		{"NORMAL::", 0, 0, 0, `bad item ""`},
	}
	for _, tc := range tests {
		cfg := &tls.Config{}
		err := applyPriority(cfg, tc.prio)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: err = %v, want %q", tc.prio, err, tc.err)
			}
			continue
		}
		if err != nil || cfg.MinVersion != tc.min || cfg.MaxVersion != tc.max || len(cfg.CipherSuites) != tc.suites {
			t.Errorf("%q: min %x max %x suites %d err %v; want %x %x %d", tc.prio, cfg.MinVersion, cfg.MaxVersion, len(cfg.CipherSuites), err, tc.min, tc.max, tc.suites)
		}
	}
}

// redirect dials addr whatever address is asked for, to test host names.
func redirect(addr string) func(context.Context, string, string) (net.Conn, error) {
	return func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
}

// echo checks that bytes written come back.
func TestTLSHandshakeAlertIsRejection(t *testing.T) {
	ca := newCA(t, "lab")
	srvCert, srvKey, _ := ca.issue(t, "127.0.0.1", true, "127.0.0.1")
	pair, err := tls.X509KeyPair(srvCert, srvKey)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	// A TLS 1.2 server that refuses a client certificate from another CA in
	// the handshake itself, with an alert.
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{pair}, ClientCAs: pool,
		ClientAuth: tls.RequireAndVerifyClientCert, MaxVersion: tls.VersionTLS12,
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		if c, err := ln.Accept(); err == nil {
			_ = c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	rogue := newCA(t, "rogue")
	rogueCert, rogueKey, _ := rogue.issue(t, "client", false)
	roguePair, _ := tls.X509KeyPair(rogueCert, rogueKey)
	tc := &tls.Config{RootCAs: pool, GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &roguePair, nil }}
	_, err = dialTLS(t, "test+tls://"+ln.Addr().String()+"/default", &transport.Config{Options: []transport.Option{WithConfig(tc)}})
	if !errors.Is(err, transport.ErrCertificateRejected) || !strings.Contains(err.Error(), "unknown certificate authority") {
		t.Fatalf("err = %v, want ErrCertificateRejected wrapping the alert", err)
	}
}
