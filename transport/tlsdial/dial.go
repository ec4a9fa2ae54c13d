// Package tlsdial adds libvirt's tls transport to transport.Dial and
// virtwire.Dial: importing it registers the dialer, so that programs that
// never dial a tls URI do not link crypto/tls.
//
//	import _ "github.com/virtwire/virtwire/transport/tlsdial"
//
//	conn, err := virtwire.Dial(ctx, "qemu+tls://host/system")
//
// The client's certificates come from libvirt's files (see TLSConfig), or
// from a tls.Config given with WithConfig.
package tlsdial

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strconv"

	"github.com/virtwire/virtwire/transport"
)

func init() { transport.Register(transport.TLS, Dial) }

type configKey struct{}

// WithConfig returns the option that uses cfg (cloned) for tls URIs
// instead of libvirt's certificate files. ServerName defaults to the URI's
// host, no_verify=1 still disables verification, and TLS 1.2 stays the
// minimum:
//
//	virtwire.Dial(ctx, uri, virtwire.WithTransport(tlsdial.WithConfig(cfg)))
func WithConfig(cfg *tls.Config) transport.Option { return transport.NewOption(configKey{}, cfg) }

// Dial connects to u's host and port (16514 by default) with TLS, checks
// the daemon's certificate as libvirt does, and reads libvirtd's
// confirmation byte: transport.ErrCertificateRejected when it does not
// come. Certificate problems are reported before connecting, as libvirt
// does. transport.Dial calls it for tls URIs once this package is linked.
func Dial(ctx context.Context, u *transport.URI, cfg *transport.Config) (net.Conn, error) {
	if cfg == nil {
		cfg = &transport.Config{}
	}
	port := u.Port
	if port == 0 {
		port = transport.DefaultTLSPort
	}
	addr := net.JoinHostPort(u.Hostname(), strconv.Itoa(port))
	own, _ := cfg.Lookup(configKey{})
	ownCfg, _ := own.(*tls.Config)
	tc, err := clientTLSConfig(u, cfg, ownCfg)
	if err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	raw, err := cfg.NetDial(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("unable to connect to server at %s: %w", addr, err)
	}
	conn, err := tlsHandshake(ctx, raw, tc, addr)
	if err != nil {
		raw.Close()
		return nil, err
	}
	return conn, nil
}
