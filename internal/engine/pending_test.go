package engine

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/virtwire/virtwire/internal/fakeserver"
	"github.com/virtwire/virtwire/protocol"
	"github.com/virtwire/virtwire/protocol/remote"
)

// heldServer holds DomainGetXMLDesc calls until it has n of them, then
// answers them last first, each with its domain's name: a client that
// waited for one reply before sending the next call would wait forever.
func heldServer(n int) *fakeserver.Server {
	var held []*fakeserver.Request
	return &fakeserver.Server{Handle: func(c *fakeserver.Conn, req *fakeserver.Request) bool {
		if req.Header.Procedure != int32(remote.ProcDomainGetXMLDesc) {
			return false
		}
		if held = append(held, req); len(held) < n {
			return true
		}
		for i := len(held) - 1; i >= 0; i-- {
			var args remote.DomainGetXMLDescArgs
			if err := held[i].Decode(&args); err != nil {
				return false
			}
			if c.Reply(held[i], &remote.DomainGetXMLDescRet{XML: args.Dom.Name}) != nil {
				return false
			}
		}
		held = held[:0]
		return true
	}}
}

func sendGetXML(ctx context.Context, e *Engine, name string) (Pending, error) {
	args := remote.DomainGetXMLDescArgs{Dom: remote.Domain{Name: name}}
	h := protocol.Header{Program: remote.Program, Version: remote.ProtocolVersion, Procedure: int32(remote.ProcDomainGetXMLDesc)}
	return e.Send(ctx, h, args.EncodeXDR)
}

// Calls sent with Send are in flight together, and each Wait gets its own
// call's reply, whatever order the replies come in and the caller waits in.
func TestSendThenWait(t *testing.T) {
	const n = 3
	for _, tc := range []struct {
		name    string
		pipe    bool
		reverse bool
	}{
		{"unix", false, false}, {"unix/waiting last first", false, true},
		{"pipe", true, false}, {"pipe/waiting last first", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEngine(t, heldServer(n), tc.pipe)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			for round := range 3 {
				ps := make([]Pending, n)
				for i := range ps {
					var err error
					if ps[i], err = sendGetXML(ctx, e, fmt.Sprintf("dom%d", i)); err != nil {
						t.Fatal(err)
					}
				}
				for j := range ps {
					i := j
					if tc.reverse {
						i = n - 1 - j
					}
					var ret remote.DomainGetXMLDescRet
					if err := ps[i].Wait(ctx, ret.DecodeXDR); err != nil {
						t.Fatalf("round %d, call %d: %v", round, i, err)
					}
					if want := fmt.Sprintf("dom%d", i); ret.XML != want {
						t.Errorf("round %d: call %d got the reply %q, want %q", round, i, ret.XML, want)
					}
				}
			}
		})
	}
}

// A Wait whose context ends returns its context's error; the reply that
// comes later is dropped, and the other calls in flight still get theirs.
func TestWaitHonoursItsContext(t *testing.T) {
	e := newEngine(t, heldServer(2), false)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	first, err := sendGetXML(ctx, e, "first")
	if err != nil {
		t.Fatal(err)
	}
	short, stop := context.WithCancel(ctx)
	stop()
	if err := first.Wait(short, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait with an ended context = %v, want context.Canceled", err)
	}
	second, err := sendGetXML(ctx, e, "second")
	if err != nil {
		t.Fatal(err)
	}
	var ret remote.DomainGetXMLDescRet
	if err := second.Wait(ctx, ret.DecodeXDR); err != nil || ret.XML != "second" {
		t.Fatalf("the call after an abandoned one = %q, %v; want \"second\"", ret.XML, err)
	}
}

// The zero Pending is no call.
func TestZeroPending(t *testing.T) {
	if err := (Pending{}).Wait(context.Background(), nil); !errors.Is(err, ErrConnClosed) {
		t.Fatalf("Wait on the zero Pending = %v, want ErrConnClosed", err)
	}
}
