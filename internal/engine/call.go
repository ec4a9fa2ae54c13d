package engine

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"sync"

	"github.com/virtwire/virtwire/protocol"
)

// reply is a reply packet handed from the reader to its caller.
type reply struct {
	h     protocol.Header
	pkt   *[]byte // the whole packet, pooled
	off   int     // where the body starts in *pkt
	files []*os.File
}

// call is one call waiting for its reply.
type call struct {
	waiter
	prog   uint32
	proc   int32
	serial uint32
	reply  chan reply // capacity 1: the reader never blocks on it
	direct bool       // the caller reads its reply itself when it can
}

var callPool = sync.Pool{New: func() any { return &call{reply: make(chan reply, 1), waiter: newWaiter()} }}

// callTable is the calls in flight, guarded by Engine.mu.
type callTable struct {
	serial    uint32
	pending   map[uint32]*call
	abandoned map[uint32]struct{} // serials whose callers gave up; their replies are dropped
	passive   int                 // pending calls that leave reading to others
}

func (t *callTable) init() {
	t.pending = make(map[uint32]*call)
}

// abandon remembers that serial's caller gave up, so that its reply is
// dropped. The map is made at the first: most Conns never need it.
func (t *callTable) abandon(serial uint32) {
	if t.abandoned == nil {
		t.abandoned = make(map[uint32]struct{})
	}
	t.abandoned[serial] = struct{}{}
}

// Extras are the rarer parts of a call.
type Extras struct {
	// Files are passed with the call (CALL_WITH_FDS). With none the call
	// is a plain CALL, which every transport carries.
	Files []*os.File
	// Received, when not nil, receives the descriptors passed with the
	// reply; the caller owns them. Otherwise they are closed.
	Received *[]*os.File
	// stream is routed by the call's serial before its packet is sent.
	stream *Stream
}

// Call sends a call with header h (program, version and procedure; the
// engine sets type and serial), whose body enc writes (nil for none), and
// waits for its reply, which dec decodes (nil for none). An error reply
// becomes Config.RemoteError's error. When ctx ends first, the call
// returns at once; a reply that comes later is dropped.
func (e *Engine) Call(ctx context.Context, h protocol.Header, enc func(*protocol.Encoder), dec func(*protocol.Decoder) error) error {
	_, err := e.roundTrip(ctx, h, enc, dec, nil)
	return err
}

// CallWith is Call with descriptors passed either way (see Extras).
func (e *Engine) CallWith(ctx context.Context, h protocol.Header, enc func(*protocol.Encoder), dec func(*protocol.Decoder) error, x *Extras) error {
	if len(x.Files) > 0 && !e.CanPassFDs() {
		return fmt.Errorf("virtwire: %s: %w", e.name(h.Program, h.Procedure), ErrNoFDPassing)
	}
	if len(x.Files) > protocol.MaxFDs {
		return fmt.Errorf("virtwire: %s: %d files, at most %d may be passed", e.name(h.Program, h.Procedure), len(x.Files), protocol.MaxFDs)
	}
	_, err := e.roundTrip(ctx, h, enc, dec, x)
	return err
}

// serialAt is where a packet's serial is, so that it can be set after the
// packet was encoded.
const serialAt = protocol.LenSize + 16

// A Pending is a call that Send has sent, whose reply Wait collects.
type Pending struct {
	e      *Engine
	cl     *call
	h      protocol.Header
	direct bool // cl's mode, read at sending: cl may go back to its pool
}

// Send sends a call as Call does, but returns once it is queued, without
// waiting for its reply: Wait collects it. Calls sent one after another
// leave in that order, so calls that need not wait for each other's
// answers can be in flight together (the daemon answers each by its
// serial). Every Pending Send returns must be waited for.
func (e *Engine) Send(ctx context.Context, h protocol.Header, enc func(*protocol.Encoder)) (Pending, error) {
	return e.start(ctx, h, enc, nil)
}

// Wait waits for p's reply and decodes it with dec (nil for none), as Call
// does; when ctx ends first it returns at once and a later reply is
// dropped. The zero Pending is no call: its Wait returns an error wrapping
// ErrConnClosed.
func (p Pending) Wait(ctx context.Context, dec func(*protocol.Decoder) error) error {
	if p.e == nil {
		return errNoCall
	}
	return p.e.wait(ctx, p, dec, nil)
}

var errNoCall = fmt.Errorf("%w: waiting for a call that was not sent", ErrConnClosed)

// roundTrip sends a call and waits for its reply; it returns the serial
// used.
func (e *Engine) roundTrip(ctx context.Context, h protocol.Header, enc func(*protocol.Encoder), dec func(*protocol.Decoder) error, x *Extras) (uint32, error) {
	p, err := e.start(ctx, h, enc, x)
	if err != nil {
		return p.h.Serial, err
	}
	return p.h.Serial, e.wait(ctx, p, dec, x)
}

// start encodes and queues a call; wait collects its reply.
func (e *Engine) start(ctx context.Context, h protocol.Header, enc func(*protocol.Encoder), x *Extras) (Pending, error) {
	if err := ctx.Err(); err != nil {
		return Pending{}, e.ctxError(h.Program, h.Procedure, err)
	}
	h.Type, h.Status, h.Serial = protocol.Call, protocol.StatusOK, 0
	var files []*os.File
	if x != nil {
		files = x.Files
	}
	if len(files) > 0 {
		h.Type = protocol.CallWithFDs
	}
	// Encode first, outside the lock; the serial goes in afterwards.
	en := getEncoder()
	en.StartPacket(h)
	if len(files) > 0 {
		en.Uint32(uint32(len(files)))
	}
	if enc != nil {
		enc(en)
	}
	pkt, err := en.FinishPacket()
	if err != nil {
		putEncoder(en)
		return Pending{}, fmt.Errorf("virtwire: %s: %w", e.name(h.Program, h.Procedure), err)
	}
	out := outPacket{pkt: pkt, enc: en, call: true}
	if len(files) > 0 {
		fds := make([]uintptr, len(files))
		for i, f := range files {
			fds[i] = f.Fd()
		}
		if out.fds, err = dupFDs(fds); err != nil {
			putEncoder(en)
			return Pending{}, fmt.Errorf("virtwire: %s: passing descriptors: %w", e.name(h.Program, h.Procedure), err)
		}
	}

	cl := callPool.Get().(*call)
	cl.prog, cl.proc = h.Program, h.Procedure
	e.mu.Lock()
	if e.failed() {
		e.mu.Unlock()
		callPool.Put(cl)
		out.release()
		return Pending{}, e.Err()
	}
	e.calls.serial++
	h.Serial = e.calls.serial
	cl.serial = h.Serial
	binary.BigEndian.PutUint32(pkt[serialAt:], h.Serial)
	out.serial = h.Serial
	e.calls.pending[h.Serial] = cl
	if x != nil && x.stream != nil {
		x.stream.serial = h.Serial
		e.streams.addLocked(x.stream)
	}
	// Calls with extras (streams, descriptors) leave reading to the
	// background reader, as do all calls while streams or event
	// registrations are open.
	cl.direct = x == nil && e.mayReadLocked()
	if !cl.direct {
		e.calls.passive++
		if e.tok.holder == tokenFree {
			e.startBackgroundLocked()
		}
	}
	e.mu.Unlock()
	if e.cfg.Logger != nil {
		e.logPacket("send", h, len(pkt))
	}
	p := Pending{e: e, cl: cl, h: h, direct: cl.direct}
	if err := e.w.send(ctx, out, false, nil); err != nil {
		// Not queued: the daemon never sees the call.
		e.mu.Lock()
		delete(e.calls.pending, h.Serial)
		if !p.direct {
			e.calls.passive--
		}
		e.mu.Unlock()
		callPool.Put(cl)
		p.e, p.cl = nil, nil
		if ctx.Err() != nil {
			return p, e.ctxError(h.Program, h.Procedure, ctx.Err())
		}
		return p, err
	}
	return p, nil
}

// wait waits for the reply of the call p and decodes it.
func (e *Engine) wait(ctx context.Context, p Pending, dec func(*protocol.Decoder) error, x *Extras) error {
	if !p.direct {
		defer func() {
			e.mu.Lock()
			e.calls.passive--
			e.mu.Unlock()
		}()
	}
	r, err := e.await(ctx, p.cl)
	if err != nil {
		return err
	}
	callPool.Put(p.cl)
	if x != nil && x.Received != nil {
		*x.Received = r.files
	} else {
		CloseFiles(r.files)
	}
	return e.finish(r, dec)
}

// mayReadLocked reports whether a caller may read its own reply.
func (e *Engine) mayReadLocked() bool {
	return e.direct && e.streams.open() == 0 && e.listeners == 0
}

// await waits for cl's reply, reading the socket itself when cl may and
// no one else does. An error means no reply: the context ended (the call
// is then abandoned and cl back in its pool) or the connection failed.
func (e *Engine) await(ctx context.Context, cl *call) (reply, error) {
	if cl.direct {
		e.mu.Lock()
		_, pending := e.calls.pending[cl.serial]
		got, ask := false, false
		if pending && !e.failed() {
			got, ask = e.acquireLocked(&cl.waiter)
		}
		e.mu.Unlock()
		if got {
			return e.readOwn(ctx, cl)
		}
		if ask {
			e.interruptRead()
		}
	}
	select {
	case r := <-cl.reply:
		if cl.direct {
			e.mu.Lock()
			e.leaveLocked(&cl.waiter)
			e.mu.Unlock()
		}
		return r, nil
	case <-cl.token:
		return e.readOwn(ctx, cl)
	case <-ctx.Done():
		return reply{}, e.abandon(ctx, cl)
	case <-e.life.done:
		// A reply that arrived before the connection failed still counts.
		select {
		case r := <-cl.reply:
			return r, nil
		default:
		}
		e.mu.Lock()
		e.leaveLocked(&cl.waiter)
		e.mu.Unlock()
		return reply{}, e.Err()
	}
}

// testHookReadOwn, when set by a test, runs each time a caller starts
// reading for its own reply.
var testHookReadOwn func()

// readOwn reads as the token holder until cl's reply is in. A reply that
// arrived is returned even when reading on failed the connection (a lie
// that followed it in the same read).
func (e *Engine) readOwn(ctx context.Context, cl *call) (reply, error) {
	if testHookReadOwn != nil {
		testHookReadOwn()
	}
	err := e.hold(ctx, func() bool { return len(cl.reply) > 0 })
	select {
	case r := <-cl.reply:
		return r, nil
	default:
	}
	if ctx.Err() != nil && !e.failed() {
		return reply{}, e.abandon(ctx, cl)
	}
	if err == nil || !e.failed() {
		err = e.Err()
	}
	return reply{}, err
}

// abandon gives up on cl after its context ended: its late reply will be
// dropped, and a read token handed to it meanwhile goes on. When the call
// had not left the queue, it is withdrawn, and the daemon never sees it.
func (e *Engine) abandon(ctx context.Context, cl *call) error {
	e.mu.Lock()
	e.leaveLocked(&cl.waiter)
	_, waiting := e.calls.pending[cl.serial]
	sent := true
	if waiting {
		delete(e.calls.pending, cl.serial)
		if e.w.withdraw(cl.serial) {
			sent = false
		} else {
			e.calls.abandon(cl.serial)
		}
	}
	e.mu.Unlock()
	if !waiting {
		// The reader took the reply just now; it is in the channel.
		r := <-cl.reply
		putPacket(r.pkt)
		CloseFiles(r.files)
	}
	err := e.ctxError(cl.prog, cl.proc, ctx.Err())
	if !sent {
		err = fmt.Errorf("%w (the call was not sent)", err)
	}
	callPool.Put(cl)
	return err
}

// ownedReply is the packet size from which a reply's strings point into
// its packet instead of a copy: the packet reader reads such a reply into
// a buffer of its exact size (packetReader.next), which then goes to the
// reply rather than back to a pool. That saves copying the body (an XML
// document, a long list) once more, and a caller keeps no more than the
// reply's own bytes.
const ownedReply = 4 << 10

// finish turns a reply packet into the call's result.
func (e *Engine) finish(r reply, dec func(*protocol.Decoder) error) error {
	body := (*r.pkt)[r.off:]
	if r.h.Status == protocol.StatusOK && dec != nil && len(*r.pkt) >= ownedReply {
		err := protocol.DecodeOwnedWith(body, dec)
		dropPacket(r.pkt) // the bytes are the reply's now
		if err != nil {
			return fmt.Errorf("%w: %s: reply: %w", ErrProtocol, e.name(r.h.Program, r.h.Procedure), err)
		}
		return nil
	}
	defer putPacket(r.pkt)
	switch r.h.Status {
	case protocol.StatusOK:
		if dec == nil {
			if len(body) != 0 {
				return fmt.Errorf("%w: %s: %d unexpected bytes in a reply that has no body", ErrProtocol, e.name(r.h.Program, r.h.Procedure), len(body))
			}
			return nil
		}
		if err := protocol.DecodeWith(body, dec); err != nil {
			return fmt.Errorf("%w: %s: reply: %w", ErrProtocol, e.name(r.h.Program, r.h.Procedure), err)
		}
		return nil
	case protocol.StatusError:
		return e.remoteError(body, r.h)
	default:
		return fmt.Errorf("%w: %s: reply with status %v", ErrProtocol, e.name(r.h.Program, r.h.Procedure), r.h.Status)
	}
}

// remoteError decodes an error reply's body.
func (e *Engine) remoteError(body []byte, h protocol.Header) error {
	var we protocol.Error
	if err := protocol.Decode(body, &we); err != nil {
		return fmt.Errorf("%w: %s: error reply is not a remote_error: %w", ErrProtocol, e.name(h.Program, h.Procedure), err)
	}
	if e.cfg.RemoteError != nil {
		return e.cfg.RemoteError(&we)
	}
	msg := "unknown error"
	if we.Message != nil {
		msg = *we.Message
	}
	return fmt.Errorf("libvirt: %s", msg)
}
