package virtwire_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/internal/lab"
)

// Daemon faults, with throwaway daemons of the lab: killed, frozen and
// thawed, restarted, with calls, a stream and an event subscription in
// flight. TestDaemonKilledWithCallsInFlight and TestDaemonFrozenKeepalive
// (conn_lab_test.go) cover the bare cases; these add streams, events and
// what comes after.

// faultConn dials the QEMU driver of a throwaway daemon (its storage
// driver gives streams and events) and makes a dir pool with a volume.
func faultConn(t *testing.T, d *lab.Daemon, opts ...virtwire.Option) (*virtwire.Conn, virtwire.StoragePool, virtwire.StorageVol) {
	t.Helper()
	uri := "qemu+unix:///system?socket=" + d.Socket
	c := labConn(t, uri, opts...)
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "virtwire-fault-pool-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	pool, err := c.StoragePoolCreateXML(ctx, fmt.Sprintf("<pool type='dir'><name>%s</name><target><path>%s</path></target></pool>", uniqueName(t), dir), 0)
	if err != nil {
		t.Fatal(err)
	}
	vol, err := c.StorageVolCreateXML(ctx, pool, "<volume><name>v.img</name><capacity>67108864</capacity><allocation>0</allocation><target><format type='raw'/></target></volume>", 0)
	if err != nil {
		t.Fatal(err)
	}
	return c, pool, vol
}

// inFlight is a stream being downloaded and a subscription being read
// while the daemon fails.
type inFlight struct {
	st  *virtwire.Stream
	sub *virtwire.Subscription
}

func startInFlight(t *testing.T, c *virtwire.Conn, pool virtwire.StoragePool, vol virtwire.StorageVol) inFlight {
	t.Helper()
	ctx := context.Background()
	sub, err := c.SubscribeStoragePoolEvents(ctx, &pool, virtwire.StoragePoolEventIDRefresh)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.StoragePoolRefresh(ctx, pool, 0); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-sub.Events():
		if _, ok := ev.(*virtwire.StoragePoolEventRefresh); !ok {
			t.Fatalf("event %T", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no refresh event")
	}
	st, err := c.StorageVolDownload(ctx, vol, 0, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(st, make([]byte, 1<<20)); err != nil {
		t.Fatalf("the first MiB of the download: %v", err)
	}
	return inFlight{st, sub}
}

// failsWith checks that the stream and the subscription end with want
// within limit: the stream after the data it had buffered, never with a
// clean io.EOF, since the volume was not read to its end.
func (f inFlight) failsWith(t *testing.T, want error, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	errc := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, f.st)
		if err == nil {
			err = io.EOF // io.Copy hides it
		}
		errc <- err
	}()
	select {
	case err := <-errc:
		if !errors.Is(err, want) {
			t.Errorf("stream: %v, want %v", err, want)
		}
	case <-time.After(time.Until(deadline)):
		t.Fatalf("the stream did not fail within %v", limit)
	}
	for {
		select {
		case _, ok := <-f.sub.Events():
			if ok {
				continue
			}
			if !errors.Is(f.sub.Err(), want) {
				t.Errorf("subscription: %v, want %v", f.sub.Err(), want)
			}
			return
		case <-time.After(time.Until(deadline)):
			t.Fatalf("the subscription did not end within %v", limit)
		}
	}
}

// flood starts n calls on c from as many goroutines and returns their
// results; it returns once every goroutine has started.
func flood(c *virtwire.Conn, n int, timeout time.Duration) <-chan error {
	results := make(chan error, n)
	var started sync.WaitGroup
	started.Add(n)
	for i := 0; i < n; i++ {
		go func() {
			started.Done()
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			_, err := c.ConnectGetLibVersion(ctx)
			results <- err
		}()
	}
	started.Wait()
	return results
}

// collect waits for n results and counts them by outcome; it fails the
// test when they do not all arrive within limit.
func collect(t *testing.T, results <-chan error, n int, limit time.Duration) (ok int, errs []error) {
	t.Helper()
	deadline := time.After(limit)
	for i := 0; i < n; i++ {
		select {
		case err := <-results:
			if err == nil {
				ok++
			} else {
				errs = append(errs, err)
			}
		case <-deadline:
			t.Fatalf("only %d of %d calls returned within %v", i, n, limit)
		}
	}
	return ok, errs
}

// SIGKILL with 1,000 calls, a download and a subscription in flight: all
// fail with ErrDisconnected within a second or two, the download never
// looks complete, Close is prompt, and dialing the dead daemon fails fast
// naming its socket. After a restart a new Conn works.
func TestDaemonKilledMidFlight(t *testing.T) {
	d := lab.StartDaemon(t)
	c, pool, vol := faultConn(t, d, virtwire.WithoutKeepAlive(), virtwire.WithStreamBuffer(1<<20))
	f := startInFlight(t, c, pool, vol)

	d.Stop() // frozen: the calls pile up unanswered
	const n = 1000
	results := flood(c, n, time.Minute)
	killed := time.Now()
	d.Kill()
	ok, errs := collect(t, results, n, 3*time.Second)
	if ok != 0 {
		t.Errorf("%d calls succeeded on a frozen daemon", ok)
	}
	for _, err := range errs {
		if !errors.Is(err, virtwire.ErrDisconnected) {
			t.Fatalf("call: %v, want ErrDisconnected", err)
		}
	}
	f.failsWith(t, virtwire.ErrDisconnected, 3*time.Second)
	select {
	case <-c.Done():
	case <-time.After(time.Second):
		t.Fatal("Done not closed")
	}
	if !errors.Is(c.Err(), virtwire.ErrDisconnected) {
		t.Errorf("Err = %v", c.Err())
	}
	t.Logf("every call, the stream and the subscription ended %v after SIGKILL", time.Since(killed).Round(time.Millisecond))
	start := time.Now()
	if err := c.Close(); err != nil {
		t.Errorf("Close after the daemon died: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Close took %v", d)
	}

	start = time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if c2, err := virtwire.Dial(ctx, d.URI()); err == nil {
		c2.Close()
		t.Fatal("Dial to a dead daemon succeeded")
	} else if !strings.Contains(err.Error(), d.Socket) {
		t.Errorf("Dial to a dead daemon: %v; want it to name %s", err, d.Socket)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Dial to a dead daemon took %v", d)
	}

	d.Restart()
	c2 := labConn(t, d.URI())
	if _, err := c2.ConnectGetLibVersion(context.Background()); err != nil {
		t.Fatalf("after the restart: %v", err)
	}
}

// SIGSTOP then SIGCONT within the keepalive budget: calls made while the
// daemon is frozen complete once it runs again, the download goes on to
// its end and the subscription keeps delivering.
func TestDaemonFrozenThenThawed(t *testing.T) {
	d := lab.StartDaemon(t)
	c, pool, vol := faultConn(t, d, virtwire.WithKeepAlive(2*time.Second, 5), virtwire.WithStreamBuffer(1<<20))
	f := startInFlight(t, c, pool, vol)
	// The download is read throughout: a stream whose reader stalls holds
	// up the Conn's other replies once its buffer is full (see Stream).
	type copied struct {
		n   int64
		err error
	}
	download := make(chan copied, 1)
	go func() {
		n, err := io.Copy(io.Discard, f.st)
		download <- copied{n, err}
	}()

	d.Stop()
	const n = 200
	results := flood(c, n, time.Minute)
	d.Cont()
	if ok, errs := collect(t, results, n, 10*time.Second); ok != n {
		t.Fatalf("%d of %d calls succeeded after SIGCONT; first error: %v", ok, n, errs[0])
	}
	var rest copied
	select {
	case rest = <-download:
	case <-time.After(20 * time.Second):
		t.Fatal("the download did not finish after SIGCONT")
	}
	if rest.err != nil || rest.n != 64<<20-1<<20 {
		t.Fatalf("the rest of the download: %d bytes, %v", rest.n, rest.err)
	}
	if err := f.st.Close(); err != nil {
		t.Fatalf("finishing the download: %v", err)
	}
	if err := c.StoragePoolRefresh(context.Background(), pool, 0); err != nil {
		t.Fatal(err)
	}
	select {
	case ev, ok := <-f.sub.Events():
		if !ok {
			t.Fatalf("subscription ended: %v", f.sub.Err())
		}
		if _, ok := ev.(*virtwire.StoragePoolEventRefresh); !ok {
			t.Fatalf("event %T", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no refresh event after SIGCONT")
	}
	if c.Err() != nil {
		t.Fatal(c.Err())
	}
}

// SIGSTOP for longer than keepalive allows: the Conn ends with
// ErrKeepaliveTimeout within interval x (count+1) and so do the calls, the
// download and the subscription in flight; after SIGCONT a new Conn works.
func TestDaemonFrozenPastKeepalive(t *testing.T) {
	d := lab.StartDaemon(t)
	interval, count := 250*time.Millisecond, 2
	c, pool, vol := faultConn(t, d, virtwire.WithKeepAlive(interval, count), virtwire.WithStreamBuffer(1<<20))
	f := startInFlight(t, c, pool, vol)

	d.Stop()
	defer d.Cont()
	stopped := time.Now()
	const n = 200
	results := flood(c, n, time.Minute)
	limit := interval*time.Duration(count+1) + 2*time.Second // generous: the machine is shared
	ok, errs := collect(t, results, n, limit)
	if ok != 0 {
		t.Errorf("%d calls succeeded on a frozen daemon", ok)
	}
	for _, err := range errs {
		if !errors.Is(err, virtwire.ErrKeepaliveTimeout) {
			t.Fatalf("call: %v, want ErrKeepaliveTimeout", err)
		}
	}
	f.failsWith(t, virtwire.ErrKeepaliveTimeout, limit)
	if !errors.Is(c.Err(), virtwire.ErrKeepaliveTimeout) {
		t.Fatalf("Err = %v", c.Err())
	}
	t.Logf("keepalive ended the Conn %v after SIGSTOP", time.Since(stopped).Round(time.Millisecond))
	start := time.Now()
	c.Close()
	if d := time.Since(start); d > time.Second {
		t.Errorf("Close took %v", d)
	}

	d.Cont()
	c2 := labConn(t, d.URI())
	if _, err := c2.ConnectGetLibVersion(context.Background()); err != nil {
		t.Fatalf("after SIGCONT: %v", err)
	}
}

// A restart (SIGTERM, then a new daemon on the same socket) while calls
// run in a loop: each loop ends with ErrDisconnected, the download and the
// subscription too, and a new Conn finds the pool, whose state libvirt
// keeps across restarts.
func TestDaemonRestart(t *testing.T) {
	d := lab.StartDaemon(t)
	c, pool, vol := faultConn(t, d, virtwire.WithoutKeepAlive(), virtwire.WithStreamBuffer(1<<20))
	f := startInFlight(t, c, pool, vol)

	const loops = 16
	ended := make(chan error, loops)
	for i := 0; i < loops; i++ {
		go func() {
			for {
				if _, err := c.ConnectGetLibVersion(context.Background()); err != nil {
					ended <- err
					return
				}
			}
		}()
	}
	d.Restart()
	for i := 0; i < loops; i++ {
		select {
		case err := <-ended:
			if !errors.Is(err, virtwire.ErrDisconnected) {
				t.Errorf("loop ended with %v, want ErrDisconnected", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%d call loops still running after the restart", loops-i)
		}
	}
	f.failsWith(t, virtwire.ErrDisconnected, 5*time.Second)

	c2 := labConn(t, "qemu+unix:///system?socket="+d.Socket)
	if _, err := c2.StoragePoolLookupByName(context.Background(), pool.Name); err != nil {
		t.Errorf("the pool after a restart: %v", err)
	}
}
