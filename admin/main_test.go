package admin_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/virtwire/virtwire/internal/lab"
)

// TestMain points LIBVIRT_ADMIN_DEFAULT_URI at the lab's main admin
// socket, which the runnable examples dial as a user's program would
// (admin.Dial with ""), and checks that no goroutine outlives the tests.
//
// Without a lab the integration tests skip themselves (lab.Require) and the
// examples, which cannot skip, are left out; under CI a missing lab fails
// them all instead.
func TestMain(m *testing.M) {
	flag.Parse()
	if uri, err := labAdminURI(); err == nil {
		os.Setenv("LIBVIRT_ADMIN_DEFAULT_URI", uri)
	} else if os.Getenv("CI") == "" && flag.Lookup("test.run").Value.String() == "" {
		fmt.Fprintf(os.Stderr, "admin: %v: examples not run\n", err)
		flag.Set("test.run", "^Test")
	}
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction(lab.IgnoreGoroutine))
}

func labAdminURI() (string, error) {
	path, err := lab.StatePath()
	if err != nil {
		return "", err
	}
	l, err := lab.Load(path)
	if err != nil {
		return "", err
	}
	if l.AdminSocket == "" {
		return "", fmt.Errorf("the lab in %s records no admin socket", l.Dir)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := l.Ping(ctx); err != nil {
		return "", fmt.Errorf("no libvirt lab: %w", err)
	}
	return adminURI("libvirtd", l.AdminSocket), nil
}

// adminURI is the URI virt-admin takes for daemon's admin socket at path.
func adminURI(daemon, path string) string {
	return daemon + ":///system?socket=" + path
}
