// Package linktest holds the tests of what a program that imports only
// the root package links: it imports neither virtwire/all nor the
// transport and SASL packages, as a small program would not, so the URIs
// and the authentication that need them must fail naming them.
package linktest

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/internal/fakeserver"
	"github.com/virtwire/virtwire/protocol/remote"
	"github.com/virtwire/virtwire/transport"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func dial(t *testing.T, uri string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := virtwire.Dial(ctx, uri)
	if err == nil {
		c.Close()
	}
	return err
}

// A URI whose transport is not linked fails before any connection, with
// ErrNotLinked and the package to import.
func TestTransportNotLinked(t *testing.T) {
	tests := []struct{ uri, pkg string }{
		{"qemu+tls://127.0.0.1:1/system", transport.TLSPackage},
		{"qemu+libssh://root@127.0.0.1:1/system", transport.SSHPackage},
		{"qemu+libssh2://root@127.0.0.1:1/system", transport.SSHPackage},
	}
	for _, tt := range tests {
		t.Run(tt.uri, func(t *testing.T) {
			err := dial(t, tt.uri)
			if !errors.Is(err, virtwire.ErrNotLinked) || !strings.Contains(err.Error(), `"`+tt.pkg+`"`) {
				t.Fatalf("Dial(%s) = %v, want ErrNotLinked naming %s", tt.uri, err, tt.pkg)
			}
		})
	}
}

// A daemon that asks for SASL gets a clear refusal when SASL is not linked.
func TestSASLNotLinked(t *testing.T) {
	srv := &fakeserver.Server{AuthTypes: []remote.AuthType{remote.AuthSASL}}
	sock := srv.ListenUnix(t)
	err := dial(t, "test+unix:///default?socket="+sock)
	if !errors.Is(err, virtwire.ErrNotLinked) || !strings.Contains(err.Error(), `"github.com/virtwire/virtwire/sasl"`) {
		t.Fatalf("Dial = %v, want ErrNotLinked naming virtwire/sasl", err)
	}
}

// The promise behind the registration: a program that only dials (the
// S8 dial-only benchmark program) links none of TLS, SSH and SCRAM, and
// the all package brings every one.
func TestDialOnlyProgramLinks(t *testing.T) {
	heavy := []string{"crypto/tls", "golang.org/x/crypto/ssh", "github.com/xdg-go/scram", "github.com/xdg-go/stringprep"}
	deps := func(pkg string) map[string]bool {
		out, err := exec.Command("go", "list", "-deps", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		m := map[string]bool{}
		for _, p := range strings.Fields(string(out)) {
			m[p] = true
		}
		return m
	}
	small := deps("github.com/virtwire/virtwire/bench/footprint/dial-virtwire")
	all := deps(transport.AllPackage)
	for _, p := range heavy {
		if small[p] {
			t.Errorf("the dial-only program links %s", p)
		}
		if !all[p] {
			t.Errorf("%s does not link %s", transport.AllPackage, p)
		}
	}
}
