package virtwire

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/virtwire/virtwire/protocol"
)

// Reading the socket. One goroutine at a time holds the read token and
// reads packets, routing each to whoever waits for it. A caller waiting
// for a plain reply takes the token itself when no one holds it, as
// libvirt's C client does: its reply then reaches it without a hand-off
// between goroutines, which on a busy machine costs as much as the
// daemon's own work. When several callers wait, the holder passes the
// token to the next one as it leaves with its reply.
//
// A download's reader (Stream.Read, WriteTo) reads the socket the same way
// while its queue is empty, so that its data does not pass through another
// goroutine either.
//
// The background reader (readLoop) holds the token whenever the socket
// must be read with no caller at it: while event registrations, uploads
// or calls that do not read for themselves are open, and once the
// connection has been idle for idleRead (answering the daemon's keepalive
// pings, buffering a download whose reader is busy, seeing the daemon go).
// A caller that finds it reading asks for the token by setting a read
// deadline in the past; the interrupted read loses nothing (packetReader
// keeps what arrived).
//
// Only connections whose reads a deadline can interrupt safely (unix,
// TCP and TLS sockets) let callers read; on others the background reader
// always holds the token.

// Who holds the read token.
type readState uint8

const (
	readNone       readState = iota // no one: the next caller takes it
	readBackground                  // readLoop
	readCaller                      // a caller waiting for its reply
)

// idleRead is how long the socket may go unread after the last caller
// left with its reply before the background reader takes over.
const idleRead = 10 * time.Millisecond

// interruptible reports whether callers may read nc themselves: a read
// deadline must interrupt a blocked read and leave the connection usable.
func interruptible(nc net.Conn) bool {
	switch nc.(type) {
	case *net.UnixConn, *net.TCPConn, *tls.Conn:
		return true
	}
	return false
}

// readerWantedLocked reports whether the socket must be read even when no
// caller reads for itself.
func (c *Conn) readerWantedLocked() bool {
	if !c.direct || c.passive > 0 || len(c.regs) > 0 {
		return true
	}
	// A download's reader reads for itself; when it stops reading, the
	// background reader takes over after idleRead. Other streams (uploads,
	// consoles) may hear from the daemon at any time.
	for _, s := range c.streams {
		if s.dir != protocol.ReadStream {
			return true
		}
	}
	return false
}

// mayReadLocked reports whether a caller may read its own reply.
func (c *Conn) mayReadLocked() bool {
	return c.direct && len(c.streams) == 0 && len(c.regs) == 0
}

// passReadLocked hands the read token on from a caller that has its
// reply or gives up: to the first caller waiting to read, else to the
// background reader when the socket must be read, else to no one until
// idleRead passes.
func (c *Conn) passReadLocked() {
	c.yieldAsked = false
	if len(c.readWaiters) > 0 {
		w := c.readWaiters[0]
		c.removeWaiterLocked(w)
		c.reading = readCaller
		w.token <- struct{}{}
		return
	}
	if c.readerWantedLocked() {
		c.startBackgroundLocked()
		return
	}
	c.reading = readNone
	c.lastRead = time.Now()
	if !c.idleArmed && c.err == nil {
		c.idleArmed = true
		if c.idleTimer == nil {
			c.idleTimer = time.AfterFunc(idleRead, c.idle)
		} else {
			c.idleTimer.Reset(idleRead)
		}
	}
}

// startBackgroundLocked gives the token to the background reader, which
// must not hold it already.
func (c *Conn) startBackgroundLocked() {
	c.reading = readBackground
	select {
	case c.bgWake <- struct{}{}:
	default:
	}
}

// idle runs idleRead after a caller left the token with no one: if no
// caller took it since, the background reader does.
func (c *Conn) idle() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.idleArmed = false
	if c.reading != readNone || c.err != nil {
		return
	}
	if left := idleRead - time.Since(c.lastRead); left > 0 {
		c.idleArmed = true
		c.idleTimer.Reset(left)
		return
	}
	c.startBackgroundLocked()
}

// A tokenWaiter is a goroutine (a caller, or a stream's reader) that
// waits to be handed the read token.
type tokenWaiter struct {
	token   chan struct{} // capacity 1: the token, handed over
	waiting bool          // in Conn.readWaiters (guarded by Conn.mu)
}

func newTokenWaiter() tokenWaiter { return tokenWaiter{token: make(chan struct{}, 1)} }

func (c *Conn) addWaiterLocked(w *tokenWaiter) {
	w.waiting = true
	c.readWaiters = append(c.readWaiters, w)
	c.wantRead.Add(1)
}

func (c *Conn) removeWaiterLocked(w *tokenWaiter) {
	if !w.waiting {
		return
	}
	w.waiting = false
	for i, x := range c.readWaiters {
		if x == w {
			c.readWaiters = append(c.readWaiters[:i], c.readWaiters[i+1:]...)
			break
		}
	}
	c.wantRead.Add(-1)
}

// leaveWaitersLocked takes w out of the waiters once it no longer wants
// the token; a token handed to it meanwhile goes on.
func (c *Conn) leaveWaitersLocked(w *tokenWaiter) {
	c.removeWaiterLocked(w)
	select {
	case <-w.token:
		c.passReadLocked()
	default:
	}
}

// interruptRead makes the token holder's blocked read return.
func (c *Conn) interruptRead() {
	_ = c.nc.SetReadDeadline(aLongTimeAgo)
}

var aLongTimeAgo = time.Unix(1, 0)

func isTimeout(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }

// readLoop is the background reader: it reads while it holds the token
// and gives the token up to callers that ask for it.
func (c *Conn) readLoop() {
	defer close(c.readerDone)
	if c.fdr != nil {
		// Descriptors no reply claimed (a daemon sent them with packets
		// that pass none) are closed when the connection ends.
		defer c.fdr.discard()
	}
	for {
		select {
		case <-c.bgWake:
		case <-c.done:
			return
		}
		for {
			bp, err := c.rd.next()
			if err != nil {
				if !isTimeout(err) {
					c.failIO(err)
					return
				}
				// A caller asked for the token (or a stale deadline fired).
				_ = c.nc.SetReadDeadline(time.Time{})
				c.mu.Lock()
				c.yieldAsked = false
			} else {
				if err := c.handlePacket(bp); err != nil {
					c.fail(err)
					return
				}
				if c.wantRead.Load() == 0 {
					continue
				}
				c.mu.Lock()
			}
			if len(c.readWaiters) == 0 {
				c.mu.Unlock()
				continue
			}
			c.passReadLocked()
			c.mu.Unlock()
			break
		}
	}
}

// readReply reads as the token holder until cl's reply has arrived or ctx
// is done; either way it passes the token on. It returns ctx's error, or
// the connection's when it fails.
func (c *Conn) readReply(ctx context.Context, cl *call) error {
	stop := func() bool { return false }
	if ctx.Done() != nil {
		stop = context.AfterFunc(ctx, c.interrupt)
	}
	defer stop()
	for len(cl.reply) == 0 {
		bp, err := c.rd.next()
		if err != nil {
			if !isTimeout(err) {
				c.failIO(err)
				return c.Err()
			}
			_ = c.nc.SetReadDeadline(time.Time{})
			if ctx.Err() != nil {
				c.mu.Lock()
				c.passReadLocked()
				c.mu.Unlock()
				return ctx.Err()
			}
			continue // a stale deadline
		}
		if err := c.handlePacket(bp); err != nil {
			c.fail(err)
			return c.Err()
		}
	}
	// Route what has already arrived for others before leaving.
	for c.rd.buffered() {
		bp, err := c.rd.next()
		if err == nil {
			err = c.handlePacket(bp)
		}
		if err != nil {
			c.fail(err)
			return c.Err()
		}
	}
	c.mu.Lock()
	c.passReadLocked()
	c.mu.Unlock()
	return nil
}

// handlePacket decodes a packet's header and routes it. It owns bp.
func (c *Conn) handlePacket(bp *[]byte) error {
	pkt := *bp
	c.lastRecv.Store(time.Now().UnixNano())
	h, body, err := protocol.DecodeHeader(pkt)
	if err != nil {
		putPacket(bp)
		return fmt.Errorf("%w: %w", ErrProtocol, err)
	}
	if c.log != nil {
		c.logPacket("recv", h, len(pkt))
	}
	off := len(pkt) - len(body)
	var files []*os.File
	if h.Type == protocol.ReplyWithFDs {
		if files, err = c.readFDs(body, h); err != nil {
			putPacket(bp)
			return err
		}
		off += 4
	}
	if err := c.dispatch(h, bp, off, files); err != nil {
		closeFiles(files)
		return err
	}
	return nil
}
