//go:build linux && !386

package engine

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"math/big"
	"testing"
	"time"

	"github.com/virtwire/virtwire/internal/rawsock"
)

// tlsPair returns a TLS client over a unix socket whose writes go through
// rawsock (as transport/tlsdial makes it) and the server end, handshaken.
func tlsPair(t *testing.T) (client *tls.Conn, server *tls.Conn) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"daemon"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, p := unixPair(t)
	server = tls.Server(p, &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}})
	client = tls.Client(rawsock.Wrap(c), &tls.Config{InsecureSkipVerify: true})
	errc := make(chan error, 1)
	go func() { errc <- server.Handshake() }()
	if err := client.Handshake(); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return client, server
}

// Over TLS, what the socket below cannot take is copied and held; offer
// stops at the first record held back, so that a stream chunk's 256 KiB
// stays in the queue, uncopied, rather than in the socket's buffer.
func TestTLSOfferHoldsAboutOneRecord(t *testing.T) {
	client, _ := tlsPair(t)
	l, ok := newLink(client).(*tlsLink)
	if !ok {
		t.Fatalf("the link over TLS is a %T, not a tlsLink", newLink(client))
	}
	l.lower.Buffer(nil)
	chunk := make([]byte, MaxStreamChunk)
	for i := 0; ; i++ {
		if i == 64 {
			t.Fatal("the socket never filled: the peer reads nothing")
		}
		n, err := l.offer([][]byte{chunk})
		if err != nil {
			t.Fatal(err)
		}
		if !l.held() {
			if n != len(chunk) {
				t.Fatalf("offer took %d of %d bytes with nothing held", n, len(chunk))
			}
			continue
		}
		if h := l.lower.Held(); h > maxRecord+1024 {
			t.Fatalf("the socket below holds %d bytes, more than a record (%d)", h, maxRecord)
		}
		return
	}
}
