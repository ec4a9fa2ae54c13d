package storage_test

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

// TestMain points LIBVIRT_DEFAULT_URI at the lab's test driver, which the
// runnable examples dial as a user's program would (virtwire.Dial with ""),
// and checks that no goroutine outlives the tests.
//
// Without a lab the integration tests skip themselves (lab.Require) and the
// examples, which cannot skip, are left out; under CI a missing lab fails
// them all instead.
func TestMain(m *testing.M) {
	flag.Parse()
	if uri, err := labURI(); err == nil {
		os.Setenv("LIBVIRT_DEFAULT_URI", uri)
	} else if os.Getenv("CI") == "" && flag.Lookup("test.run").Value.String() == "" {
		fmt.Fprintf(os.Stderr, "storage: %v: examples not run\n", err)
		flag.Set("test.run", "^Test")
	}
	goleak.VerifyTestMain(m)
}

func labURI() (string, error) {
	path, err := lab.StatePath()
	if err != nil {
		return "", err
	}
	l, err := lab.Load(path)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := l.Ping(ctx); err != nil {
		return "", fmt.Errorf("no libvirt lab: %w", err)
	}
	return l.URI(lab.UnixRW), nil
}
