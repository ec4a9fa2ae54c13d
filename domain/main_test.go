package domain_test

import (
	"flag"
	"testing"

	"go.uber.org/goleak"

	"github.com/virtwire/virtwire/internal/lab"
)

// TestMain points LIBVIRT_DEFAULT_URI at the lab's test driver, which the
// runnable examples dial as a user's program would (virtwire.Dial with ""),
// and checks that no goroutine outlives the tests.
//
// Without a lab the integration tests skip themselves (lab.Require) and the
// examples, which cannot skip, are left out; under CI a missing lab fails
// them all instead.
func TestMain(m *testing.M) {
	flag.Parse()
	lab.PointExamples("domain", "LIBVIRT_DEFAULT_URI", func(l *lab.Lab) (string, error) { return l.URI(lab.UnixRW), nil })
	goleak.VerifyTestMain(m)
}
