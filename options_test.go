package virtwire_test

import (
	"context"
	"crypto/tls"
	"strings"
	"testing"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/internal/fakeserver"
	"github.com/virtwire/virtwire/transport"
	"github.com/virtwire/virtwire/transport/tlsdial"
)

// NewConn refuses the options only Dial can use, naming them, rather than
// ignoring them.
func TestNewConnRefusesDialOnlyOptions(t *testing.T) {
	noLeaks(t)
	tests := []struct {
		opt  virtwire.Option
		name string
	}{
		{virtwire.WithSASL("u", "p"), "WithSASL"},
		{virtwire.WithSASLMechanisms("PLAIN"), "WithSASLMechanisms"},
		{virtwire.WithCredentials(func(context.Context, []*virtwire.Credential) error { return nil }), "WithCredentials"},
		{virtwire.WithTransport(tlsdial.WithConfig(&tls.Config{})), "WithTransport"},
		{virtwire.WithSSH(transport.SSHConfig{}), "WithSSH"},
		{virtwire.WithInsecureSASL(), "WithInsecureSASL"},
		{virtwire.WithInsecurePKIPermissions(), "WithInsecurePKIPermissions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := &fakeserver.Server{}
			c, err := virtwire.NewConn(context.Background(), srv.Pipe(t), virtwire.WithoutKeepAlive(), tt.opt)
			if err == nil {
				c.Close()
				t.Fatal("NewConn accepted a Dial-only option")
			}
			if !strings.Contains(err.Error(), tt.name) {
				t.Errorf("error %q does not name %s", err, tt.name)
			}
		})
	}
}
