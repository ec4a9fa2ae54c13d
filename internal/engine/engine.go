package engine

import (
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/virtwire/virtwire/protocol"
)

// A Program is an RPC program whose packets an Engine accepts, with the
// version it speaks.
type Program struct {
	Number, Version uint32
}

// Config says how an Engine treats the packets of the programs above it.
type Config struct {
	// Programs are the programs whose replies, events and stream packets
	// the engine accepts; a packet of any other program (but keepalive,
	// which is the engine's own) is a protocol violation.
	Programs []Program
	// Name names a procedure in errors and logs; nil names it by number.
	Name func(prog uint32, proc int32) string
	// RemoteError turns the body of an error reply into the error the call
	// (or stream) returns; nil makes a plain error of its message.
	RemoteError func(*protocol.Error) error
	// Event receives every MESSAGE packet of the programs, header and body
	// (valid only during the call). It runs on the goroutine that holds the
	// read token and must not block; an error is a protocol violation that
	// ends the connection. Nil drops events.
	Event func(h protocol.Header, body []byte) error
	// StreamBuffer bounds the memory the received data of each stream may
	// take before the engine stops reading from the socket (default
	// DefaultStreamBuffer).
	StreamBuffer int
	// Logger, when set, logs every packet (direction, procedure, type,
	// serial, status, size; never bodies) at debug level and the end of the
	// connection at info level.
	Logger *slog.Logger
}

// DefaultStreamBuffer is the StreamBuffer of a Config that sets none.
const DefaultStreamBuffer = 4 << 20

// An Engine runs libvirt's RPC protocol on one connection: it writes
// calls and stream data, reads packets and routes them (replies by serial
// to their callers, stream packets to their streams, events to
// Config.Event, keepalive to itself), passes file descriptors, and ends
// everything waiting on it with the cause when the connection fails. It
// knows packets and serials, not procedures. It is safe for concurrent
// use.
//
// The state is split by concern, each part with its own lock: the
// lifecycle (life), the write queue (w), the keepalive timer (ka), and,
// under mu, the read token, the calls and the streams, which decide
// together who reads the socket.
type Engine struct {
	cfg  Config
	link link
	rd   *packetReader // used by the read token's holder only

	life lifecycle
	w    writer
	ka   keepaliver

	mu        sync.Mutex
	tok       token
	calls     callTable
	streams   streamTable
	listeners int // event registrations open: the socket is read continuously

	bgWake    chan struct{}
	interrupt func()       // e.interruptRead, made once
	lastRecv  atomic.Int64 // unix nanoseconds of the last packet received
	closing   atomic.Bool  // Close has begun: the daemon's EOF is expected
	// pongQueued is set while a PONG waits in the write queue.
	pongQueued atomic.Bool
	direct     bool // callers may read their own replies
}

// lifecycle is the engine's state machine: open until the first failure,
// then failed for good. Every goroutine the engine starts is counted, and
// none starts once it has failed.
type lifecycle struct {
	mu     sync.Mutex
	failed bool
	err    error
	done   chan struct{}
	wg     sync.WaitGroup
}

// New starts an engine on nc, which it owns from now on.
func New(nc net.Conn, cfg Config) *Engine {
	if cfg.StreamBuffer <= 0 {
		cfg.StreamBuffer = DefaultStreamBuffer
	}
	e := &Engine{
		cfg:    cfg,
		link:   newLink(nc),
		bgWake: make(chan struct{}, 1),
	}
	e.life.done = make(chan struct{})
	e.rd = newPacketReader(e.link, e.link.fds())
	e.direct = e.link.interruptible()
	e.interrupt = e.interruptRead
	e.calls.init()
	e.w.init(e)
	e.lastRecv.Store(time.Now().UnixNano())
	if tl, ok := e.link.(*tlsLink); ok {
		tl.lower.Buffer(e.w.kick)
	}
	e.mu.Lock()
	if !e.direct {
		e.startBackgroundLocked()
	}
	e.mu.Unlock()
	e.spawn(e.background)
	if !e.link.nonblocking() {
		e.spawn(e.w.loop)
	}
	return e
}

// Done returns a channel that is closed when the engine has failed or
// been shut down.
func (e *Engine) Done() <-chan struct{} { return e.life.done }

// Err returns nil while the engine runs, and afterwards why it ended.
func (e *Engine) Err() error {
	e.life.mu.Lock()
	defer e.life.mu.Unlock()
	return e.life.err
}

// CanPassFDs reports whether the connection carries file descriptors.
func (e *Engine) CanPassFDs() bool { return e.link.fds() != nil }

// spawn runs f on a goroutine of its own, counted so that Shutdown waits
// for it, unless the engine has failed: then it reports false.
func (e *Engine) spawn(f func()) bool {
	if !e.enter() {
		return false
	}
	go func() {
		defer e.exit()
		f()
	}()
	return true
}

// enter counts the calling goroutine (a timer's, say) as one of the
// engine's until exit, unless the engine has failed: then it reports
// false and the goroutine must do nothing.
func (e *Engine) enter() bool {
	e.life.mu.Lock()
	defer e.life.mu.Unlock()
	if e.life.failed {
		return false
	}
	e.life.wg.Add(1)
	return true
}

func (e *Engine) exit() { e.life.wg.Done() }

// Closing tells the engine that its owner is closing the connection, so
// that the daemon's EOF is no failure.
func (e *Engine) Closing() { e.closing.Store(true) }

// Fail ends the engine with err: the first cause wins. Every waiting call,
// stream and token waiter returns an error wrapping it. Fail never blocks
// on the network.
func (e *Engine) Fail(err error) {
	e.life.mu.Lock()
	if e.life.failed {
		e.life.mu.Unlock()
		return
	}
	e.life.failed, e.life.err = true, err
	close(e.life.done)
	e.life.mu.Unlock()

	e.ka.stop()
	e.mu.Lock()
	e.tok.stopIdle()
	streams := e.streams.all()
	e.mu.Unlock()
	e.link.close()
	e.w.fail()
	for _, s := range streams {
		s.fail(err)
	}
	if e.cfg.Logger != nil && !strings.Contains(err.Error(), ErrConnClosed.Error()) {
		e.cfg.Logger.Info("virtwire: connection failed", "err", err)
	}
}

// Shutdown fails the engine with err (when it has not failed already) and
// waits until every goroutine it started has ended.
func (e *Engine) Shutdown(err error) {
	e.Fail(err)
	e.life.wg.Wait()
	if fc := e.link.fds(); fc != nil {
		fc.discard()
	}
}

// failIO ends the engine after a read or write error: the daemon went
// away, or, once Closing was called, the connection is simply closing.
func (e *Engine) failIO(err error) {
	if e.closing.Load() {
		e.Fail(ErrConnClosed)
		return
	}
	e.Fail(ioError(err))
}

func (e *Engine) failed() bool {
	select {
	case <-e.life.done:
		return true
	default:
		return false
	}
}

// SetListening tells the engine whether event registrations are open:
// while they are, the socket is read at all times, so that events arrive
// when they are sent.
func (e *Engine) SetListening(n int) {
	e.mu.Lock()
	e.listeners = n
	if n > 0 && e.tok.holder == tokenFree && !e.failed() {
		e.startBackgroundLocked()
	}
	e.mu.Unlock()
}

// name names a procedure for errors.
func (e *Engine) name(prog uint32, proc int32) string {
	if e.cfg.Name != nil {
		return e.cfg.Name(prog, proc)
	}
	return fmt.Sprintf("procedure %d of program %#x", proc, prog)
}

func (e *Engine) logPacket(dir string, h protocol.Header, size int) {
	e.cfg.Logger.Debug("virtwire: packet", "dir", dir, "proc", e.name(h.Program, h.Procedure),
		"type", h.Type.String(), "serial", h.Serial, "status", h.Status.String(), "bytes", size)
}

// ctxError wraps a context's error with the procedure it ended.
func (e *Engine) ctxError(prog uint32, proc int32, err error) error {
	return fmt.Errorf("virtwire: %s: %w", e.name(prog, proc), err)
}
