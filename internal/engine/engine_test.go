package engine

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/virtwire/virtwire/internal/fakeserver"
	"github.com/virtwire/virtwire/protocol"
	"github.com/virtwire/virtwire/protocol/remote"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// newEngine starts an engine on a connection to a fake daemon over a unix
// socket (over net.Pipe with pipe set; to the unix socket at path instead,
// when one is given), shut down at cleanup.
func newEngine(t *testing.T, srv *fakeserver.Server, pipe bool, path ...string) *Engine {
	t.Helper()
	var nc net.Conn
	if pipe {
		nc = srv.Pipe(t)
	} else {
		addr := ""
		if len(path) > 0 {
			addr = path[0]
		} else {
			addr = srv.ListenUnix(t)
		}
		var err error
		if nc, err = net.Dial("unix", addr); err != nil {
			t.Fatal(err)
		}
	}
	e := New(nc, Config{Programs: []Program{{remote.Program, remote.ProtocolVersion}}})
	t.Cleanup(func() { e.Shutdown(ErrConnClosed) })
	return e
}

func supportsKeepalive(ctx context.Context, e *Engine) error {
	args := remote.ConnectSupportsFeatureArgs{Feature: fakeserver.FeatureProgramKeepalive}
	var ret remote.ConnectSupportsFeatureRet
	h := protocol.Header{Program: remote.Program, Version: remote.ProtocolVersion, Procedure: int32(remote.ProcConnectSupportsFeature)}
	if err := e.Call(ctx, h, args.EncodeXDR, ret.DecodeXDR); err != nil {
		return err
	}
	if ret.Supported != 1 {
		return errors.New("the fake daemon says it does not support keepalive")
	}
	return nil
}

// On a unix socket a sequential caller reads its reply itself, also after
// the background reader took over the idle connection.
func TestCallerReadsOwnReply(t *testing.T) {
	var own atomic.Int32
	testHookReadOwn = func() { own.Add(1) }
	t.Cleanup(func() { testHookReadOwn = nil })
	e := newEngine(t, &fakeserver.Server{}, false)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// Whether a caller reads its own reply depends on who holds the token
	// when it asks; on an idle connection the background reader does, and
	// may read the reply before it sees the caller's request for the token.
	// Sequential callers read for themselves soon after.
	readsOwn := func() bool {
		t.Helper()
		before := own.Load()
		if err := supportsKeepalive(ctx, e); err != nil {
			t.Fatal(err)
		}
		return own.Load() > before
	}
	eventually := func(what string) {
		t.Helper()
		for range 100 {
			if readsOwn() {
				return
			}
		}
		t.Fatalf("%s: 100 sequential callers, none read its own reply", what)
	}
	eventually("at first")
	deadline := time.Now().Add(5 * time.Second)
	for {
		e.mu.Lock()
		bg := e.tok.holder == tokenBackground
		e.mu.Unlock()
		if bg {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the background reader never took over the idle connection")
		}
		time.Sleep(time.Millisecond) // polling a state, not ordering events
	}
	eventually("after the background reader took over")
}

// Many concurrent callers on every kind of link each get their own reply.
func TestConcurrentCalls(t *testing.T) {
	for _, pipe := range []bool{false, true} {
		name := map[bool]string{false: "unix", true: "pipe"}[pipe]
		t.Run(name, func(t *testing.T) {
			e := newEngine(t, &fakeserver.Server{}, pipe)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			var wg sync.WaitGroup
			errs := make(chan error, 64)
			for range 64 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 50 {
						if err := supportsKeepalive(ctx, e); err != nil {
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

// spawn refuses to start goroutines once the engine has failed, so that
// none can outlive Shutdown.
func TestSpawnRefusedAfterFailure(t *testing.T) {
	e := newEngine(t, &fakeserver.Server{}, false)
	e.Shutdown(ErrConnClosed)
	if e.spawn(func() { t.Error("a goroutine started after Shutdown") }) {
		t.Fatal("spawn accepted a goroutine after Shutdown")
	}
	if e.enter() {
		t.Fatal("enter accepted a goroutine after Shutdown")
	}
}
