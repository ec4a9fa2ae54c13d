package virtwire_test

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/internal/fakeserver"
	"github.com/virtwire/virtwire/internal/lab"
	"github.com/virtwire/virtwire/protocol"
	"github.com/virtwire/virtwire/protocol/keepalive"
	"github.com/virtwire/virtwire/protocol/remote"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction(lab.IgnoreGoroutine))
}

// libVersionServer answers CONNECT_GET_LIB_VERSION with 9000000, and lets
// hook see (and take over) every call first.
func libVersionServer(hook func(c *fakeserver.Conn, req *fakeserver.Request) bool) *fakeserver.Server {
	return &fakeserver.Server{Handle: func(c *fakeserver.Conn, req *fakeserver.Request) bool {
		if hook != nil && hook(c, req) {
			return true
		}
		if req.Header.Procedure == int32(remote.ProcConnectGetLibVersion) && req.Header.Type == protocol.Call {
			_ = c.Reply(req, &remote.ConnectGetLibVersionRet{LibVer: 9000000})
			return true
		}
		return false
	}}
}

// fakeOverUnix makes newFakeConn connect over a unix socket instead of
// net.Pipe (see TestFakeServerOverUnixSocket).
var fakeOverUnix bool

func newFakeConn(t *testing.T, srv *fakeserver.Server, opts ...virtwire.Option) *virtwire.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var nc net.Conn
	if fakeOverUnix {
		var err error
		if nc, err = net.Dial("unix", srv.ListenUnix(t)); err != nil {
			t.Fatal(err)
		}
	} else {
		nc = srv.Pipe(t)
	}
	c, err := virtwire.NewConn(ctx, nc, opts...)
	if err != nil {
		t.Fatalf("NewConn: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestHandshakeOrder(t *testing.T) {
	var procs []remote.Procedure
	var mu sync.Mutex
	var openArgs remote.ConnectOpenArgs
	srv := libVersionServer(func(c *fakeserver.Conn, req *fakeserver.Request) bool {
		mu.Lock()
		procs = append(procs, remote.Procedure(req.Header.Procedure))
		mu.Unlock()
		if req.Header.Procedure == int32(remote.ProcConnectOpen) {
			_ = req.Decode(&openArgs)
		}
		return false
	})
	c := newFakeConn(t, srv, virtwire.WithName("test:///default"), virtwire.WithReadOnly())
	if v, err := c.ConnectGetLibVersion(context.Background()); err != nil || v != 9000000 {
		t.Fatalf("ConnectGetLibVersion = %d, %v", v, err)
	}
	mu.Lock()
	defer mu.Unlock()
	// The keepalive probe goes out before CONNECT_OPEN, as libvirt's client
	// sends it; then the close-callback registration, which the fake daemon
	// refuses. Event filtering is asked at the first subscription only.
	want := []remote.Procedure{remote.ProcAuthList, remote.ProcConnectSupportsFeature, remote.ProcConnectOpen, remote.ProcConnectRegisterCloseCallback, remote.ProcConnectGetLibVersion}
	if len(procs) < len(want) {
		t.Fatalf("procedures %v", procs)
	}
	for i, p := range want {
		if procs[i] != p {
			t.Fatalf("procedure %d = %v, want %v (all: %v)", i, procs[i], p, procs)
		}
	}
	if openArgs.Name == nil || *openArgs.Name != "test:///default" || openArgs.Flags != uint32(virtwire.ConnectRO) {
		t.Errorf("CONNECT_OPEN args = %v %d", openArgs.Name, openArgs.Flags)
	}
}

func TestHandshakeErrors(t *testing.T) {
	tests := []struct {
		name string
		srv  *fakeserver.Server
		want string
	}{
		{"open refused", libVersionServer(func(c *fakeserver.Conn, req *fakeserver.Request) bool {
			if req.Header.Procedure == int32(remote.ProcConnectOpen) {
				_ = c.ReplyError(req, int32(virtwire.ErrNoConnect), "no connection driver available")
				return true
			}
			return false
		}), "no connection driver available"},
		{"sasl without credentials", &fakeserver.Server{AuthTypes: []remote.AuthType{remote.AuthSASL}}, "requires SASL"},
		{"unknown auth type", &fakeserver.Server{AuthTypes: []remote.AuthType{7}}, "authentication type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			c, err := virtwire.NewConn(ctx, tt.srv.Pipe(t))
			if err == nil {
				c.Close()
				t.Fatal("NewConn succeeded")
			}
			if !contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func contains(s, sub string) bool {
	return len(sub) == 0 || len(s) >= len(sub) && (s == sub || indexOf(s, sub) >= 0)
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// A server that never answers CONNECT_OPEN cannot hang NewConn beyond its
// context.
func TestHandshakeNeverAnswered(t *testing.T) {
	srv := &fakeserver.Server{Handle: func(c *fakeserver.Conn, req *fakeserver.Request) bool {
		return req.Header.Procedure == int32(remote.ProcConnectOpen) // swallow it
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := virtwire.NewConn(ctx, srv.Pipe(t))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("NewConn took %v", d)
	}
}

func TestCancelSlowCall(t *testing.T) {
	release := make(chan struct{})
	var held []*fakeserver.Request
	var mu sync.Mutex
	srv := libVersionServer(func(c *fakeserver.Conn, req *fakeserver.Request) bool {
		if req.Header.Procedure == int32(remote.ProcConnectGetHostname) {
			mu.Lock()
			held = append(held, req)
			mu.Unlock()
			go func() {
				<-release
				_ = c.Reply(req, &remote.ConnectGetHostnameRet{Hostname: "late"})
			}()
			return true
		}
		return false
	})
	c := newFakeConn(t, srv)
	defer close(release)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := c.ConnectGetHostname(ctx)
		errc <- err
	}()
	// Wait until the server holds the call, then cancel.
	for {
		mu.Lock()
		n := len(held)
		mu.Unlock()
		if n > 0 {
			break
		}
		select {
		case err := <-errc:
			t.Fatalf("call returned early: %v", err)
		case <-time.After(time.Millisecond):
		}
	}
	cancel()
	start := time.Now()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if d := time.Since(start); d > 50*time.Millisecond {
			t.Errorf("cancelled call returned after %v", d)
		}
	case <-time.After(time.Second):
		t.Fatal("cancelled call did not return")
	}
	// Other calls keep working, and the late reply is dropped safely.
	if _, err := c.ConnectGetLibVersion(context.Background()); err != nil {
		t.Fatal(err)
	}
	release <- struct{}{}
	if _, err := c.ConnectGetLibVersion(context.Background()); err != nil {
		t.Fatalf("after the late reply: %v", err)
	}
	if c.Err() != nil {
		t.Fatalf("Conn failed: %v", c.Err())
	}
}

// A reply nobody waits for, a duplicate reply, or one for another procedure
// ends the connection with ErrProtocol; pending calls fail with it.
func TestProtocolViolations(t *testing.T) {
	tests := []struct {
		name  string
		reply func(c *fakeserver.Conn, req *fakeserver.Request)
	}{
		{"unknown serial", func(c *fakeserver.Conn, req *fakeserver.Request) {
			h := req.Header
			h.Serial += 1000
			h.Type = protocol.Reply
			_ = c.Send(h, &remote.ConnectGetHostnameRet{Hostname: "x"})
		}},
		{"duplicate reply", func(c *fakeserver.Conn, req *fakeserver.Request) {
			_ = c.Reply(req, &remote.ConnectGetHostnameRet{Hostname: "x"})
			_ = c.Reply(req, &remote.ConnectGetHostnameRet{Hostname: "x"})
		}},
		{"wrong procedure", func(c *fakeserver.Conn, req *fakeserver.Request) {
			h := req.Header
			h.Procedure = int32(remote.ProcConnectGetLibVersion)
			h.Type = protocol.Reply
			_ = c.Send(h, &remote.ConnectGetLibVersionRet{})
		}},
		{"unknown program", func(c *fakeserver.Conn, req *fakeserver.Request) {
			h := req.Header
			h.Program = 0x12345678
			h.Type = protocol.Reply
			_ = c.Send(h, nil)
		}},
		{"wrong version", func(c *fakeserver.Conn, req *fakeserver.Request) {
			h := req.Header
			h.Version = 2
			h.Type = protocol.Reply
			_ = c.Send(h, nil)
		}},
		{"call from the server", func(c *fakeserver.Conn, req *fakeserver.Request) {
			h := req.Header
			_ = c.Send(h, nil)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := libVersionServer(func(c *fakeserver.Conn, req *fakeserver.Request) bool {
				if req.Header.Procedure == int32(remote.ProcConnectGetHostname) {
					tt.reply(c, req)
					return true
				}
				return false
			})
			c := newFakeConn(t, srv)
			_, err := c.ConnectGetHostname(context.Background())
			select {
			case <-c.Done():
			case <-time.After(2 * time.Second):
				t.Fatal("Conn did not fail")
			}
			if !errors.Is(c.Err(), virtwire.ErrProtocol) {
				t.Fatalf("Conn err = %v, want ErrProtocol", c.Err())
			}
			if tt.name != "duplicate reply" && !errors.Is(err, virtwire.ErrProtocol) {
				t.Fatalf("call err = %v, want ErrProtocol", err)
			}
			if _, err := c.ConnectGetLibVersion(context.Background()); !errors.Is(err, virtwire.ErrProtocol) {
				t.Fatalf("later call: %v, want the same ErrProtocol", err)
			}
		})
	}
}

func TestErrorReply(t *testing.T) {
	srv := libVersionServer(func(c *fakeserver.Conn, req *fakeserver.Request) bool {
		if req.Header.Procedure == int32(remote.ProcDomainLookupByName) {
			_ = c.ReplyError(req, int32(virtwire.ErrNoDomain), "Domain not found: no domain with matching name 'x'")
			return true
		}
		return false
	})
	c := newFakeConn(t, srv)
	_, err := c.DomainLookupByName(context.Background(), "x")
	if !errors.Is(err, virtwire.ErrNoDomain) || errors.Is(err, virtwire.ErrNoNetwork) {
		t.Fatalf("err = %v, want ErrNoDomain only", err)
	}
	var e *virtwire.Error
	if !errors.As(err, &e) || e.Code != virtwire.ErrNoDomain || e.Message != "Domain not found: no domain with matching name 'x'" {
		t.Fatalf("Error = %+v", e)
	}
	if err.Error() != "libvirt: Domain not found: no domain with matching name 'x'" {
		t.Errorf("message %q", err.Error())
	}
	if c.Err() != nil {
		t.Fatal("an error reply must not end the connection")
	}
}

func TestCloseTwiceAndConcurrent(t *testing.T) {
	c := newFakeConn(t, libVersionServer(nil))
	var wg sync.WaitGroup
	var calls atomic.Int32
	for i := 0; i < 8; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				if _, err := c.ConnectGetLibVersion(context.Background()); err != nil {
					if !errors.Is(err, virtwire.ErrConnClosed) {
						t.Errorf("call during Close: %v", err)
					}
					return
				}
				calls.Add(1)
			}
		}()
		go func() {
			defer wg.Done()
			c.Close()
		}()
	}
	wg.Wait()
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if !errors.Is(c.Err(), virtwire.ErrConnClosed) {
		t.Fatalf("Err = %v", c.Err())
	}
	if _, err := c.ConnectGetLibVersion(context.Background()); !errors.Is(err, virtwire.ErrConnClosed) {
		t.Fatalf("call after Close: %v", err)
	}
}

// The server closing the socket fails every pending call promptly.
func TestServerHangup(t *testing.T) {
	var conns []*fakeserver.Conn
	var mu sync.Mutex
	got := make(chan struct{}, 100)
	srv := libVersionServer(func(c *fakeserver.Conn, req *fakeserver.Request) bool {
		if req.Header.Procedure == int32(remote.ProcConnectGetHostname) {
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			got <- struct{}{}
			return true // never answered
		}
		return false
	})
	c := newFakeConn(t, srv)
	const n = 20
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() {
			_, err := c.ConnectGetHostname(context.Background())
			errs <- err
		}()
	}
	for i := 0; i < n; i++ {
		<-got
	}
	mu.Lock()
	conns[0].Close()
	mu.Unlock()
	deadline := time.After(time.Second)
	for i := 0; i < n; i++ {
		select {
		case err := <-errs:
			if !errors.Is(err, virtwire.ErrDisconnected) {
				t.Fatalf("err = %v, want ErrDisconnected", err)
			}
		case <-deadline:
			t.Fatal("pending calls did not return within 1s")
		}
	}
	<-c.Done()
}

func TestKeepaliveTimeout(t *testing.T) {
	srv := libVersionServer(nil)
	srv.IgnorePings = true
	interval, count := 50*time.Millisecond, 2
	c := newFakeConn(t, srv, virtwire.WithKeepAlive(interval, count))
	start := time.Now()
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("keepalive never closed the connection")
	}
	if !errors.Is(c.Err(), virtwire.ErrKeepaliveTimeout) {
		t.Fatalf("Err = %v", c.Err())
	}
	// Only the lower bound: load can delay the end, but nothing may end it
	// before count intervals have passed unanswered.
	if d, least := time.Since(start), interval*time.Duration(count); d < least {
		t.Errorf("closed after %v, before %d unanswered intervals of %v", d, count, interval)
	}
}

// An answering daemon keeps the connection alive across many intervals.
func TestKeepaliveAnswered(t *testing.T) {
	pings := make(chan struct{}, 100)
	srv := libVersionServer(func(c *fakeserver.Conn, req *fakeserver.Request) bool {
		if req.Header.Program == keepalive.Program && req.Header.Procedure == int32(keepalive.ProcPing) {
			select {
			case pings <- struct{}{}:
			default:
			}
		}
		return false
	})
	c := newFakeConn(t, srv, virtwire.WithKeepAlive(20*time.Millisecond, 2))
	for i := 0; i < 5; i++ {
		select {
		case <-pings:
		case <-c.Done():
			t.Fatalf("connection ended: %v", c.Err())
		case <-time.After(2 * time.Second):
			t.Fatal("no ping sent")
		}
	}
	if c.Err() != nil {
		t.Fatal(c.Err())
	}
}

// The client answers the daemon's PING with PONG.
func TestAnswersServerPing(t *testing.T) {
	pong := make(chan protocol.Header, 1)
	srv := libVersionServer(func(c *fakeserver.Conn, req *fakeserver.Request) bool {
		if req.Header.Program == keepalive.Program && req.Header.Procedure == int32(keepalive.ProcPong) {
			pong <- req.Header
			return true
		}
		if req.Header.Procedure == int32(remote.ProcConnectGetHostname) {
			_ = c.Send(protocol.Header{Program: keepalive.Program, Version: 1, Procedure: int32(keepalive.ProcPing), Type: protocol.Message}, nil)
			_ = c.Reply(req, &remote.ConnectGetHostnameRet{Hostname: "h"})
			return true
		}
		return false
	})
	c := newFakeConn(t, srv, virtwire.WithoutKeepAlive())
	if h, err := c.ConnectGetHostname(context.Background()); err != nil || h != "h" {
		t.Fatalf("%q %v", h, err)
	}
	select {
	case h := <-pong:
		if h.Type != protocol.Message || h.Serial != 0 {
			t.Errorf("pong header %+v", h)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("no PONG")
	}
}

func TestKeepaliveDisabledWhenUnsupported(t *testing.T) {
	srv := libVersionServer(nil)
	srv.IgnorePings = true
	srv.Features = map[int32]bool{fakeserver.FeatureProgramKeepalive: false}
	c := newFakeConn(t, srv, virtwire.WithKeepAlive(10*time.Millisecond, 1))
	// With keepalive off, a server that ignores pings is not a reason to
	// close: a call long after the would-be timeout still works.
	time.Sleep(100 * time.Millisecond) // not synchronisation: ten would-be timeouts pass
	if _, err := c.ConnectGetLibVersion(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestEncodeLimitIsCallError(t *testing.T) {
	c := newFakeConn(t, libVersionServer(nil))
	huge := make([]byte, remote.StringMax+1)
	_, err := c.DomainDefineXML(context.Background(), string(huge))
	if !errors.Is(err, protocol.ErrLimit) {
		t.Fatalf("err = %v, want ErrLimit", err)
	}
	if _, err := c.ConnectGetLibVersion(context.Background()); err != nil {
		t.Fatalf("Conn unusable after an encode error: %v", err)
	}
}

var _ net.Conn // keep the import list stable for helpers below

// With polkit the daemon checks the peer's credentials itself; the client
// sends AUTH_POLKIT and proceeds, as libvirt's does.
func TestHandshakePolkit(t *testing.T) {
	var polkit atomic.Int32
	srv := libVersionServer(func(c *fakeserver.Conn, req *fakeserver.Request) bool {
		if req.Header.Procedure == int32(remote.ProcAuthPolkit) {
			polkit.Add(1)
			_ = c.Reply(req, &remote.AuthPolkitRet{Complete: 1})
			return true
		}
		return false
	})
	srv.AuthTypes = []remote.AuthType{remote.AuthPolkit}
	c := newFakeConn(t, srv)
	if polkit.Load() != 1 {
		t.Fatalf("AUTH_POLKIT sent %d times", polkit.Load())
	}
	if _, err := c.ConnectGetLibVersion(context.Background()); err != nil {
		t.Fatal(err)
	}
	// A refusal is the daemon's error, surfaced as it is.
	refuse := libVersionServer(func(c *fakeserver.Conn, req *fakeserver.Request) bool {
		if req.Header.Procedure == int32(remote.ProcAuthPolkit) {
			_ = c.ReplyError(req, int32(virtwire.ErrAuthFailed), "authentication failed: polkit: access denied")
			return true
		}
		return false
	})
	refuse.AuthTypes = []remote.AuthType{remote.AuthPolkit}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := virtwire.NewConn(ctx, refuse.Pipe(t)); !errors.Is(err, virtwire.ErrAuthFailed) {
		t.Fatalf("refused polkit: %v", err)
	}
}
