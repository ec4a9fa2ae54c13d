package domain_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/domain"
)

// A watcher on all domains sees a new domain's whole life in order; one on
// that domain alone sees the same; both end cleanly.
func TestWatchLifecycle(t *testing.T) {
	e := testEnv(t)
	ctx := ctxT(t)
	all, err := domain.WatchLifecycle(ctx, e.conn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer all.Close()
	name := uniqueName(t, "vwdp-events")
	d := define(t, e, testDomain(name, randomMAC(t)))
	one, err := d.WatchLifecycle(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer one.Close()
	steps := []func() error{
		func() error { return d.Start(ctx, 0) },
		func() error { return d.Suspend(ctx) },
		func() error { return d.Resume(ctx) },
		func() error { return d.Destroy(ctx, 0) },
		func() error { return d.Undefine(ctx, 0) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"defined (added)", "started (booted)", "suspended (paused)", "resumed (unpaused)",
		"stopped (destroyed)", "undefined (removed)"}
	next := func(w *domain.Watcher) string {
		t.Helper()
		for {
			ev, err := w.Next(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if ev.Domain.Name() == name {
				if ev.Domain.UUID() != d.UUID() {
					t.Fatalf("event for %s with UUID %s, want %s", name, ev.Domain.UUID(), d.UUID())
				}
				return ev.String()
			}
		}
	}
	for _, w := range want {
		if got := next(all); got != w {
			t.Fatalf("all domains: event %q, want %q", got, w)
		}
	}
	for _, w := range want[1:] { // subscribed after the definition
		if got := next(one); got != w {
			t.Fatalf("one domain: event %q, want %q", got, w)
		}
	}

	// Nothing more comes: Next waits until its context ends.
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := one.Next(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Next with nothing to come: %v", err)
	}
	// After Close, Next reports the end.
	if err := one.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := one.Next(ctx); !errors.Is(err, virtwire.ErrSubscriptionClosed) {
		t.Fatalf("Next after Close: %v", err)
	}
}

// A watcher ends with its context.
func TestWatchLifecycleContext(t *testing.T) {
	e := testEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	w, err := domain.WatchLifecycle(ctx, e.conn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	cancel()
	if _, err := w.Next(ctxT(t)); !errors.Is(err, context.Canceled) {
		t.Fatalf("Next after the watcher's context ended: %v", err)
	}
}
