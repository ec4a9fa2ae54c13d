//go:build linux

package main

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/virtwire/virtwire/bench/internal/result"
)

// scale (S7): open -conns connections from -openers goroutines at once,
// then measure what the idle connections hold: live heap after a
// collection, goroutines and resident memory, each per connection.
func scale(ctx context.Context) {
	settle := func() {
		runtime.GC()
		runtime.GC()
	}
	settle()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	goroutines, resident := runtime.NumGoroutine(), rss()

	cs := make([]client, *conns)
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range *openers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(len(cs)) {
					return
				}
				c, err := dial(ctx, *clientName, *uri)
				if err != nil {
					fail("connection %d: %v", i, err)
				}
				cs[i] = c
			}
		}()
	}
	wg.Wait()
	open := time.Since(start)
	// Let every connection finish what it does right after the handshake.
	time.Sleep(200 * time.Millisecond)
	settle()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	n := float64(len(cs))
	heap := float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / n
	gs := float64(runtime.NumGoroutine()-goroutines) / n
	res := float64(rss()-resident) / n

	// Every connection must still work.
	for i, c := range cs {
		if err := c.libVersion(ctx); err != nil {
			fail("connection %d after the others opened: %v", i, err)
		}
	}
	start = time.Now()
	for _, c := range cs {
		if err := c.close(); err != nil {
			fail("closing: %v", err)
		}
	}
	closing := time.Since(start)
	emit(fmt.Sprintf("S7Scale/conns=%d/client=%s", len(cs), *clientName), int64(len(cs)), []result.Metric{
		{Value: round(float64(open.Microseconds()) / 1000), Unit: "open-ms"},
		{Value: round(heap), Unit: "heap-B/conn"},
		{Value: round(gs), Unit: "goroutines/conn"},
		{Value: round(res), Unit: "rss-B/conn"},
		{Value: round(float64(closing.Microseconds()) / 1000), Unit: "close-ms"},
	})
}
