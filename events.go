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
	"github.com/virtwire/virtwire/protocol/remote"
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
	familyConnection // the daemon's connection-closed event: no daemon registration of its own
)

type eventDecoder struct {
	family eventFamily
	// id is the event kind the message carries (a DomainEventID, ...; 0
	// for QEMU monitor events): an event is delivered only to a
	// registration of its kind, as libvirt's client does.
	id int32
	// legacy marks the pre-callback form of a domain event (what daemons
	// before libvirt 1.2.1 send): it carries no callback ID, and goes to
	// the legacy registration of its kind (see legacyCallbackID).
	legacy bool
	decode func(body []byte) (callbackID int32, ev Event, err error)
}

// legacyCallbackID is the callback ID under which the registration of a
// legacy domain event kind is kept: the daemon gives none, and keeps one
// registration per kind, so the kind names it. Real callback IDs are
// never negative.
func legacyCallbackID(kind int32) int32 { return -(kind + 1) }

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

// eventRegistry is a Conn's event registrations and their subscriptions,
// with a lock of its own.
type eventRegistry struct {
	mu          sync.Mutex
	regs        map[regKey]*registration
	byCallback  map[subKey]*registration
	registering map[eventFamily]int // registrations in flight per family
	early       []earlyEvent
	subs        sync.WaitGroup // one per active Subscription's watcher
	closed      bool           // the Conn is closing: no watcher may start
}

// ready makes the registry's maps at its first registration: most Conns
// never subscribe, and an idle one should hold no more than it needs.
// ev.mu is held.
func (r *eventRegistry) ready() {
	if r.regs == nil {
		r.regs = make(map[regKey]*registration)
		r.byCallback = make(map[subKey]*registration)
		r.registering = make(map[eventFamily]int)
	}
}

// startWatcher counts a new subscription's watcher, unless the Conn is
// closing: then it reports false.
func (r *eventRegistry) startWatcher() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	r.subs.Add(1)
	return true
}

// wait refuses new watchers and waits for every subscription's watcher to
// end.
func (r *eventRegistry) wait() {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.subs.Wait()
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
	// filter, when set, drops the events it refuses: the domain filter of
	// a subscription the daemon cannot filter for (legacy events).
	filter func(Event) bool

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
// whichever goroutine holds the connection's read token.
func (s *Subscription) deliver(ev Event) {
	if s.filter != nil && !s.filter(ev) {
		return
	}
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
	defer c.events.subs.Done()
	defer close(s.finished)
	var reason error
	select {
	case <-ctx.Done():
		reason = fmt.Errorf("virtwire: event subscription: %w", ctx.Err())
	case <-s.closeCh:
		reason = ErrSubscriptionClosed
	case <-s.overflowCh:
		reason = nil // finish reports the overflow
	case <-c.Done():
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
	ev := &s.c.events
	ev.mu.Lock()
	for _, r := range regs {
		delete(r.subs, s)
	}
	ev.mu.Unlock()
}

// listeningLocked tells the engine how many registrations are open or in
// flight, so that it reads the socket continuously while any are.
func (c *Conn) listeningLocked() {
	c.eng.SetListening(len(c.events.regs))
}

// acquire joins sub to the registration for key, registering with the
// daemon when no subscription holds one yet.
func (c *Conn) acquire(ctx context.Context, key regKey, sub *Subscription, register func(context.Context) (int32, error), dereg func(context.Context, int32) error) error {
	ev := &c.events
	for {
		ev.mu.Lock()
		r := ev.regs[key]
		if r != nil && r.closing {
			gone := r.gone
			ev.mu.Unlock()
			select {
			case <-gone:
				continue
			case <-ctx.Done():
				return fmt.Errorf("virtwire: event subscription: %w", ctx.Err())
			case <-c.Done():
				return c.Err()
			}
		}
		if r != nil {
			r.subs[sub] = struct{}{}
			ready := r.ready
			ev.mu.Unlock()
			select {
			case <-ready:
			case <-ctx.Done():
				c.release(r, sub)
				return fmt.Errorf("virtwire: event subscription: %w", ctx.Err())
			case <-c.Done():
				return c.Err()
			}
			ev.mu.Lock()
			err := r.err
			ev.mu.Unlock()
			if err != nil {
				return err
			}
			sub.mu.Lock()
			sub.regs = append(sub.regs, r)
			sub.mu.Unlock()
			return nil
		}
		r = &registration{key: key, subs: map[*Subscription]struct{}{sub: {}}, ready: make(chan struct{}), gone: make(chan struct{}), dereg: dereg}
		ev.ready()
		ev.regs[key] = r
		ev.registering[key.family]++
		c.listeningLocked()
		ev.mu.Unlock()

		id, err := register(ctx)

		ev.mu.Lock()
		ev.registering[key.family]--
		sk := subKey{key.family, id}
		if err == nil {
			if other := ev.byCallback[sk]; other != nil {
				// The daemon gave a callback ID that another registration
				// holds: its events could not be told apart. libvirt's
				// daemon never does this; refuse rather than misdeliver.
				// The daemon-side registration is left as it is, since
				// deregistering the ID would end the other's too.
				err = fmt.Errorf("%w: the daemon gave callback ID %d to two registrations of %s events", ErrProtocol, id, familyNames[key.family])
			}
		}
		if err != nil {
			r.err = err
			delete(ev.regs, key)
			c.listeningLocked()
			close(r.ready)
			close(r.gone)
			ev.mu.Unlock()
			return err
		}
		r.callbackID = id
		ev.byCallback[sk] = r
		// Hand over events that raced ahead of the registration reply.
		var mine []Event
		kept := ev.early[:0]
		for _, e := range ev.early {
			if e.key == sk && e.id == key.id {
				mine = append(mine, e.ev)
			} else if ev.registering[e.key.family] > 0 {
				kept = append(kept, e)
			}
		}
		clear(ev.early[len(kept):])
		ev.early = kept
		close(r.ready)
		ev.mu.Unlock()
		for _, e := range mine {
			sub.deliver(e)
		}
		sub.mu.Lock()
		sub.regs = append(sub.regs, r)
		sub.mu.Unlock()
		return nil
	}
}

// release takes sub out of r and deregisters r on the daemon when sub was
// its last subscription. The last subscription stays attached until the
// daemon has confirmed, so that an overflowed one counts every event it
// misses until then.
func (c *Conn) release(r *registration, sub *Subscription) {
	ev := &c.events
	ev.mu.Lock()
	if _, ok := r.subs[sub]; !ok || len(r.subs) > 1 || r.closing || r.err != nil {
		delete(r.subs, sub)
		ev.mu.Unlock()
		return
	}
	r.closing = true
	ev.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	if err := r.dereg(ctx, r.callbackID); err != nil && c.settings.opts.logger != nil && c.Err() == nil {
		c.settings.opts.logger.Info("virtwire: deregistering events", "callbackID", r.callbackID, "err", err)
	}
	cancel()
	ev.mu.Lock()
	delete(r.subs, sub)
	delete(ev.regs, r.key)
	if ev.byCallback[subKey{r.key.family, r.callbackID}] == r {
		delete(ev.byCallback, subKey{r.key.family, r.callbackID})
	}
	c.listeningLocked()
	close(r.gone)
	ev.mu.Unlock()
}

// earlyEvent is an event that arrived for a callback ID whose registration
// reply had not been processed yet.
type earlyEvent struct {
	key subKey
	id  int32
	ev  Event
}

// maxEarlyEvents bounds the events kept while registrations are in flight.
const maxEarlyEvents = 1024

// dispatchEvent decodes an event packet and hands it to its subscriptions.
// It runs on the goroutine that holds the read token. Events for callback
// IDs nobody holds are dropped: they are normal right after a subscription
// ends, since the daemon may already have queued them. So are events whose
// kind is not the registration's.
func (c *Conn) dispatchEvent(h protocol.Header, body []byte) error {
	if h.Program == remote.Program && h.Procedure == int32(remote.ProcConnectEventConnectionClosed) {
		return c.connectionClosed(body)
	}
	dec, ok := eventDecoders[eventKey(h.Program, h.Procedure)]
	if !ok {
		if l := c.settings.opts.logger; l != nil {
			l.Debug("virtwire: ignoring an event virtwire does not register for", "proc", procName(h.Program, h.Procedure))
		}
		return nil
	}
	id, e, err := dec.decode(body)
	if err != nil {
		return fmt.Errorf("%w: event %s: %w", ErrProtocol, procName(h.Program, h.Procedure), err)
	}
	key := subKey{dec.family, id}
	ev := &c.events
	ev.mu.Lock()
	r := ev.byCallback[key]
	var subs []*Subscription
	switch {
	case r != nil && r.key.id == dec.id:
		subs = make([]*Subscription, 0, len(r.subs))
		for s := range r.subs {
			subs = append(subs, s)
		}
	case r != nil:
		if l := c.settings.opts.logger; l != nil {
			l.Debug("virtwire: dropping an event of another kind than its callback's registration", "proc", procName(h.Program, h.Procedure), "callbackID", id)
		}
	case ev.registering[dec.family] > 0 && len(ev.early) < maxEarlyEvents:
		ev.early = append(ev.early, earlyEvent{key, dec.id, e})
	}
	ev.mu.Unlock()
	for _, s := range subs {
		s.deliver(e)
	}
	return nil
}

// deliverLocal hands e to the subscriptions of a family that has no
// daemon-side registrations (the connection's own events).
func (c *Conn) deliverLocal(family eventFamily, e Event) {
	ev := &c.events
	ev.mu.Lock()
	r := ev.regs[regKey{family: family}]
	var subs []*Subscription
	if r != nil {
		for s := range r.subs {
			subs = append(subs, s)
		}
	}
	ev.mu.Unlock()
	for _, s := range subs {
		s.deliver(e)
	}
}

var familyNames = map[eventFamily]string{
	familyDomain: "domain", familyNetwork: "network", familyStoragePool: "storage pool",
	familyNodeDevice: "node device", familySecret: "secret", familyQEMUMonitor: "QEMU monitor",
	familyConnection: "connection",
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
	return c.subscribeFiltered(ctx, regs, optional, dereg, nil)
}

// subscribeFiltered is subscribe with a filter on the events delivered.
func (c *Conn) subscribeFiltered(ctx context.Context, regs []eventReg, optional bool, dereg func(context.Context, int32) error, filter func(Event) bool) (*Subscription, error) {
	if err := c.Err(); err != nil {
		return nil, err
	}
	size := c.settings.opts.eventBuffer
	if size <= 0 {
		size = DefaultEventBuffer
	}
	s := &Subscription{
		c:          c,
		filter:     filter,
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
	if !c.events.startWatcher() {
		s.unregister()
		return nil, c.Err()
	}
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
	if c.eng == nil {
		return nil, errNotConnected
	}
	optional := len(ids) == 0
	if optional {
		ids = sortedIDs(domainEventIDNames)
	}
	filter, err := c.eventFilter(ctx)
	if err != nil {
		return nil, err
	}
	if !filter {
		return c.subscribeLegacyDomainEvents(ctx, dom, ids, optional)
	}
	object := ""
	if dom != nil {
		object = string(dom.UUID[:])
	}
	regs := make([]eventReg, len(ids))
	for i, id := range ids {
		regs[i] = eventReg{regKey{familyDomain, int32(id), object, ""}, func(ctx context.Context) (int32, error) {
			return c.connectDomainEventCallbackRegisterAny(ctx, id, dom)
		}}
	}
	return c.subscribe(ctx, regs, optional, c.connectDomainEventCallbackDeregisterAny)
}

// subscribeLegacyDomainEvents subscribes to domain events the way libvirt's
// client does with a daemon older than libvirt 1.2.1, which knows no event
// callbacks: one registration per event kind on the daemon
// (CONNECT_DOMAIN_EVENT_REGISTER_ANY, which cannot filter by domain), the
// pre-callback event messages, and the domain filter applied here.
func (c *Conn) subscribeLegacyDomainEvents(ctx context.Context, dom *Domain, ids []DomainEventID, optional bool) (*Subscription, error) {
	regs := make([]eventReg, len(ids))
	for i, id := range ids {
		regs[i] = eventReg{regKey{familyDomain, int32(id), "", "legacy"}, func(ctx context.Context) (int32, error) {
			if err := c.connectDomainEventRegisterAny(ctx, id); err != nil {
				return 0, err
			}
			return legacyCallbackID(int32(id)), nil
		}}
	}
	dereg := func(ctx context.Context, callbackID int32) error {
		return c.connectDomainEventDeregisterAny(ctx, DomainEventID(-callbackID-1))
	}
	var filter func(Event) bool
	if dom != nil {
		uuid := dom.UUID
		filter = func(e Event) bool {
			d, ok := e.(interface{ domain() Domain })
			return ok && d.domain().UUID == uuid
		}
	}
	return c.subscribeFiltered(ctx, regs, optional, dereg, filter)
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
			return c.connectNetworkEventRegisterAny(ctx, id, net)
		}}
	}
	return c.subscribe(ctx, regs, optional, c.connectNetworkEventDeregisterAny)
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
			return c.connectStoragePoolEventRegisterAny(ctx, id, pool)
		}}
	}
	return c.subscribe(ctx, regs, optional, c.connectStoragePoolEventDeregisterAny)
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
			return c.connectNodeDeviceEventRegisterAny(ctx, id, dev)
		}}
	}
	return c.subscribe(ctx, regs, optional, c.connectNodeDeviceEventDeregisterAny)
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
			return c.connectSecretEventRegisterAny(ctx, id, secret)
		}}
	}
	return c.subscribe(ctx, regs, optional, c.connectSecretEventDeregisterAny)
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
		return c.qemuConnectDomainMonitorEventRegister(ctx, dom, ev, flags)
	}}
	return c.subscribe(ctx, []eventReg{reg}, false, c.qemuConnectDomainMonitorEventDeregister)
}
