package domain

import (
	"context"
	"fmt"

	"github.com/virtwire/virtwire"
)

// LifecycleEvent is a step in a domain's life: it was defined, started,
// paused, stopped, undefined...
type LifecycleEvent struct {
	Domain *Domain
	Type   virtwire.DomainEventType
	// Detail says more, as a value of the detail type that goes with Type:
	// virtwire.DomainEventStoppedDetailType for DomainEventStopped
	// (shutdown, destroyed, crashed...), and so on.
	Detail int32
}

// String returns the event's type and detail in words: "stopped
// (destroyed)", "started (booted)".
func (e LifecycleEvent) String() string {
	return EventName(e.Type) + " (" + EventDetailName(e.Type, e.Detail) + ")"
}

var eventNames = [...]string{
	virtwire.DomainEventDefined:     "defined",
	virtwire.DomainEventUndefined:   "undefined",
	virtwire.DomainEventStarted:     "started",
	virtwire.DomainEventSuspended:   "suspended",
	virtwire.DomainEventResumed:     "resumed",
	virtwire.DomainEventStopped:     "stopped",
	virtwire.DomainEventShutdown:    "shutdown",
	virtwire.DomainEventPmsuspended: "pmsuspended",
	virtwire.DomainEventCrashed:     "crashed",
}

var eventDetailNames = [...][]string{
	virtwire.DomainEventDefined:   {"added", "updated", "renamed", "from snapshot"},
	virtwire.DomainEventUndefined: {"removed", "renamed"},
	virtwire.DomainEventStarted:   {"booted", "migrated", "restored", "from snapshot", "wakeup"},
	virtwire.DomainEventSuspended: {"paused", "migrated", "I/O error", "watchdog", "restored", "from snapshot",
		"API error", "post-copy", "post-copy failed"},
	virtwire.DomainEventResumed:     {"unpaused", "migrated", "from snapshot", "post-copy", "post-copy failed"},
	virtwire.DomainEventStopped:     {"shutdown", "destroyed", "crashed", "migrated", "saved", "failed", "from snapshot"},
	virtwire.DomainEventShutdown:    {"finished", "guest request", "host request"},
	virtwire.DomainEventPmsuspended: {"memory", "disk"},
	virtwire.DomainEventCrashed:     {"panicked", "crashloaded"},
}

// EventName returns a lifecycle event type in words ("started").
func EventName(t virtwire.DomainEventType) string {
	return word(eventNames[:], int(t), fmt.Sprintf("event %d", int32(t)))
}

// EventDetailName returns the detail of a lifecycle event of type t in
// words ("booted").
func EventDetailName(t virtwire.DomainEventType, detail int32) string {
	return word(word(eventDetailNames[:], int(t), nil), int(detail), fmt.Sprintf("detail %d", detail))
}

// Watcher delivers lifecycle events, in the order the daemon sends them.
// It ends when the context given to WatchLifecycle is cancelled, when Close
// is called, or when the connection ends; it is deregistered on the daemon
// then. A Watcher buffers events the daemon sends while nobody calls Next
// (virtwire.WithEventBuffer says how many); if the buffer overflows, the
// Watcher ends with a *virtwire.EventOverflowError rather than lose
// events silently.
type Watcher struct {
	conn *virtwire.Conn
	sub  *virtwire.Subscription
}

// WatchLifecycle subscribes to the lifecycle events of dom, or of every
// domain on the connection if dom is nil.
func WatchLifecycle(ctx context.Context, conn *virtwire.Conn, dom *Domain) (*Watcher, error) {
	var ref *virtwire.Domain
	name := "*"
	if dom != nil {
		r := dom.ref
		ref, name = &r, dom.ref.Name
	}
	sub, err := conn.SubscribeDomainEvents(ctx, ref, virtwire.DomainEventIDLifecycle)
	if err != nil {
		return nil, wrap(name, "watch lifecycle events", err)
	}
	return &Watcher{conn: conn, sub: sub}, nil
}

// WatchLifecycle subscribes to the domain's lifecycle events.
func (d *Domain) WatchLifecycle(ctx context.Context) (*Watcher, error) {
	return WatchLifecycle(ctx, d.conn, d)
}

// Next returns the next event, waiting for one until ctx is done. Once the
// Watcher has ended and its buffered events are read, Next returns why it
// ended (see virtwire.Subscription.Err).
func (w *Watcher) Next(ctx context.Context) (LifecycleEvent, error) {
	for {
		select {
		case ev, ok := <-w.sub.Events():
			if !ok {
				return LifecycleEvent{}, fmt.Errorf("domain: lifecycle events ended: %w", w.sub.Err())
			}
			if lc, ok := ev.(*virtwire.DomainEventLifecycle); ok {
				return LifecycleEvent{Domain: New(w.conn, lc.Dom), Type: lc.Event, Detail: lc.Detail}, nil
			}
		case <-ctx.Done():
			return LifecycleEvent{}, fmt.Errorf("domain: waiting for a lifecycle event: %w", ctx.Err())
		}
	}
}

// Close ends the Watcher and deregisters it on the daemon.
func (w *Watcher) Close() error { return w.sub.Close() }
