package virtwire_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/internal/fakeserver"
	"github.com/virtwire/virtwire/protocol"
	"github.com/virtwire/virtwire/protocol/keepalive"
	"github.com/virtwire/virtwire/protocol/remote"
)

// This file is the hostile-server suite: a fake daemon that lies in every
// way the wire allows, and a client that must answer each lie with a
// specific error, within a bounded time, without leaking goroutines and
// without allocating what the lie asks for. RELIABILITY.md lists every case
// with the test that proves it (some live in conn_test.go and
// stream_test.go).

// rawPacket builds a packet with header h and body as given; the length
// word counts the whole packet.
func rawPacket(h protocol.Header, body []byte) []byte {
	b := make([]byte, protocol.LenSize+protocol.HeaderSize, protocol.LenSize+protocol.HeaderSize+len(body))
	binary.BigEndian.PutUint32(b[0:], uint32(len(b)+len(body)))
	binary.BigEndian.PutUint32(b[4:], h.Program)
	binary.BigEndian.PutUint32(b[8:], h.Version)
	binary.BigEndian.PutUint32(b[12:], uint32(h.Procedure))
	binary.BigEndian.PutUint32(b[16:], uint32(h.Type))
	binary.BigEndian.PutUint32(b[20:], h.Serial)
	binary.BigEndian.PutUint32(b[24:], uint32(h.Status))
	return append(b, body...)
}

// words encodes 32-bit XDR words, for hand-made bodies.
func words(ws ...uint32) []byte {
	b := make([]byte, 4*len(ws))
	for i, w := range ws {
		binary.BigEndian.PutUint32(b[4*i:], w)
	}
	return b
}

func replyTo(req *fakeserver.Request) protocol.Header {
	h := req.Header
	h.Type, h.Status = protocol.Reply, protocol.StatusOK
	return h
}

func encode(v protocol.Value) []byte {
	var e protocol.Encoder
	v.EncodeXDR(&e)
	return e.Bytes()
}

// hostileCase is one lie and what the client must make of it.
type hostileCase struct {
	name string
	// respond answers the case's call (every call but the handshake's and
	// CONNECT_GET_LIB_VERSION, which probes the Conn's health afterwards).
	// It runs on the server's reader: while it runs, the server reads
	// nothing.
	respond func(c *fakeserver.Conn, req *fakeserver.Request)
	// background, when set, runs instead of respond on a goroutine of its
	// own, so that the server goes on reading; stop is closed when the
	// test ends.
	background func(stop <-chan struct{}, c *fakeserver.Conn, req *fakeserver.Request)
	// server adjusts the fake server (IgnorePings...).
	server func(*fakeserver.Server)
	// opts are the Conn's options; the default turns keepalive off so that
	// pings do not mix with the lie.
	opts []virtwire.Option
	// call makes the call under test (default: CONNECT_GET_HOSTNAME).
	call func(ctx context.Context, c *virtwire.Conn) error
	// timeout is the call's context (default 10 s); within bounds how soon
	// the call must return (default 2 s, generous for a loaded machine).
	timeout, within time.Duration
	// want lists what the call's error must wrap (errors.Is, every one);
	// empty means the call must succeed.
	want []error
	// dies is what the Conn must end with; nil means it must stay usable.
	dies error
	// after, when set, replaces the check that the Conn still works.
	after func(t *testing.T, c *virtwire.Conn)
	// maxAlloc bounds the bytes allocated by the whole process during the
	// call (runtime.MemStats.TotalAlloc); default 4 MiB.
	maxAlloc uint64
}

func getHostname(ctx context.Context, c *virtwire.Conn) error {
	_, err := c.ConnectGetHostname(ctx)
	return err
}

// hostileServer answers the handshake and CONNECT_GET_LIB_VERSION itself,
// and hands every other call to respond.
func hostileServer(respond func(c *fakeserver.Conn, req *fakeserver.Request)) *fakeserver.Server {
	return libVersionServer(func(c *fakeserver.Conn, req *fakeserver.Request) bool {
		if req.Header.Program != remote.Program || req.Header.Type != protocol.Call {
			return false
		}
		switch remote.Procedure(req.Header.Procedure) {
		case remote.ProcAuthList, remote.ProcConnectSupportsFeature, remote.ProcConnectOpen,
			remote.ProcConnectRegisterCloseCallback, remote.ProcConnectClose, remote.ProcConnectGetLibVersion:
			return false
		}
		respond(c, req)
		return true
	})
}

// newUnixFakeConn is newFakeConn over a unix socket, whose kernel buffers
// and descriptor passing net.Pipe lacks.
func newUnixFakeConn(t *testing.T, srv *fakeserver.Server, opts ...virtwire.Option) *virtwire.Conn {
	t.Helper()
	nc, err := net.Dial("unix", srv.ListenUnix(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := virtwire.NewConn(ctx, nc, opts...)
	if err != nil {
		t.Fatalf("NewConn: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// noLeaks checks, when the test ends (after every other cleanup), that no
// goroutine the test started is left.
func noLeaks(t *testing.T) {
	t.Helper()
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
}

func runHostile(t *testing.T, tc hostileCase) {
	t.Helper()
	noLeaks(t)
	respond := tc.respond
	stop := make(chan struct{})
	var bg sync.WaitGroup
	if tc.background != nil {
		respond = func(c *fakeserver.Conn, req *fakeserver.Request) {
			bg.Add(1)
			go func() {
				defer bg.Done()
				tc.background(stop, c, req)
			}()
		}
	}
	srv := hostileServer(respond)
	if tc.server != nil {
		tc.server(srv)
	}
	opts := tc.opts
	if opts == nil {
		opts = []virtwire.Option{virtwire.WithoutKeepAlive()}
	}
	c := newFakeConn(t, srv, opts...)
	t.Cleanup(func() {
		close(stop)
		bg.Wait()
	})
	call := tc.call
	if call == nil {
		call = getHostname
	}
	timeout, within, maxAlloc := tc.timeout, tc.within, tc.maxAlloc
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	if within == 0 {
		within = 2 * time.Second
	}
	if maxAlloc == 0 {
		maxAlloc = 4 << 20
	}

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	errc := make(chan error, 1)
	go func() { errc <- call(ctx, c) }()
	var err error
	select {
	case err = <-errc:
	case <-time.After(within + 5*time.Second):
		t.Fatalf("the call did not return within %v", within+5*time.Second)
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)

	if elapsed > within {
		t.Errorf("the call returned after %v, want within %v", elapsed, within)
	}
	if len(tc.want) == 0 && err != nil {
		t.Errorf("call: %v, want success", err)
	}
	for _, w := range tc.want {
		if !errors.Is(err, w) {
			t.Errorf("call: %v, want it to wrap %q", err, w)
		}
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > maxAlloc {
		t.Errorf("the call allocated %d bytes, want at most %d", got, maxAlloc)
	}
	if tc.dies != nil {
		select {
		case <-c.Done():
		case <-time.After(5 * time.Second):
			t.Fatalf("the Conn did not end (want %q)", tc.dies)
		}
		if !errors.Is(c.Err(), tc.dies) {
			t.Errorf("Conn.Err = %v, want it to wrap %q", c.Err(), tc.dies)
		}
		if _, err := c.ConnectGetLibVersion(context.Background()); !errors.Is(err, tc.dies) {
			t.Errorf("a call after the Conn ended: %v, want %q", err, tc.dies)
		}
	} else if tc.after != nil {
		tc.after(t, c)
	} else {
		hctx, hcancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer hcancel()
		if _, err := c.ConnectGetLibVersion(hctx); err != nil {
			t.Errorf("the Conn is unusable after the case: %v (Err: %v)", err, c.Err())
		}
	}
	closeStart := time.Now()
	c.Close()
	if d := time.Since(closeStart); d > 4*time.Second {
		t.Errorf("Close took %v", d)
	}
}

// TestHostileServer runs the table of lies.
func TestHostileServer(t *testing.T) {
	for _, tc := range hostileCases() {
		t.Run(tc.name, func(t *testing.T) { runHostile(t, tc) })
	}
}

func hostileCases() []hostileCase {
	raw := func(b []byte) func(c *fakeserver.Conn, req *fakeserver.Request) {
		return func(c *fakeserver.Conn, req *fakeserver.Request) { _ = c.WriteRaw(b) }
	}
	// hangup writes b and closes the connection.
	hangup := func(b []byte) func(c *fakeserver.Conn, req *fakeserver.Request) {
		return func(c *fakeserver.Conn, req *fakeserver.Request) {
			_ = c.WriteRaw(b)
			_ = c.Close()
		}
	}
	// body answers with a well-framed reply whose body is b.
	body := func(b []byte) func(c *fakeserver.Conn, req *fakeserver.Request) {
		return func(c *fakeserver.Conn, req *fakeserver.Request) { _ = c.WriteRaw(rawPacket(replyTo(req), b)) }
	}
	// header answers with a reply whose header fields are changed by f.
	header := func(f func(h *protocol.Header)) func(c *fakeserver.Conn, req *fakeserver.Request) {
		return func(c *fakeserver.Conn, req *fakeserver.Request) {
			h := replyTo(req)
			f(&h)
			_ = c.WriteRaw(rawPacket(h, encode(&remote.ConnectGetHostnameRet{Hostname: "h"})))
		}
	}
	hostnameHeader := protocol.Header{Program: remote.Program, Version: remote.ProtocolVersion, Procedure: int32(remote.ProcConnectGetHostname), Type: protocol.Reply}
	full := rawPacket(hostnameHeader, encode(&remote.ConnectGetHostnameRet{Hostname: "host"}))

	return []hostileCase{
		// Framing.
		{name: "length word below the header size", respond: raw(words(20, 0, 0, 0, 0)),
			want: []error{virtwire.ErrProtocol, protocol.ErrTooSmall}, dies: virtwire.ErrProtocol},
		{name: "length word zero", respond: raw(words(0)),
			want: []error{virtwire.ErrProtocol, protocol.ErrTooSmall}, dies: virtwire.ErrProtocol},
		{name: "length word one over VIR_NET_MESSAGE_MAX", respond: raw(words(protocol.MaxPacket + 1)),
			want: []error{virtwire.ErrProtocol, protocol.ErrTooLarge}, dies: virtwire.ErrProtocol, maxAlloc: 1 << 20},
		{name: "length word 0xffffffff", respond: raw(words(0xffffffff, 1, 2, 3)),
			want: []error{virtwire.ErrProtocol, protocol.ErrTooLarge}, dies: virtwire.ErrProtocol, maxAlloc: 1 << 20},
		{name: "length word at the maximum, 1 KiB sent, then EOF",
			respond: hangup(append(words(protocol.MaxPacket), make([]byte, 1024)...)),
			want:    []error{virtwire.ErrDisconnected, io.ErrUnexpectedEOF}, dies: virtwire.ErrDisconnected, maxAlloc: 4 << 20},
		{name: "truncated length word", respond: hangup([]byte{0, 0}),
			want: []error{virtwire.ErrDisconnected, io.ErrUnexpectedEOF}, dies: virtwire.ErrDisconnected},
		{name: "truncated header", respond: hangup(full[:14]),
			want: []error{virtwire.ErrDisconnected, io.ErrUnexpectedEOF}, dies: virtwire.ErrDisconnected},
		{name: "EOF mid-body", respond: hangup(full[:len(full)-3]),
			want: []error{virtwire.ErrDisconnected, io.ErrUnexpectedEOF}, dies: virtwire.ErrDisconnected},
		{name: "body shorter than its type", respond: body(words(10, 0x61626364)),
			want: []error{virtwire.ErrProtocol, protocol.ErrShortBuffer}},

		// Header.
		{name: "unknown program in an event", respond: func(c *fakeserver.Conn, req *fakeserver.Request) {
			_ = c.WriteRaw(rawPacket(protocol.Header{Program: 0x4a4b4c4d, Version: 1, Procedure: 1, Type: protocol.Message}, nil))
		}, want: []error{virtwire.ErrProtocol}, dies: virtwire.ErrProtocol},
		{name: "keepalive packet with the wrong version", respond: func(c *fakeserver.Conn, req *fakeserver.Request) {
			_ = c.WriteRaw(rawPacket(protocol.Header{Program: keepalive.Program, Version: 7, Procedure: int32(keepalive.ProcPing), Type: protocol.Message}, nil))
		}, want: []error{virtwire.ErrProtocol}, dies: virtwire.ErrProtocol},
		{name: "unknown keepalive procedure", respond: func(c *fakeserver.Conn, req *fakeserver.Request) {
			_ = c.WriteRaw(rawPacket(protocol.Header{Program: keepalive.Program, Version: 1, Procedure: 9, Type: protocol.Message}, nil))
		}, want: []error{virtwire.ErrProtocol}, dies: virtwire.ErrProtocol},
		{name: "unknown message type", respond: header(func(h *protocol.Header) { h.Type = 7 }),
			want: []error{virtwire.ErrProtocol, protocol.ErrBadHeader}, dies: virtwire.ErrProtocol},
		{name: "negative message type", respond: header(func(h *protocol.Header) { h.Type = -1 }),
			want: []error{virtwire.ErrProtocol, protocol.ErrBadHeader}, dies: virtwire.ErrProtocol},
		{name: "unknown status", respond: header(func(h *protocol.Header) { h.Status = 3 }),
			want: []error{virtwire.ErrProtocol, protocol.ErrBadHeader}, dies: virtwire.ErrProtocol},
		{name: "reply with the stream status CONTINUE", respond: header(func(h *protocol.Header) { h.Status = protocol.StatusContinue }),
			want: []error{virtwire.ErrProtocol}},
		{name: "stream packet with the serial of a plain call", respond: header(func(h *protocol.Header) { h.Type = protocol.Stream }),
			want: []error{virtwire.ErrProtocol}, dies: virtwire.ErrProtocol},

		// Bodies: every decoding limit.
		{name: "string over its .x limit", respond: body(words(remote.StringMax + 1)),
			want: []error{virtwire.ErrProtocol, protocol.ErrLimit}, maxAlloc: 1 << 20},
		{name: "array over its .x limit", call: func(ctx context.Context, c *virtwire.Conn) error {
			_, err := c.ConnectListDomains(ctx, 10)
			return err
		}, respond: body(words(remote.DomainListMax + 1)),
			want: []error{virtwire.ErrProtocol, protocol.ErrLimit}, maxAlloc: 1 << 20},
		{name: "string length larger than the bytes left", respond: body(words(4_000_000, 0x61616161, 0x61616161)),
			want: []error{virtwire.ErrProtocol, protocol.ErrShortBuffer}, maxAlloc: 1 << 20},
		{name: "array length larger than the bytes left", call: func(ctx context.Context, c *virtwire.Conn) error {
			_, err := c.ConnectListDomains(ctx, 10)
			return err
		}, respond: body(words(remote.DomainListMax, 1, 2)),
			want: []error{virtwire.ErrProtocol, protocol.ErrShortBuffer}, maxAlloc: 1 << 20},
		{name: "union with an unknown discriminant", call: func(ctx context.Context, c *virtwire.Conn) error {
			_, _, err := c.NodeGetMemoryParameters(ctx, 1, 0)
			return err
		}, respond: func(c *fakeserver.Conn, req *fakeserver.Request) {
			var e protocol.Encoder
			e.ArrayLen(1, 0, "params")
			e.String("shm_pages_to_scan", 0, "field")
			e.Int32(99) // remote_typed_param_value has arms 1..7
			e.Int32(0)
			e.Int32(1) // nparams
			_ = c.WriteRaw(rawPacket(replyTo(req), e.Bytes()))
		}, want: []error{virtwire.ErrProtocol, protocol.ErrBadUnion}},
		{name: "bool that is neither 0 nor 1", call: func(ctx context.Context, c *virtwire.Conn) error {
			_, err := c.NodeDeviceGetParent(ctx, "dev")
			return err
		}, respond: body(words(2, 1, 0x61000000)), // remote_string's presence word
			want: []error{virtwire.ErrProtocol, protocol.ErrBadBool}},
		{name: "non-zero padding", respond: body(append(words(3), 'a', 'b', 'c', 1)),
			want: []error{virtwire.ErrProtocol, protocol.ErrPadding}},
		{name: "bytes after the body", respond: body(append(encode(&remote.ConnectGetHostnameRet{Hostname: "h"}), 0, 0, 0, 0)),
			want: []error{virtwire.ErrProtocol, protocol.ErrTrailingData}},
		{name: "body on a reply that has none", call: func(ctx context.Context, c *virtwire.Conn) error {
			return c.DomainCreate(ctx, &virtwire.Domain{Name: "d"})
		}, respond: body(words(0)), want: []error{virtwire.ErrProtocol}},
		{name: "error reply whose body is not a remote_error", respond: func(c *fakeserver.Conn, req *fakeserver.Request) {
			h := replyTo(req)
			h.Status = protocol.StatusError
			_ = c.WriteRaw(rawPacket(h, words(1, 2)))
		}, want: []error{virtwire.ErrProtocol, protocol.ErrShortBuffer}},
		{name: "error reply with a message over its limit", respond: func(c *fakeserver.Conn, req *fakeserver.Request) {
			h := replyTo(req)
			h.Status = protocol.StatusError
			_ = c.WriteRaw(rawPacket(h, words(1, 10, 1, protocol.MaxString+1)))
		}, want: []error{virtwire.ErrProtocol, protocol.ErrLimit}, maxAlloc: 1 << 20},

		// Events.
		{name: "event for a procedure virtwire does not know", respond: func(c *fakeserver.Conn, req *fakeserver.Request) {
			_ = c.WriteRaw(rawPacket(protocol.Header{Program: remote.Program, Version: 1, Procedure: 99999, Type: protocol.Message}, words(1, 2, 3)))
			_ = c.Reply(req, &remote.ConnectGetHostnameRet{Hostname: "h"})
		}},
		{name: "event with a malformed body", respond: func(c *fakeserver.Conn, req *fakeserver.Request) {
			_ = c.WriteRaw(rawPacket(protocol.Header{Program: remote.Program, Version: 1, Procedure: int32(remote.ProcDomainEventCallbackLifecycle), Type: protocol.Message}, words(5)))
		}, want: []error{virtwire.ErrProtocol, protocol.ErrShortBuffer}, dies: virtwire.ErrProtocol},

		{name: "event for a callback never registered", call: func(ctx context.Context, c *virtwire.Conn) error {
			sub, err := c.SubscribeDomainEvents(ctx, nil, virtwire.DomainEventIDLifecycle)
			if err != nil {
				return err
			}
			defer sub.Close()
			if _, err := c.ConnectGetHostname(ctx); err != nil {
				return err
			}
			// Both events came before the reply, on the one reader: the
			// registered one is buffered, the stray one was dropped.
			if n := len(sub.Events()); n != 1 {
				return fmt.Errorf("%d events buffered, want the registered one only", n)
			}
			if lc, ok := (<-sub.Events()).(*virtwire.DomainEventLifecycle); !ok || lc.Dom.Name != "registered" {
				return fmt.Errorf("got %#v", lc)
			}
			return nil
		}, respond: func(c *fakeserver.Conn, req *fakeserver.Request) {
			switch remote.Procedure(req.Header.Procedure) {
			case remote.ProcConnectDomainEventCallbackRegisterAny:
				_ = c.Reply(req, &remote.ConnectDomainEventCallbackRegisterAnyRet{CallbackID: 5})
			case remote.ProcConnectDomainEventCallbackDeregisterAny:
				_ = c.Reply(req, nil)
			default:
				ev := protocol.Header{Program: remote.Program, Version: 1, Procedure: int32(remote.ProcDomainEventCallbackLifecycle), Type: protocol.Message}
				_ = c.Send(ev, &remote.DomainEventCallbackLifecycleMsg{CallbackID: 77, Msg: remote.DomainEventLifecycleMsg{Dom: remote.Domain{Name: "stray"}}})
				_ = c.Send(ev, &remote.DomainEventCallbackLifecycleMsg{CallbackID: 5, Msg: remote.DomainEventLifecycleMsg{Dom: remote.Domain{Name: "registered"}}})
				_ = c.Reply(req, &remote.ConnectGetHostnameRet{Hostname: "h"})
			}
		}},

		// Streams.
		{name: "hole with a negative length", call: func(ctx context.Context, c *virtwire.Conn) error {
			st, err := c.StorageVolDownload(ctx, virtwire.StorageVol{Name: "v"}, 0, 0, virtwire.StorageVolDownloadSparseStream)
			if err != nil {
				return err
			}
			_, err = io.ReadAll(st)
			return err
		}, respond: func(c *fakeserver.Conn, req *fakeserver.Request) {
			_ = c.Reply(req, nil)
			h := req.Header
			h.Type, h.Status = protocol.StreamHole, protocol.StatusContinue
			_ = c.WriteRaw(rawPacket(h, words(0xffffffff, 0xfffffff0, 0)))
		}, want: []error{virtwire.ErrProtocol}, dies: virtwire.ErrProtocol},

		// Unresponsive servers.
		{name: "slowloris: the reply at 1 byte per second", timeout: 300 * time.Millisecond, within: 1500 * time.Millisecond,
			server: func(s *fakeserver.Server) { s.IgnorePings = true },
			background: func(stop <-chan struct{}, c *fakeserver.Conn, req *fakeserver.Request) {
				if req.Header.Procedure == int32(remote.ProcConnectGetHostname) {
					dribble(stop, c, rawPacket(replyTo(req), encode(&remote.ConnectGetHostnameRet{Hostname: "slow"})), time.Second)
				}
			}, want: []error{context.DeadlineExceeded},
			// Without keepalive the Conn cannot tell a slow daemon from a
			// dead one: it stays open, and every call still returns by its
			// context.
			after: func(t *testing.T, c *virtwire.Conn) {
				ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
				defer cancel()
				start := time.Now()
				if _, err := c.ConnectGetCapabilities(ctx); !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("a second call: %v, want DeadlineExceeded", err)
				}
				if d := time.Since(start); d > 1500*time.Millisecond {
					t.Errorf("the second call returned after %v", d)
				}
				if c.Err() != nil {
					t.Errorf("Conn.Err = %v", c.Err())
				}
			}},
		{name: "slowloris is no keepalive: bytes but no whole packet", timeout: 30 * time.Second, within: 3 * time.Second,
			opts:   []virtwire.Option{virtwire.WithKeepAlive(100*time.Millisecond, 2)},
			server: func(s *fakeserver.Server) { s.IgnorePings = true },
			background: func(stop <-chan struct{}, c *fakeserver.Conn, req *fakeserver.Request) {
				dribble(stop, c, rawPacket(replyTo(req), encode(&remote.ConnectGetHostnameRet{Hostname: strings.Repeat("x", 64)})), 50*time.Millisecond)
			}, want: []error{virtwire.ErrKeepaliveTimeout}, dies: virtwire.ErrKeepaliveTimeout},
	}
}

// dribble writes b one byte at a time, every interval, until it is done,
// stop is closed or the connection fails.
func dribble(stop <-chan struct{}, c *fakeserver.Conn, b []byte, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for i := range b {
		if err := c.WriteRaw(b[i : i+1]); err != nil {
			return
		}
		select {
		case <-tick.C:
		case <-stop:
			return
		}
	}
}

// waitGoroutine waits until some goroutine's stack holds fn (a function
// name as runtime.Stack prints it), and reports true; or until abort is
// closed first, and reports false.
func waitGoroutine(t *testing.T, fn string, abort <-chan struct{}) bool {
	t.Helper()
	buf := make([]byte, 1<<20)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if bytes.Contains(buf[:runtime.Stack(buf, true)], []byte(fn)) {
			return true
		}
		select {
		case <-abort:
			return false
		case <-time.After(time.Millisecond):
		}
	}
	t.Fatalf("no goroutine reached %s", fn)
	return false
}

// A daemon that sends stream data in 1-byte packets to a reader that does
// not read: every packet arrives in its own packet buffer, so the stream's
// buffer limit must count the memory held, not the data bytes, or 4,000
// one-byte packets hold 4,000 buffers.
func TestStreamTinyPacketsStayBounded(t *testing.T) {
	noLeaks(t)
	const packets = 4000 // more than bufio and the stream's buffer hold
	var sent atomic.Int64
	allSent := make(chan struct{})
	srv := streamServer(func(c *fakeserver.Conn, h protocol.Header) {
		defer close(allSent)
		for i := 0; i < packets; i++ {
			if c.SendData(h, []byte{byte(i)}) != nil {
				return
			}
			sent.Add(1)
		}
		_ = c.SendData(h, nil)
	})
	c := newFakeConn(t, srv, virtwire.WithoutKeepAlive(), virtwire.WithStreamBuffer(256<<10))
	st, err := c.StorageVolDownload(context.Background(), virtwire.StorageVol{Name: "v"}, 0, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if !waitGoroutine(t, "engine.(*Stream).push", allSent) {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		t.Fatalf("the Conn took all %d one-byte packets for a reader that reads nothing; the heap grew by %d MiB", packets, (int64(m.HeapInuse)-int64(before.HeapInuse))>>20)
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	if grew := int64(m.HeapInuse) - int64(before.HeapInuse); grew > 8<<20 {
		t.Errorf("the heap grew by %d bytes while the stream's buffer is 256 KiB", grew)
	}
	if n := sent.Load(); n >= packets {
		t.Errorf("all %d packets were sent before the Conn pushed back", n)
	}
	data, err := io.ReadAll(st)
	if err != nil || len(data) != packets {
		t.Fatalf("read %d bytes, %v", len(data), err)
	}
	for i, b := range data {
		if b != byte(i) {
			t.Fatalf("byte %d is %d", i, b)
		}
	}
}

// A flood of holes on a sparse stream nobody reads: holes in a row add up
// into one, so they cost no memory however many arrive.
func TestStreamHoleFloodMerges(t *testing.T) {
	noLeaks(t)
	const holes, size = 20000, 512
	srv := libVersionServer(streamServer(func(c *fakeserver.Conn, h protocol.Header) {
		h.Type = protocol.StreamHole
		pkt := rawPacket(h, words(0, size, 0))
		for i := 0; i < holes; i++ {
			if c.WriteRaw(pkt) != nil {
				return
			}
		}
		h.Type = protocol.Stream
		_ = c.SendData(h, []byte("end"))
		_ = c.SendData(h, nil)
	}).Handle)
	c := newFakeConn(t, srv, virtwire.WithoutKeepAlive())
	st, err := c.StorageVolDownload(context.Background(), virtwire.StorageVol{Name: "v"}, 0, 0, virtwire.StorageVolDownloadSparseStream)
	if err != nil {
		t.Fatal(err)
	}
	// The server sends this reply after every hole; the Conn's one reader
	// has queued them all when it arrives.
	if _, err := c.ConnectGetLibVersion(context.Background()); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	n, hole, err := st.ReadSparse(buf)
	if err != nil || n != 0 || hole != holes*size {
		t.Fatalf("first read: %d bytes, hole %d, %v; want one hole of %d", n, hole, err, holes*size)
	}
	if n, _, err = st.ReadSparse(buf); err != nil || string(buf[:n]) != "end" {
		t.Fatalf("then %q, %v", buf[:n], err)
	}
	if _, _, err = st.ReadSparse(buf); err != io.EOF {
		t.Fatalf("then %v, want EOF", err)
	}
}

// A daemon flooding PINGs while it reads nothing: the client answers, but
// never with more than one PONG waiting to be written, so the flood cannot
// pile up goroutines.
func TestPingFloodIsBounded(t *testing.T) {
	noLeaks(t)
	const pings = 5000
	srv := hostileServer(func(c *fakeserver.Conn, req *fakeserver.Request) {
		ping := rawPacket(protocol.Header{Program: keepalive.Program, Version: 1, Procedure: int32(keepalive.ProcPing), Type: protocol.Message}, nil)
		for i := 0; i < pings; i++ {
			if c.WriteRaw(ping) != nil {
				return
			}
		}
		_ = c.Reply(req, &remote.ConnectGetHostnameRet{Hostname: "h"})
	})
	c := newFakeConn(t, srv, virtwire.WithoutKeepAlive())
	base := runtime.NumGoroutine()
	if _, err := c.ConnectGetHostname(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Every PING was dispatched before the reply.
	if n := runtime.NumGoroutine() - base; n > 8 {
		t.Errorf("%d more goroutines after %d unanswerable PINGs", n, pings)
	}
	if _, err := c.ConnectGetLibVersion(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// A daemon that stops reading (frozen, or hostile): writes cannot finish,
// yet every call returns by its context, other callers are not stuck
// behind the blocked write, and Close is bounded. Over a unix socket, whose
// kernel buffer a 1 MiB argument overflows.
func TestServerStopsReading(t *testing.T) {
	noLeaks(t)
	stop := make(chan struct{})
	var once sync.Once
	srv := hostileServer(func(c *fakeserver.Conn, req *fakeserver.Request) { <-stop })
	c := newUnixFakeConn(t, srv, virtwire.WithoutKeepAlive())
	t.Cleanup(func() { once.Do(func() { close(stop) }) }) // before the server's cleanup

	bounded := func(name string, limit time.Duration, f func() error, want error) {
		t.Helper()
		start := time.Now()
		errc := make(chan error, 1)
		go func() { errc <- f() }()
		select {
		case err := <-errc:
			if !errors.Is(err, want) {
				t.Errorf("%s: %v, want %v", name, err, want)
			}
			if d := time.Since(start); d > limit {
				t.Errorf("%s returned after %v, want within %v", name, d, limit)
			}
		case <-time.After(limit + 5*time.Second):
			t.Errorf("%s has not returned after %v", name, limit+5*time.Second)
			once.Do(func() { close(stop) })
			<-errc
		}
	}
	withTimeout := func(f func(ctx context.Context) error) func() error {
		return func() error {
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			return f(ctx)
		}
	}
	// The server takes this call and then reads nothing more.
	bounded("the call the server holds", 1500*time.Millisecond, withTimeout(func(ctx context.Context) error {
		_, err := c.ConnectGetHostname(ctx)
		return err
	}), context.DeadlineExceeded)
	big := "<domain>" + strings.Repeat("x", 1<<20) + "</domain>"
	bounded("a call whose write cannot finish", 1500*time.Millisecond, withTimeout(func(ctx context.Context) error {
		_, err := c.DomainDefineXML(ctx, big)
		return err
	}), context.DeadlineExceeded)
	bounded("a call queued behind that write", 1500*time.Millisecond, withTimeout(func(ctx context.Context) error {
		_, err := c.ConnectGetLibVersion(ctx)
		return err
	}), context.DeadlineExceeded)
	// Close cannot say goodbye (CONNECT_CLOSE) and says so, in bounded time.
	bounded("Close", 4*time.Second, c.Close, context.DeadlineExceeded)
}

// A daemon that never answers CONNECT_OPEN, reached with Dial: the context
// bounds it, and WithDialTimeout too.
func TestDialNeverAnswered(t *testing.T) {
	noLeaks(t)
	swallow := func(proc remote.Procedure) *fakeserver.Server {
		return &fakeserver.Server{Handle: func(c *fakeserver.Conn, req *fakeserver.Request) bool {
			return proc == 0 || req.Header.Procedure == int32(proc)
		}}
	}
	tests := []struct {
		name string
		srv  *fakeserver.Server
		ctx  time.Duration
		opts []virtwire.Option
	}{
		{"CONNECT_OPEN never answered, context", swallow(remote.ProcConnectOpen), 300 * time.Millisecond, nil},
		{"nothing answered, context", swallow(0), 300 * time.Millisecond, nil},
		{"CONNECT_OPEN never answered, WithDialTimeout", swallow(remote.ProcConnectOpen), time.Minute, []virtwire.Option{virtwire.WithDialTimeout(300 * time.Millisecond)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.srv.ListenUnix(t)
			ctx, cancel := context.WithTimeout(context.Background(), tt.ctx)
			defer cancel()
			start := time.Now()
			c, err := virtwire.Dial(ctx, "test+unix:///default?socket="+path, tt.opts...)
			if err == nil {
				c.Close()
				t.Fatal("Dial succeeded")
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err = %v, want DeadlineExceeded", err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("Dial returned after %v", d)
			}
		})
	}
}

// Descriptors a daemon attaches to packets that do not pass any are
// closed with the Conn, not leaked.
func TestStrayDescriptorsClosed(t *testing.T) {
	noLeaks(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	rights := syscall.UnixRights(int(r.Fd()))
	srv := hostileServer(func(c *fakeserver.Conn, req *fakeserver.Request) {
		pkt := rawPacket(replyTo(req), encode(&remote.ConnectGetHostnameRet{Hostname: "h"}))
		_, _, _ = c.NetConn().(*net.UnixConn).WriteMsgUnix(pkt, rights, nil)
	})
	c := newUnixFakeConn(t, srv, virtwire.WithoutKeepAlive())
	if _, err := c.ConnectGetHostname(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.Close() // now the Conn holds the only read end
	if _, err := w.Write([]byte("x")); err != nil {
		t.Fatalf("the descriptor did not reach the Conn: %v", err)
	}
	c.Close()
	if _, err := w.Write([]byte("x")); !errors.Is(err, syscall.EPIPE) {
		t.Fatalf("writing to the pipe after Close: %v; the Conn leaked the read end it was sent", err)
	}
}

// The daemon's reply and data for a stream whose opening call the caller
// gave up on arrive after it did: they are dropped, the Conn lives on.
func TestStreamOpenAbandoned(t *testing.T) {
	noLeaks(t)
	got := make(chan struct{})
	release := make(chan struct{})
	srv := libVersionServer(func(c *fakeserver.Conn, req *fakeserver.Request) bool {
		if req.Header.Procedure != int32(remote.ProcStorageVolDownload) {
			return false
		}
		if req.Header.Type != protocol.Call {
			return true
		}
		close(got)
		<-release
		_ = c.Reply(req, nil)
		h := req.Header
		h.Type, h.Status = protocol.Stream, protocol.StatusContinue
		_ = c.SendData(h, []byte("data nobody waits for"))
		_ = c.SendData(h, nil)
		return true
	})
	c := newFakeConn(t, srv, virtwire.WithoutKeepAlive())
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := c.StorageVolDownload(ctx, virtwire.StorageVol{Name: "v"}, 0, 0, 0)
		errc <- err
	}()
	<-got
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("StorageVolDownload: %v, want Canceled", err)
	}
	close(release)
	// The server answers this after the stream's packets.
	if _, err := c.ConnectGetLibVersion(context.Background()); err != nil {
		t.Fatalf("after the late stream: %v", err)
	}
	if c.Err() != nil {
		t.Fatal(c.Err())
	}
}

// FuzzHostileServer answers one call with arbitrary bytes (the first
// packet's serial patched to the call's) and then hangs up: whatever they
// are, the call returns at once, without a panic, with a result or an
// error of the documented kinds.
func FuzzHostileServer(f *testing.F) {
	h := protocol.Header{Program: remote.Program, Version: 1, Procedure: int32(remote.ProcConnectGetHostname), Type: protocol.Reply}
	f.Add(uint8(0), rawPacket(h, encode(&remote.ConnectGetHostnameRet{Hostname: "host"})))
	f.Add(uint8(0), rawPacket(h, words(remote.StringMax+1)))
	f.Add(uint8(0), append(rawPacket(protocol.Header{Program: keepalive.Program, Version: 1, Procedure: int32(keepalive.ProcPing), Type: protocol.Message}, nil),
		rawPacket(h, encode(&remote.ConnectGetHostnameRet{Hostname: "h"}))...))
	ev := protocol.Header{Program: remote.Program, Version: 1, Procedure: int32(remote.ProcDomainEventCallbackLifecycle), Type: protocol.Message}
	f.Add(uint8(0), append(rawPacket(ev, encode(&remote.DomainEventCallbackLifecycleMsg{CallbackID: 1})), rawPacket(h, encode(&remote.ConnectGetHostnameRet{Hostname: "h"}))...))
	h.Procedure = int32(remote.ProcConnectListDomains)
	f.Add(uint8(1), rawPacket(h, encode(&remote.ConnectListDomainsRet{IDs: []int32{1, 2}})))
	h.Procedure = int32(remote.ProcNodeGetMemoryParameters)
	f.Add(uint8(2), rawPacket(h, encode(&remote.NodeGetMemoryParametersRet{Params: []remote.TypedParam{{Field: "f", Value: remote.TypedParamValue{Type: 7, S: "s"}}}, Nparams: 1})))
	h.Procedure = int32(remote.ProcStorageVolDownload)
	st := h
	st.Type, st.Status = protocol.Stream, protocol.StatusContinue
	hole := st
	hole.Type = protocol.StreamHole
	f.Add(uint8(3), append(append(append(rawPacket(h, nil), rawPacket(st, []byte("data"))...), rawPacket(hole, words(0, 9, 0))...), rawPacket(st, nil)...))
	h.Procedure = int32(remote.ProcConnectGetHostname)
	h.Status = protocol.StatusError
	msg := "no"
	f.Add(uint8(0), rawPacket(h, encode(&protocol.Error{Code: 1, Message: &msg})))

	calls := []func(ctx context.Context, c *virtwire.Conn) error{
		getHostname,
		func(ctx context.Context, c *virtwire.Conn) error { _, err := c.ConnectListDomains(ctx, 10); return err },
		func(ctx context.Context, c *virtwire.Conn) error {
			_, _, err := c.NodeGetMemoryParameters(ctx, 1, 0)
			return err
		},
		func(ctx context.Context, c *virtwire.Conn) error {
			s, err := c.StorageVolDownload(ctx, virtwire.StorageVol{Name: "v"}, 0, 0, virtwire.StorageVolDownloadSparseStream)
			if err != nil {
				return err
			}
			_, err = io.Copy(io.Discard, s)
			return err
		},
	}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		srv := hostileServer(func(c *fakeserver.Conn, req *fakeserver.Request) {
			b := append([]byte(nil), data...)
			if len(b) >= protocol.LenSize+protocol.HeaderSize {
				binary.BigEndian.PutUint32(b[20:], req.Header.Serial)
			}
			_ = c.WriteRaw(b)
			_ = c.Close()
		})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := virtwire.NewConn(ctx, srv.Pipe(t), virtwire.WithoutKeepAlive())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		start := time.Now()
		err = calls[int(which)%len(calls)](ctx, c)
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("the call took %v", d)
		}
		var lerr *virtwire.Error
		switch {
		case err == nil, errors.As(err, &lerr), errors.Is(err, virtwire.ErrProtocol), errors.Is(err, virtwire.ErrDisconnected):
		default:
			t.Fatalf("error of no documented kind: %v", err)
		}
	})
}

// explainingConn ends with an error that wraps io.EOF and says why, as the
// transport's command connections do (the ssh program's stderr).
type explainingConn struct{ net.Conn }

var errHelperExited = errors.New("helper exited with status 255: Host key verification failed")

func (c explainingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if err == io.EOF {
		err = fmt.Errorf("%w (%w)", io.EOF, errHelperExited)
	}
	return n, err
}

// A hangup whose EOF explains itself keeps the explanation.
func TestHangupKeepsItsReason(t *testing.T) {
	noLeaks(t)
	srv := hostileServer(func(c *fakeserver.Conn, req *fakeserver.Request) { c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := virtwire.NewConn(ctx, explainingConn{srv.Pipe(t)}, virtwire.WithoutKeepAlive())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.ConnectGetHostname(ctx)
	if !errors.Is(err, virtwire.ErrDisconnected) || !errors.Is(err, errHelperExited) {
		t.Fatalf("err = %v, want ErrDisconnected and the reason the transport gave", err)
	}
}

// saslScript is what FuzzSASLServer's daemon answers: the mechanism list,
// then one reply per AUTH_SASL_START or AUTH_SASL_STEP.
type saslScript struct {
	mechs    string
	replies  [][]byte
	complete uint8 // bit i: reply i says the exchange is complete
}

func chars(b []byte) []int8 {
	out := make([]int8, len(b))
	for i, c := range b {
		out[i] = int8(c)
	}
	return out
}

// FuzzSASLServer plays a daemon that requires SASL and answers the
// client's SASL messages with arbitrary mechanism lists and data: Dial
// returns within its context, without a panic, and no error repeats the
// password.
func FuzzSASLServer(f *testing.F) {
	f.Add("SCRAM-SHA-256", []byte("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096"), []byte("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="), uint8(2))
	f.Add("SCRAM-SHA-1 SCRAM-SHA-512", []byte("e=unknown-user"), []byte(nil), uint8(0))
	f.Add("PLAIN", []byte(nil), []byte(nil), uint8(1))
	f.Add("DIGEST-MD5 GSSAPI", []byte("realm=x"), []byte(nil), uint8(0))
	f.Add("", []byte(nil), []byte(nil), uint8(0))
	var mu sync.Mutex
	var script saslScript
	var step int
	srv := libVersionServer(func(c *fakeserver.Conn, req *fakeserver.Request) bool {
		mu.Lock()
		defer mu.Unlock()
		reply := func() {
			var data []byte
			if step < len(script.replies) {
				data = script.replies[step]
			}
			complete := int32(script.complete >> step & 1)
			step++
			ret := remote.AuthSASLStartRet{Complete: complete, Data: chars(data)}
			if data == nil {
				ret.Nil = 1
			}
			_ = c.Reply(req, &ret)
		}
		switch remote.Procedure(req.Header.Procedure) {
		case remote.ProcAuthSASLInit:
			_ = c.Reply(req, &remote.AuthSASLInitRet{Mechlist: script.mechs})
		case remote.ProcAuthSASLStart, remote.ProcAuthSASLStep:
			if step >= 8 {
				_ = c.ReplyError(req, int32(virtwire.ErrAuthFailed), "authentication failed")
				return true
			}
			reply()
		default:
			return false
		}
		return true
	})
	srv.AuthTypes = []remote.AuthType{remote.AuthSASL}
	// Not ListenUnix: it registers a cleanup per connection, which a fuzz
	// target may not do on f.
	dir, err := os.MkdirTemp("", "fuzz-sasl")
	if err != nil {
		f.Fatal(err)
	}
	l, err := net.Listen("unix", dir+"/sock")
	if err != nil {
		f.Fatal(err)
	}
	var served sync.WaitGroup
	served.Add(1)
	go func() {
		defer served.Done()
		for {
			nc, err := l.Accept()
			if err != nil {
				return
			}
			served.Add(1)
			go func() {
				defer served.Done()
				_ = srv.Serve(nc)
			}()
		}
	}()
	f.Cleanup(func() {
		l.Close()
		served.Wait()
		os.RemoveAll(dir)
	})
	uri := "test+unix:///default?socket=" + dir + "/sock"
	const password = "fuzz-pa55word"
	f.Fuzz(func(t *testing.T, mechs string, first, second []byte, complete uint8) {
		mu.Lock()
		script, step = saslScript{mechs: mechs, replies: [][]byte{first, second}, complete: complete}, 0
		mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		start := time.Now()
		c, err := virtwire.Dial(ctx, uri, virtwire.WithSASL("agent", password))
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("Dial took %v", d)
		}
		if err == nil {
			c.Close()
			return
		}
		if strings.Contains(err.Error(), password) {
			t.Fatalf("the error shows the password: %v", err)
		}
	})
}
