package virtwire_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/internal/lab"
)

func labConn(t *testing.T, uri string, opts ...virtwire.Option) *virtwire.Conn {
	t.Helper()
	c, err := dialURI(t, uri, opts...)
	if err != nil {
		t.Fatalf("Dial(%s): %v", uri, err)
	}
	return c
}

// 64 goroutines make 1,000 calls each on one Conn.
func TestConcurrentCalls(t *testing.T) {
	l := lab.Require(t)
	c := labConn(t, l.URI(lab.UnixRW))
	const goroutines, calls = 64, 1000
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			ctx := context.Background()
			for i := 0; i < calls; i++ {
				if g%2 == 0 {
					v, err := c.ConnectGetLibVersion(ctx)
					if err != nil || v == 0 {
						errs <- err
						return
					}
				} else {
					d, err := c.DomainLookupByName(ctx, "test")
					if err != nil || d.Name != "test" {
						errs <- err
						return
					}
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("call failed: %v", err)
	}
}

// A daemon killed with 200 calls in flight: every call returns an error
// within a second and Done closes.
func TestDaemonKilledWithCallsInFlight(t *testing.T) {
	d := lab.StartDaemon(t)
	c := labConn(t, d.URI(), virtwire.WithoutKeepAlive())
	d.Stop() // freeze it, so that the calls pile up unanswered
	const n = 200
	var started sync.WaitGroup
	results := make(chan error, n)
	for i := 0; i < n; i++ {
		started.Add(1)
		go func() {
			started.Done()
			_, err := c.ConnectGetLibVersion(context.Background())
			results <- err
		}()
	}
	started.Wait()
	d.Kill()
	deadline := time.After(time.Second)
	for i := 0; i < n; i++ {
		select {
		case err := <-results:
			if err == nil {
				// A call may have been answered before the freeze took hold.
				continue
			}
			if !errors.Is(err, virtwire.ErrDisconnected) {
				t.Fatalf("call %d: %v, want ErrDisconnected", i, err)
			}
		case <-deadline:
			t.Fatalf("only %d of %d calls returned within 1s of SIGKILL", i, n)
		}
	}
	select {
	case <-c.Done():
	case <-time.After(time.Second):
		t.Fatal("Done not closed")
	}
	d.Restart()
}

// A frozen daemon is detected by keepalive within interval x (count+1).
func TestDaemonFrozenKeepalive(t *testing.T) {
	d := lab.StartDaemon(t)
	interval, count := 200*time.Millisecond, 2
	c := labConn(t, d.URI(), virtwire.WithKeepAlive(interval, count))
	if _, err := c.ConnectGetLibVersion(context.Background()); err != nil {
		t.Fatal(err)
	}
	d.Stop()
	defer d.Cont()
	start := time.Now()
	select {
	case <-c.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("keepalive did not close the connection to a frozen daemon")
	}
	if !errors.Is(c.Err(), virtwire.ErrKeepaliveTimeout) {
		t.Fatalf("Err = %v", c.Err())
	}
	if limit := interval * time.Duration(count+1); time.Since(start) > limit+150*time.Millisecond {
		t.Errorf("closed after %v, want within %v", time.Since(start), limit)
	}
}

// A procedure newer than the lab's libvirt 9.0 gives the unsupported error
// and leaves the Conn working.
func TestUnsupportedProcedure(t *testing.T) {
	l := lab.Require(t)
	c := labConn(t, l.URI(lab.UnixRW))
	dom, err := c.DomainLookupByName(context.Background(), "test")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.DomainGetAutostartOnce(context.Background(), dom) // libvirt 11.2
	if !virtwire.IsUnsupported(err) {
		t.Fatalf("err = %v, want IsUnsupported", err)
	}
	if _, err := c.ConnectGetLibVersion(context.Background()); err != nil {
		t.Fatalf("after an unsupported procedure: %v", err)
	}
}
