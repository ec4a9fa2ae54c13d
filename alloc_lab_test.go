//go:build !race

package virtwire_test

import (
	"context"
	"testing"
	"time"

	"github.com/virtwire/virtwire/internal/lab"
)

// A plain call allocates only for its reply's decoded data: the generated
// methods keep their argument and result structs on the stack
// (Conn.invoke), packet and decoder buffers are pooled, and a sequential
// caller reads its own reply. A call whose context can end adds only what
// context.AfterFunc costs (its read must be interruptible), not a
// goroutine for its write. BENCHMARKS.md compares the clients; this keeps
// the numbers from creeping back. Not built with -race, under which
// sync.Pool drops items at random: make unit runs it without.
func TestCallAllocations(t *testing.T) {
	l := lab.Require(t)
	c := labConn(t, l.URI(lab.UnixRW))
	bg := context.Background()
	timeout, cancel := context.WithTimeout(bg, time.Hour)
	t.Cleanup(cancel)

	measure := func(t *testing.T, f func() error) float64 {
		t.Helper()
		if err := f(); err != nil {
			t.Fatal(err)
		}
		var err error
		n := testing.AllocsPerRun(500, func() {
			if e := f(); e != nil {
				err = e
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	version := func(ctx context.Context) func() error {
		return func() error { _, err := c.ConnectGetLibVersion(ctx); return err }
	}
	lookup := func(ctx context.Context) func() error {
		return func() error { _, err := c.DomainLookupByName(ctx, "test"); return err }
	}
	// What the context package allocates to watch a context, measured in
	// this build (the race detector adds its own).
	afterFunc := testing.AllocsPerRun(500, func() { context.AfterFunc(timeout, func() {})() })

	for _, tc := range []struct {
		name  string
		call  func() error
		extra float64 // allowed beyond the reply's data
		max   float64 // the reply's data
	}{
		{"ConnectGetLibVersion", version(bg), 0, 0}, // a number: nothing to keep
		{"DomainLookupByName", lookup(bg), 0, 1},    // one copy of the body holds the name
		{"ConnectGetLibVersion/deadline", version(timeout), afterFunc, 0},
		{"DomainLookupByName/deadline", lookup(timeout), afterFunc, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := measure(t, tc.call); got > tc.max+tc.extra {
				t.Errorf("%.2f allocations per call, want at most %v + %v", got, tc.max, tc.extra)
			}
		})
	}
}
