// Package rawsock reads and writes unix and TCP sockets with raw system
// calls on Linux, inside the net package's RawConn: the goroutine still
// parks in the network poller when the socket is not ready, and deadlines
// still apply, but each read and write skips the runtime's system-call
// path, which wakes the scheduler's monitor thread when the process was
// idle. On a stream of small request/reply exchanges that wake-up costs as
// much CPU as the exchange itself (BENCHMARKS.md).
//
// Elsewhere, and on Linux/386, New reports false and Wrap returns the
// connection unchanged.
//
//	s, ok := rawsock.New(nc, 0)
//	if ok {
//		n, err := s.Read(buf)
//		...
//	}
package rawsock

import (
	"net"
	"sync"
)

// Wrap returns nc with its Read and Write done by a Socket when New can
// make one (a *Conn), for layers such as crypto/tls that read and write a
// net.Conn they are given; otherwise nc itself. Deadlines and every other
// method are nc's own.
func Wrap(nc net.Conn) net.Conn {
	s, ok := New(nc, 0)
	if !ok {
		return nc
	}
	return &Conn{Conn: nc, s: s}
}

// A Conn is a net.Conn whose Read and Write are a Socket's. Its writes wait
// for room as a net.Conn's do until Buffer is called; from then on Write
// never waits: what the socket does not take at once is held, in order,
// until Flush writes it. A layer above that cannot take partial writes
// (crypto/tls) then never blocks its caller, and the one who calls Flush
// chooses who waits for a slow peer.
type Conn struct {
	net.Conn
	s *Socket

	mu        sync.Mutex
	buffering bool
	held      []byte // written by the layer above, not yet to the socket
	spare     []byte // the buffer Flush last wrote, for reuse
	flushing  bool   // Flush is writing bytes taken from held
	onHeld    func()
}

// Read reads from the socket (see Socket.Read).
func (c *Conn) Read(p []byte) (int, error) { return c.s.Read(p) }

// Write writes p: all of it, waiting for room, before Buffer; afterwards
// what the socket takes at once, holding the rest for Flush.
func (c *Conn) Write(p []byte) (int, error) {
	c.mu.Lock()
	if !c.buffering {
		c.mu.Unlock()
		return c.s.Write(p)
	}
	total := len(p)
	if len(c.held) == 0 && !c.flushing {
		n, err := c.s.TryWrite(p)
		if err != nil {
			c.mu.Unlock()
			return n, err
		}
		p = p[n:]
	}
	notify := false
	if len(p) > 0 {
		notify = len(c.held) == 0 && !c.flushing
		c.held = append(c.held, p...)
	}
	onHeld := c.onHeld
	c.mu.Unlock()
	if notify && onHeld != nil {
		onHeld()
	}
	return total, nil
}

// Buffer makes later writes never wait (see Conn). onHeld, when not nil,
// is called when Write starts holding bytes back, so that someone calls
// Flush.
func (c *Conn) Buffer(onHeld func()) {
	c.mu.Lock()
	c.buffering, c.onHeld = true, onHeld
	c.mu.Unlock()
}

// Held reports how many bytes Write holds back for Flush.
func (c *Conn) Held() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := len(c.held)
	if c.flushing {
		n++ // what Flush is writing; its size does not matter here
	}
	return n
}

// Flush writes the bytes held back, waiting for room, until none are
// left. Only one goroutine may flush at a time.
func (c *Conn) Flush() error {
	for {
		c.mu.Lock()
		if len(c.held) == 0 {
			c.flushing = false
			c.mu.Unlock()
			return nil
		}
		chunk := c.held
		c.held, c.spare = c.spare[:0], nil
		c.flushing = true
		c.mu.Unlock()
		_, err := c.s.Write(chunk)
		c.mu.Lock()
		if cap(chunk) <= maxSpare {
			c.spare = chunk[:0]
		}
		if err != nil {
			c.flushing = false
			c.mu.Unlock()
			return err
		}
		c.mu.Unlock()
	}
}

// PeerClosed reports whether the peer has closed its side (see
// Socket.PeerClosed).
func (c *Conn) PeerClosed() bool { return c.s.PeerClosed() }

// maxSpare bounds the buffer kept for reuse between flushes.
const maxSpare = 1 << 20
