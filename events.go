package virtwire

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/virtwire/virtwire/protocol"
)

// Event is implemented by every event type (DomainEventLifecycle,
// NetworkEventLifecycle, QEMUDomainMonitorEvent, ...). Receive events with
// a Subscription and switch on their type.
type Event interface{ isEvent() }

// ErrSubscriptionClosed is the Err of a Subscription ended by its Close.
var ErrSubscriptionClosed = errors.New("virtwire: subscription closed")

// EventOverflowError is the Err of a Subscription whose reader fell behind:
// its buffer was full when an event arrived. The subscription then ends
// (virtwire never blocks the connection for a slow reader, and never drops
// events silently): the events already buffered are still delivered, and
// Dropped counts every event that arrived after the buffer filled, until
// the daemon confirmed the subscription was gone.
type EventOverflowError struct {
	Buffer  int    // the subscription's buffer size
	Dropped uint64 // events not delivered
}

func (e *EventOverflowError) Error() string {
	return fmt.Sprintf("virtwire: event subscription ended: its buffer of %d events was full; %d events were dropped", e.Buffer, e.Dropped)
}

type eventFamily int

const (
	familyDomain eventFamily = iota
	familyNetwork
	familyStoragePool
	familyNodeDevice
	familySecret
	familyQEMUMonitor
)

type eventDecoder struct {
	family eventFamily
	decode func(body []byte) (callbackID int32, ev Event, err error)
}

func eventKey(prog uint32, proc int32) uint64 { return uint64(prog)<<32 | uint64(uint32(proc)) }

type subKey struct {
	family     eventFamily
	callbackID int32
}

// regKey identifies a daemon-side registration. The daemon accepts one
// registration per event kind and object filter on a connection, so
// subscriptions that ask for the same kind share one (as libvirt's own
// client does), and events fan out to all of them.
type regKey struct {
	family eventFamily
	id     int32  // the event kind (0 for QEMU monitor events)
	object string // the filtered object's UUID, or "" for all
	extra  string // QEMU monitor events: event name and flags
}

// registration is one daemon-side registration and its subscriptions.
type registration struct {
	key        regKey
	callbackID int32
	subs       map[*Subscription]struct{}
	ready      chan struct{} // closed once registered or failed
	err        error         // why registering failed
	closing    bool          // being deregistered; a new one must wait for gone
	gone       chan struct{} // closed once deregistered
	dereg      func(ctx context.Context, callbackID int32) error
}

// DefaultEventBuffer is how many events a Subscription holds for its
// reader before it overflows.
const DefaultEventBuffer = 256

// WithEventBuffer sets how many undelivered events each Subscription may
// hold (DefaultEventBuffer when not set).
func WithEventBuffer(n int) Option { return func(o *options) { o.eventBuffer = n } }

// A Subscription delivers the events of one Subscribe call, in the order
// the daemon sent them, on the channel Events returns. It ends when its
// context is cancelled, when Close is called, when its reader falls behind
// (see EventOverflowError), or when the connection ends; the channel is
// then closed and Err says why. Ending it deregisters it on the daemon.
type Subscription struct {
	c      *Conn
	events chan Event

	mu       sync.Mutex
	regs     []*registration
	ended    bool // the channel is closed
	overflow bool
	dropped  uint64
	err      error

	overflowCh chan struct{} // closed on overflow
	closeCh    chan struct{} // closed by Close
	closeOnce  sync.Once
	finished   chan struct{} // closed when the subscription has fully ended
}

// Events returns the channel events arrive on. It is closed when the
// subscription ends.
func (s *Subscription) Events() <-chan Event { return s.events }

// Err returns nil while the subscription is active, and afterwards why it
// ended: the context's error (wrapped), ErrSubscriptionClosed, an
// *EventOverflowError, or the connection's error.
func (s *Subscription) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Close ends the subscription, deregisters it on the daemon and waits until
// it has ended. Events still buffered remain readable.
func (s *Subscription) Close() error {
	s.closeOnce.Do(func() { close(s.closeCh) })
	<-s.finished
	return nil
}

// deliver hands ev to the subscriber without ever blocking. It runs on
// whichever goroutine holds the connection's read token (reader.go).
func (s *Subscription) deliver(ev Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return
	}
	if s.overflow {
		s.dropped++
		return
	}
	select {
	case s.events <- ev:
	default:
		s.overflow = true
		s.dropped++
		close(s.overflowCh)
	}
}

// finish closes the channel with err as the reason; the first call wins.
func (s *Subscription) finish(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return
	}
	s.ended = true
	if s.overflow {
		err = &EventOverflowError{Buffer: cap(s.events), Dropped: s.dropped}
	}
	s.err = err
	close(s.events)
}

// watch waits for the end of the subscription and deregisters it.
func (s *Subscription) watch(ctx context.Context) {
	c := s.c
	defer c.subs.Done()
	defer close(s.finished)
	var reason error
	select {
	case <-ctx.Done():
		reason = fmt.Errorf("virtwire: event subscription: %w", ctx.Err())
	case <-s.closeCh:
		reason = ErrSubscriptionClosed
	case <-s.overflowCh:
		reason = nil // finish reports the overflow
	case <-c.done:
		s.unregister()
		s.finish(c.Err())
		return
	}
	s.deregisterAll()
	s.finish(reason)
}

// deregisterAll leaves the subscription's registrations; the last
// subscription to leave one deregisters it on the daemon.
func (s *Subscription) deregisterAll() {
	s.mu.Lock()
	regs := s.regs
	s.regs = nil
	s.mu.Unlock()
	for _, r := range regs {
		s.c.release(r, s)
	}
}

// unregister forgets the subscription's registrations without talking to
// the daemon (the connection is gone).
func (s *Subscription) unregister() {
	s.mu.Lock()
	regs := s.regs
	s.regs = nil
	s.mu.Unlock()
	c := s.c
	c.mu.Lock()
	for _, r := range regs {
		delete(r.subs, s)
	}
	c.mu.Unlock()
}

// acquire joins sub to the registration for key, registering with the
// daemon when no subscription holds one yet.
func (c *Conn) acquire(ctx context.Context, key regKey, sub *Subscription, register func(context.Context) (int32, error), dereg func(context.Context, int32) error) error {
	for {
		c.mu.Lock()
		r := c.regs[key]
		if r != nil && r.closing {
			gone := r.gone
			c.mu.Unlock()
			select {
			case <-gone:
				continue
			case <-ctx.Done():
				return fmt.Errorf("virtwire: event subscription: %w", ctx.Err())
			case <-c.done:
				return c.Err()
			}
		}
		if r != nil {
			r.subs[sub] = struct{}{}
			ready := r.ready
			c.mu.Unlock()
			select {
			case <-ready:
			case <-ctx.Done():
				c.release(r, sub)
				return fmt.Errorf("virtwire: event subscription: %w", ctx.Err())
			case <-c.done:
				return c.Err()
			}
			c.mu.Lock()
			err := r.err
			c.mu.Unlock()
			if err != nil {
				return err
			}
			sub.mu.Lock()
			sub.regs = append(sub.regs, r)
			sub.mu.Unlock()
			return nil
		}
		r = &registration{key: key, subs: map[*Subscription]struct{}{sub: {}}, ready: make(chan struct{}), gone: make(chan struct{}), dereg: dereg}
		c.regs[key] = r
		c.registering[key.family]++
		c.mu.Unlock()

		id, err := register(ctx)

		c.mu.Lock()
		c.registering[key.family]--
		if err != nil {
			r.err = err
			delete(c.regs, key)
			close(r.ready)
			close(r.gone)
			c.mu.Unlock()
			return err
		}
		r.callbackID = id
		c.byCallback[subKey{key.family, id}] = r
		// Hand over events that raced ahead of the registration reply.
		var mine []Event
		kept := c.early[:0]
		for _, e := range c.early {
			if e.key == (subKey{key.family, id}) {
				mine = append(mine, e.ev)
			} else if c.registering[e.key.family] > 0 {
				kept = append(kept, e)
			}
		}
		c.early = kept
		close(r.ready)
		c.mu.Unlock()
		for _, ev := range mine {
			sub.deliver(ev)
		}
		sub.mu.Lock()
		sub.regs = append(sub.regs, r)
		sub.mu.Unlock()
		return nil
	}
}

// release takes sub out of r and deregisters r on the daemon when sub was
// its last subscription.
func (c *Conn) release(r *registration, sub *Subscription) {
	c.mu.Lock()
	delete(r.subs, sub)
	if len(r.subs) > 0 || r.closing || r.err != nil {
		c.mu.Unlock()
		return
	}
	r.closing = true
	c.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	if err := r.dereg(ctx, r.callbackID); err != nil && c.log != nil && c.Err() == nil {
		c.log.Info("virtwire: deregistering events", "callbackID", r.callbackID, "err", err)
	}
	cancel()
	c.mu.Lock()
	delete(c.regs, r.key)
	if c.byCallback[subKey{r.key.family, r.callbackID}] == r {
		delete(c.byCallback, subKey{r.key.family, r.callbackID})
	}
	close(r.gone)
	c.mu.Unlock()
}

// earlyEvent is an event that arrived for a callback ID whose registration
// reply had not been processed yet.
type earlyEvent struct {
	key subKey
	ev  Event
}

// maxEarlyEvents bounds the events kept while registrations are in flight.
const maxEarlyEvents = 1024

// dispatchEvent decodes an event packet and hands it to its subscription.
// Events for callback IDs nobody holds are dropped: they are normal right
// after a subscription ends, since the daemon may already have queued them.
func (c *Conn) dispatchEvent(h protocol.Header, bp *[]byte, off int) error {
	defer putPacket(bp)
	dec, ok := eventDecoders[eventKey(h.Program, h.Procedure)]
	if !ok {
		if c.log != nil {
			c.log.Debug("virtwire: ignoring an event virtwire does not register for", "proc", procName(h.Program, h.Procedure))
		}
		return nil
	}
	id, ev, err := dec.decode((*bp)[off:])
	if err != nil {
		return fmt.Errorf("%w: event %s: %w", ErrProtocol, procName(h.Program, h.Procedure), err)
	}
	key := subKey{dec.family, id}
	c.mu.Lock()
	r := c.byCallback[key]
	var subs []*Subscription
	if r != nil {
		subs = make([]*Subscription, 0, len(r.subs))
		for s := range r.subs {
			subs = append(subs, s)
		}
	} else if c.registering[dec.family] > 0 && len(c.early) < maxEarlyEvents {
		c.early = append(c.early, earlyEvent{key, ev})
	}
	c.mu.Unlock()
	for _, s := range subs {
		s.deliver(ev)
	}
	return nil
}

// eventReg describes one kind of event to register for.
type eventReg struct {
	key      regKey
	register func(ctx context.Context) (int32, error)
}

// subscribe joins one Subscription to the registrations regs (all of them
// or none). optional marks kinds that may be skipped when the daemon does
// not know them.
func (c *Conn) subscribe(ctx context.Context, regs []eventReg, optional bool, dereg func(context.Context, int32) error) (*Subscription, error) {
	if err := c.Err(); err != nil {
		return nil, err
	}
	size := c.opts.eventBuffer
	if size <= 0 {
		size = DefaultEventBuffer
	}
	s := &Subscription{
		c:          c,
		events:     make(chan Event, size),
		overflowCh: make(chan struct{}),
		closeCh:    make(chan struct{}),
		finished:   make(chan struct{}),
	}
	var firstErr error
	for _, reg := range regs {
		if err := c.acquire(ctx, reg.key, s, reg.register, dereg); err != nil {
			if optional && IsUnsupportedEvent(err) {
				continue
			}
			firstErr = err
			break
		}
	}
	s.mu.Lock()
	n := len(s.regs)
	s.mu.Unlock()
	if firstErr == nil && n == 0 {
		firstErr = fmt.Errorf("virtwire: the daemon supports none of the requested event kinds")
	}
	if firstErr != nil {
		s.deregisterAll()
		return nil, firstErr
	}
	c.subs.Add(1)
	go s.watch(ctx)
	return s, nil
}

// IsUnsupportedEvent reports whether err is the daemon refusing an event
// kind it does not know (an older daemon than the client's headers).
func IsUnsupportedEvent(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	return IsUnsupported(err) || strings.Contains(e.Message, "unsupported") && strings.Contains(e.Message, "event ID")
}

// sortedIDs returns the values of an ID name table in ascending order.
func sortedIDs[T ~int32](names map[T]string) []T {
	ids := make([]T, 0, len(names))
	for id := range names {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// SubscribeDomainEvents subscribes to domain events of the given kinds, or
// of every kind the daemon knows when none is given, for one domain (dom
// not nil) or for all. Events are *DomainEventLifecycle,
// *DomainEventDeviceAdded and the other DomainEvent types. The subscription
// ends when ctx is cancelled.
//
//	sub, err := conn.SubscribeDomainEvents(ctx, nil, virtwire.DomainEventIDLifecycle)
//	for ev := range sub.Events() {
//		if lc, ok := ev.(*virtwire.DomainEventLifecycle); ok {
//			fmt.Println(lc.Dom.Name, lc.Event)
//		}
//	}
func (c *Conn) SubscribeDomainEvents(ctx context.Context, dom *Domain, ids ...DomainEventID) (*Subscription, error) {
	if !c.features.eventCallback {
		return nil, fmt.Errorf("virtwire: the daemon does not support event callbacks (libvirt older than 1.2.1)")
	}
	optional := len(ids) == 0
	if optional {
		ids = sortedIDs(domainEventIDNames)
	}
	object := ""
	if dom != nil {
		object = string(dom.UUID[:])
	}
	regs := make([]eventReg, len(ids))
	for i, id := range ids {
		regs[i] = eventReg{regKey{familyDomain, int32(id), object, ""}, func(ctx context.Context) (int32, error) {
			return c.ConnectDomainEventCallbackRegisterAny(ctx, id, dom)
		}}
	}
	return c.subscribe(ctx, regs, optional, c.ConnectDomainEventCallbackDeregisterAny)
}

// SubscribeNetworkEvents subscribes to network events (NetworkEventLifecycle,
// NetworkEventMetadataChange) of the given kinds, or all kinds, for one
// network or all.
func (c *Conn) SubscribeNetworkEvents(ctx context.Context, net *Network, ids ...NetworkEventID) (*Subscription, error) {
	optional := len(ids) == 0
	if optional {
		ids = sortedIDs(networkEventIDNames)
	}
	object := ""
	if net != nil {
		object = string(net.UUID[:])
	}
	regs := make([]eventReg, len(ids))
	for i, id := range ids {
		regs[i] = eventReg{regKey{familyNetwork, int32(id), object, ""}, func(ctx context.Context) (int32, error) {
			return c.ConnectNetworkEventRegisterAny(ctx, id, net)
		}}
	}
	return c.subscribe(ctx, regs, optional, c.ConnectNetworkEventDeregisterAny)
}

// SubscribeStoragePoolEvents subscribes to storage pool events
// (StoragePoolEventLifecycle, StoragePoolEventRefresh) for one pool or all.
func (c *Conn) SubscribeStoragePoolEvents(ctx context.Context, pool *StoragePool, ids ...StoragePoolEventID) (*Subscription, error) {
	optional := len(ids) == 0
	if optional {
		ids = sortedIDs(storagePoolEventIDNames)
	}
	object := ""
	if pool != nil {
		object = string(pool.UUID[:])
	}
	regs := make([]eventReg, len(ids))
	for i, id := range ids {
		regs[i] = eventReg{regKey{familyStoragePool, int32(id), object, ""}, func(ctx context.Context) (int32, error) {
			return c.ConnectStoragePoolEventRegisterAny(ctx, id, pool)
		}}
	}
	return c.subscribe(ctx, regs, optional, c.ConnectStoragePoolEventDeregisterAny)
}

// SubscribeNodeDeviceEvents subscribes to node device events
// (NodeDeviceEventLifecycle, NodeDeviceEventUpdate) for one device or all.
func (c *Conn) SubscribeNodeDeviceEvents(ctx context.Context, dev *NodeDevice, ids ...NodeDeviceEventID) (*Subscription, error) {
	optional := len(ids) == 0
	if optional {
		ids = sortedIDs(nodeDeviceEventIDNames)
	}
	object := ""
	if dev != nil {
		object = dev.Name
	}
	regs := make([]eventReg, len(ids))
	for i, id := range ids {
		regs[i] = eventReg{regKey{familyNodeDevice, int32(id), object, ""}, func(ctx context.Context) (int32, error) {
			return c.ConnectNodeDeviceEventRegisterAny(ctx, id, dev)
		}}
	}
	return c.subscribe(ctx, regs, optional, c.ConnectNodeDeviceEventDeregisterAny)
}

// SubscribeSecretEvents subscribes to secret events (SecretEventLifecycle,
// SecretEventValueChanged) for one secret or all.
func (c *Conn) SubscribeSecretEvents(ctx context.Context, secret *Secret, ids ...SecretEventID) (*Subscription, error) {
	optional := len(ids) == 0
	if optional {
		ids = sortedIDs(secretEventIDNames)
	}
	object := ""
	if secret != nil {
		object = string(secret.UUID[:])
	}
	regs := make([]eventReg, len(ids))
	for i, id := range ids {
		regs[i] = eventReg{regKey{familySecret, int32(id), object, ""}, func(ctx context.Context) (int32, error) {
			return c.ConnectSecretEventRegisterAny(ctx, id, secret)
		}}
	}
	return c.subscribe(ctx, regs, optional, c.ConnectSecretEventDeregisterAny)
}

// SubscribeQEMUMonitorEvents subscribes to QEMU monitor events
// (QEMUDomainMonitorEvent) of one domain or all; event names one QMP event
// ("" for all), matched as flags say (regular expression, case).
func (c *Conn) SubscribeQEMUMonitorEvents(ctx context.Context, dom *Domain, event string, flags ConnectDomainQemuMonitorEventRegisterFlags) (*Subscription, error) {
	var ev OptString
	if event != "" {
		ev = &event
	}
	object := ""
	if dom != nil {
		object = string(dom.UUID[:])
	}
	reg := eventReg{regKey{familyQEMUMonitor, 0, object, fmt.Sprintf("%s/%d", event, flags)}, func(ctx context.Context) (int32, error) {
		return c.QEMUConnectDomainMonitorEventRegister(ctx, dom, ev, flags)
	}}
	return c.subscribe(ctx, []eventReg{reg}, false, c.QEMUConnectDomainMonitorEventDeregister)
}
