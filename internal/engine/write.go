package engine

import (
	"context"
	"encoding/binary"
	"sync"
	"sync/atomic"

	"github.com/virtwire/virtwire/protocol"
)

// Writing. Every packet goes through one FIFO queue, so packets leave in
// the order they were sent and never interleave. The goroutine that finds
// no one writing becomes the writer: on links that can write without
// waiting (raw sockets, TLS over them) that is the sender itself, which
// writes what the socket takes at once together with whatever others
// queued meanwhile (one writev for many packets: write coalescing), so a
// call costs no goroutine hand-off. When the socket is full, the rest goes
// to a flusher goroutine that waits for room, and senders return at once:
// no caller ever waits inside a write, so a daemon that stops reading
// cannot hold a caller past its context. On links whose writes may wait
// (ssh, pipes, caller-made connections) a goroutine of the engine's always
// writes. The queue holds at most maxQueued bytes (beyond one packet):
// further calls and stream data wait for room, as long as their context
// allows; control packets (keepalive, the end of a stream) never wait.

// maxQueued bounds the bytes waiting in the queue.
const maxQueued = 1 << 20

// maxBatch bounds the packets of one write.
const maxBatch = 64

// An outPacket is one packet in the write queue.
type outPacket struct {
	pkt    []byte
	off    int               // bytes already written
	enc    *protocol.Encoder // holds pkt, back to its pool once written
	buf    *[]byte           // or a pooled buffer holds it
	fds    []int             // passed after the packet; closed once sent
	serial uint32            // the call's, to withdraw it
	call   bool              // a call that may be withdrawn before it is written
	pong   *atomic.Bool      // cleared once the packet is gone, when not nil
}

func (p *outPacket) release() {
	if p.pong != nil {
		p.pong.Store(false)
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
	bytes    int  // bytes in the queue not yet written
	active   bool // a goroutine is writing; it drains the queue
	dead     bool
	space    chan struct{} // closed when bytes fall, for those waiting for room
	wake     chan struct{} // the writer goroutine of blocking links

	bufs [][]byte // the batch being written; the active writer's only
}

func (w *writer) init(e *Engine) {
	w.e = e
	w.wake = make(chan struct{}, 1)
}

// send queues p and sees that it is written. It waits for room only when
// p is not control, and then only as long as ctx allows and stop stays
// open; it returns false, with p released, when p was not queued: ctx
// ended, stop closed, or the connection failed.
func (w *writer) send(ctx context.Context, p outPacket, control bool, stop <-chan struct{}) error {
	n := len(p.pkt)
	w.mu.Lock()
	for !control && w.bytes > 0 && w.bytes+n > maxQueued && !w.dead {
		if w.space == nil {
			w.space = make(chan struct{})
		}
		space := w.space
		w.mu.Unlock()
		select {
		case <-space:
		case <-ctx.Done():
			p.release()
			return ctx.Err()
		case <-stop:
			p.release()
			return ErrStreamAborted
		case <-w.e.life.done:
		}
		w.mu.Lock()
	}
	if w.dead {
		w.mu.Unlock()
		p.release()
		return w.e.Err()
	}
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

// batch takes the packets the active writer writes next, up to one that
// passes descriptors; fds reports that the batch ends with such a one.
func (w *writer) batch() (bufs [][]byte, fds bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.dead || len(w.queue) == 0 {
		return nil, false
	}
	w.bufs = w.bufs[:0]
	k := 0
	for k < len(w.queue) && k < maxBatch {
		p := &w.queue[k]
		w.bufs = append(w.bufs, p.pkt[p.off:])
		k++
		if len(p.fds) > 0 {
			fds = true
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
	for done < w.inflight && n >= len(w.queue[done].pkt)-w.queue[done].off {
		p := &w.queue[done]
		k := len(p.pkt) - p.off
		n -= k
		w.bytes -= k
		if len(p.fds) > 0 {
			p.off = len(p.pkt)
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
	if w.space != nil {
		close(w.space)
		w.space = nil
	}
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
func (w *writer) handOff() {
	if !w.e.link.nonblocking() {
		w.signal()
		return
	}
	if !w.e.spawn(w.flush) {
		w.fail()
	}
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

// loop is the writer goroutine of links whose writes may wait.
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
		n, err := l.write(bufs)
		w.advance(n)
		if err != nil {
			w.e.failIO(err)
			return
		}
		if fds {
			if err := w.sendFDs(); err != nil {
				w.e.failIO(err)
				return
			}
		}
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
			w.bytes -= len(p.pkt)
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
	if w.space != nil {
		close(w.space)
		w.space = nil
	}
}
