package engine

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/virtwire/virtwire/protocol"
	"github.com/virtwire/virtwire/protocol/keepalive"
)

// keepaliver sends PING when the daemon has been silent for an interval and
// fails the connection when count pings in a row got no answer, as
// libvirt's client does. It runs on a timer, not a goroutine of its own, so
// an idle connection costs no goroutine for it.
type keepaliver struct {
	mu       sync.Mutex
	e        *Engine
	interval time.Duration
	count    int
	timer    *time.Timer
	missed   int   // pings sent since the last packet received
	lastSeen int64 // e.lastRecv when missed was last reset
	stopped  bool
}

// StartKeepalive starts sending pings every interval of silence and ends
// the connection after count unanswered ones in a row. The handshake
// starts it once the daemon said it supports keepalive.
func (e *Engine) StartKeepalive(interval time.Duration, count int) {
	k := &e.ka
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.timer != nil || k.stopped || interval <= 0 || count <= 0 || e.failed() {
		return
	}
	k.e, k.interval, k.count = e, interval, count
	k.lastSeen = e.lastRecv.Load()
	k.timer = time.AfterFunc(interval, k.tick)
}

func (k *keepaliver) stop() {
	k.mu.Lock()
	k.stopped = true
	if k.timer != nil {
		k.timer.Stop()
	}
	k.mu.Unlock()
}

func (k *keepaliver) tick() {
	e := k.e
	if !e.enter() {
		return
	}
	defer e.exit()
	k.mu.Lock()
	if k.stopped {
		k.mu.Unlock()
		return
	}
	last := e.lastRecv.Load()
	if last != k.lastSeen {
		k.lastSeen, k.missed = last, 0
	}
	idle := time.Since(time.Unix(0, last))
	if idle < k.interval {
		k.timer.Reset(k.interval - idle)
		k.mu.Unlock()
		return
	}
	if k.missed >= k.count {
		k.mu.Unlock()
		e.Fail(fmt.Errorf("%w: no packet for %v after %d pings", ErrKeepaliveTimeout, idle.Round(time.Millisecond), k.count))
		return
	}
	k.missed++
	k.timer.Reset(k.interval)
	k.mu.Unlock()
	e.sendKeepalive(keepalive.ProcPing)
}

// sendKeepalive queues a PING or PONG; it never waits. A PONG is not
// queued while another is still waiting to be written, so that a daemon
// flooding pings while it reads nothing cannot fill the queue.
func (e *Engine) sendKeepalive(p keepalive.Procedure) {
	h := protocol.Header{Program: keepalive.Program, Version: keepalive.ProtocolVersion, Procedure: int32(p), Type: protocol.Message}
	pkt := headerPacket(h, nil)
	if p == keepalive.ProcPong {
		if !e.pongQueued.CompareAndSwap(false, true) {
			pkt.release()
			return
		}
		pkt.pong = &e.pongQueued
	}
	_ = e.w.send(context.Background(), pkt, true, nil)
	if e.cfg.Logger != nil {
		e.logPacket("send", h, protocol.LenSize+protocol.HeaderSize)
	}
}

// keepaliveIn handles a packet of the keepalive program: a PING gets its
// PONG at once.
func (e *Engine) keepaliveIn(h protocol.Header) error {
	if h.Version != keepalive.ProtocolVersion || h.Type != protocol.Message {
		return fmt.Errorf("%w: keepalive packet with version %d and type %v", ErrProtocol, h.Version, h.Type)
	}
	switch keepalive.Procedure(h.Procedure) {
	case keepalive.ProcPing:
		e.sendKeepalive(keepalive.ProcPong)
	case keepalive.ProcPong:
	default:
		return fmt.Errorf("%w: unknown keepalive procedure %d", ErrProtocol, h.Procedure)
	}
	return nil
}
