package virtwire_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/internal/fakeserver"
	"github.com/virtwire/virtwire/protocol"
	"github.com/virtwire/virtwire/protocol/remote"
)

// Over a unix socket callers read their own replies (the read token, see
// reader.go); over net.Pipe the background reader does all reading. The
// fake-server tests written for the pipe run again over a unix socket.
func TestFakeServerOverUnixSocket(t *testing.T) {
	for _, tc := range []struct {
		name string
		test func(*testing.T)
	}{
		{"HandshakeOrder", TestHandshakeOrder},
		{"CancelSlowCall", TestCancelSlowCall},
		{"ProtocolViolations", TestProtocolViolations},
		{"ErrorReply", TestErrorReply},
		{"CloseTwiceAndConcurrent", TestCloseTwiceAndConcurrent},
		{"ServerHangup", TestServerHangup},
		{"KeepaliveTimeout", TestKeepaliveTimeout},
		{"KeepaliveAnswered", TestKeepaliveAnswered},
		{"AnswersServerPing", TestAnswersServerPing},
		{"EncodeLimitIsCallError", TestEncodeLimitIsCallError},
		{"StreamHolesAndErrors", TestStreamHolesAndErrors},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fakeOverUnix = true
			t.Cleanup(func() { fakeOverUnix = false })
			tc.test(t)
		})
	}
}

// reorderServer answers DOMAIN_LOOKUP_BY_NAME with the name asked for, in
// batches of batch calls answered in reverse order, so that replies reach
// callers other than the one reading, and the read token changes hands.
// Calls for the name "never" are held until release is closed.
func reorderServer(batch int, release <-chan struct{}) *fakeserver.Server {
	var mu sync.Mutex
	var held []*fakeserver.Request
	return &fakeserver.Server{Handle: func(c *fakeserver.Conn, req *fakeserver.Request) bool {
		if req.Header.Procedure != int32(remote.ProcDomainLookupByName) || req.Header.Type != protocol.Call {
			return false
		}
		var args remote.DomainLookupByNameArgs
		if err := req.Decode(&args); err != nil {
			return false
		}
		if args.Name == "never" {
			go func() {
				<-release
				_ = c.Reply(req, &remote.DomainLookupByNameRet{Dom: remote.Domain{Name: "never"}})
			}()
			return true
		}
		mu.Lock()
		held = append(held, req)
		var out []*fakeserver.Request
		if len(held) == batch {
			out, held = held, nil
		}
		mu.Unlock()
		for i := len(out) - 1; i >= 0; i-- {
			var a remote.DomainLookupByNameArgs
			_ = out[i].Decode(&a)
			_ = c.Reply(out[i], &remote.DomainLookupByNameRet{Dom: remote.Domain{Name: a.Name}})
		}
		return true
	}}
}

func dialUnix(t *testing.T, srv *fakeserver.Server) *virtwire.Conn {
	t.Helper()
	nc, err := net.Dial("unix", srv.ListenUnix(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := virtwire.NewConn(ctx, nc, virtwire.WithoutKeepAlive())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Many callers on one connection, replies out of order: each gets its own
// reply, whoever read it.
func TestReadTokenReorderedReplies(t *testing.T) {
	for _, callers := range []int{2, 8, 32} {
		t.Run(fmt.Sprint(callers), func(t *testing.T) {
			c := dialUnix(t, reorderServer(callers, nil))
			const calls = 100
			var wg sync.WaitGroup
			errs := make(chan error, callers)
			for g := range callers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range calls {
						name := fmt.Sprintf("dom-%d-%d", g, i)
						d, err := c.DomainLookupByName(context.Background(), name)
						if err == nil && d.Name != name {
							err = fmt.Errorf("asked for %s, got %s", name, d.Name)
						}
						if err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
		})
	}
}

// A caller that holds the read token and gives up (its context ends while
// its reply is missing) passes the token on: callers waiting behind it,
// and later ones, get their replies, and the late reply is dropped.
func TestReadTokenCancelledHolder(t *testing.T) {
	release := make(chan struct{})
	c := dialUnix(t, reorderServer(1, release))

	ctx, cancel := context.WithCancel(context.Background())
	stuck := make(chan error, 1)
	go func() {
		_, err := c.DomainLookupByName(ctx, "never")
		stuck <- err
	}()
	// Others call meanwhile; whichever of them reads, all get answers.
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				name := fmt.Sprintf("d%d-%d", g, i)
				if d, err := c.DomainLookupByName(context.Background(), name); err != nil || d.Name != name {
					errs <- fmt.Errorf("%s: %v %v", name, d.Name, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	cancel()
	select {
	case err := <-stuck:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled call: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("cancelled call did not return")
	}
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	close(release) // the late reply arrives and must be dropped quietly
	for i := range 20 {
		name := fmt.Sprint("after-", i)
		if d, err := c.DomainLookupByName(context.Background(), name); err != nil || d.Name != name {
			t.Fatalf("%s: %v %v", name, d.Name, err)
		}
	}
	if err := c.Err(); err != nil {
		t.Fatalf("connection failed: %v", err)
	}
}

// Callers that give up at random moments, some while reading for others,
// never strand the callers that wait.
func TestReadTokenCancellationStorm(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	c := dialUnix(t, reorderServer(1, release))
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 60 {
				name := fmt.Sprintf("s%d-%d", g, i)
				ctx, cancel := context.WithCancel(context.Background())
				if (g+i)%5 == 0 {
					cancel() // gives up at once, or while waiting, or while reading
					go cancel()
				}
				d, err := c.DomainLookupByName(ctx, name)
				cancel()
				switch {
				case errors.Is(err, context.Canceled):
				case err != nil:
					errs <- err
					return
				case d.Name != name:
					errs <- fmt.Errorf("asked for %s, got %s", name, d.Name)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := c.Err(); err != nil {
		t.Fatalf("connection failed: %v", err)
	}
}
