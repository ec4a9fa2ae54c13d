package virtwire_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/internal/fakeserver"
	"github.com/virtwire/virtwire/internal/lab"
	"github.com/virtwire/virtwire/protocol"
	"github.com/virtwire/virtwire/protocol/remote"
	"github.com/virtwire/virtwire/transport"
)

func TestBackoffDelay(t *testing.T) {
	b := virtwire.Backoff{Initial: 100 * time.Millisecond, Max: time.Second, Multiplier: 3}
	for failures, want := range []time.Duration{0, 100 * time.Millisecond, 300 * time.Millisecond, 900 * time.Millisecond, time.Second, time.Second} {
		if got := b.Delay(failures); got != want {
			t.Errorf("Delay(%d) = %v, want %v", failures, got, want)
		}
	}
	if got := b.Delay(1 << 30); got != time.Second {
		t.Errorf("Delay(huge) = %v", got)
	}
	flat := virtwire.Backoff{Initial: time.Second, Max: time.Minute, Multiplier: 1}
	if got := flat.Delay(1 << 62); got != time.Second {
		t.Errorf("Delay with Multiplier 1 = %v", got)
	}
	var zero virtwire.Backoff
	if zero.Delay(1) != virtwire.DefaultBackoff.Initial || zero.Delay(100) != virtwire.DefaultBackoff.Max {
		t.Errorf("the zero Backoff does not take DefaultBackoff's values: %v %v", zero.Delay(1), zero.Delay(100))
	}
}

// flakyDaemon is a fake daemon that a test takes down and brings back:
// while down, dialing it fails with ECONNREFUSED; drop hangs up every
// connection. It registers domain events and sends lifecycle events on
// demand.
type flakyDaemon struct {
	t    *testing.T
	opts []virtwire.Option

	mu        sync.Mutex
	down      bool
	refuse    bool // refuse event registrations
	dials     int
	conns     []*fakeserver.Conn
	callbacks map[*fakeserver.Conn]int32
	nextID    int32
	onDial    func() // runs after each successful dial
}

func newFlakyDaemon(t *testing.T, opts ...virtwire.Option) *flakyDaemon {
	return &flakyDaemon{t: t, opts: append([]virtwire.Option{virtwire.WithoutKeepAlive()}, opts...), callbacks: map[*fakeserver.Conn]int32{}}
}

func (f *flakyDaemon) dial(ctx context.Context) (*virtwire.Conn, error) {
	f.mu.Lock()
	f.dials++
	down, onDial := f.down, f.onDial
	f.mu.Unlock()
	if down {
		return nil, fmt.Errorf("dial unix fake: %w", syscall.ECONNREFUSED)
	}
	srv := libVersionServer(f.handle)
	c, err := virtwire.NewConn(ctx, srv.Pipe(f.t), f.opts...)
	if err == nil && onDial != nil {
		onDial()
	}
	return c, err
}

func (f *flakyDaemon) handle(c *fakeserver.Conn, req *fakeserver.Request) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if req.Header.Procedure == int32(remote.ProcAuthList) {
		f.conns = append(f.conns, c)
	}
	switch remote.Procedure(req.Header.Procedure) {
	case remote.ProcConnectDomainEventCallbackRegisterAny:
		if f.refuse {
			_ = c.ReplyError(req, int32(virtwire.ErrNoDomain), "Domain not found")
			return true
		}
		f.nextID++
		f.callbacks[c] = f.nextID
		_ = c.Reply(req, &remote.ConnectDomainEventCallbackRegisterAnyRet{CallbackID: f.nextID})
		return true
	case remote.ProcConnectDomainEventCallbackDeregisterAny:
		delete(f.callbacks, c)
		_ = c.Reply(req, nil)
		return true
	}
	return false
}

func (f *flakyDaemon) set(down, refuse bool) {
	f.mu.Lock()
	f.down, f.refuse = down, refuse
	f.mu.Unlock()
}

// drop hangs up every connection.
func (f *flakyDaemon) drop() {
	f.mu.Lock()
	conns := f.conns
	f.conns, f.callbacks = nil, map[*fakeserver.Conn]int32{}
	f.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

// event sends a lifecycle event for a domain named name to every
// registered callback.
func (f *flakyDaemon) event(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for c, id := range f.callbacks {
		_ = c.Send(protocol.Header{Program: remote.Program, Version: 1, Procedure: int32(remote.ProcDomainEventCallbackLifecycle), Type: protocol.Message},
			&remote.DomainEventCallbackLifecycleMsg{CallbackID: id, Msg: remote.DomainEventLifecycleMsg{Dom: remote.Domain{Name: name}}})
	}
}

func (f *flakyDaemon) dialCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.dials
}

var fastBackoff = virtwire.Backoff{Initial: 10 * time.Millisecond, Max: 200 * time.Millisecond}

func lifecycleSubscriber(ctx context.Context, c *virtwire.Conn) (*virtwire.Subscription, error) {
	return c.SubscribeDomainEvents(ctx, nil, virtwire.DomainEventIDLifecycle)
}

// nextDurable returns the next event of sub, failing the test if none
// comes within 10 s or the subscription ends.
func nextDurable(t *testing.T, sub *virtwire.DurableSubscription) virtwire.Event {
	t.Helper()
	select {
	case ev, ok := <-sub.Events():
		if !ok {
			t.Fatalf("the durable subscription ended: %v", sub.Err())
		}
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10 s")
	}
	return nil
}

func wantLifecycle(t *testing.T, ev virtwire.Event, name string) {
	t.Helper()
	if lc, ok := ev.(*virtwire.DomainEventLifecycle); !ok || lc.Dom.Name != name {
		t.Fatalf("got %#v, want the lifecycle event of %s", ev, name)
	}
}

func wantGap(t *testing.T, ev virtwire.Event, cause error) *virtwire.EventGap {
	t.Helper()
	gap, ok := ev.(*virtwire.EventGap)
	if !ok {
		t.Fatalf("got %#v, want an *EventGap", ev)
	}
	if !errors.Is(gap.Err, cause) {
		t.Errorf("gap.Err = %v, want %v", gap.Err, cause)
	}
	if gap.Lost.IsZero() || gap.Resumed.Before(gap.Lost) {
		t.Errorf("gap from %v to %v", gap.Lost, gap.Resumed)
	}
	return gap
}

// The daemon hangs up and refuses connections for a while: Conn waits
// (its error then says why), OnDisconnect hears of it, and a new Conn is
// handed out once the daemon is back.
func TestReconnectAfterHangup(t *testing.T) {
	noLeaks(t)
	f := newFlakyDaemon(t)
	var mu sync.Mutex
	var lost []error
	r := virtwire.NewReconnector(f.dial, virtwire.ReconnectConfig{Backoff: fastBackoff, OnDisconnect: func(err error) {
		mu.Lock()
		lost = append(lost, err)
		mu.Unlock()
	}})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c1, err := r.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c1.ConnectGetLibVersion(ctx); err != nil {
		t.Fatal(err)
	}

	f.set(true, false)
	f.drop()
	<-c1.Done()
	short, cancelShort := context.WithTimeout(ctx, 200*time.Millisecond)
	_, err = r.Conn(short)
	cancelShort()
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("Conn while the daemon is down: %v, want DeadlineExceeded and the dial's ECONNREFUSED", err)
	}
	if !errors.Is(r.LastError(), syscall.ECONNREFUSED) {
		t.Errorf("LastError = %v", r.LastError())
	}

	f.set(false, false)
	c2, err := r.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c2 == c1 {
		t.Fatal("Conn returned the dead Conn")
	}
	if _, err := c2.ConnectGetLibVersion(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(lost) != 1 || !errors.Is(lost[0], virtwire.ErrDisconnected) {
		t.Errorf("OnDisconnect heard %v, want one ErrDisconnected", lost)
	}
	if n := f.dialCount(); n < 3 {
		t.Errorf("%d dials, want the first, at least one refused, and the last", n)
	}
}

// A daemon that accepts connections and drops each one at once is not
// hammered: a Conn that did not last counts as a failure, and the waits
// between attempts follow the backoff.
func TestReconnectBackoffPaces(t *testing.T) {
	noLeaks(t)
	f := newFlakyDaemon(t)
	f.onDial = func() { go f.drop() }
	b := virtwire.Backoff{Initial: 20 * time.Millisecond, Max: time.Minute, Multiplier: 2, Jitter: 0}
	times := make(chan time.Time, 100)
	r := virtwire.NewReconnector(f.dial, virtwire.ReconnectConfig{Backoff: b, OnDisconnect: func(error) { times <- time.Now() }})
	defer r.Close()
	var prev time.Time
	for i := 0; i < 6; i++ {
		select {
		case at := <-times:
			if i > 0 {
				// The i-th Conn lost was followed by i failures in a row.
				if gap, min := at.Sub(prev), b.Delay(i); gap < min {
					t.Errorf("disconnect %d came %v after the one before, want at least %v", i, gap, min)
				}
			}
			prev = at
		case <-time.After(10 * time.Second):
			t.Fatalf("only %d reconnections", i)
		}
	}
}

// A URI that cannot be parsed fails DialReconnecting at once, not when its
// context ends: retrying cannot mend it.
func TestDialReconnectingPermanentError(t *testing.T) {
	noLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	r, err := virtwire.DialReconnecting(ctx, "test+carrier-pigeon:///default", virtwire.ReconnectConfig{})
	if err == nil {
		r.Close()
		t.Fatal("DialReconnecting succeeded")
	}
	if !errors.Is(err, transport.ErrInvalidURI) {
		t.Errorf("err = %v, want ErrInvalidURI", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

// Close while the daemon is down and the Reconnector is waiting out a long
// backoff: it returns at once, and so do waiters.
func TestReconnectorCloseWhileWaiting(t *testing.T) {
	noLeaks(t)
	f := newFlakyDaemon(t)
	f.set(true, false)
	r := virtwire.NewReconnector(f.dial, virtwire.ReconnectConfig{Backoff: virtwire.Backoff{Initial: time.Hour}})
	waiter := make(chan error, 1)
	go func() {
		_, err := r.Conn(context.Background())
		waiter <- err
	}()
	for f.dialCount() == 0 {
		time.Sleep(time.Millisecond) // polling for the first attempt, not a timing assumption
	}
	start := time.Now()
	r.Close()
	if d := time.Since(start); d > time.Second {
		t.Errorf("Close took %v", d)
	}
	select {
	case err := <-waiter:
		if !errors.Is(err, virtwire.ErrReconnectorClosed) {
			t.Errorf("waiting Conn: %v", err)
		}
	case <-time.After(time.Second):
		t.Fatal("a waiting Conn did not return after Close")
	}
	if _, err := r.Conn(context.Background()); !errors.Is(err, virtwire.ErrReconnectorClosed) {
		t.Errorf("Conn after Close: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// A durable subscription survives a hangup (with a gap that names the
// cause), survives its reader falling behind (with a gap that counts the
// dropped events), and ends for good when the daemon refuses to subscribe
// again on a live Conn.
func TestDurableSubscription(t *testing.T) {
	noLeaks(t)
	f := newFlakyDaemon(t, virtwire.WithEventBuffer(2))
	r := virtwire.NewReconnector(f.dial, virtwire.ReconnectConfig{Backoff: fastBackoff})
	defer r.Close()
	ctx := context.Background()
	sub, err := r.Subscribe(ctx, lifecycleSubscriber)
	if err != nil {
		t.Fatal(err)
	}
	f.event("a")
	wantLifecycle(t, nextDurable(t, sub), "a")

	t.Run("hangup", func(t *testing.T) {
		f.drop()
		wantGap(t, nextDurable(t, sub), virtwire.ErrDisconnected)
		f.event("b")
		wantLifecycle(t, nextDurable(t, sub), "b")
	})

	t.Run("overflow", func(t *testing.T) {
		const n = 20
		for i := 0; i < n; i++ {
			f.event(fmt.Sprint("o", i))
		}
		next := 0
		for {
			ev := nextDurable(t, sub)
			if gap, ok := ev.(*virtwire.EventGap); ok {
				var ovf *virtwire.EventOverflowError
				if !errors.As(gap.Err, &ovf) || ovf.Dropped == 0 {
					t.Fatalf("gap.Err = %v, want an *EventOverflowError", gap.Err)
				}
				break
			}
			wantLifecycle(t, ev, fmt.Sprint("o", next)) // in order, none skipped before the gap
			next++
			if next == n {
				t.Fatal("every event arrived: the reader never fell behind")
			}
		}
		f.event("c")
		wantLifecycle(t, nextDurable(t, sub), "c")
	})

	t.Run("refused", func(t *testing.T) {
		f.set(false, true)
		f.drop()
		select {
		case ev, ok := <-sub.Events():
			if ok {
				t.Fatalf("got %#v, want the end", ev)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the subscription did not end")
		}
		if !errors.Is(sub.Err(), virtwire.ErrNoDomain) {
			t.Fatalf("Err = %v, want the daemon's refusal", sub.Err())
		}
	})
}

// How a durable subscription ends: Close, its context, or the
// Reconnector's Close.
func TestDurableSubscriptionEnds(t *testing.T) {
	noLeaks(t)
	f := newFlakyDaemon(t)
	r := virtwire.NewReconnector(f.dial, virtwire.ReconnectConfig{Backoff: fastBackoff})
	defer r.Close()
	drain := func(sub *virtwire.DurableSubscription) error {
		for range sub.Events() {
		}
		return sub.Err()
	}

	a, err := r.Subscribe(context.Background(), lifecycleSubscriber)
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	if err := drain(a); !errors.Is(err, virtwire.ErrSubscriptionClosed) {
		t.Errorf("after Close: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	b, err := r.Subscribe(ctx, lifecycleSubscriber)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := drain(b); !errors.Is(err, context.Canceled) {
		t.Errorf("after its context: %v", err)
	}

	c, err := r.Subscribe(context.Background(), lifecycleSubscriber)
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	if err := drain(c); !errors.Is(err, virtwire.ErrReconnectorClosed) {
		t.Errorf("after the Reconnector's Close: %v", err)
	}
	if _, err := r.Subscribe(context.Background(), lifecycleSubscriber); !errors.Is(err, virtwire.ErrReconnectorClosed) {
		t.Errorf("Subscribe after Close: %v", err)
	}
}

// Against a throwaway libvirtd: SIGKILL and restart, then SIGSTOP caught
// by keepalive and SIGCONT. Each time the Reconnector hands out a new
// working Conn, and the durable subscription reports a gap naming the
// cause and then delivers the new daemon's events.
func TestReconnectThrowawayDaemon(t *testing.T) {
	d := lab.StartDaemon(t)
	lost := make(chan error, 10)
	cfg := virtwire.ReconnectConfig{
		Backoff:        virtwire.Backoff{Initial: 50 * time.Millisecond, Max: time.Second},
		AttemptTimeout: 2 * time.Second,
		OnDisconnect:   func(err error) { lost <- err },
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, err := virtwire.DialReconnecting(ctx, d.URI(), cfg, virtwire.WithKeepAlive(250*time.Millisecond, 2))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	sub, err := r.Subscribe(ctx, lifecycleSubscriber)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	define := func(c *virtwire.Conn) string {
		t.Helper()
		name := uniqueName(t)
		if _, err := c.DomainDefineXML(ctx, testDomainXML(name)); err != nil {
			t.Fatal(err)
		}
		return name
	}
	nextLifecycleOrGap := func() virtwire.Event {
		t.Helper()
		for {
			ev := nextDurable(t, sub)
			if lc, ok := ev.(*virtwire.DomainEventLifecycle); ok && lc.Event != virtwire.DomainEventDefined {
				continue
			}
			return ev
		}
	}
	c1, err := r.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	name := define(c1)
	wantLifecycle(t, nextLifecycleOrGap(), name)

	d.Kill()
	if err := <-lost; !errors.Is(err, virtwire.ErrDisconnected) {
		t.Fatalf("OnDisconnect: %v", err)
	}
	d.Restart()
	wantGap(t, nextLifecycleOrGap(), virtwire.ErrDisconnected)
	c2, err := r.Conn(ctx)
	if err != nil || c2 == c1 {
		t.Fatalf("Conn after the restart: %v (same as before: %v)", err, c2 == c1)
	}
	name = define(c2)
	wantLifecycle(t, nextLifecycleOrGap(), name)

	d.Stop()
	select {
	case err := <-lost:
		if !errors.Is(err, virtwire.ErrKeepaliveTimeout) {
			t.Fatalf("OnDisconnect: %v", err)
		}
	case <-time.After(20 * time.Second):
		d.Cont()
		t.Fatal("keepalive did not catch the frozen daemon")
	}
	d.Cont()
	wantGap(t, nextLifecycleOrGap(), virtwire.ErrKeepaliveTimeout)
	c3, err := r.Conn(ctx)
	if err != nil || c3 == c2 {
		t.Fatalf("Conn after SIGCONT: %v (same as before: %v)", err, c3 == c2)
	}
	name = define(c3)
	wantLifecycle(t, nextLifecycleOrGap(), name)
}

func ExampleDialReconnecting() {
	ctx := context.Background()
	r, err := virtwire.DialReconnecting(ctx, "qemu:///system", virtwire.ReconnectConfig{
		OnDisconnect: func(err error) { fmt.Println("lost the daemon:", err) },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()
	sub, err := r.Subscribe(ctx, func(ctx context.Context, c *virtwire.Conn) (*virtwire.Subscription, error) {
		return c.SubscribeDomainEvents(ctx, nil, virtwire.DomainEventIDLifecycle)
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for ev := range sub.Events() {
		switch ev := ev.(type) {
		case *virtwire.EventGap:
			// Events may be missing: list the domains again.
			c, err := r.Conn(ctx)
			if err != nil {
				fmt.Println(err)
				return
			}
			doms, _, err := c.ConnectListAllDomains(ctx, 1, 0)
			fmt.Println("resynchronised:", len(doms), err)
		case *virtwire.DomainEventLifecycle:
			fmt.Println(ev.Dom.Name, ev.Event)
		}
	}
}
