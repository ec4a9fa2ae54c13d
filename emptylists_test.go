//go:build unix

package virtwire_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/internal/fakeserver"
	"github.com/virtwire/virtwire/internal/xdrtest"
	"github.com/virtwire/virtwire/protocol"
	"github.com/virtwire/virtwire/protocol/lxc"
	"github.com/virtwire/virtwire/protocol/qemu"
	"github.com/virtwire/virtwire/protocol/remote"
)

// sweptProc is one procedure whose generated method the sweep calls.
type sweptProc struct {
	program uint32
	info    protocol.ProcedureInfo
	method  reflect.Method
}

// sweptProcs pairs every remote, QEMU and LXC procedure with its Conn
// method, leaving out events, the handshake's procedures and streams (whose
// replies are decoded by the same generated code, which
// TestDecodedListsAreEmptyNotNil covers).
func sweptProcs(t *testing.T) []sweptProc {
	t.Helper()
	methods := methodsByKey(reflect.TypeFor[*virtwire.Conn]())
	// Opening and closing again would end the connection the sweep uses.
	skip := map[string]bool{"REMOTE_PROC_CONNECT_OPEN": true, "REMOTE_PROC_CONNECT_CLOSE": true}
	var out []sweptProc
	for _, prog := range []struct {
		program uint32
		procs   []protocol.ProcedureInfo
	}{{remote.Program, remote.Procedures}, {qemu.Program, qemu.Procedures}, {lxc.Program, lxc.Procedures}} {
		for _, info := range prog.procs {
			if info.Event || info.Stream != protocol.NoStream || skip[info.Name] {
				continue
			}
			m, ok := methods[procKey(strings.Replace(info.Name, "LXC_PROC_", "LXC_", 1))]
			if !ok {
				t.Fatalf("no Conn method for %s", info.Name)
			}
			out = append(out, sweptProc{prog.program, info, m})
		}
	}
	return out
}

// replyValue returns the reply the fake daemon sends for p: the procedure's
// result with every list at the top empty (one == false) or holding one
// element whose own lists are empty (one == true).
func replyValue(p sweptProc, one bool) protocol.Value {
	if p.info.Ret == nil {
		return nil
	}
	ret := p.info.Ret()
	fillOne(reflect.ValueOf(ret).Elem(), one)
	return ret
}

func fillOne(v reflect.Value, top bool) {
	switch v.Kind() {
	case reflect.Slice:
		if top {
			v.Set(reflect.MakeSlice(v.Type(), 1, 1))
			fillOne(v.Index(0), false)
		}
	case reflect.Array:
		for i := range v.Len() {
			fillOne(v.Index(i), false)
		}
	case reflect.Struct:
		if xdrtest.IsUnion(v.Type()) {
			v.Field(0).SetInt(1) // a valid arm: VIR_TYPED_PARAM_INT
			return
		}
		for i := range v.NumField() {
			fillOne(v.Field(i), top)
		}
	}
}

// TestEmptyListsFromFakeServer calls every generated method against a fake
// daemon that answers with empty lists, and then with lists of one element
// whose own lists are empty, and checks that no list the method returns,
// at any depth, is nil.
func TestEmptyListsFromFakeServer(t *testing.T) {
	noLeaks(t)
	procs := sweptProcs(t)
	var armed atomic.Bool
	var one atomic.Bool
	byKey := map[[2]uint32]sweptProc{}
	for _, p := range procs {
		byKey[[2]uint32{p.program, uint32(p.info.Number)}] = p
	}
	srv := &fakeserver.Server{Handle: func(c *fakeserver.Conn, req *fakeserver.Request) bool {
		p, ok := byKey[[2]uint32{req.Header.Program, uint32(req.Header.Procedure)}]
		if !armed.Load() || !ok || (req.Header.Type != protocol.Call && req.Header.Type != protocol.CallWithFDs) {
			return false
		}
		ret := replyValue(p, one.Load())
		if p.info.Name == "REMOTE_PROC_DOMAIN_OPEN_GRAPHICS_FD" || p.info.Name == "QEMU_PROC_DOMAIN_MONITOR_COMMAND_WITH_FILES" {
			_ = c.ReplyWithFiles(req, ret, nil)
		} else {
			_ = c.Reply(req, ret)
		}
		return true
	}}
	c := newUnixFakeConn(t, srv, virtwire.WithoutKeepAlive())
	armed.Store(true)

	withLists := 0
	for _, round := range []bool{false, true} {
		one.Store(round)
		for _, p := range procs {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			in := []reflect.Value{reflect.ValueOf(c), reflect.ValueOf(ctx)}
			for i := 2; i < p.method.Type.NumIn(); i++ {
				pt := p.method.Type.In(i)
				switch pt.Kind() {
				case reflect.Pointer: // refreshed objects must not be nil; optional ones may be anything
					in = append(in, reflect.New(pt.Elem()))
				default:
					in = append(in, reflect.Zero(pt))
				}
			}
			out := p.method.Func.Call(in)
			cancel()
			if err, _ := out[len(out)-1].Interface().(error); err != nil {
				t.Errorf("%s (%s): %v", p.method.Name, p.info.Name, err)
				continue
			}
			lists := 0
			for i, o := range out[:len(out)-1] {
				xdrtest.WalkSlices(o, fmt.Sprintf("%s result %d", p.method.Name, i), func(path string, v reflect.Value) {
					lists++
					if v.IsNil() {
						t.Errorf("%s is nil; want an empty slice", path)
					}
				})
			}
			if lists > 0 && !round {
				withLists++
			}
		}
	}
	// ConnectListAllDomains, NodeGetCPUMap, DomainGetVcpus... (libvirt
	// 11.3: 84 of the methods swept).
	if withLists < 80 {
		t.Errorf("only %d of %d methods returned lists", withLists, len(procs))
	}
	t.Logf("%d methods called, %d of them return lists", len(procs), withLists)
}
