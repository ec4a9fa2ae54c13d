package engine

import (
	"context"
	"errors"
	"sync/atomic"
	"time"
)

// Reading the socket. One goroutine at a time holds the read token and
// reads packets, routing each to whoever waits for it. A caller waiting
// for a plain reply takes the token itself when no one holds it, as
// libvirt's C client passes its "buck": its reply then reaches it without
// a hand-off between goroutines. A download's reader does the same while
// its queue is empty. The background reader holds the token whenever the
// socket must be read with no caller at it: while event registrations,
// uploads, consoles or calls that do not read for themselves are open, on
// links a read deadline cannot interrupt, and once the connection has been
// idle for idleRead (answering the daemon's pings, seeing the daemon go).
//
// The rules, in one place (token.go's methods, under Engine.mu):
//   - acquire: a goroutine that wants to read takes the token when it is
//     free; otherwise it queues, and when the background reader holds the
//     token asks it, once, to yield (a read deadline in the past
//     interrupts its read, which loses nothing: packetReader keeps what
//     arrived).
//   - pass: a holder leaving hands the token to the first goroutine
//     queued, else to the background reader when the socket must be read
//     continuously, else to no one, and the background reader takes it
//     after idleRead if no caller has.
//   - leave: a queued goroutine that no longer wants the token (its reply
//     came by hand-off, or its context ended) leaves the queue, passing on
//     a token handed to it meanwhile.
//
// Every holder reads with readUntil, the one read loop.

// idleRead is how long the socket may go unread after the last caller
// left with its reply before the background reader takes over.
const idleRead = 10 * time.Millisecond

// holder says who holds the read token.
type holder uint8

const (
	tokenFree       holder = iota // no one: the next caller takes it
	tokenBackground               // the background reader
	tokenCaller                   // a caller or a stream's reader
)

// A waiter is a goroutine that waits to be handed the read token.
type waiter struct {
	token   chan struct{} // capacity 1: the token, handed over
	waiting bool          // queued in token.waiters
}

func newWaiter() waiter { return waiter{token: make(chan struct{}, 1)} }

// token is the read token's state, guarded by Engine.mu.
type token struct {
	holder     holder
	waiters    []*waiter
	want       atomic.Int32 // len(waiters), read without the lock
	yieldAsked bool         // the background reader was asked to yield
	idleTimer  *time.Timer
	idleArmed  bool
	lastFree   time.Time
}

func (t *token) stopIdle() {
	if t.idleTimer != nil {
		t.idleTimer.Stop()
	}
}

// acquireLocked takes the token for w when it is free (true), or queues w;
// ask reports that the background reader must be interrupted (outside the
// lock) so that it yields.
func (e *Engine) acquireLocked(w *waiter) (got, ask bool) {
	t := &e.tok
	switch t.holder {
	case tokenFree:
		t.holder = tokenCaller
		return true, false
	case tokenBackground:
		ask = !t.yieldAsked
		t.yieldAsked = true
	}
	w.waiting = true
	t.waiters = append(t.waiters, w)
	t.want.Add(1)
	return false, ask
}

// passLocked hands the token on from a holder that leaves.
func (e *Engine) passLocked() {
	t := &e.tok
	t.yieldAsked = false
	if len(t.waiters) > 0 {
		w := t.waiters[0]
		e.dequeueLocked(w)
		t.holder = tokenCaller
		w.token <- struct{}{}
		return
	}
	if e.continuousLocked() {
		e.startBackgroundLocked()
		return
	}
	t.holder = tokenFree
	t.lastFree = time.Now()
	if !t.idleArmed && !e.failed() {
		t.idleArmed = true
		if t.idleTimer == nil {
			t.idleTimer = time.AfterFunc(idleRead, e.idle)
		} else {
			t.idleTimer.Reset(idleRead)
		}
	}
}

// leaveLocked takes w out of the queue once it no longer wants the token;
// a token handed to it meanwhile goes on.
func (e *Engine) leaveLocked(w *waiter) {
	e.dequeueLocked(w)
	select {
	case <-w.token:
		e.passLocked()
	default:
	}
}

func (e *Engine) dequeueLocked(w *waiter) {
	if !w.waiting {
		return
	}
	w.waiting = false
	t := &e.tok
	for i, x := range t.waiters {
		if x == w {
			old := t.waiters
			t.waiters = append(old[:i], old[i+1:]...)
			old[len(old)-1] = nil
			break
		}
	}
	t.want.Add(-1)
}

// continuousLocked reports whether the socket must be read even when no
// caller reads for itself.
func (e *Engine) continuousLocked() bool {
	return !e.direct || e.calls.passive > 0 || e.listeners > 0 || e.streams.continuous > 0
}

// startBackgroundLocked gives the token to the background reader.
func (e *Engine) startBackgroundLocked() {
	e.tok.holder = tokenBackground
	select {
	case e.bgWake <- struct{}{}:
	default:
	}
}

// idle runs idleRead after the token was left with no one: if no caller
// took it since, the background reader does.
func (e *Engine) idle() {
	if !e.enter() {
		return
	}
	defer e.exit()
	e.mu.Lock()
	defer e.mu.Unlock()
	t := &e.tok
	t.idleArmed = false
	if t.holder != tokenFree {
		return
	}
	if left := idleRead - time.Since(t.lastFree); left > 0 {
		t.idleArmed = true
		t.idleTimer.Reset(left)
		return
	}
	e.startBackgroundLocked()
}

// interruptRead makes the token holder's blocked read return.
func (e *Engine) interruptRead() { _ = e.link.setReadDeadline(aLongTimeAgo) }

var aLongTimeAgo = time.Unix(1, 0)

// errYield ends the background reader's turn: a caller wants the token.
var errYield = errors.New("engine: yield the read token")

// readUntil is the one read loop: it reads and routes packets as the
// token holder until done reports true, ctx ends, or (for the background
// reader, yield set) a goroutine waits for the token. Before it returns
// with done true it routes the packets already buffered, so that one read
// serves every reply it brought. It returns nil, ctx's error, errYield or
// the connection's error; the holder then passes the token on.
func (e *Engine) readUntil(ctx context.Context, done func() bool, yield bool) error {
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, e.interrupt)
		defer stop()
	}
	for {
		if done != nil && done() {
			return e.routeBuffered()
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if yield && e.wantToken() {
			return errYield
		}
		e.rd.expect = !yield
		bp, files, err := e.rd.next()
		if err != nil {
			if isTimeout(err) && !e.failed() {
				// Interrupted: a goroutine asked for the token, a context
				// ended or a stream was aborted (the checks above tell),
				// or the deadline is stale.
				_ = e.link.setReadDeadline(time.Time{})
				continue
			}
			e.failIO(err)
			return e.Err()
		}
		if err := e.handle(bp, files); err != nil {
			e.Fail(err)
			return e.Err()
		}
	}
}

// routeBuffered routes the whole packets already read.
func (e *Engine) routeBuffered() error {
	for e.rd.buffered() {
		bp, files, err := e.rd.next()
		if err == nil {
			err = e.handle(bp, files)
		}
		if err != nil {
			if isTimeout(err) {
				_ = e.link.setReadDeadline(time.Time{})
				return nil
			}
			e.Fail(err)
			return e.Err()
		}
	}
	return nil
}

func (e *Engine) wantToken() bool { return e.tok.want.Load() > 0 }

// background is the background reader: it reads while it holds the token
// and yields it to goroutines that ask.
func (e *Engine) background() {
	for {
		select {
		case <-e.bgWake:
		case <-e.life.done:
			return
		}
		err := e.readUntil(context.Background(), nil, true)
		if err != errYield {
			return // the connection failed
		}
		e.mu.Lock()
		if e.tok.holder == tokenBackground {
			e.passLocked()
		}
		e.mu.Unlock()
	}
}

// hold reads as the token's holder until done, then passes the token on.
func (e *Engine) hold(ctx context.Context, done func() bool) error {
	err := e.readUntil(ctx, done, false)
	e.mu.Lock()
	e.passLocked()
	e.mu.Unlock()
	return err
}
