package virtwire_test

import (
	"context"
	"errors"
	"net"
	"os"
	"testing"
	"time"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/internal/fakeserver"
	"github.com/virtwire/virtwire/internal/lab"
	"github.com/virtwire/virtwire/protocol"
	"github.com/virtwire/virtwire/protocol/remote"
)

// waitDone waits for c to end.
func waitDone(t *testing.T, c *virtwire.Conn) {
	t.Helper()
	select {
	case <-c.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the Conn did not end")
	}
}

// Every way a Conn ends has its close reason, the same whether the program
// closed it, the peer hung up, keepalive gave up or the net.Conn was
// closed underneath.
func TestCloseReasons(t *testing.T) {
	tests := []struct {
		name string
		srv  func() *fakeserver.Server
		opts []virtwire.Option
		end  func(c *virtwire.Conn, nc net.Conn)
		want virtwire.CloseReason
	}{
		{"Close", func() *fakeserver.Server { return &fakeserver.Server{} }, nil,
			func(c *virtwire.Conn, _ net.Conn) { c.Close() }, virtwire.CloseReasonClient},
		{"the daemon hangs up", func() *fakeserver.Server {
			return hostileServer(func(c *fakeserver.Conn, _ *fakeserver.Request) { c.Close() })
		}, nil, func(c *virtwire.Conn, _ net.Conn) { _, _ = c.ConnectGetHostname(context.Background()) }, virtwire.CloseReasonEOF},
		{"keepalive", func() *fakeserver.Server { return &fakeserver.Server{IgnorePings: true} },
			[]virtwire.Option{virtwire.WithKeepAlive(20*time.Millisecond, 2)}, func(*virtwire.Conn, net.Conn) {}, virtwire.CloseReasonKeepalive},
		{"the net.Conn closed underneath", func() *fakeserver.Server { return &fakeserver.Server{} }, nil,
			func(_ *virtwire.Conn, nc net.Conn) { nc.Close() }, virtwire.CloseReasonError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			noLeaks(t)
			opts := tt.opts
			if opts == nil {
				opts = []virtwire.Option{virtwire.WithoutKeepAlive()}
			}
			nc, err := net.Dial("unix", tt.srv().ListenUnix(t))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			c, err := virtwire.NewConn(ctx, nc, opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, open := c.CloseReason(); open {
				t.Fatal("an open Conn has a close reason")
			}
			tt.end(c, nc)
			waitDone(t, c)
			got, ok := c.CloseReason()
			if !ok || got != tt.want {
				t.Errorf("CloseReason = %v, %v; want %v (Err: %v)", got, ok, tt.want, c.Err())
			}
			if tt.want != virtwire.CloseReasonClient && errors.Is(c.Err(), virtwire.ErrConnClosed) {
				t.Errorf("Err = %v: only Close makes ErrConnClosed", c.Err())
			}
		})
	}
}

// A daemon that supports close callbacks is asked for them at the
// handshake; when it says its own connection closed (a proxy whose backend
// went away), subscribers get the event with the daemon's reason and the
// Conn ends with a *DaemonClosedError.
func TestDaemonConnectionClosed(t *testing.T) {
	noLeaks(t)
	registered := make(chan *fakeserver.Conn, 1)
	srv := libVersionServer(func(c *fakeserver.Conn, req *fakeserver.Request) bool {
		if req.Header.Procedure != int32(remote.ProcConnectRegisterCloseCallback) {
			return false
		}
		registered <- c // before the reply, which lets the handshake end
		_ = c.Reply(req, nil)
		return true
	})
	srv.Features = map[int32]bool{int32(virtwire.FeatureRemoteCloseCallback): true, fakeserver.FeatureProgramKeepalive: true, fakeserver.FeatureRemoteEventCallback: true}
	c := newUnixFakeConn(t, srv, virtwire.WithoutKeepAlive())
	var sc *fakeserver.Conn
	select {
	case sc = <-registered:
	default:
		t.Fatal("the handshake did not register for connection-closed events")
	}
	sub, err := c.SubscribeConnectionClosed(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	h := protocol.Header{Program: remote.Program, Version: remote.ProtocolVersion, Procedure: int32(remote.ProcConnectEventConnectionClosed), Type: protocol.Message}
	if err := sc.Send(h, &remote.ConnectEventConnectionClosedMsg{Reason: int32(virtwire.ConnectCloseReasonEof)}); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-sub.Events():
		cc, ok := ev.(*virtwire.ConnectionClosed)
		if !ok || cc.Reason != virtwire.ConnectCloseReasonEof {
			t.Fatalf("event %#v, want ConnectionClosed with reason EOF", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no connection-closed event arrived")
	}
	waitDone(t, c)
	var dc *virtwire.DaemonClosedError
	if !errors.As(c.Err(), &dc) || dc.Reason != virtwire.ConnectCloseReasonEof || !errors.Is(c.Err(), virtwire.ErrDisconnected) {
		t.Errorf("Err = %v, want a *DaemonClosedError with reason EOF wrapping ErrDisconnected", c.Err())
	}
	if r, _ := c.CloseReason(); r != virtwire.CloseReasonDaemon {
		t.Errorf("CloseReason = %v, want daemon", r)
	}
	if _, err := c.ConnectGetLibVersion(context.Background()); !errors.Is(err, virtwire.ErrDisconnected) {
		t.Errorf("a call after the event: %v", err)
	}
}

// IsSecure and IsEncrypted are libvirt's client's answers: the channel's
// nature combined with the daemon's, on every transport of the lab.
func TestIsSecureAndEncrypted(t *testing.T) {
	l := lab.Require(t)
	tests := []struct {
		ep                lab.Endpoint
		secure, encrypted bool
	}{
		{lab.UnixRW, true, false},
		{lab.UnixRO, true, false},
		{lab.TCP, false, false},
		{lab.TLS, true, true},
		{lab.SASLTLS, true, true},
		{lab.SASLUnix, true, false},
		{lab.SSH, true, false},
		{lab.SSHNative, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.ep.String(), func(t *testing.T) {
			c := labConn(t, l.URI(tt.ep), virtwire.WithSASL(l.SASLUser, l.SASLPassword))
			ctx := context.Background()
			// The test driver says its own side is secure: the channel decides.
			secure, err := c.IsSecure(ctx)
			if err != nil || secure != tt.secure {
				t.Errorf("IsSecure = %v, %v; want %v", secure, err, tt.secure)
			}
			encrypted, err := c.IsEncrypted(ctx)
			if err != nil || encrypted != tt.encrypted {
				t.Errorf("IsEncrypted = %v, %v; want %v", encrypted, err, tt.encrypted)
			}
			// go-libvirt's forms answer the same, as 1 and 0.
			if n, err := c.ConnectIsSecure(ctx); err != nil || (n == 1) != tt.secure {
				t.Errorf("ConnectIsSecure = %d, %v; want %v", n, err, tt.secure)
			}
			if n, err := c.ConnectIsEncrypted(ctx); err != nil || (n == 1) != tt.encrypted {
				t.Errorf("ConnectIsEncrypted = %d, %v; want %v", n, err, tt.encrypted)
			}
		})
	}
}

// A ...WithFiles call with no files is a plain call, which tcp carries;
// with files over tcp the clear error stays.
func TestWithFilesOverTCP(t *testing.T) {
	l := lab.Require(t)
	c := labConn(t, l.URI(lab.TCP))
	ctx := context.Background()
	const xml = `<domain type='test'><name>withfiles-tcp</name><memory>8192</memory><os><type>hvm</type></os></domain>`
	dom, err := c.DomainCreateXMLWithFiles(ctx, xml, 0, nil)
	if err != nil {
		t.Fatalf("DomainCreateXMLWithFiles with no files over tcp: %v", err)
	}
	t.Cleanup(func() { _ = c.DomainDestroy(context.Background(), &dom) })
	if dom.Name != "withfiles-tcp" {
		t.Errorf("created %q", dom.Name)
	}
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := c.DomainCreateXMLWithFiles(ctx, xml, 0, []*os.File{f}); !errors.Is(err, virtwire.ErrNoFDPassing) {
		t.Errorf("with a file over tcp: %v, want ErrNoFDPassing", err)
	}
}

// A daemon older than libvirt 1.2.1 has no event callbacks: subscriptions
// register per event kind with CONNECT_DOMAIN_EVENT_REGISTER_ANY and get
// the pre-callback event messages, filtered by domain here, and ending a
// subscription deregisters the kind.
func TestLegacyDomainEvents(t *testing.T) {
	noLeaks(t)
	conns := make(chan *fakeserver.Conn, 1)
	deregistered := make(chan int32, 4)
	srv := libVersionServer(func(c *fakeserver.Conn, req *fakeserver.Request) bool {
		switch remote.Procedure(req.Header.Procedure) {
		case remote.ProcConnectDomainEventRegisterAny:
			_ = c.Reply(req, nil)
			select {
			case conns <- c:
			default:
			}
			return true
		case remote.ProcConnectDomainEventDeregisterAny:
			var args remote.ConnectDomainEventDeregisterAnyArgs
			_ = req.Decode(&args)
			deregistered <- args.EventID
			_ = c.Reply(req, nil)
			return true
		}
		return false
	})
	srv.Features = map[int32]bool{fakeserver.FeatureProgramKeepalive: true, fakeserver.FeatureRemoteEventCallback: false}
	c := newUnixFakeConn(t, srv, virtwire.WithoutKeepAlive())
	mine := virtwire.Domain{Name: "mine", UUID: virtwire.UUID{1}, ID: 1}
	other := virtwire.Domain{Name: "other", UUID: virtwire.UUID{2}, ID: 2}
	sub, err := c.SubscribeDomainEvents(context.Background(), &mine, virtwire.DomainEventIDLifecycle)
	if err != nil {
		t.Fatal(err)
	}
	sc := <-conns
	h := protocol.Header{Program: remote.Program, Version: remote.ProtocolVersion, Procedure: int32(remote.ProcDomainEventLifecycle), Type: protocol.Message}
	for _, d := range []virtwire.Domain{other, mine} {
		if err := sc.Send(h, &remote.DomainEventLifecycleMsg{Dom: d, Event: int32(virtwire.DomainEventStarted)}); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case ev := <-sub.Events():
		lc, ok := ev.(*virtwire.DomainEventLifecycle)
		if !ok || lc.Dom.Name != "mine" || lc.Event != virtwire.DomainEventStarted {
			t.Fatalf("event %#v, want mine's lifecycle event", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no legacy lifecycle event arrived")
	}
	sub.Close()
	select {
	case id := <-deregistered:
		if id != int32(virtwire.DomainEventIDLifecycle) {
			t.Errorf("deregistered event kind %d, want %d", id, virtwire.DomainEventIDLifecycle)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not deregister the kind")
	}
}
