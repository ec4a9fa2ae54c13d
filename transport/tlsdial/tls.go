package tlsdial

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"strings"
	"time"

	"github.com/virtwire/virtwire/internal/rawsock"
	"github.com/virtwire/virtwire/transport"
)

// TLSConfig builds the client TLS configuration for u from libvirt's files:
// the CA (required), the revocation list and the client certificate and key
// (used when present, as libvirt does; without them the server will most
// likely refuse the client). Unless no_sanity=1 the client certificate must
// verify against the CA, as libvirt checks before connecting. The server's
// certificate and host name are verified unless no_verify=1. TLS 1.2 is the
// minimum; tls_priority (or priority) narrows versions and ciphers.
//
// A file that any user of the machine can change (world-writable, or
// reached through a world-writable folder or link) is refused with an
// error wrapping transport.ErrInsecurePermissions that names it and its mode; libvirt
// would use it. Dial does the same, and can log a private key other users
// can read (Config.Logger) or accept files others can change
// (Config.InsecurePKIPermissions).
func TLSConfig(u *transport.URI, priority string, sys *transport.System) (*tls.Config, error) {
	return tlsConfigFromFiles(u, priority, sys, transport.PKICheck{})
}

func tlsConfigFromFiles(u *transport.URI, priority string, sys *transport.System, check transport.PKICheck) (*tls.Config, error) {
	files, err := transport.LocatePKI(u, sys)
	if err != nil {
		return nil, err
	}
	caPEM, err := check.Read(sys, files.CACert, "CA certificate", false)
	if errors.Is(err, transport.ErrInsecurePermissions) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read CA certificate '%s': %w", files.CACert, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("no certificate found in CA certificate file '%s'", files.CACert)
	}
	cfg := &tls.Config{RootCAs: pool, ServerName: u.Hostname()}
	// The certificate, key and revocation list are optional, but one that
	// exists and others can change is refused.
	certPEM, certErr := check.Read(sys, files.Cert, "client certificate", false)
	keyPEM, keyErr := check.Read(sys, files.Key, "client key", true)
	for _, err := range []error{certErr, keyErr} {
		if errors.Is(err, transport.ErrInsecurePermissions) {
			return nil, err
		}
	}
	if certErr == nil && keyErr == nil {
		pair, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return nil, fmt.Errorf("cannot load client certificate '%s' and key '%s': %v", files.Cert, files.Key, err)
		}
		if !u.NoSanity() {
			leaf, err := x509.ParseCertificate(pair.Certificate[0])
			if err == nil {
				_, err = leaf.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
			}
			if err != nil {
				return nil, fmt.Errorf("our own certificate %s failed validation against %s: %v", files.Cert, files.CACert, err)
			}
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	crlData, err := check.Read(sys, files.CACRL, "CA revocation list", false)
	if errors.Is(err, transport.ErrInsecurePermissions) {
		return nil, err
	}
	if err == nil {
		revoked, err := parseCRL(crlData)
		if err != nil {
			return nil, fmt.Errorf("cannot load CA revocation list '%s': %v", files.CACRL, err)
		}
		cfg.VerifyConnection = func(cs tls.ConnectionState) error { return checkRevoked(cs, revoked) }
	}
	if u.NoVerify() {
		cfg.InsecureSkipVerify = true
		cfg.VerifyConnection = nil
	}
	if err := applyPriority(cfg, priority); err != nil {
		return nil, err
	}
	return cfg, nil
}

// parseCRL reads a PEM or DER revocation list into revoked serial numbers.
func parseCRL(data []byte) (map[string]bool, error) {
	revoked := map[string]bool{}
	var ders [][]byte
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type == "X509 CRL" {
			ders = append(ders, b.Bytes)
		}
	}
	if len(ders) == 0 {
		ders = [][]byte{data}
	}
	for _, der := range ders {
		crl, err := x509.ParseRevocationList(der)
		if err != nil {
			return nil, err
		}
		for _, e := range crl.RevokedCertificateEntries {
			revoked[serialKey(e.SerialNumber)] = true
		}
	}
	return revoked, nil
}

func serialKey(n *big.Int) string { return n.Text(16) }

func checkRevoked(cs tls.ConnectionState, revoked map[string]bool) error {
	for _, c := range cs.PeerCertificates {
		if revoked[serialKey(c.SerialNumber)] {
			return fmt.Errorf("server certificate %q (serial %s) is revoked", c.Subject, c.SerialNumber)
		}
	}
	return nil
}

// applyPriority maps a GnuTLS priority string onto what crypto/tls can
// express: the base keyword, then +/-/! items. VERS-* items set the TLS
// versions (TLS 1.2 stays the floor; SSL 3.0, TLS 1.0 and 1.1 cannot be
// enabled); SECURE192, SECURE256 and SUITEB192 keep only 256-bit TLS 1.2
// cipher suites. Other items (ciphers, MACs, groups, %FLAGS) are accepted
// and left to Go's defaults, which are secure.
func applyPriority(cfg *tls.Config, priority string) error {
	if priority == "" {
		cfg.MinVersion = max(cfg.MinVersion, tls.VersionTLS12)
		return nil
	}
	items := strings.Split(priority, ":")
	enabled := map[uint16]bool{tls.VersionTLS12: true, tls.VersionTLS13: true}
	switch base := strings.ToUpper(items[0]); {
	case base == "NONE":
		enabled = map[uint16]bool{}
	case base == "SECURE192" || base == "SECURE256" || base == "SUITEB192":
		cfg.CipherSuites = []uint16{
			tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
		}
	case base == "NORMAL" || base == "PERFORMANCE" || base == "SECURE" || base == "SECURE128" ||
		base == "SUITEB128" || base == "LEGACY" || base == "PFS" || strings.HasPrefix(base, "@"):
	default:
		return fmt.Errorf("tls_priority %q: unknown keyword %q", priority, items[0])
	}
	versions := map[string][]uint16{
		"VERS-TLS1.2": {tls.VersionTLS12}, "VERS-TLS1.3": {tls.VersionTLS13},
		"VERS-ALL": {tls.VersionTLS12, tls.VersionTLS13}, "VERS-TLS-ALL": {tls.VersionTLS12, tls.VersionTLS13},
	}
	for _, it := range items[1:] {
		if it == "" || !strings.ContainsRune("+-!%", rune(it[0])) {
			return fmt.Errorf("tls_priority %q: bad item %q", priority, it)
		}
		if it[0] == '%' {
			continue
		}
		name := strings.ToUpper(it[1:])
		if !strings.HasPrefix(name, "VERS-") {
			continue
		}
		for _, v := range versions[name] {
			enabled[v] = it[0] == '+'
		}
	}
	switch {
	case enabled[tls.VersionTLS12] && enabled[tls.VersionTLS13]:
		cfg.MinVersion, cfg.MaxVersion = tls.VersionTLS12, tls.VersionTLS13
	case enabled[tls.VersionTLS12]:
		cfg.MinVersion, cfg.MaxVersion = tls.VersionTLS12, tls.VersionTLS12
	case enabled[tls.VersionTLS13]:
		cfg.MinVersion, cfg.MaxVersion = tls.VersionTLS13, tls.VersionTLS13
	default:
		return fmt.Errorf("tls_priority %q enables no TLS version this client supports (TLS 1.2 and 1.3)", priority)
	}
	return nil
}

// clientTLSConfig is the configuration for a dial: the caller's, cloned and
// completed (server name, no_verify, TLS 1.2 minimum), or one built from
// libvirt's files.
func clientTLSConfig(u *transport.URI, cfg *transport.Config, own *tls.Config) (*tls.Config, error) {
	priority := u.TLSPriority()
	if priority == "" && cfg.Client != nil {
		priority = cfg.Client.TLSPriority
	}
	if own == nil {
		return tlsConfigFromFiles(u, priority, cfg.System, transport.PKICheck{Logger: cfg.Logger, Insecure: cfg.InsecurePKIPermissions})
	}
	tc := own.Clone()
	if tc.ServerName == "" {
		tc.ServerName = u.Hostname()
	}
	if u.NoVerify() {
		tc.InsecureSkipVerify = true
	}
	if err := applyPriority(tc, priority); err != nil {
		return nil, err
	}
	if tc.MinVersion < tls.VersionTLS12 {
		tc.MinVersion = tls.VersionTLS12
	}
	return tc, nil
}

// certAlert reports a TLS alert by which a server refuses the client's
// certificate during the handshake (libvirtd itself checks it afterwards,
// but a TLS-terminating proxy in front of it may not). crypto/tls reports
// a received alert as a net.OpError "remote error" with the alert's text.
func certAlert(err error) bool {
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "remote error" || op.Err == nil {
		return false
	}
	msg := op.Err.Error()
	for _, a := range []string{"bad certificate", "unsupported certificate", "revoked certificate", "expired certificate", "unknown certificate", "certificate required"} {
		if strings.HasSuffix(msg, a) || strings.Contains(msg, a+" ") {
			return true
		}
	}
	return false
}

// tlsHandshake runs the TLS handshake over raw, then reads libvirtd's
// confirmation byte: the daemon checks the client certificate after the
// handshake and sends 1 only if it accepts it; otherwise it closes.
func tlsHandshake(ctx context.Context, raw net.Conn, tc *tls.Config, addr string) (*tls.Conn, error) {
	// crypto/tls reads and writes through rawsock's system calls, as the
	// Conn does on unix and TCP sockets (internal/rawsock says why).
	conn := tls.Client(rawsock.Wrap(raw), tc)
	stop := context.AfterFunc(ctx, func() { _ = raw.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if err := conn.HandshakeContext(ctx); err != nil {
		if certAlert(err) {
			return nil, fmt.Errorf("%w: tls handshake with %s: %w", transport.ErrCertificateRejected, addr, err)
		}
		return nil, fmt.Errorf("tls handshake with %s: %w", addr, err)
	}
	var b [1]byte
	if _, err := io.ReadFull(conn, b[:]); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%w: %s closed the connection without the TLS confirmation (%v); check that the client certificate is signed by a CA the server trusts and that the server allows this client", transport.ErrCertificateRejected, addr, err)
	}
	if b[0] != 1 {
		return nil, fmt.Errorf("%w: unexpected TLS confirmation byte 0x%02x from %s", transport.ErrCertificateRejected, b[0], addr)
	}
	if !stop() {
		return nil, ctx.Err()
	}
	if err := raw.SetDeadline(time.Time{}); err != nil {
		return nil, err
	}
	return conn, nil
}
