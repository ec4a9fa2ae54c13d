package admin_test

import (
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/admin"
	"github.com/virtwire/virtwire/internal/fakeserver"
	"github.com/virtwire/virtwire/protocol"
	wire "github.com/virtwire/virtwire/protocol/admin"
	"github.com/virtwire/virtwire/protocol/remote"
)

// The admin Conn against a fake daemon that lies: each lie gets an error
// that names it, within the call's context, without a panic, and the
// connection ends only when the lie leaves its packets untrustworthy.

// fakeAdmin serves an admin connection whose calls handle answers (the
// fake server's defaults answer CONNECT_OPEN and CONNECT_CLOSE).
func fakeAdmin(t *testing.T, handle func(c *fakeserver.Conn, req *fakeserver.Request) bool) *admin.Conn {
	t.Helper()
	srv := &fakeserver.Server{Handle: handle}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := admin.NewConn(ctx, srv.Pipe(t))
	if err != nil {
		t.Fatalf("NewConn: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func isProc(req *fakeserver.Request, p wire.Procedure) bool {
	return req.Header.Program == wire.Program && req.Header.Procedure == int32(p)
}

func replyHeader(req *fakeserver.Request) protocol.Header {
	h := req.Header
	h.Type, h.Status = protocol.Reply, protocol.StatusOK
	return h
}

// rawReply answers req with body as given.
func rawReply(c *fakeserver.Conn, req *fakeserver.Request, body []byte) {
	var e protocol.Encoder
	e.StartPacket(replyHeader(req))
	pkt, _ := e.FinishPacket()
	out := append(append([]byte(nil), pkt...), body...)
	binary.BigEndian.PutUint32(out, uint32(len(out)))
	c.WriteRaw(out)
}

func words(ws ...uint32) []byte {
	b := make([]byte, 4*len(ws))
	for i, w := range ws {
		binary.BigEndian.PutUint32(b[4*i:], w)
	}
	return b
}

func TestHostileReplies(t *testing.T) {
	srv := admin.Server{Name: "libvirtd"}
	tests := []struct {
		name string
		proc wire.Procedure
		// answer lies; call makes the call and returns its error.
		answer func(c *fakeserver.Conn, req *fakeserver.Request)
		call   func(ctx context.Context, c *admin.Conn) error
		want   error  // wrapped by the call's error
		text   string // in the call's error
		ends   bool   // the lie ends the connection
	}{
		{
			name: "server list longer than ADMIN_SERVER_LIST_MAX",
			proc: wire.ProcConnectListServers,
			answer: func(c *fakeserver.Conn, req *fakeserver.Request) {
				rawReply(c, req, words(wire.ServerListMax+1))
			},
			call: func(ctx context.Context, c *admin.Conn) error {
				_, _, err := c.ConnectListServers(ctx, 1, 0)
				return err
			},
			want: virtwire.ErrProtocol,
		},
		{
			name: "truncated client list",
			proc: wire.ProcServerListClients,
			answer: func(c *fakeserver.Conn, req *fakeserver.Request) {
				rawReply(c, req, words(2, 0, 8)) // two clients, the first's name cut short
			},
			call: func(ctx context.Context, c *admin.Conn) error {
				_, _, err := c.ServerListClients(ctx, srv, 1, 0)
				return err
			},
			want: virtwire.ErrProtocol,
		},
		{
			name: "a thread pool size of the wrong type",
			proc: wire.ProcServerGetThreadpoolParameters,
			answer: func(c *fakeserver.Conn, req *fakeserver.Request) {
				c.Reply(req, &wire.ServerGetThreadpoolParametersRet{Params: []wire.TypedParam{
					{Field: admin.ThreadpoolWorkersMax, Value: wire.TypedParamValue{Type: int32(virtwire.TypedParamString), S: "many"}},
				}})
			},
			call: func(ctx context.Context, c *admin.Conn) error { _, err := c.ServerThreadPool(ctx, srv); return err },
			want: virtwire.ErrProtocol,
			text: `"maxWorkers"`,
		},
		{
			name: "a typed parameter of an unknown type",
			proc: wire.ProcServerGetClientLimits,
			answer: func(c *fakeserver.Conn, req *fakeserver.Request) {
				rawReply(c, req, append(append(words(1, 4), "abcd"...), words(99)...))
			},
			call: func(ctx context.Context, c *admin.Conn) error { _, err := c.ServerClientLimits(ctx, srv); return err },
			want: virtwire.ErrProtocol,
		},
		{
			name: "a client info flag of the wrong type",
			proc: wire.ProcClientGetInfo,
			answer: func(c *fakeserver.Conn, req *fakeserver.Request) {
				c.Reply(req, &wire.ClientGetInfoRet{Params: []wire.TypedParam{
					{Field: admin.ClientInfoReadonly, Value: wire.TypedParamValue{Type: int32(virtwire.TypedParamUint), Ui: 1}},
				}})
			},
			call: func(ctx context.Context, c *admin.Conn) error {
				_, err := c.ClientInfo(ctx, admin.Client{Srv: srv})
				return err
			},
			want: virtwire.ErrProtocol,
			text: `"readonly"`,
		},
		{
			name: "the daemon's error",
			proc: wire.ProcConnectLookupServer,
			answer: func(c *fakeserver.Conn, req *fakeserver.Request) {
				c.ReplyError(req, int32(virtwire.ErrNoServer), "No server named 'x'")
			},
			call: func(ctx context.Context, c *admin.Conn) error {
				_, err := c.ConnectLookupServer(ctx, "x", 0)
				return err
			},
			want: virtwire.ErrNoServer,
			text: "No server named 'x'",
		},
		{
			name: "a reply of the remote program",
			proc: wire.ProcConnectGetLibVersion,
			answer: func(c *fakeserver.Conn, req *fakeserver.Request) {
				h := replyHeader(req)
				h.Program, h.Version = remote.Program, remote.ProtocolVersion
				c.Send(h, &remote.ConnectGetLibVersionRet{LibVer: 9000000})
			},
			call: func(ctx context.Context, c *admin.Conn) error { _, err := c.ConnectGetLibVersion(ctx); return err },
			want: virtwire.ErrProtocol,
			ends: true,
		},
		{
			name: "a hang-up mid-call",
			proc: wire.ProcConnectGetLoggingFilters,
			answer: func(c *fakeserver.Conn, req *fakeserver.Request) {
				c.Close()
			},
			call: func(ctx context.Context, c *admin.Conn) error {
				_, _, err := c.ConnectGetLoggingFilters(ctx, 0)
				return err
			},
			want: virtwire.ErrDisconnected,
			ends: true,
		},
		{
			name:   "no answer: the context ends the call",
			proc:   wire.ProcConnectGetLoggingOutputs,
			answer: func(c *fakeserver.Conn, req *fakeserver.Request) {},
			call: func(ctx context.Context, c *admin.Conn) error {
				ctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
				defer cancel()
				_, _, err := c.ConnectGetLoggingOutputs(ctx, 0)
				return err
			},
			want: context.DeadlineExceeded,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := fakeAdmin(t, func(c *fakeserver.Conn, req *fakeserver.Request) bool {
				switch {
				case isProc(req, tt.proc):
					tt.answer(c, req)
					return true
				case isProc(req, wire.ProcConnectGetLibVersion):
					c.Reply(req, &wire.ConnectGetLibVersionRet{LibVer: 9000000})
					return true
				}
				return false
			})
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			start := time.Now()
			err := tt.call(ctx, c)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.text) {
				t.Fatalf("err = %v, want one wrapping %v and saying %q", err, tt.want, tt.text)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("the call took %v", d)
			}
			var e *admin.Error
			if errors.Is(tt.want, virtwire.ErrNoServer) && !errors.As(err, &e) {
				t.Errorf("the daemon's error is not an *admin.Error: %T", err)
			}
			if tt.ends {
				select {
				case <-c.Done():
				case <-ctx.Done():
					t.Fatal("the connection did not end")
				}
				if !errors.Is(c.Err(), tt.want) {
					t.Errorf("Err = %v, want one wrapping %v", c.Err(), tt.want)
				}
				return
			}
			// The lie cost its call only.
			if v, err := c.ConnectGetLibVersion(ctx); err != nil || v != 9000000 {
				t.Errorf("the next call: %d, %v", v, err)
			}
		})
	}
}

// A daemon whose CONNECT_OPEN fails, or never comes: NewConn returns the
// reason, within its context, and closes the connection.
func TestHostileHandshake(t *testing.T) {
	t.Run("refused", func(t *testing.T) {
		srv := &fakeserver.Server{Handle: func(c *fakeserver.Conn, req *fakeserver.Request) bool {
			if isProc(req, wire.ProcConnectOpen) {
				c.ReplyError(req, int32(virtwire.ErrOperationDenied), "not for you")
				return true
			}
			return false
		}}
		_, err := admin.NewConn(context.Background(), srv.Pipe(t))
		if !errors.Is(err, virtwire.ErrOperationDenied) || !strings.Contains(err.Error(), "not for you") {
			t.Fatalf("NewConn: %v", err)
		}
	})
	t.Run("never answered", func(t *testing.T) {
		srv := &fakeserver.Server{Handle: func(c *fakeserver.Conn, req *fakeserver.Request) bool {
			return isProc(req, wire.ProcConnectOpen) // and no answer
		}}
		start := time.Now()
		_, err := admin.NewConn(context.Background(), srv.Pipe(t), admin.WithDialTimeout(100*time.Millisecond))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("NewConn: %v", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("NewConn took %v", d)
		}
	})
}

// The handshake is libvirt's admin client's: CONNECT_OPEN with no flags, of
// the admin program, first; Close sends CONNECT_CLOSE.
func TestHandshakeOnTheWire(t *testing.T) {
	var (
		mu   sync.Mutex
		reqs []*fakeserver.Request
	)
	// The handler sees each request before the server answers it, so
	// every one is recorded by the time its call returns.
	srv := &fakeserver.Server{Handle: func(c *fakeserver.Conn, req *fakeserver.Request) bool {
		mu.Lock()
		reqs = append(reqs, req)
		mu.Unlock()
		return false
	}}
	c, err := admin.NewConn(context.Background(), srv.Pipe(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	var got []string
	for _, req := range reqs {
		if req.Header.Program != wire.Program || req.Header.Version != wire.ProtocolVersion {
			t.Errorf("a packet of program %#x version %d", req.Header.Program, req.Header.Version)
		}
		got = append(got, wire.Procedure(req.Header.Procedure).String())
		if isProc(req, wire.ProcConnectOpen) {
			var args wire.ConnectOpenArgs
			if err := req.Decode(&args); err != nil || args.Flags != 0 {
				t.Errorf("CONNECT_OPEN args %+v, %v", args, err)
			}
		}
	}
	want := []string{"ADMIN_PROC_CONNECT_OPEN", "ADMIN_PROC_CONNECT_CLOSE"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("packets %v, want %v", got, want)
	}
	if !errors.Is(c.Err(), virtwire.ErrConnClosed) {
		t.Errorf("Err after Close: %v", c.Err())
	}
	if _, err := c.ConnectGetLibVersion(context.Background()); !errors.Is(err, virtwire.ErrConnClosed) {
		t.Errorf("a call after Close: %v", err)
	}
}

// The zero Conn is not connected: every method says so, none panics.
func TestZeroConn(t *testing.T) {
	var c admin.Conn
	ctx := context.Background()
	if _, err := c.ConnectGetLibVersion(ctx); !errors.Is(err, virtwire.ErrConnClosed) {
		t.Errorf("ConnectGetLibVersion: %v", err)
	}
	if _, err := c.ServerThreadPool(ctx, admin.Server{Name: "x"}); !errors.Is(err, virtwire.ErrConnClosed) {
		t.Errorf("ServerThreadPool: %v", err)
	}
	if err := c.Call(ctx, int32(wire.ProcConnectGetLibVersion), nil, nil); !errors.Is(err, virtwire.ErrConnClosed) {
		t.Errorf("Call: %v", err)
	}
	if err := c.Close(); !errors.Is(err, virtwire.ErrConnClosed) {
		t.Errorf("Close: %v", err)
	}
	select {
	case <-c.Done():
	default:
		t.Error("Done is open")
	}
	if c.Err() == nil {
		t.Error("Err is nil")
	}
}

// With WithKeepAlive, a daemon that stops answering pings ends the Conn
// with ErrKeepaliveTimeout; without it, as libvirt's admin client, the
// client sends none.
func TestKeepAlive(t *testing.T) {
	srv := &fakeserver.Server{IgnorePings: true}
	c, err := admin.NewConn(context.Background(), srv.Pipe(t), admin.WithKeepAlive(20*time.Millisecond, 2))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the Conn outlived its unanswered pings")
	}
	if !errors.Is(c.Err(), virtwire.ErrKeepaliveTimeout) {
		t.Errorf("Err = %v, want ErrKeepaliveTimeout", c.Err())
	}
}
