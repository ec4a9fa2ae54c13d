package virtwire_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/internal/lab"
)

func testDomainXML(name string) string {
	return fmt.Sprintf("<domain type='test'><name>%s</name><memory>1048576</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>", name)
}

type lifecycle struct {
	event  virtwire.DomainEventType
	detail int32
}

// nextLifecycle returns the next lifecycle event of domain name.
func nextLifecycle(t *testing.T, sub *virtwire.Subscription, name string) lifecycle {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-sub.Events():
			if !ok {
				t.Fatalf("subscription ended: %v", sub.Err())
			}
			if lc, ok := ev.(*virtwire.DomainEventLifecycle); ok && lc.Dom.Name == name {
				return lifecycle{lc.Event, lc.Detail}
			}
		case <-timeout:
			t.Fatalf("no lifecycle event for %s", name)
		}
	}
}

// The lifecycle of a domain driven by virtwire and then by virsh is seen
// in order with libvirt's event and detail codes.
func TestDomainLifecycleEvents(t *testing.T) {
	l := lab.Require(t)
	c := labConn(t, l.URI(lab.UnixRW))
	ctx := context.Background()
	sub, err := c.SubscribeDomainEvents(ctx, nil, virtwire.DomainEventIDLifecycle)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	want := []lifecycle{
		{virtwire.DomainEventDefined, int32(virtwire.DomainEventDefinedAdded)},
		{virtwire.DomainEventStarted, int32(virtwire.DomainEventStartedBooted)},
		{virtwire.DomainEventSuspended, int32(virtwire.DomainEventSuspendedPaused)},
		{virtwire.DomainEventResumed, int32(virtwire.DomainEventResumedUnpaused)},
		{virtwire.DomainEventStopped, int32(virtwire.DomainEventStoppedDestroyed)},
		{virtwire.DomainEventUndefined, int32(virtwire.DomainEventUndefinedRemoved)},
	}

	t.Run("virtwire", func(t *testing.T) {
		name := uniqueName(t)
		dom, err := c.DomainDefineXML(ctx, testDomainXML(name))
		if err != nil {
			t.Fatal(err)
		}
		steps := []func() error{
			func() error { return c.DomainCreate(ctx, &dom) },
			func() error { return c.DomainSuspend(ctx, dom) },
			func() error { return c.DomainResume(ctx, dom) },
			func() error { return c.DomainDestroy(ctx, &dom) },
			func() error { return c.DomainUndefine(ctx, dom) },
		}
		if got := nextLifecycle(t, sub, name); got != want[0] {
			t.Fatalf("event 0 = %+v, want %+v", got, want[0])
		}
		for i, step := range steps {
			if err := step(); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			if got := nextLifecycle(t, sub, name); got != want[i+1] {
				t.Fatalf("event %d = %v/%d, want %v/%d", i+1, got.event, got.detail, want[i+1].event, want[i+1].detail)
			}
		}
	})

	t.Run("virsh", func(t *testing.T) {
		name := uniqueName(t)
		xml := t.TempDir() + "/dom.xml"
		if err := os.WriteFile(xml, []byte(testDomainXML(name)), 0o600); err != nil {
			t.Fatal(err)
		}
		uri := l.URI(lab.UnixRW)
		for i, args := range [][]string{{"define", xml}, {"start", name}, {"suspend", name}, {"resume", name}, {"destroy", name}, {"undefine", name}} {
			l.Virsh(t, uri, args...)
			if got := nextLifecycle(t, sub, name); got != want[i] {
				t.Fatalf("virsh %s: event %v/%d, want %v/%d", args[0], got.event, got.detail, want[i].event, want[i].detail)
			}
		}
	})
}

func TestNetworkLifecycleEvents(t *testing.T) {
	l := lab.Require(t)
	c := labConn(t, l.URI(lab.UnixRW))
	ctx := context.Background()
	sub, err := c.SubscribeNetworkEvents(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	next := func(name string) virtwire.NetworkEventLifecycleType {
		t.Helper()
		for {
			select {
			case ev, ok := <-sub.Events():
				if !ok {
					t.Fatalf("subscription ended: %v", sub.Err())
				}
				if lc, ok := ev.(*virtwire.NetworkEventLifecycle); ok && lc.Net.Name == name {
					return lc.Event
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("no network event for %s", name)
			}
		}
	}
	name := uniqueName(t)
	xml := fmt.Sprintf("<network><name>%s</name><bridge name='vwb%s'/></network>", name, name[len(name)-8:])
	net, err := c.NetworkCreateXML(ctx, xml)
	if err != nil {
		t.Fatal(err)
	}
	if ev := next(name); ev != virtwire.NetworkEventStarted {
		t.Fatalf("create: %v", ev)
	}
	if err := c.NetworkDestroy(ctx, net); err != nil {
		t.Fatal(err)
	}
	if ev := next(name); ev != virtwire.NetworkEventStopped {
		t.Fatalf("destroy: %v", ev)
	}
	// The same through virsh.
	file := t.TempDir() + "/net.xml"
	if err := os.WriteFile(file, []byte(xml), 0o600); err != nil {
		t.Fatal(err)
	}
	l.Virsh(t, l.URI(lab.UnixRW), "net-create", file)
	if ev := next(name); ev != virtwire.NetworkEventStarted {
		t.Fatalf("virsh net-create: %v", ev)
	}
	l.Virsh(t, l.URI(lab.UnixRW), "net-destroy", name)
	if ev := next(name); ev != virtwire.NetworkEventStopped {
		t.Fatalf("virsh net-destroy: %v", ev)
	}
}

// A subscriber that stops reading never stalls calls on the same Conn; its
// subscription ends with an EventOverflowError counting the dropped events.
func TestEventOverflow(t *testing.T) {
	l := lab.Require(t)
	c := labConn(t, l.URI(lab.UnixRW), virtwire.WithEventBuffer(2))
	ctx := context.Background()
	name := uniqueName(t)
	dom, err := c.DomainDefineXML(ctx, testDomainXML(name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.DomainUndefine(context.Background(), dom) })
	if err := c.DomainCreate(ctx, &dom); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.DomainDestroy(context.Background(), &dom) })
	sub, err := c.SubscribeDomainEvents(ctx, &dom, virtwire.DomainEventIDLifecycle)
	if err != nil {
		t.Fatal(err)
	}
	const rounds = 10
	for i := 0; i < rounds; i++ {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		if err := c.DomainSuspend(cctx, dom); err != nil {
			t.Fatalf("suspend %d while nobody reads events: %v", i, err)
		}
		if err := c.DomainResume(cctx, dom); err != nil {
			t.Fatalf("resume %d while nobody reads events: %v", i, err)
		}
		cancel()
	}
	got := 0
	for range sub.Events() {
		got++
	}
	var ovf *virtwire.EventOverflowError
	if !errors.As(sub.Err(), &ovf) {
		t.Fatalf("Err = %v, want *EventOverflowError", sub.Err())
	}
	if got != 2 || ovf.Buffer != 2 || ovf.Dropped == 0 || uint64(got)+ovf.Dropped > 2*rounds {
		t.Fatalf("delivered %d, %+v (generated %d)", got, ovf, 2*rounds)
	}
	if _, err := c.ConnectGetLibVersion(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestSubscriptionCancel(t *testing.T) {
	l := lab.Require(t)
	c := labConn(t, l.URI(lab.UnixRW))
	ctx, cancel := context.WithCancel(context.Background())
	sub, err := c.SubscribeDomainEvents(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	for range sub.Events() {
	}
	if !errors.Is(sub.Err(), context.Canceled) {
		t.Fatalf("Err = %v", sub.Err())
	}
	// Ended subscriptions deregister on the daemon: subscribing and
	// cancelling many times leaves the connection healthy.
	for i := 0; i < 20; i++ {
		ctx, cancel := context.WithCancel(context.Background())
		s, err := c.SubscribeDomainEvents(ctx, nil, virtwire.DomainEventIDLifecycle, virtwire.DomainEventIDReboot)
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			cancel()
		} else {
			s.Close()
			cancel()
			if !errors.Is(s.Err(), virtwire.ErrSubscriptionClosed) {
				t.Fatalf("Err after Close = %v", s.Err())
			}
		}
	}
	// Closing the Conn ends live subscriptions with its error.
	s, err := c.SubscribeNetworkEvents(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	for range s.Events() {
	}
	if !errors.Is(s.Err(), virtwire.ErrConnClosed) {
		t.Fatalf("Err after Conn.Close = %v", s.Err())
	}
}

// Two subscriptions to the same kind share one daemon registration (the
// daemon allows one per connection) and both see every event; ending one
// leaves the other working.
func TestSharedRegistration(t *testing.T) {
	l := lab.Require(t)
	c := labConn(t, l.URI(lab.UnixRW))
	ctx := context.Background()
	name := uniqueName(t)
	dom, err := c.DomainDefineXML(ctx, testDomainXML(name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.DomainUndefine(context.Background(), dom) })
	a, err := c.SubscribeDomainEvents(ctx, nil, virtwire.DomainEventIDLifecycle)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.SubscribeDomainEvents(ctx, nil, virtwire.DomainEventIDLifecycle)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.DomainCreate(ctx, &dom); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.DomainDestroy(context.Background(), &dom) })
	for _, s := range []*virtwire.Subscription{a, b} {
		if got := nextLifecycle(t, s, name); got.event != virtwire.DomainEventStarted {
			t.Fatalf("got %v", got.event)
		}
	}
	a.Close()
	if err := c.DomainSuspend(ctx, dom); err != nil {
		t.Fatal(err)
	}
	if got := nextLifecycle(t, b, name); got.event != virtwire.DomainEventSuspended {
		t.Fatalf("after closing the other subscription: %v", got.event)
	}
	b.Close()
	// Both gone: a new subscription registers afresh.
	s, err := c.SubscribeDomainEvents(ctx, nil, virtwire.DomainEventIDLifecycle)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := c.DomainResume(ctx, dom); err != nil {
		t.Fatal(err)
	}
	if got := nextLifecycle(t, s, name); got.event != virtwire.DomainEventResumed {
		t.Fatalf("re-registered: %v", got.event)
	}
}
