package virtwire

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/virtwire/virtwire/internal/engine"
	"github.com/virtwire/virtwire/transport"
)

// ErrReconnectorClosed is returned by a Reconnector, and is the Err of its
// DurableSubscriptions, after Close.
var ErrReconnectorClosed = errors.New("virtwire: reconnector closed")

// Backoff says how long a Reconnector waits between attempts to connect:
// Initial after the first failure, Multiplier times longer after each
// further one, never more than Max. Each wait is shortened by a random
// fraction of up to Jitter, so that many clients of a daemon that comes
// back do not all retry at the same moment. Zero fields take the values
// of DefaultBackoff.
type Backoff struct {
	Initial    time.Duration
	Max        time.Duration
	Multiplier float64
	Jitter     float64 // 0 to 1
}

// DefaultBackoff is the Backoff of a ReconnectConfig that sets none.
var DefaultBackoff = Backoff{Initial: 100 * time.Millisecond, Max: 30 * time.Second, Multiplier: 2, Jitter: 0.2}

func (b Backoff) withDefaults() Backoff {
	if b.Initial <= 0 {
		b.Initial = DefaultBackoff.Initial
	}
	if b.Max <= 0 {
		b.Max = DefaultBackoff.Max
	}
	if b.Max < b.Initial {
		b.Max = b.Initial
	}
	if b.Multiplier < 1 {
		b.Multiplier = DefaultBackoff.Multiplier
	}
	if b.Jitter < 0 || b.Jitter > 1 {
		b.Jitter = DefaultBackoff.Jitter
	}
	return b
}

// Delay returns the wait after failures failed attempts in a row, before
// jitter: 0 for none, Initial for one, and so on up to Max.
func (b Backoff) Delay(failures int) time.Duration {
	b = b.withDefaults()
	if failures <= 0 {
		return 0
	}
	d := float64(b.Initial) * math.Pow(b.Multiplier, float64(failures-1)) // +Inf when huge
	return time.Duration(min(d, float64(b.Max)))
}

// wait is Delay with jitter.
func (b Backoff) wait(failures int) time.Duration {
	b = b.withDefaults()
	d := b.Delay(failures)
	return d - time.Duration(rand.Float64()*b.Jitter*float64(d))
}

// ReconnectConfig tunes a Reconnector. The zero value is ready to use.
type ReconnectConfig struct {
	// Backoff paces the attempts to connect.
	Backoff Backoff
	// AttemptTimeout bounds each attempt: dial, handshake and OnConnect
	// (default 30 s). A daemon that accepts connections but never answers,
	// such as a frozen one, costs one AttemptTimeout per attempt.
	AttemptTimeout time.Duration
	// OnConnect, when set, runs on every new Conn before Conn hands it out:
	// to check or restore state. An error closes that Conn and counts as a
	// failed attempt.
	OnConnect func(ctx context.Context, c *Conn) error
	// OnDisconnect, when set, is told why a Conn ended (its Err). It runs on
	// the Reconnector's goroutine: it must not block for long, nor call
	// Close.
	OnDisconnect func(err error)
}

// A Reconnector keeps a connection to a daemon: when the Conn fails (the
// daemon crashed, restarted, froze past keepalive, the network broke) it
// dials again with exponential backoff until it succeeds or Close is
// called. Conn returns the live Conn, waiting for one if need be, and
// DurableSubscription keeps an event subscription going across
// connections, saying where events may have been missed.
//
// Calls in flight when a Conn fails are not retried: they return the
// Conn's error (ErrDisconnected, ErrKeepaliveTimeout...), and the daemon
// may or may not have run them. Retry what is safe to retry. Ask Conn for
// the Conn at each use rather than keeping it, and leave closing it to the
// Reconnector (a Conn closed by hand is replaced like a failed one).
//
//	r, err := virtwire.DialReconnecting(ctx, "qemu:///system", virtwire.ReconnectConfig{})
//	...
//	c, err := r.Conn(ctx)
//	if err == nil {
//		_, err = c.DomainLookupByName(ctx, "web")
//	}
//
// A Reconnector is safe for concurrent use.
type Reconnector struct {
	dial func(ctx context.Context) (*Conn, error)
	cfg  ReconnectConfig

	ctx    context.Context // ends with Close: stops attempts and forwarders
	cancel context.CancelFunc
	wg     sync.WaitGroup // run and the forwarders of subscriptions

	mu      sync.Mutex
	conn    *Conn         // the live Conn, or nil
	changed chan struct{} // closed and replaced when conn changes
	lastErr error         // why the last attempt failed, or the last Conn ended
	stopErr error         // a failure that retrying cannot mend
	closed  bool
}

// NewReconnector returns a Reconnector that makes its connections with
// dial, which is given a context bounded by AttemptTimeout. It starts
// connecting at once, in the background; Conn waits for the result.
func NewReconnector(dial func(ctx context.Context) (*Conn, error), cfg ReconnectConfig) *Reconnector {
	cfg.Backoff = cfg.Backoff.withDefaults()
	if cfg.AttemptTimeout <= 0 {
		cfg.AttemptTimeout = engine.DefaultHandshakeTimeout
	}
	r := &Reconnector{dial: dial, cfg: cfg, changed: make(chan struct{})}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	r.wg.Add(1)
	go r.run()
	return r
}

// DialReconnecting returns a Reconnector for uri (see Dial for uri and
// opts) once its first connection is up. It keeps trying, with backoff,
// until then or until ctx ends; it then returns an error that wraps both
// ctx's and the last attempt's. A URI that cannot be parsed fails at once.
func DialReconnecting(ctx context.Context, uri string, cfg ReconnectConfig, opts ...Option) (*Reconnector, error) {
	r := NewReconnector(func(ctx context.Context) (*Conn, error) { return Dial(ctx, uri, opts...) }, cfg)
	if _, err := r.Conn(ctx); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// permanent reports whether a failed attempt would fail again the same
// way however often it is retried.
func permanent(err error) bool {
	return errors.Is(err, transport.ErrInvalidURI) || errors.Is(err, transport.ErrUnsupported) ||
		errors.Is(err, transport.ErrNoCredentials)
}

func (r *Reconnector) run() {
	defer r.wg.Done()
	failures := 0
	for {
		if failures > 0 {
			t := time.NewTimer(r.cfg.Backoff.wait(failures))
			select {
			case <-t.C:
			case <-r.ctx.Done():
				t.Stop()
				return
			}
		}
		c, err := r.attempt()
		if err != nil {
			if r.ctx.Err() != nil {
				return
			}
			failures++
			r.mu.Lock()
			r.lastErr = err
			if permanent(err) {
				r.stopErr = err
				r.notifyLocked()
				r.mu.Unlock()
				return
			}
			r.mu.Unlock()
			continue
		}
		up := time.Now()
		r.mu.Lock()
		r.conn = c
		r.notifyLocked()
		r.mu.Unlock()

		select {
		case <-c.Done():
		case <-r.ctx.Done():
			c.Close()
			return
		}
		err = c.Err()
		r.mu.Lock()
		r.conn = nil
		r.lastErr = err
		r.notifyLocked()
		r.mu.Unlock()
		c.Close() // it has failed: this only waits for its goroutines
		if r.cfg.OnDisconnect != nil {
			r.cfg.OnDisconnect(err)
		}
		// A Conn that lasted resets the backoff; one that ended soon after
		// it was made counts as a failure, so that a daemon that accepts
		// connections and drops them is not hammered.
		if time.Since(up) >= r.cfg.Backoff.Max {
			failures = 0
		} else {
			failures++
		}
	}
}

func (r *Reconnector) attempt() (*Conn, error) {
	ctx, cancel := context.WithTimeout(r.ctx, r.cfg.AttemptTimeout)
	defer cancel()
	c, err := r.dial(ctx)
	if err != nil {
		return nil, err
	}
	if r.cfg.OnConnect != nil {
		if err := r.cfg.OnConnect(ctx, c); err != nil {
			c.Close()
			return nil, fmt.Errorf("virtwire: OnConnect: %w", err)
		}
	}
	return c, nil
}

func (r *Reconnector) notifyLocked() {
	close(r.changed)
	r.changed = make(chan struct{})
}

// Conn returns the live Conn, waiting until there is one, until ctx ends
// (the error then wraps ctx's and the last failure's), or until the
// Reconnector is closed (ErrReconnectorClosed) or has met a failure that
// retrying cannot mend (a URI that does not parse, for one).
func (r *Reconnector) Conn(ctx context.Context) (*Conn, error) {
	for {
		r.mu.Lock()
		c, changed, stopErr, closed := r.conn, r.changed, r.stopErr, r.closed
		r.mu.Unlock()
		switch {
		case closed:
			return nil, ErrReconnectorClosed
		case stopErr != nil:
			return nil, fmt.Errorf("virtwire: reconnecting gave up: %w", stopErr)
		case c != nil && c.Err() == nil:
			return c, nil
		}
		select {
		case <-changed:
		case <-r.ctx.Done():
		case <-ctx.Done():
			if lastErr := r.LastError(); lastErr != nil {
				return nil, fmt.Errorf("virtwire: waiting for a connection: %w; last failure: %w", ctx.Err(), lastErr)
			}
			return nil, fmt.Errorf("virtwire: waiting for a connection: %w", ctx.Err())
		}
	}
}

// LastError returns why the last attempt to connect failed or the last
// Conn ended, or nil when nothing has failed yet.
func (r *Reconnector) LastError() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lastErr
}

// Close stops reconnecting, closes the live Conn, ends the
// DurableSubscriptions (their Err becomes ErrReconnectorClosed) and waits
// for the Reconnector's goroutines. It is safe to call more than once.
func (r *Reconnector) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	r.notifyLocked()
	r.mu.Unlock()
	r.cancel()
	r.wg.Wait()
	return nil
}

// EventGap is delivered by a DurableSubscription when it had to subscribe
// anew: after its Conn failed, or after its reader fell behind. Events the
// daemon raised after the last event delivered before the gap, and before
// Resumed, may be missing; re-read the state that the events track (list
// the domains, say) to catch up.
type EventGap struct {
	// Lost is when the old subscription ended, as the client saw it.
	Lost time.Time
	// Resumed is when the new subscription was in place.
	Resumed time.Time
	// Err is why the old subscription ended: the Conn's error
	// (ErrDisconnected, ErrKeepaliveTimeout...) or an *EventOverflowError.
	Err error
}

func (*EventGap) isEvent() {}

// A DurableSubscription delivers the events of a subscription that a
// Reconnector makes again on every new Conn, with an *EventGap where
// events may have been missed. Its channel is closed only when the
// subscription ends for good: its context ends, Close is called, the
// Reconnector closes, or the daemon refuses to subscribe again on a live
// Conn (the object watched is gone, say); Err then says why.
type DurableSubscription struct {
	r         *Reconnector
	subscribe func(ctx context.Context, c *Conn) (*Subscription, error)
	ctx       context.Context
	cancel    context.CancelFunc
	unlink    func() bool // undoes the link of ctx to the Reconnector's
	events    chan Event
	finished  chan struct{}

	mu     sync.Mutex
	err    error
	closed bool
}

// Subscribe makes a DurableSubscription: subscribe is called with the live
// Conn now, and again with each new Conn, and the events of the
// Subscriptions it returns arrive on one channel. It returns subscribe's
// error when the daemon refuses the first subscription.
//
//	sub, err := r.Subscribe(ctx, func(ctx context.Context, c *virtwire.Conn) (*virtwire.Subscription, error) {
//		return c.SubscribeDomainEvents(ctx, nil, virtwire.DomainEventIDLifecycle)
//	})
//	for ev := range sub.Events() {
//		switch ev := ev.(type) {
//		case *virtwire.EventGap:
//			// resynchronise: some events may be missing
//		case *virtwire.DomainEventLifecycle:
//			fmt.Println(ev.Dom.Name, ev.Event)
//		}
//	}
func (r *Reconnector) Subscribe(ctx context.Context, subscribe func(ctx context.Context, c *Conn) (*Subscription, error)) (*DurableSubscription, error) {
	d := &DurableSubscription{r: r, subscribe: subscribe, events: make(chan Event), finished: make(chan struct{})}
	d.ctx, d.cancel = context.WithCancel(ctx)
	d.unlink = context.AfterFunc(r.ctx, d.cancel)
	sub, err := d.resubscribe()
	if err != nil {
		d.unlink()
		d.cancel()
		return nil, err
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		d.unlink()
		d.cancel()
		sub.Close()
		return nil, ErrReconnectorClosed
	}
	r.wg.Add(1)
	r.mu.Unlock()
	go d.forward(sub)
	return d, nil
}

// Events returns the channel the events and gaps arrive on.
func (d *DurableSubscription) Events() <-chan Event { return d.events }

// Err returns nil while the subscription lasts, and then why it ended:
// ErrSubscriptionClosed, ErrReconnectorClosed, its context's error, or the
// daemon's refusal to subscribe again.
func (d *DurableSubscription) Err() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}

// Close ends the subscription and waits until it has ended.
func (d *DurableSubscription) Close() error {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	d.cancel()
	<-d.finished
	return nil
}

// resubscribe subscribes on the live Conn, waiting for one, and again when
// that Conn dies before the daemon answers.
func (d *DurableSubscription) resubscribe() (*Subscription, error) {
	for {
		c, err := d.r.Conn(d.ctx)
		if err != nil {
			return nil, err
		}
		sub, err := d.subscribe(d.ctx, c)
		if err == nil {
			return sub, nil
		}
		if c.Err() == nil || d.ctx.Err() != nil {
			return nil, err
		}
	}
}

// forward copies the events of one Subscription after another to the
// channel until the subscription ends for good.
func (d *DurableSubscription) forward(sub *Subscription) {
	defer d.r.wg.Done()
	defer close(d.finished)
	var gap *EventGap
	for {
		if gap != nil && !d.send(gap) {
			sub.Close()
			d.end(nil)
			return
		}
		for ev := range sub.Events() {
			if !d.send(ev) {
				sub.Close()
				d.end(nil)
				return
			}
		}
		cause := sub.Err()
		if d.ctx.Err() != nil {
			d.end(nil)
			return
		}
		lost := time.Now()
		next, err := d.resubscribe()
		if err != nil {
			d.end(err)
			return
		}
		sub = next
		gap = &EventGap{Lost: lost, Resumed: time.Now(), Err: cause}
	}
}

func (d *DurableSubscription) send(ev Event) bool {
	select {
	case d.events <- ev:
		return true
	case <-d.ctx.Done():
		return false
	}
}

// end records why the subscription ended (err, or what ended its context)
// and closes the channel.
func (d *DurableSubscription) end(err error) {
	d.mu.Lock()
	switch {
	case d.closed:
		err = ErrSubscriptionClosed
	case d.r.ctx.Err() != nil:
		err = ErrReconnectorClosed
	case err == nil || d.ctx.Err() != nil:
		err = fmt.Errorf("virtwire: event subscription: %w", context.Cause(d.ctx))
	}
	d.err = err
	d.mu.Unlock()
	d.unlink()
	d.cancel()
	close(d.events)
}
