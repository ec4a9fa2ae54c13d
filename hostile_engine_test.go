package virtwire_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/internal/fakeserver"
	"github.com/virtwire/virtwire/protocol"
	"github.com/virtwire/virtwire/protocol/remote"
)

// These cases are the ones the engine's read and write sides used to get
// wrong: a wait that ignored its context, a zero value that panicked,
// events misrouted, an undercounted overflow, a reply lost to the lie
// that followed it. Each is a daemon (or a value) a real libvirtd cannot
// be made to be.

// returnsWithin runs f and fails the test unless it returns within limit;
// it returns f's error.
func returnsWithin(t *testing.T, what string, limit time.Duration, f func() error) error {
	t.Helper()
	errc := make(chan error, 1)
	start := time.Now()
	go func() { errc <- f() }()
	select {
	case err := <-errc:
		if d := time.Since(start); d > limit {
			t.Errorf("%s returned after %v, want within %v", what, d, limit)
		}
		return err
	case <-time.After(limit + 10*time.Second):
		t.Fatalf("%s has not returned after %v", what, limit+10*time.Second)
		return nil
	}
}

// wantIs fails the test unless err wraps every one of want.
func wantIs(t *testing.T, what string, err error, want ...error) {
	t.Helper()
	for _, w := range want {
		if !errors.Is(err, w) {
			t.Errorf("%s: %v, want it to wrap %q", what, err, w)
		}
	}
}

// stuckStreamServer accepts the stream procedure proc, then reads nothing
// more (readNothing) or ignores everything sent on the stream, never
// confirming its end.
func stuckStreamServer(proc remote.Procedure, readNothing bool, stop <-chan struct{}) *fakeserver.Server {
	return libVersionServer(func(c *fakeserver.Conn, req *fakeserver.Request) bool {
		if req.Header.Procedure != int32(proc) {
			return false
		}
		if req.Header.Type == protocol.Call {
			_ = c.Reply(req, nil)
			if readNothing {
				<-stop
			}
		}
		return true
	})
}

// A Write that waits because the daemon reads nothing returns when the
// stream's context ends, or when the stream is aborted.
func TestStreamWriteHonoursCancelAndAbort(t *testing.T) {
	for _, how := range []string{"cancel", "abort"} {
		t.Run(how, func(t *testing.T) {
			noLeaks(t)
			stop := make(chan struct{})
			var once sync.Once
			srv := stuckStreamServer(remote.ProcStorageVolUpload, true, stop)
			c := newUnixFakeConn(t, srv, virtwire.WithoutKeepAlive())
			t.Cleanup(func() { once.Do(func() { close(stop) }) })
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			st, err := c.StorageVolUpload(ctx, virtwire.StorageVol{Name: "v"}, 0, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			data := make([]byte, 16<<20) // far more than the socket and the queue hold
			errc := make(chan error, 1)
			go func() {
				_, err := st.Write(data)
				errc <- err
			}()
			// Over unix a Write waits for each packet to be written from
			// its buffer, in the poller itself: the daemon takes none once
			// the socket is full.
			if !waitGoroutine(t, "engine.(*writer).writeOwn", nil) {
				t.Fatal("the Write never waited for the daemon to take its data")
			}
			var werr error
			switch how {
			case "cancel":
				cancel()
				werr = returnsWithin(t, "Write after cancel", 2*time.Second, func() error { return <-errc })
				wantIs(t, "Write after cancel", werr, virtwire.ErrStreamAborted, context.Canceled)
			case "abort":
				actx, acancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
				defer acancel()
				returnsWithin(t, "AbortContext", 2*time.Second, func() error { return st.AbortContext(actx) })
				werr = returnsWithin(t, "Write after abort", 2*time.Second, func() error { return <-errc })
				wantIs(t, "Write after abort", werr, virtwire.ErrStreamAborted)
			}
			once.Do(func() { close(stop) })
		})
	}
}

// A Read waiting for data the daemon never sends returns when the stream's
// context ends, or when the stream is aborted, even though the daemon
// never confirms the abort.
func TestStreamReadHonoursCancelAndAbort(t *testing.T) {
	for _, how := range []string{"cancel", "abort"} {
		t.Run(how, func(t *testing.T) {
			noLeaks(t)
			srv := stuckStreamServer(remote.ProcStorageVolDownload, false, nil)
			c := newUnixFakeConn(t, srv, virtwire.WithoutKeepAlive())
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			st, err := c.StorageVolDownload(ctx, virtwire.StorageVol{Name: "v"}, 0, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			errc := make(chan error, 1)
			go func() {
				_, err := st.Read(make([]byte, 4096))
				errc <- err
			}()
			if !waitGoroutine(t, "engine.(*Stream).readHolding", nil) {
				t.Fatal("the Read never took to reading the socket")
			}
			switch how {
			case "cancel":
				cancel()
				rerr := returnsWithin(t, "Read after cancel", 2*time.Second, func() error { return <-errc })
				wantIs(t, "Read after cancel", rerr, virtwire.ErrStreamAborted, context.Canceled)
			case "abort":
				actx, acancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
				defer acancel()
				returnsWithin(t, "AbortContext", 2*time.Second, func() error { return st.AbortContext(actx) })
				rerr := returnsWithin(t, "Read after abort", 2*time.Second, func() error { return <-errc })
				wantIs(t, "Read after abort", rerr, virtwire.ErrStreamAborted)
			}
			if _, err := c.ConnectGetLibVersion(context.Background()); err != nil {
				t.Fatalf("the Conn after the stream: %v", err)
			}
		})
	}
}

// A REPLY_WITH_FDS that announces a descriptor and then sends neither the
// dummy byte nor the descriptor: the call returns at its deadline, whether
// it asked for descriptors or is a plain call the daemon lies to (which
// reads its own reply over unix).
func TestFDReplyWithoutDescriptorsHonoursDeadline(t *testing.T) {
	calls := []struct {
		name string
		call func(ctx context.Context, c *virtwire.Conn) error
	}{
		{"plain call", getHostname},
		{"call with descriptors", func(ctx context.Context, c *virtwire.Conn) error {
			_, err := c.DomainOpenGraphicsFD(ctx, virtwire.Domain{Name: "d"}, 0, 0)
			return err
		}},
	}
	for _, tt := range calls {
		t.Run(tt.name, func(t *testing.T) {
			noLeaks(t)
			srv := hostileServer(func(c *fakeserver.Conn, req *fakeserver.Request) {
				h := replyTo(req)
				h.Type = protocol.ReplyWithFDs
				_ = c.WriteRaw(rawPacket(h, words(1)))
			})
			c := newUnixFakeConn(t, srv, virtwire.WithoutKeepAlive())
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			defer cancel()
			err := returnsWithin(t, tt.name, 2*time.Second, func() error { return tt.call(ctx, c) })
			wantIs(t, tt.name, err, context.DeadlineExceeded)
			returnsWithin(t, "Close", 4*time.Second, c.Close)
		})
	}
}

// The zero Conn is not connected: every method says so, none panics.
func TestZeroConn(t *testing.T) {
	noLeaks(t)
	ctx := context.Background()
	var c virtwire.Conn
	calls := []struct {
		name string
		call func() error
	}{
		{"ConnectGetLibVersion", func() error { _, err := c.ConnectGetLibVersion(ctx); return err }},
		{"Call", func() error {
			return c.Call(ctx, remote.Program, remote.ProtocolVersion, int32(remote.ProcConnectGetHostname), nil, &remote.ConnectGetHostnameRet{})
		}},
		{"SupportsFeature", func() error { _, err := c.SupportsFeature(ctx, virtwire.FeatureFDPassing); return err }},
		{"a typed-parameter getter", func() error { _, _, err := c.NodeGetMemoryParameters(ctx, 0, 0); return err }},
		{"a stream", func() error { _, err := c.StorageVolDownload(ctx, virtwire.StorageVol{}, 0, 0, 0); return err }},
		{"a call with descriptors", func() error { _, err := c.DomainOpenGraphicsFD(ctx, virtwire.Domain{}, 0, 0); return err }},
		{"SubscribeDomainEvents", func() error { _, err := c.SubscribeDomainEvents(ctx, nil); return err }},
		{"SubscribeNetworkEvents", func() error { _, err := c.SubscribeNetworkEvents(ctx, nil); return err }},
		{"SubscribeQEMUMonitorEvents", func() error { _, err := c.SubscribeQEMUMonitorEvents(ctx, nil, "", 0); return err }},
		{"Err", c.Err},
		{"Close", c.Close},
		{"Close again", c.Close},
	}
	for _, tt := range calls {
		t.Run(tt.name, func(t *testing.T) {
			wantIs(t, tt.name, tt.call(), virtwire.ErrConnClosed)
		})
	}
	select {
	case <-c.Done():
	default:
		t.Error("Done of the zero Conn is not closed")
	}
}

// eventServer registers every domain event kind under the callback ID id
// (a daemon that reuses IDs when id is fixed), and hands the test the
// server's connection so that it can send events; deregister runs before
// a deregistration is answered.
func eventServer(id func() int32, deregister func(), conns chan<- *fakeserver.Conn) *fakeserver.Server {
	return libVersionServer(func(c *fakeserver.Conn, req *fakeserver.Request) bool {
		switch remote.Procedure(req.Header.Procedure) {
		case remote.ProcConnectDomainEventCallbackRegisterAny:
			_ = c.Reply(req, &remote.ConnectDomainEventCallbackRegisterAnyRet{CallbackID: id()})
			select {
			case conns <- c:
			default:
			}
			return true
		case remote.ProcConnectDomainEventCallbackDeregisterAny:
			if deregister != nil {
				deregister()
			}
			_ = c.Reply(req, nil)
			return true
		}
		return false
	})
}

func eventHeader(proc remote.Procedure) protocol.Header {
	return protocol.Header{Program: remote.Program, Version: remote.ProtocolVersion, Procedure: int32(proc), Type: protocol.Message}
}

// A daemon that gives two registrations of different kinds the same
// callback ID: the second subscription is refused, and an event of the
// second kind under that ID never reaches the first kind's subscription.
func TestDuplicateCallbackIDNeverMisroutes(t *testing.T) {
	noLeaks(t)
	conns := make(chan *fakeserver.Conn, 1)
	srv := eventServer(func() int32 { return 7 }, nil, conns)
	c := newUnixFakeConn(t, srv, virtwire.WithoutKeepAlive())
	ctx := context.Background()
	lifecycle, err := c.SubscribeDomainEvents(ctx, nil, virtwire.DomainEventIDLifecycle)
	if err != nil {
		t.Fatal(err)
	}
	defer lifecycle.Close()
	sc := <-conns
	_, err = c.SubscribeDomainEvents(ctx, nil, virtwire.DomainEventIDReboot)
	wantIs(t, "the second registration under callback ID 7", err, virtwire.ErrProtocol)
	dom := virtwire.Domain{Name: "d", ID: 1}
	if err := sc.Send(eventHeader(remote.ProcDomainEventCallbackReboot), &remote.DomainEventCallbackRebootMsg{CallbackID: 7, Msg: remote.DomainEventRebootMsg{Dom: dom}}); err != nil {
		t.Fatal(err)
	}
	if err := sc.Send(eventHeader(remote.ProcDomainEventCallbackLifecycle), &remote.DomainEventCallbackLifecycleMsg{CallbackID: 7, Msg: remote.DomainEventLifecycleMsg{Dom: dom, Event: 2}}); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-lifecycle.Events():
		if _, ok := ev.(*virtwire.DomainEventLifecycle); !ok {
			t.Fatalf("the lifecycle subscription got a %T", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no lifecycle event arrived")
	}
	if c.Err() != nil {
		t.Fatalf("the Conn ended: %v", c.Err())
	}
}

// An overflowed subscription counts every event that arrives until the
// daemon has confirmed its deregistration.
func TestOverflowCountsUntilDeregistered(t *testing.T) {
	noLeaks(t)
	const buffer, sent = 256, 10000
	conns := make(chan *fakeserver.Conn, 1)
	allSent := make(chan struct{})
	srv := eventServer(func() int32 { return 1 }, func() { <-allSent }, conns)
	c := newUnixFakeConn(t, srv, virtwire.WithoutKeepAlive(), virtwire.WithEventBuffer(buffer))
	sub, err := c.SubscribeDomainEvents(context.Background(), nil, virtwire.DomainEventIDLifecycle)
	if err != nil {
		t.Fatal(err)
	}
	sc := <-conns
	msg := &remote.DomainEventCallbackLifecycleMsg{CallbackID: 1, Msg: remote.DomainEventLifecycleMsg{Dom: virtwire.Domain{Name: "d"}}}
	for i := 0; i < sent; i++ {
		if err := sc.Send(eventHeader(remote.ProcDomainEventCallbackLifecycle), msg); err != nil {
			t.Fatal(err)
		}
	}
	close(allSent)
	n := 0
	for range sub.Events() {
		n++
	}
	var oe *virtwire.EventOverflowError
	if !errors.As(sub.Err(), &oe) {
		t.Fatalf("Err = %v, want an *EventOverflowError", sub.Err())
	}
	if n != buffer || oe.Dropped != sent-buffer {
		t.Errorf("%d events delivered and %d counted dropped, want %d and %d", n, oe.Dropped, buffer, sent-buffer)
	}
}

// A reply that arrived intact is delivered even when a duplicate of it
// follows in the same read, whoever reads the socket (the caller itself
// over unix, the background reader over a pipe); the duplicate, a lie,
// then ends the Conn.
func TestReplyFollowedByDuplicate(t *testing.T) {
	for _, transport := range []string{"unix (the caller reads)", "pipe (the background reader reads)"} {
		t.Run(transport, func(t *testing.T) {
			noLeaks(t)
			srv := hostileServer(func(c *fakeserver.Conn, req *fakeserver.Request) {
				pkt := rawPacket(replyTo(req), encode(&remote.ConnectGetHostnameRet{Hostname: "intact"}))
				_ = c.WriteRaw(append(append([]byte(nil), pkt...), pkt...))
			})
			var c *virtwire.Conn
			if transport[0] == 'u' {
				c = newUnixFakeConn(t, srv, virtwire.WithoutKeepAlive())
			} else {
				c = newFakeConn(t, srv, virtwire.WithoutKeepAlive())
			}
			host, err := c.ConnectGetHostname(context.Background())
			if err != nil || host != "intact" {
				t.Fatalf("ConnectGetHostname = %q, %v; want the intact reply", host, err)
			}
			select {
			case <-c.Done():
			case <-time.After(5 * time.Second):
				t.Fatal("the duplicate reply did not end the Conn")
			}
			wantIs(t, "Conn.Err", c.Err(), virtwire.ErrProtocol)
		})
	}
}

// A download whose reader stopped reading holds the socket's reader (its
// buffer is full), so the daemon's hang-up sits unread behind its data:
// the Conn still notices it, and the calls waiting behind the stream end
// with ErrDisconnected instead of waiting for ever.
func TestHangupBehindFullStream(t *testing.T) {
	noLeaks(t)
	var sent sync.WaitGroup
	t.Cleanup(sent.Wait)
	srv := libVersionServer(func(c *fakeserver.Conn, req *fakeserver.Request) bool {
		switch {
		case req.Header.Procedure == int32(remote.ProcStorageVolDownload) && req.Header.Type == protocol.Call:
			_ = c.Reply(req, nil)
			h := req.Header
			h.Type, h.Status = protocol.Stream, protocol.StatusContinue
			sent.Add(1)
			go func() { // the server goes on reading while this blocks
				defer sent.Done()
				chunk := make([]byte, 256<<10)
				for range 16 { // 4 MiB: more than the stream's buffer and the socket hold
					if c.SendData(h, chunk) != nil {
						return
					}
				}
			}()
			return true
		case req.Header.Procedure == int32(remote.ProcConnectGetHostname):
			c.Close() // the daemon goes away with the stream's data unread
			return true
		}
		return false
	})
	c := newUnixFakeConn(t, srv, virtwire.WithoutKeepAlive(), virtwire.WithStreamBuffer(1<<20))
	st, err := c.StorageVolDownload(context.Background(), virtwire.StorageVol{Name: "v"}, 0, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Abort()
	if !waitGoroutine(t, "engine.(*Stream).waitSpace", nil) {
		t.Fatal("the stream's buffer never filled")
	}
	err = returnsWithin(t, "a call behind the full stream", 3*time.Second, func() error {
		_, err := c.ConnectGetHostname(context.Background())
		return err
	})
	wantIs(t, "a call behind the full stream", err, virtwire.ErrDisconnected)
}
