package lab

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// authority is a throwaway certificate authority. Keys are ECDSA P-256: quick
// to make, and accepted by libvirt's GnuTLS and by Go's crypto/tls alike.
type authority struct {
	cert *x509.Certificate
	key  crypto.Signer
	pem  []byte
}

func newAuthority(name string) (*authority, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl, err := certTemplate(pkix.Name{Organization: []string{name}, CommonName: name + " CA"})
	if err != nil {
		return nil, err
	}
	tmpl.IsCA = true
	tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("lab: CA %s: %w", name, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &authority{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}, nil
}

func certTemplate(subject pkix.Name) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	now := time.Now()
	return &x509.Certificate{
		SerialNumber:          serial,
		Subject:               subject,
		NotBefore:             now.Add(-time.Hour), // tolerate a little clock skew
		NotAfter:              now.AddDate(1, 0, 0),
		BasicConstraintsValid: true,
	}, nil
}

// issue makes a leaf certificate and key. libvirt insists on digitalSignature
// and keyEncipherment in the key usage and on the matching extended usage.
// The host names go into the subject alternative names; the first one is also
// the common name.
func (a *authority) issue(usage x509.ExtKeyUsage, hosts ...string) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	cn := "virtwire lab client"
	if len(hosts) > 0 {
		cn = hosts[0]
	}
	tmpl, err := certTemplate(pkix.Name{Organization: a.cert.Subject.Organization, CommonName: cn})
	if err != nil {
		return nil, nil, err
	}
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{usage}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.cert, key.Public(), a.key)
	if err != nil {
		return nil, nil, fmt.Errorf("lab: certificate for %s: %w", cn, err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), nil
}

// pkiDirs are the folders makePKI fills.
type pkiDirs struct {
	server    string // cacert.pem servercert.pem serverkey.pem, names serverNames
	wrongName string // the same files, naming only wrongName
	client    string // cacert.pem clientcert.pem clientkey.pem (libvirt's pkipath layout)
	rogue     string // the same, client certificate from another CA
}

// makePKI writes a CA, server certificates for the good and the wrong names,
// a client folder with a certificate from that CA, and a rogue client folder
// whose certificate comes from a second CA (its cacert.pem holds both CAs).
func makePKI(d pkiDirs, serverNames []string, wrongName string) error {
	ca, err := newAuthority("virtwire lab")
	if err != nil {
		return err
	}
	rogueCA, err := newAuthority("virtwire rogue")
	if err != nil {
		return err
	}
	type file struct {
		dir, name string
		data      []byte
	}
	var files []file
	add := func(dir, certName, keyName string, cert, key []byte) {
		files = append(files, file{dir, certName, cert}, file{dir, keyName, key})
	}
	for _, s := range []struct {
		dir   string
		names []string
	}{{d.server, serverNames}, {d.wrongName, []string{wrongName}}} {
		cert, key, err := ca.issue(x509.ExtKeyUsageServerAuth, s.names...)
		if err != nil {
			return err
		}
		files = append(files, file{s.dir, "cacert.pem", ca.pem})
		add(s.dir, "servercert.pem", "serverkey.pem", cert, key)
	}
	cert, key, err := ca.issue(x509.ExtKeyUsageClientAuth)
	if err != nil {
		return err
	}
	files = append(files, file{d.client, "cacert.pem", ca.pem})
	add(d.client, "clientcert.pem", "clientkey.pem", cert, key)
	cert, key, err = rogueCA.issue(x509.ExtKeyUsageClientAuth)
	if err != nil {
		return err
	}
	files = append(files, file{d.rogue, "cacert.pem", append(append([]byte{}, ca.pem...), rogueCA.pem...)})
	add(d.rogue, "clientcert.pem", "clientkey.pem", cert, key)

	for _, f := range files {
		if err := os.MkdirAll(f.dir, 0o700); err != nil {
			return fmt.Errorf("lab: %w", err)
		}
		if err := os.WriteFile(filepath.Join(f.dir, f.name), f.data, 0o600); err != nil {
			return fmt.Errorf("lab: %w", err)
		}
	}
	return nil
}
