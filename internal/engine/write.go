package engine

import (
	"context"
	"encoding/binary"
	"sync"
	"sync/atomic"
	"time"

	"github.com/virtwire/virtwire/protocol"
)

// Writing. Every packet goes through one FIFO queue, so packets leave in
// the order they were sent and never interleave. The goroutine that finds
// no one writing becomes the writer: on links that can write without
// waiting (raw sockets, TLS over them) that is the sender itself, which
// writes what the socket takes at once together with whatever others queued
// meanwhile (one writev for many packets: write coalescing), so a call
// costs no goroutine hand-off. When the socket is full, the rest goes to
// the engine's writer goroutine, started at the first such hand-off and
// kept for the connection's life, which waits for room holding no batch. A
// call's sender returns at once; a stream's Write, whose chunk is sent from
// the caller's buffer, waits until the chunk has gone or its context ends,
// and then takes the buffer back (detach). On a raw socket, a stream's
// sender that finds no one writing writes its chunk itself and waits for
// room in the poller, as a blocking write would, with no hand-off to the
// writer goroutine and back per chunk (writeOwn); the stream's abort, which
// its context's end does, interrupts that write with a write deadline. So a
// daemon that stops reading cannot hold a caller past its context. On links
// whose writes may wait (ssh, pipes, caller-made connections) the writer
// goroutine always writes. The queue holds at most maxQueued bytes (beyond
// one packet): further calls and stream data wait for room, as long as
// their context allows; control packets (keepalive, the end of a stream)
// never wait.

// maxQueued bounds the bytes waiting in the queue.
const maxQueued = 1 << 20

// maxBatch bounds the packets of one write.
const maxBatch = 64

// An outPacket is one packet in the write queue.
type outPacket struct {
	pkt    []byte
	body   []byte            // written after pkt without a copy: the sender's, until sent
	sent   chan<- struct{}   // signalled once a packet with a body is written or dropped
	off    int               // bytes of pkt and body already written
	enc    *protocol.Encoder // holds pkt, back to its pool once written
	buf    *[]byte           // or a pooled buffer holds it
	fds    []int             // passed after the packet; closed once sent
	serial uint32            // the call's, to withdraw it
	call   bool              // a call that may be withdrawn before it is written
	pong   *atomic.Bool      // cleared once the packet is gone, when not nil
}

// size is the packet's length on the wire.
func (p *outPacket) size() int { return len(p.pkt) + len(p.body) }

// rest appends to bufs what of the packet is still to write.
func (p *outPacket) rest(bufs [][]byte) [][]byte {
	if p.off < len(p.pkt) {
		bufs = append(bufs, p.pkt[p.off:])
		if len(p.body) > 0 {
			bufs = append(bufs, p.body)
		}
		return bufs
	}
	return append(bufs, p.body[p.off-len(p.pkt):])
}

func (p *outPacket) release() {
	if p.pong != nil {
		p.pong.Store(false)
	}
	if p.sent != nil {
		select {
		case p.sent <- struct{}{}:
		default:
		}
	}
	if p.enc != nil {
		putEncoder(p.enc)
	}
	if p.buf != nil {
		putPacket(p.buf)
	}
	closeFDs(p.fds)
	*p = outPacket{}
}

type writer struct {
	e *Engine

	mu       sync.Mutex
	queue    []outPacket // queue[:inflight] are being written
	inflight int
	settled  sync.Cond // broadcast when a batch ends, for detach
	bytes    int       // bytes in the queue not yet written
	active   bool      // a goroutine is writing; it drains the queue
	dead     bool
	stopped  bool            // ownStop's write was interrupted (a write deadline is set)
	flusher  atomic.Bool     // the writer goroutine of a nonblocking link runs
	waiting  int             // senders waiting for room
	space    chan struct{}   // holds a token when bytes fell while senders wait
	wake     chan struct{}   // the writer goroutine's
	ownStop  <-chan struct{} // the stop of the stream sender writing its own chunk

	bufs [][]byte // the batch being written; the active writer's only
}

func (w *writer) init(e *Engine) {
	w.e = e
	w.wake = make(chan struct{}, 1)
	w.space = make(chan struct{}, 1)
	w.settled.L = &w.mu
}

// send queues p and sees that it is written. It waits for room only when
// p is not control, and then only as long as ctx allows and stop stays
// open; it returns false, with p released, when p was not queued: ctx
// ended, stop closed, or the connection failed.
func (w *writer) send(ctx context.Context, p outPacket, control bool, stop <-chan struct{}) error {
	n := p.size()
	w.mu.Lock()
	// Waiting for room wakes on one token, passed on from sender to sender
	// while room lasts, rather than a channel made and closed per wait: a
	// stream upload waits for room at nearly every chunk.
	for !control && w.bytes > 0 && w.bytes+n > maxQueued && !w.dead {
		w.waiting++
		w.mu.Unlock()
		var err error
		select {
		case <-w.space:
		case <-ctx.Done():
			err = ctx.Err()
		case <-stop:
			err = ErrStreamAborted
		case <-w.e.life.done:
		}
		w.mu.Lock()
		w.waiting--
		if err != nil {
			w.passSpace()
			w.mu.Unlock()
			p.sent = nil // not queued: the sender still owns its body
			p.release()
			return err
		}
	}
	if !control {
		w.passSpace()
	}
	if w.dead {
		w.mu.Unlock()
		p.sent = nil
		p.release()
		return w.e.Err()
	}
	sent := p.sent
	w.queue = append(w.queue, p)
	w.bytes += n
	if w.active {
		w.mu.Unlock()
		return nil
	}
	w.active = true
	w.mu.Unlock()
	if !w.e.link.nonblocking() {
		w.signal()
		return nil
	}
	if sent != nil && stop != nil && w.e.link.senderWrites() {
		w.writeOwn(sent, stop)
		return nil
	}
	w.offer()
	return nil
}

// sendHeader queues a packet of h with body (copied; nil for none).
func (w *writer) sendHeader(ctx context.Context, h protocol.Header, body []byte, control bool, stop <-chan struct{}) error {
	return w.send(ctx, headerPacket(h, body), control, stop)
}

// headerPacket makes a packet of h with body (copied) in a pooled buffer.
func headerPacket(h protocol.Header, body []byte) outPacket {
	size := protocol.LenSize + protocol.HeaderSize + len(body)
	bp := packetPool.Get().(*[]byte)
	if size > protocol.InitialPacket {
		putPacket(bp)
		bp = largePacketPool.Get().(*[]byte)
	}
	b := (*bp)[:size]
	putHeader(b, h)
	copy(b[protocol.LenSize+protocol.HeaderSize:], body)
	*bp = b
	return outPacket{pkt: b, buf: bp}
}

// putHeader writes the length word and h at the start of pkt.
func putHeader(pkt []byte, h protocol.Header) {
	binary.BigEndian.PutUint32(pkt[0:], uint32(len(pkt)))
	binary.BigEndian.PutUint32(pkt[4:], h.Program)
	binary.BigEndian.PutUint32(pkt[8:], h.Version)
	binary.BigEndian.PutUint32(pkt[12:], uint32(h.Procedure))
	binary.BigEndian.PutUint32(pkt[16:], uint32(h.Type))
	binary.BigEndian.PutUint32(pkt[20:], h.Serial)
	binary.BigEndian.PutUint32(pkt[24:], uint32(h.Status))
}

// offer writes, as the active writer, what the socket takes without
// waiting, and hands the rest to a flusher when the socket is full.
func (w *writer) offer() {
	for {
		bufs, fds := w.batch()
		if bufs == nil {
			if w.idle() {
				return
			}
			w.handOff()
			return
		}
		if fds {
			// Descriptors are sent with waits of their own: the flusher's.
			w.mu.Lock()
			w.inflight = 0
			w.mu.Unlock()
			w.handOff()
			return
		}
		n, err := w.e.link.offer(bufs)
		full := w.advance(n)
		if err != nil {
			w.e.failIO(err)
			return
		}
		if !full || w.e.link.held() {
			w.handOff()
			return
		}
	}
}

// writeOwn is offer for a stream's sender, whose chunk is written from
// its buffer and which waits until it has gone: the sender writes its
// chunk itself, waiting for room in the poller as long as it takes,
// instead of handing the turn to the writer goroutine and then waiting
// for that goroutine (an upload finds the socket full at nearly every
// chunk, and each hand-off costs a wake-up each way). The write holds only
// the packets up to the sender's own, queued before it became the writer,
// so no other sender's buffer is held by a write that waits. Aborting the
// stream, which its context's end does, interrupts the write
// (interruptOwn); the turn then goes to the writer goroutine. Once the
// chunk has gone, what others queued meanwhile is offered as usual.
func (w *writer) writeOwn(sent chan<- struct{}, stop <-chan struct{}) {
	bufs, fds := w.batchUntil(sent)
	if bufs == nil || fds {
		w.offer()
		return
	}
	w.mu.Lock()
	select {
	case <-stop:
		w.inflight = 0
		w.mu.Unlock()
		w.offer()
		return
	default:
	}
	// From here interruptOwn, which runs after stop closes, sees the write.
	w.ownStop = stop
	w.mu.Unlock()
	n, err := w.e.link.write(bufs)
	w.mu.Lock()
	w.ownStop = nil
	stopped := w.stopped
	if stopped {
		w.stopped = false
		if derr := w.e.link.setWriteDeadline(time.Time{}); derr != nil && err == nil {
			err = derr
		}
	}
	w.mu.Unlock()
	w.advance(n)
	switch {
	case stopped:
		w.handOff()
	case err != nil:
		w.e.failIO(err)
	default:
		w.offer()
	}
}

// interruptOwn ends the write of the stream sender whose stop channel is
// stop, once stop has closed, by setting a write deadline in the past;
// writeOwn clears it. Only the active writer writes, so no other write
// sees the deadline.
func (w *writer) interruptOwn(stop <-chan struct{}) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ownStop == nil || w.ownStop != stop || w.stopped {
		return
	}
	w.stopped = true
	_ = w.e.link.setWriteDeadline(aLongTimeAgo)
}

// batch takes the packets the active writer writes next, up to one that
// passes descriptors; fds reports that the batch ends with such a one.
func (w *writer) batch() (bufs [][]byte, fds bool) { return w.batchUntil(nil) }

// batchUntil is batch ending also with the packet that signals until, when
// until is not nil.
func (w *writer) batchUntil(until chan<- struct{}) (bufs [][]byte, fds bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.dead || len(w.queue) == 0 {
		return nil, false
	}
	w.bufs = w.bufs[:0]
	k := 0
	for k < len(w.queue) && k < maxBatch {
		p := &w.queue[k]
		w.bufs = p.rest(w.bufs)
		k++
		if len(p.fds) > 0 {
			fds = true
			break
		}
		if until != nil && p.sent == until {
			break
		}
	}
	w.inflight = k
	return w.bufs, fds
}

// advance accounts for n bytes of the batch written and releases the
// packets written whole. It reports whether the whole batch went.
func (w *writer) advance(n int) (all bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	done := 0
	for done < w.inflight && n >= w.queue[done].size()-w.queue[done].off {
		p := &w.queue[done]
		k := p.size() - p.off
		n -= k
		w.bytes -= k
		if len(p.fds) > 0 {
			p.off = p.size()
			break // the flusher sends its descriptors, then releases it
		}
		p.release()
		done++
	}
	if done < w.inflight && n > 0 {
		w.queue[done].off += n
		w.bytes -= n
	}
	all = done == w.inflight
	w.remove(done)
	w.inflight = 0
	w.passSpace()
	w.settled.Broadcast()
	clear(w.bufs)
	return all
}

// remove drops the first k packets of the queue (already released).
func (w *writer) remove(k int) {
	if k == 0 {
		return
	}
	m := copy(w.queue, w.queue[k:])
	clear(w.queue[m:])
	w.queue = w.queue[:m]
}

// idle ends the active writer's turn when there is nothing left to write;
// otherwise it reports false and the turn goes on.
func (w *writer) idle() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.queue) > 0 && !w.dead {
		return false
	}
	if w.e.link.held() && !w.dead {
		return false
	}
	w.active = false
	return true
}

// handOff passes the active writer's turn to a goroutine that may wait.
// On links that write without waiting that goroutine is started at the
// first hand-off and then kept, so that an upload, which finds the socket
// full at nearly every chunk, does not start one per chunk; a connection
// that never fills its socket never has one.
func (w *writer) handOff() {
	if w.e.link.nonblocking() && !w.flusher.Load() && w.flusher.CompareAndSwap(false, true) {
		if !w.e.spawn(w.loop) {
			w.fail()
			return
		}
	}
	w.signal()
}

// kick makes sure bytes a link holds back get written: a TLS record the
// link wrote while reading (a key update's answer, an alert).
func (w *writer) kick() {
	w.mu.Lock()
	if w.active || w.dead {
		w.mu.Unlock()
		return
	}
	w.active = true
	w.mu.Unlock()
	w.handOff()
}

func (w *writer) signal() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// loop is the writer goroutine: on links whose writes may wait it writes
// everything; on others, what the socket had no room for.
func (w *writer) loop() {
	for {
		select {
		case <-w.wake:
		case <-w.e.life.done:
			return
		}
		w.flush()
	}
}

// flush writes, waiting for room as long as it takes, until the queue is
// empty, then ends the active writer's turn.
func (w *writer) flush() {
	l := w.e.link
	for {
		if l.held() {
			if err := l.flush(); err != nil {
				w.e.failIO(err)
				return
			}
		}
		bufs, fds := w.batch()
		if bufs == nil {
			if w.idle() {
				return
			}
			if w.dead {
				return
			}
			continue
		}
		var err error
		if l.nonblocking() {
			err = w.flushOffered(bufs, fds)
		} else {
			var n int
			n, err = l.write(bufs)
			w.advance(n)
			if err == nil && fds {
				err = w.sendFDs()
			}
		}
		if err != nil {
			w.e.failIO(err)
			return
		}
	}
}

// flushOffered writes a batch on a link that can write without waiting:
// it offers what the socket takes and, when the socket is full, waits for
// room with the batch handed back. So no packet's bytes are in use by a
// write that waits, and a sender whose body is not copied (a stream's
// data) can take it back at once when its context ends (detach).
func (w *writer) flushOffered(bufs [][]byte, fds bool) error {
	l := w.e.link
	n, err := l.offer(bufs)
	all := w.advance(n)
	if err != nil {
		return err
	}
	if fds && w.fdsDue() {
		return w.sendFDs()
	}
	if !all && !l.held() {
		return l.waitWritable()
	}
	return nil
}

// fdsDue reports whether the queue's first packet has been written and
// has descriptors to pass.
func (w *writer) fdsDue() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.queue) > 0 && len(w.queue[0].fds) > 0 && w.queue[0].off == w.queue[0].size()
}

// detach makes sure that the queue no longer refers to the body of the
// packet that signals sent, for a sender that stops waiting for it (its
// context ended): a packet not begun is withdrawn, one partly written
// keeps the rest of its body in a copy of its own. It waits while the
// packet is part of a batch being offered, which never waits for room.
// It drains sent, so that the sender can reuse it.
func (w *writer) detach(sent chan struct{}) {
	w.mu.Lock()
	defer func() {
		w.mu.Unlock()
		select {
		case <-sent:
		default:
		}
	}()
	for {
		i := -1
		for k := range w.queue {
			if w.queue[k].sent == sent {
				i = k
				break
			}
		}
		switch {
		case i < 0:
			return // written or dropped
		case i < w.inflight:
			w.settled.Wait()
			continue
		}
		p := &w.queue[i]
		if p.off == 0 {
			w.bytes -= p.size()
			p.sent = nil
			p.release()
			copy(w.queue[i:], w.queue[i+1:])
			w.queue[len(w.queue)-1] = outPacket{}
			w.queue = w.queue[:len(w.queue)-1]
			w.passSpace()
			return
		}
		var rest []byte
		for _, b := range p.rest(nil) {
			rest = append(rest, b...)
		}
		if p.buf != nil {
			putPacket(p.buf)
			p.buf = nil
		}
		if p.enc != nil {
			putEncoder(p.enc)
			p.enc = nil
		}
		p.pkt, p.body, p.off, p.sent = rest, nil, 0, nil
		return
	}
}

// sendFDs passes the descriptors of the queue's first packet, which has
// been written, and drops it.
func (w *writer) sendFDs() error {
	w.mu.Lock()
	if len(w.queue) == 0 {
		w.mu.Unlock()
		return nil
	}
	fds := w.queue[0].fds
	w.mu.Unlock()
	for _, fd := range fds {
		if err := w.e.link.sendFD(fd); err != nil {
			return err
		}
	}
	w.mu.Lock()
	if len(w.queue) > 0 {
		w.queue[0].release()
		w.remove(1)
	}
	w.mu.Unlock()
	return nil
}

// withdraw takes a call's packet out of the queue if no byte of it has
// been written, and reports whether it did: the daemon then never sees
// the call.
func (w *writer) withdraw(serial uint32) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i := w.inflight; i < len(w.queue); i++ {
		p := &w.queue[i]
		if p.call && p.serial == serial && p.off == 0 {
			w.bytes -= p.size()
			p.release()
			copy(w.queue[i:], w.queue[i+1:])
			w.queue[len(w.queue)-1] = outPacket{}
			w.queue = w.queue[:len(w.queue)-1]
			return true
		}
	}
	return false
}

// fail drops what is queued once the connection has failed.
func (w *writer) fail() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.dead = true
	for i := w.inflight; i < len(w.queue); i++ {
		w.queue[i].release()
	}
	w.queue = w.queue[:w.inflight]
	if w.inflight == 0 {
		w.queue = nil
	}
	w.bytes = 0
	w.passSpace()
}

// passSpace wakes one sender waiting for room, if any; each one woken
// passes the token on before it returns, so all see the room there is.
// w.mu is held.
func (w *writer) passSpace() {
	if w.waiting == 0 {
		return
	}
	select {
	case w.space <- struct{}{}:
	default:
	}
}
