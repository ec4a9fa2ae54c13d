package virtwire

import (
	"fmt"
	"sync"
	"time"

	"github.com/virtwire/virtwire/protocol/keepalive"
)

// keepaliver sends PING when the daemon has been silent for an interval and
// fails the connection when count pings in a row got no answer, as
// libvirt's client does. It runs on a timer, not a goroutine of its own, so
// an idle Conn costs no goroutine for it.
type keepaliver struct {
	c        *Conn
	interval time.Duration
	count    int

	mu       sync.Mutex
	timer    *time.Timer
	missed   int   // pings sent since the last packet received
	lastSeen int64 // c.lastRecv when missed was last reset
	stopped  bool
}

func newKeepaliver(c *Conn, interval time.Duration, count int) *keepaliver {
	k := &keepaliver{c: c, interval: interval, count: count, lastSeen: c.lastRecv.Load()}
	k.mu.Lock()
	k.timer = time.AfterFunc(interval, k.tick)
	k.mu.Unlock()
	return k
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
	k.mu.Lock()
	if k.stopped {
		k.mu.Unlock()
		return
	}
	c := k.c
	last := c.lastRecv.Load()
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
		c.fail(fmt.Errorf("%w: no packet for %v after %d pings", ErrKeepaliveTimeout, idle.Round(time.Millisecond), k.count))
		return
	}
	k.missed++
	k.timer.Reset(k.interval)
	c.aux.Add(1)
	k.mu.Unlock()
	defer c.aux.Done()
	c.sendKeepalive(keepalive.ProcPing)
}
