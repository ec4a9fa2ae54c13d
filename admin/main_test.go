package admin_test

import (
	"flag"
	"fmt"
	"testing"

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
	lab.PointExamples("admin", "LIBVIRT_ADMIN_DEFAULT_URI", func(l *lab.Lab) (string, error) {
		if l.AdminSocket == "" {
			return "", fmt.Errorf("the lab in %s records no admin socket", l.Dir)
		}
		return adminURI("libvirtd", l.AdminSocket), nil
	})
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction(lab.IgnoreGoroutine))
}

// adminURI is the URI virt-admin takes for daemon's admin socket at path.
func adminURI(daemon, path string) string {
	return daemon + ":///system?socket=" + path
}
