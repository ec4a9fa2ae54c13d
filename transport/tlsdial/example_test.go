package tlsdial_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"log"
	"os"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/transport/tlsdial"
)

// A tls URI with the caller's own certificates instead of libvirt's files.
func ExampleWithConfig() {
	ctx := context.Background()
	caPEM, err := os.ReadFile("/srv/pki/ca.pem")
	if err != nil {
		log.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	cert, err := tls.LoadX509KeyPair("/srv/pki/client.pem", "/srv/pki/client-key.pem")
	if err != nil {
		log.Fatal(err)
	}
	cfg := &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}}
	conn, err := virtwire.Dial(ctx, "qemu+tls://host.example/system",
		virtwire.WithTransport(tlsdial.WithConfig(cfg)))
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
}
