//go:build unix

package virtwire_test

// Differential tests against github.com/digitalocean/go-libvirt: for the
// same call, the body bytes virtwire writes must equal the ones go-libvirt
// writes. Each client talks to an in-memory peer that records every packet
// after the handshake and answers it with a libvirt error, so that the call
// returns without a daemon. virtwire is driven through its real Conn
// methods and fakeserver; go-libvirt through its own methods and a small
// peer written here with encoding/binary alone, so that the two captures do
// not share any of virtwire's codec.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	libvirt "github.com/digitalocean/go-libvirt"
	"github.com/digitalocean/go-libvirt/socket/dialers"
	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/internal/fakeserver"
	"github.com/virtwire/virtwire/protocol"
	"github.com/virtwire/virtwire/protocol/qemu"
	"github.com/virtwire/virtwire/protocol/remote"
)

// wirePacket is one packet a client sent, without its serial (the two
// clients number their calls differently).
type wirePacket struct {
	Program, Version, Procedure, Type, Status uint32
	Body                                      []byte
	Files                                     int // file descriptors passed with the packet
}

// xdrWords shows bodies as 4-byte XDR words in diffs, so that a shifted or
// swapped field stands out.
var xdrWords = cmp.Transformer("xdrWords", func(b []byte) []string {
	words := make([]string, 0, (len(b)+3)/4)
	for i := 0; i < len(b); i += 4 {
		words = append(words, hex.EncodeToString(b[i:min(i+4, len(b))]))
	}
	return words
})

// drain returns the packets recorded so far. Both peers record a packet
// before they answer it, so once a call has returned, everything it sent is
// in ch.
func drain(ch <-chan wirePacket) []wirePacket {
	var out []wirePacket
	for {
		select {
		case p := <-ch:
			out = append(out, p)
		default:
			return out
		}
	}
}

// diffErrorCode is the libvirt error both peers answer recorded calls with.
const diffErrorCode = int32(virtwire.ErrOperationUnsupported)

// featureNetworkUpdateHasCorrectOrder is libvirt's internal
// VIR_DRV_FEATURE_NETWORK_UPDATE_HAS_CORRECT_ORDER (src/libvirt_internal.h),
// the CONNECT_SUPPORTS_FEATURE probe behind NetworkUpdate's argument order.
const featureNetworkUpdateHasCorrectOrder = 16

// glPeer is the daemon side of a go-libvirt connection: it answers the
// handshake (AUTH_LIST, CONNECT_OPEN, CONNECT_CLOSE) and, while armed,
// records every packet and answers it with an error (or, for the
// NetworkUpdate argument-order probe, with the answer set in correct).
type glPeer struct {
	armed     atomic.Bool
	correct   atomic.Bool // the answer to featureNetworkUpdateHasCorrectOrder
	pkts      chan wirePacket
	wmu       sync.Mutex
	mu        sync.Mutex
	handshake []wirePacket // what came before arming
}

// startGoLibvirt connects a go-libvirt client to a glPeer over net.Pipe.
// Both are shut down, and their goroutines waited for, at cleanup.
func startGoLibvirt(t *testing.T) (*libvirt.Libvirt, *glPeer) {
	t.Helper()
	client, server := net.Pipe()
	p := &glPeer{pkts: make(chan wirePacket, 64)}
	done := make(chan error, 1)
	go func() { done <- p.serve(server) }()
	l := libvirt.NewWithDialer(dialers.NewAlreadyConnected(client))
	if err := l.Connect(); err != nil {
		client.Close()
		<-done
		t.Fatalf("go-libvirt handshake with the test peer: %v", err)
	}
	if got, want := procedures(p.handshakePackets()), []uint32{uint32(remote.ProcAuthList), uint32(remote.ProcConnectOpen)}; !slices.Equal(got, want) {
		t.Errorf("go-libvirt's handshake sent procedures %v, want %v", got, want)
	}
	t.Cleanup(func() {
		p.armed.Store(false)
		if err := l.Disconnect(); err != nil {
			t.Errorf("go-libvirt Disconnect: %v", err)
		}
		server.Close()
		if err := <-done; err != nil {
			t.Errorf("go-libvirt test peer: %v", err)
		}
	})
	return l, p
}

func (p *glPeer) serve(nc net.Conn) error {
	defer nc.Close()
	br := bufio.NewReader(nc)
	for {
		var lenBuf [4]byte
		if _, err := io.ReadFull(br, lenBuf[:]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrClosedPipe) {
				return nil
			}
			return err
		}
		n := binary.BigEndian.Uint32(lenBuf[:])
		if n < 28 || n > 32<<20 {
			return fmt.Errorf("go-libvirt sent a packet of length %d", n)
		}
		pkt := make([]byte, n-4)
		if _, err := io.ReadFull(br, pkt); err != nil {
			return fmt.Errorf("reading a %d-byte packet: %w", n, err)
		}
		w := func(i int) uint32 { return binary.BigEndian.Uint32(pkt[4*i:]) }
		got := wirePacket{Program: w(0), Version: w(1), Procedure: w(2), Type: w(3), Status: w(5), Body: pkt[24:]}
		serial := w(4)
		armed := p.armed.Load()
		if armed {
			p.pkts <- got
		} else if got.Procedure != uint32(remote.ProcConnectClose) {
			p.mu.Lock()
			p.handshake = append(p.handshake, got)
			p.mu.Unlock()
		}
		if err := p.answer(nc, got, serial, armed); err != nil {
			return err
		}
	}
}

// answer replies to one call. The replies are encoded by hand here so that
// the go-libvirt side of the comparison does not go through virtwire.
func (p *glPeer) answer(nc net.Conn, req wirePacket, serial uint32, armed bool) error {
	var body []byte
	status := uint32(protocol.StatusOK)
	word := func(v uint32) { body = binary.BigEndian.AppendUint32(body, v) }
	switch {
	case !armed && req.Program == remote.Program && req.Procedure == uint32(remote.ProcConnectClose):
	case !armed && req.Program == remote.Program && req.Procedure == uint32(remote.ProcAuthList):
		word(1) // one type:
		word(uint32(remote.AuthNone))
	case !armed && req.Program == remote.Program && req.Procedure == uint32(remote.ProcConnectOpen):
	case req.Program == remote.Program && req.Procedure == uint32(remote.ProcConnectSupportsFeature) &&
		len(req.Body) == 4 && binary.BigEndian.Uint32(req.Body) == featureNetworkUpdateHasCorrectOrder:
		if p.correct.Load() {
			word(1)
		} else {
			word(0)
		}
	default:
		// remote_error: code, domain, message (present), level, then
		// dom, str1, str2, str3 (absent), int1, int2, net (absent).
		status = uint32(protocol.StatusError)
		msg := "difftest: recorded"
		word(uint32(diffErrorCode))
		word(0)
		word(1)
		word(uint32(len(msg)))
		body = append(body, msg...)
		body = append(body, make([]byte, (4-len(msg)%4)%4)...)
		word(2)
		for range 4 {
			word(0)
		}
		word(0)
		word(0)
		word(0)
	}
	var pkt []byte
	for _, v := range []uint32{uint32(28 + len(body)), req.Program, req.Version, req.Procedure, uint32(protocol.Reply), serial, status} {
		pkt = binary.BigEndian.AppendUint32(pkt, v)
	}
	p.wmu.Lock()
	defer p.wmu.Unlock()
	_, err := nc.Write(append(pkt, body...))
	return err
}

func (p *glPeer) handshakePackets() []wirePacket {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.handshake)
}

// procedures lists the packets' procedure numbers.
func procedures(pkts []wirePacket) []uint32 {
	var procs []uint32
	for _, p := range pkts {
		procs = append(procs, p.Procedure)
	}
	return procs
}

// vwPeer records, once armed, what a virtwire Conn sends to fakeserver.
type vwPeer struct {
	stringProbe atomic.Bool
	legacyOrder atomic.Bool // answer the NetworkUpdate order probe with "no fix"
	armed       atomic.Bool
	pkts        chan wirePacket
	mu          sync.Mutex
	handshake   []wirePacket // the calls made before arming
}

func (p *vwPeer) handshakePackets() []wirePacket {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.handshake)
}

// startVirtwire opens a virtwire Conn on fakeserver over a unix socket
// (file descriptors can only be passed over one).
func startVirtwire(t *testing.T) (*virtwire.Conn, *vwPeer) {
	t.Helper()
	p := &vwPeer{pkts: make(chan wirePacket, 64)}
	// The daemon says it has no string typed parameters, so that virtwire,
	// like libvirt's client, leaves the flags of the typed-parameter getters
	// as given; its feature probe is answered and not recorded.
	srv := &fakeserver.Server{Features: map[int32]bool{9: false}, Handle: func(c *fakeserver.Conn, req *fakeserver.Request) bool {
		h := req.Header
		if h.Type != protocol.Call && h.Type != protocol.CallWithFDs {
			return false
		}
		if p.armed.Load() && h.Program == remote.Program && h.Procedure == int32(remote.ProcConnectSupportsFeature) {
			switch {
			case bytes.Equal(req.Body, []byte{0, 0, 0, 9}) && p.stringProbe.CompareAndSwap(false, true):
				return false // virtwire's own probe for VIR_DRV_FEATURE_TYPED_PARAM_STRING, asked once
			case bytes.Equal(req.Body, []byte{0, 0, 0, 16}):
				// virtwire's probe before every NetworkUpdate, as libvirt's
				// client makes: answered as the test says, not recorded.
				var ret remote.ConnectSupportsFeatureRet
				if !p.legacyOrder.Load() {
					ret.Supported = 1
				}
				return c.Reply(req, &ret) == nil
			}
		}
		got := wirePacket{Program: h.Program, Version: h.Version, Procedure: uint32(h.Procedure), Type: uint32(h.Type), Status: uint32(h.Status), Body: slices.Clone(req.Body), Files: len(req.Files)}
		if !p.armed.Load() {
			p.mu.Lock()
			p.handshake = append(p.handshake, got)
			p.mu.Unlock()
			return false
		}
		p.pkts <- got
		for _, f := range req.Files {
			f.Close()
		}
		return c.ReplyError(req, diffErrorCode, "difftest: recorded") == nil
	}}
	nc, err := net.Dial("unix", srv.ListenUnix(t))
	if err != nil {
		t.Fatal(err)
	}
	c, err := virtwire.NewConn(context.Background(), nc, virtwire.WithoutKeepAlive(), virtwire.WithName("qemu:///system"))
	if err != nil {
		t.Fatalf("virtwire handshake with fakeserver: %v", err)
	}
	t.Cleanup(func() {
		p.armed.Store(false)
		if err := c.Close(); err != nil {
			t.Errorf("virtwire Close: %v", err)
		}
	})
	return c, p
}

// procKey is the name both libraries give a procedure's method, upper-cased
// without separators: REMOTE_PROC_DOMAIN_GET_XML_DESC and DomainGetXMLDesc
// both give DOMAINGETXMLDESC; QEMU_PROC_DOMAIN_MONITOR_COMMAND and
// QEMUDomainMonitorCommand give QEMUDOMAINMONITORCOMMAND.
func procKey(name string) string {
	name = strings.TrimPrefix(name, "REMOTE_PROC_")
	name = strings.Replace(name, "QEMU_PROC_", "QEMU_", 1)
	return strings.ToUpper(strings.ReplaceAll(name, "_", ""))
}

// diffProc is one procedure both libraries have a method for.
type diffProc struct {
	program uint32
	info    protocol.ProcedureInfo
	vw, gl  reflect.Method
}

var (
	ctxType      = reflect.TypeFor[context.Context]()
	filesType    = reflect.TypeFor[[]*os.File]()
	vwParamValue = reflect.TypeFor[remote.TypedParamValue]()
	glParamValue = reflect.TypeFor[libvirt.TypedParamValue]()
)

// methodsByKey indexes a type's methods by procKey of their names.
func methodsByKey(t reflect.Type) map[string]reflect.Method {
	m := make(map[string]reflect.Method, t.NumMethod())
	for i := range t.NumMethod() {
		meth := t.Method(i)
		m[strings.ToUpper(meth.Name)] = meth
	}
	return m
}

// diffProcs pairs every remote and QEMU procedure with the two libraries'
// methods for it. It returns the pairs and, for the rest, why they are left
// out. (go-libvirt has no LXC program.)
func diffProcs() (pairs []diffProc, missing map[string]string) {
	vw := methodsByKey(reflect.TypeFor[*virtwire.Conn]())
	gl := methodsByKey(reflect.TypeFor[*libvirt.Libvirt]())
	missing = make(map[string]string)
	add := func(program uint32, procs []protocol.ProcedureInfo) {
		for _, info := range procs {
			k := procKey(info.Name)
			vm, vok := vw[k]
			gm, gok := gl[k]
			switch {
			case info.Event:
				missing[info.Name] = "an event the daemon sends; no client call"
			case !vok:
				missing[info.Name] = "virtwire has no method for it"
			case !gok:
				missing[info.Name] = "go-libvirt has no method for it"
			default:
				pairs = append(pairs, diffProc{program: program, info: info, vw: vm, gl: gm})
			}
		}
	}
	add(remote.Program, remote.Procedures)
	add(qemu.Program, qemu.Procedures)
	return pairs, missing
}

// paramArms names remote.TypedParamValue's field for each arm of the
// remote_typed_param_value union (VIR_TYPED_PARAM_INT = 1 ... STRING = 7).
var paramArms = [...]string{1: "I", 2: "Ui", 3: "L", 4: "Ul", 5: "D", 6: "B", 7: "S"}

// genMode says how a generated argument list fills its values.
type genMode int

const (
	genEmpty genMode = iota // zero numbers, empty strings and arrays, absent optionals
	genFull                 // every optional present, every array non-empty
	genMixed                // anything goes, within the .x limits
)

func (m genMode) String() string { return [...]string{"empty", "full", "mixed"}[m] }

// argGen fills virtwire argument values deterministically.
type argGen struct {
	r    *rand.Rand
	mode genMode
}

// Strings are short, of every length modulo 4 (so every padding occurs),
// and include multi-byte UTF-8 (their XDR length counts bytes).
const genAlphabet = "abcXYZ019 /<>='\"é€-_.:"

func (g *argGen) value(t reflect.Type) reflect.Value {
	v := reflect.New(t).Elem()
	if g.mode == genEmpty {
		return v
	}
	if t == vwParamValue {
		arm := int32(g.r.IntN(7) + 1)
		v.FieldByName("Type").SetInt(int64(arm))
		field := paramArms[arm]
		v.FieldByName(field).Set(g.value(v.FieldByName(field).Type()))
		return v
	}
	switch t.Kind() {
	case reflect.Bool:
		v.SetBool(g.r.IntN(2) == 1)
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(g.r.Uint64()))
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(g.r.Uint64())
	case reflect.Float32, reflect.Float64:
		v.SetFloat(g.r.NormFloat64() * 1e6)
	case reflect.String:
		runes := []rune(genAlphabet)
		var b strings.Builder
		for range g.length(1, 13) {
			b.WriteRune(runes[g.r.IntN(len(runes))])
		}
		v.SetString(b.String())
	case reflect.Slice:
		n := g.length(1, 4)
		if t.Elem().Kind() == reflect.Uint8 {
			n = g.length(1, 10)
		}
		s := reflect.MakeSlice(t, n, n)
		for i := range n {
			s.Index(i).Set(g.value(t.Elem()))
		}
		v.Set(s)
	case reflect.Array:
		for i := range t.Len() {
			v.Index(i).Set(g.value(t.Elem()))
		}
	case reflect.Pointer:
		if g.mode == genFull || g.r.IntN(2) == 1 {
			p := reflect.New(t.Elem())
			p.Elem().Set(g.value(t.Elem()))
			v.Set(p)
		}
	case reflect.Struct:
		for i := range t.NumField() {
			v.Field(i).Set(g.value(t.Field(i).Type))
		}
	default:
		panic(fmt.Sprintf("argGen: no generator for %v", t))
	}
	return v
}

// length picks a length in [lo, hi) for genFull and [0, hi) for genMixed.
func (g *argGen) length(lo, hi int) int {
	if g.mode == genMixed {
		lo = 0
	}
	return lo + g.r.IntN(hi-lo)
}

// toGoLibvirt converts a virtwire argument value to go-libvirt's type for
// the same .x type: optionals are pointers in virtwire and 0-or-1-element
// slices in go-libvirt, the typed-parameter union is a struct of arms in
// virtwire and a discriminant plus interface in go-libvirt, and named types
// differ; structs correspond field by field in .x order.
func toGoLibvirt(v reflect.Value, to reflect.Type) (reflect.Value, error) {
	from := v.Type()
	if from == vwParamValue && to == glParamValue {
		typ := v.FieldByName("Type").Int()
		if typ < 1 || typ >= int64(len(paramArms)) {
			return reflect.Value{}, fmt.Errorf("typed parameter type %d has no arm", typ)
		}
		arm := v.FieldByName(paramArms[typ]).Interface()
		return reflect.ValueOf(libvirt.TypedParamValue{D: uint32(typ), I: arm}), nil
	}
	out := reflect.New(to).Elem()
	switch {
	case to.Kind() == reflect.Struct && from.Kind() == reflect.Pointer:
		// An object virtwire's method refreshes in place.
		if v.IsNil() {
			return out, fmt.Errorf("nil %v", from)
		}
		return toGoLibvirt(v.Elem(), to)
	case to.Kind() == reflect.Slice && from.Kind() == reflect.Pointer:
		if v.IsNil() {
			out.Set(reflect.MakeSlice(to, 0, 0))
			return out, nil
		}
		e, err := toGoLibvirt(v.Elem(), to.Elem())
		if err != nil {
			return out, err
		}
		out.Set(reflect.Append(reflect.MakeSlice(to, 0, 1), e))
	case to.Kind() == reflect.Slice && from.Kind() == reflect.Slice:
		if v.IsNil() {
			return out, nil
		}
		s := reflect.MakeSlice(to, v.Len(), v.Len())
		for i := range v.Len() {
			e, err := toGoLibvirt(v.Index(i), to.Elem())
			if err != nil {
				return out, err
			}
			s.Index(i).Set(e)
		}
		out.Set(s)
	case to.Kind() == reflect.Array && from.Kind() == reflect.Array && to.Len() == from.Len():
		for i := range v.Len() {
			e, err := toGoLibvirt(v.Index(i), to.Elem())
			if err != nil {
				return out, err
			}
			out.Index(i).Set(e)
		}
	case to.Kind() == reflect.Struct && from.Kind() == reflect.Struct:
		if to.NumField() != from.NumField() {
			return out, fmt.Errorf("%v has %d fields, %v has %d", from, from.NumField(), to, to.NumField())
		}
		for i := range to.NumField() {
			e, err := toGoLibvirt(v.Field(i), to.Field(i).Type)
			if err != nil {
				return out, fmt.Errorf("%v.%s: %w", from, from.Field(i).Name, err)
			}
			out.Field(i).Set(e)
		}
	case isScalar(from.Kind()) && isScalar(to.Kind()) && (from.Kind() == reflect.String) == (to.Kind() == reflect.String):
		if size(from.Kind()) != size(to.Kind()) {
			return out, fmt.Errorf("%v and %v differ in size", from, to)
		}
		out.Set(v.Convert(to))
	default:
		return out, fmt.Errorf("cannot express %v as go-libvirt's %v", from, to)
	}
	return out, nil
}

func isScalar(k reflect.Kind) bool {
	return k >= reflect.Bool && k <= reflect.Float64 && k != reflect.Uintptr || k == reflect.String
}

// size is the XDR size class of a scalar kind: 4 for int, unsigned int,
// bool, float and the char/short types XDR widens, 8 for hyper and double.
func size(k reflect.Kind) int {
	switch k {
	case reflect.Int64, reflect.Uint64, reflect.Float64, reflect.Int, reflect.Uint:
		return 8
	case reflect.String:
		return 0
	}
	return 4
}

// callResult is what one client's call sent and returned.
type callResult struct {
	pkts []wirePacket
	err  error
}

// callVirtwire calls m on c with args (ctx first) and returns what it sent.
// A method that passes file descriptors (its last parameter is []*os.File)
// gets nfiles open files of /dev/null.
func callVirtwire(t *testing.T, c *virtwire.Conn, p *vwPeer, m reflect.Method, args []reflect.Value, nfiles int) callResult {
	t.Helper()
	in := []reflect.Value{reflect.ValueOf(c), reflect.ValueOf(context.Background())}
	in = append(in, args...)
	if n := m.Type.NumIn(); len(in) < n && m.Type.In(n-1) == filesType {
		var files []*os.File
		for range nfiles {
			f, err := os.Open(os.DevNull)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			files = append(files, f)
		}
		in = append(in, reflect.ValueOf(files))
	}
	p.armed.Store(true)
	out := m.Func.Call(in)
	p.armed.Store(false)
	res := callResult{pkts: drain(p.pkts)}
	res.err, _ = out[len(out)-1].Interface().(error)
	for _, o := range out[:len(out)-1] {
		if s, ok := o.Interface().(*virtwire.Stream); ok && s != nil {
			s.Close()
		}
	}
	return res
}

// callGoLibvirt converts args to m's parameters (stream parameters, which
// have no .x field, get nil) and calls it.
func callGoLibvirt(l *libvirt.Libvirt, p *glPeer, m reflect.Method, args []reflect.Value) (callResult, error) {
	in := []reflect.Value{reflect.ValueOf(l)}
	next := 0
	for i := 1; i < m.Type.NumIn(); i++ {
		pt := m.Type.In(i)
		if pt.Kind() == reflect.Interface {
			in = append(in, reflect.Zero(pt))
			continue
		}
		if next == len(args) {
			return callResult{}, fmt.Errorf("go-libvirt's %s takes more arguments than virtwire's", m.Name)
		}
		v, err := toGoLibvirt(args[next], pt)
		if err != nil {
			return callResult{}, fmt.Errorf("argument %d of %s: %w", next+1, m.Name, err)
		}
		in = append(in, v)
		next++
	}
	if next != len(args) {
		return callResult{}, fmt.Errorf("go-libvirt's %s takes %d arguments, virtwire's %d", m.Name, next, len(args))
	}
	p.armed.Store(true)
	out := m.Func.Call(in)
	p.armed.Store(false)
	res := callResult{pkts: drain(p.pkts)}
	res.err, _ = out[len(out)-1].Interface().(error)
	return res, nil
}

// genArgs generates the arguments of virtwire's method for pr (without ctx
// and without a trailing []*os.File). Where virtwire takes a pointer to the
// object it refreshes (DomainCreate's *Domain) and go-libvirt the object
// itself, the pointer is never nil.
func genArgs(pr diffProc, g *argGen) []reflect.Value {
	var gl []reflect.Type // go-libvirt's parameters that take a .x field
	for i := 1; i < pr.gl.Type.NumIn(); i++ {
		if pt := pr.gl.Type.In(i); pt.Kind() != reflect.Interface {
			gl = append(gl, pt)
		}
	}
	m := pr.vw
	var args []reflect.Value
	for i := 1; i < m.Type.NumIn(); i++ {
		pt := m.Type.In(i)
		if pt == ctxType || (i == m.Type.NumIn()-1 && pt == filesType) {
			continue
		}
		v := g.value(pt)
		if pt.Kind() == reflect.Pointer && len(args) < len(gl) && gl[len(args)].Kind() == reflect.Struct {
			v = reflect.New(pt.Elem())
			v.Elem().Set(g.value(pt.Elem()))
		}
		args = append(args, v)
	}
	return args
}

// passesFiles tells whether virtwire's method m sends file descriptors
// with the call (its last parameter is []*os.File).
func passesFiles(m reflect.Method) bool {
	return m.Type.In(m.Type.NumIn()-1) == filesType
}

// compareCall makes the same call through both clients and reports any
// difference in what they sent. virtwire must send what libvirt's own client
// sends: a CALL, or a CALL_WITH_FDS when it passes descriptors. go-libvirt
// cannot pass descriptors and always sends a CALL (see fdException).
func compareCall(t *testing.T, label string, pr diffProc, l *libvirt.Libvirt, gp *glPeer, c *virtwire.Conn, vp *vwPeer, args []reflect.Value, nfiles int) {
	t.Helper()
	gr, err := callGoLibvirt(l, gp, pr.gl, args)
	if err != nil {
		t.Errorf("%s: %v", label, err)
		return
	}
	vr := callVirtwire(t, c, vp, pr.vw, args, nfiles)
	glWant := wirePacket{Program: pr.program, Version: 1, Procedure: uint32(pr.info.Number), Type: uint32(protocol.Call)}
	vwWant := glWant
	if passesFiles(pr.vw) && nfiles > 0 {
		vwWant.Type, vwWant.Files = uint32(protocol.CallWithFDs), nfiles
	}
	for _, side := range []struct {
		who  string
		res  callResult
		want wirePacket
	}{{"go-libvirt", gr, glWant}, {"virtwire", vr, vwWant}} {
		if len(side.res.pkts) != 1 {
			t.Errorf("%s: %s sent %d packets, want 1", label, side.who, len(side.res.pkts))
			continue
		}
		got := side.res.pkts[0]
		got.Body = nil
		if diff := cmp.Diff(side.want, got); diff != "" {
			t.Errorf("%s: %s's header (-want +got):\n%s", label, side.who, diff)
		}
		if side.res.err == nil {
			t.Errorf("%s: %s returned no error for an error reply", label, side.who)
		}
	}
	var verr *virtwire.Error
	if vr.err != nil && (!errors.As(vr.err, &verr) || int32(verr.Code) != diffErrorCode) {
		t.Errorf("%s: virtwire returned %v, want the peer's *virtwire.Error with code %d", label, vr.err, diffErrorCode)
	}
	// bytes.Equal first: the word-by-word diff of a 4 MiB body takes seconds.
	if len(gr.pkts) == 1 && len(vr.pkts) == 1 && !bytes.Equal(gr.pkts[0].Body, vr.pkts[0].Body) {
		if diff := cmp.Diff(gr.pkts[0].Body, vr.pkts[0].Body, xdrWords); diff != "" {
			t.Errorf("%s: body differs (-go-libvirt +virtwire):\n%s", label, diff)
		}
	}
}

// fdException is why go-libvirt's header differs for the procedures that
// pass file descriptors with the call. Their bodies are still compared.
const fdException = "go-libvirt cannot pass file descriptors: it sends a plain CALL without " +
	"them, where libvirt's client (and virtwire) sends CALL_WITH_FDS, the descriptor " +
	"count, the arguments, then the descriptors"

// connectOpenException is where go-libvirt's handshake departs from the .x
// file. It does not encode CONNECT_OPEN with its generated types but from a
// struct whose first field, [3]byte{1, 0, 0}, stands in for the "present"
// flag of the optional name (remote_string): XDR pads it to the word
// 01 00 00 00, which is 16777216, not the boolean 1 that the .x calls for
// and libvirt's client sends. libvirtd accepts it only because its XDR
// library reads any nonzero boolean as true. TestConnectOpenMatchesVirsh
// checks virtwire's CONNECT_OPEN, and this difference, against virsh's.
// (go-libvirt's generated ConnectOpen method is correct and is compared in
// the sweep.)
const connectOpenException = "go-libvirt's handshake writes the optional name's present flag as 0x01000000"

// goLibvirtExceptions are the procedures where go-libvirt's method does not
// send what the .x file and libvirt's own client send, with the reason.
//
// NetworkUpdate is not among them: go-libvirt's generated NetworkUpdate
// encodes command and section in .x order, like virtwire, and its
// NetworkUpdateCompat probes the daemon and swaps them the way libvirt's
// client does. TestNetworkUpdateMatchesVirsh checks both, and virtwire,
// against bytes captured from virsh.
var goLibvirtExceptions = map[string]string{
	"REMOTE_PROC_DOMAIN_CREATE_WITH_FILES":        fdException,
	"REMOTE_PROC_DOMAIN_CREATE_XML_WITH_FILES":    fdException,
	"REMOTE_PROC_DOMAIN_FD_ASSOCIATE":             fdException,
	"QEMU_PROC_DOMAIN_MONITOR_COMMAND_WITH_FILES": fdException,
}

// constructs names what an argument list exercises, found by walking the
// generated values.
func constructs(v reflect.Value, in map[string]bool, inArray bool) {
	t := v.Type()
	switch {
	case t == vwParamValue:
		in[fmt.Sprintf("typed-param union arm %d", v.FieldByName("Type").Int())] = true
		if inArray {
			in["typed params array"] = true
		}
		constructs(v.FieldByName(paramArms[v.FieldByName("Type").Int()]), in, inArray)
		return
	case t == filesType:
		return
	}
	switch t.Kind() {
	case reflect.String:
		in["string"] = true
	case reflect.Int64, reflect.Uint64:
		in["hyper"] = true
	case reflect.Float64:
		in["double"] = true
	case reflect.Pointer:
		if v.IsNil() {
			in["optional absent"] = true
		} else {
			in["optional present"] = true
			constructs(v.Elem(), in, inArray)
		}
	case reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			in["fixed opaque"] = true
		}
		for i := range v.Len() {
			constructs(v.Index(i), in, inArray)
		}
	case reflect.Slice:
		switch {
		case t.Elem().Kind() == reflect.Uint8:
			in["variable opaque"] = true
		case v.Len() == 0:
			in["empty array"] = true
		case t.Elem().Kind() == reflect.Struct:
			in["array of structs"] = true
		case t.Elem().Kind() == reflect.String:
			in["array of strings"] = true
		default:
			in["array of scalars"] = true
		}
		if inArray && t.Elem().Kind() != reflect.Uint8 {
			in["nested array"] = true
		}
		for i := range v.Len() {
			constructs(v.Index(i), in, true)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			constructs(v.Field(i), in, inArray)
		}
	}
	if inArray && (t.Kind() == reflect.String || t.Kind() == reflect.Array) {
		in["nested array"] = true // a string or fixed opaque inside an array element
	}
}

// TestGoLibvirtSameBodies calls every remote and QEMU procedure that both
// libraries have a method for, three times (empty, full and mixed values),
// and checks that virtwire and go-libvirt send identical bodies and headers.
func TestGoLibvirtSameBodies(t *testing.T) {
	leaks := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, leaks) })
	l, gp := startGoLibvirt(t)
	c, vp := startVirtwire(t)

	pairs, missing := diffProcs()
	byName := map[string]diffProc{}
	seen := map[string]bool{}
	for _, pr := range pairs {
		byName[pr.info.Name] = pr
		for mode := genEmpty; mode <= genMixed; mode++ {
			g := &argGen{r: rand.New(rand.NewPCG(uint64(pr.program), uint64(pr.info.Number)<<2|uint64(mode))), mode: mode}
			args := genArgs(pr, g)
			compareCall(t, fmt.Sprintf("%s (%v values)", pr.info.Name, mode), pr, l, gp, c, vp, args, int(mode))
			for _, a := range args {
				constructs(a, seen, false)
			}
		}
	}
	// Each exception must still be one: a procedure that passes descriptors.
	for name, why := range goLibvirtExceptions {
		pr, ok := byName[name]
		switch {
		case !ok:
			t.Errorf("exception %s names no procedure both libraries have", name)
		case why == fdException && !passesFiles(pr.vw):
			t.Errorf("exception %s: virtwire's %s passes no file descriptors", name, pr.vw.Name)
		}
	}
	for _, pr := range pairs {
		if _, ok := goLibvirtExceptions[pr.info.Name]; passesFiles(pr.vw) && !ok {
			t.Errorf("%s passes file descriptors but is not listed in goLibvirtExceptions", pr.info.Name)
		}
	}

	if len(pairs) < 50 {
		t.Errorf("compared %d procedures, want at least 50", len(pairs))
	}
	wantConstructs := []string{
		"string", "hyper", "double", "optional absent", "optional present",
		"fixed opaque", "variable opaque", "empty array", "array of structs",
		"array of strings", "array of scalars", "nested array", "typed params array",
	}
	for arm := 1; arm <= 7; arm++ {
		wantConstructs = append(wantConstructs, fmt.Sprintf("typed-param union arm %d", arm))
	}
	for _, k := range wantConstructs {
		if !seen[k] {
			t.Errorf("no compared call exercised %s", k)
		}
	}
	var left []string
	for name, why := range missing {
		left = append(left, name+": "+why)
	}
	sort.Strings(left)
	t.Logf("compared %d procedures (%d calls each way); %d with a listed exception; %d not compared",
		len(pairs), 3*len(pairs), len(goLibvirtExceptions), len(left))
	for _, s := range left {
		t.Log("  not compared: " + s)
	}
}

// boundaryCase is one hand-picked call at the edges of the XDR encoding.
type boundaryCase struct {
	name   string
	method string // virtwire's method
	args   []any  // its arguments after ctx, converted to the parameter types
}

func boundaryCases() []boundaryCase {
	uuid := virtwire.UUID{0xff, 0x00, 0x7f, 0x80, 0x01, 0xfe, 0xff, 0xff, 0, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef}
	dom := virtwire.Domain{Name: "vm-ü", UUID: uuid, ID: -1}
	net := virtwire.Network{Name: "lab", UUID: uuid}
	str := func(s string) *string { return &s }
	allArms := []virtwire.TypedParam{
		{Field: "int.min", Value: remote.TypedParamValue{Type: 1, I: math.MinInt32}},
		{Field: "uint.max", Value: remote.TypedParamValue{Type: 2, Ui: math.MaxUint32}},
		{Field: "llong.min", Value: remote.TypedParamValue{Type: 3, L: math.MinInt64}},
		{Field: "ullong.max", Value: remote.TypedParamValue{Type: 4, Ul: math.MaxUint64}},
		{Field: "double.negzero", Value: remote.TypedParamValue{Type: 5, D: math.Copysign(0, -1)}},
		{Field: "double.inf", Value: remote.TypedParamValue{Type: 5, D: math.Inf(1)}},
		{Field: "double.denormal", Value: remote.TypedParamValue{Type: 5, D: math.SmallestNonzeroFloat64}},
		{Field: "boolean", Value: remote.TypedParamValue{Type: 6, B: 1}},
		{Field: "string.empty", Value: remote.TypedParamValue{Type: 7, S: ""}},
		{Field: "", Value: remote.TypedParamValue{Type: 7, S: "3 bytes + € = 6"}},
	}
	keys := make([]uint32, remote.DomainSendKeyMax)
	for i := range keys {
		keys[i] = uint32(i) * 0x01010101
	}
	doms := make([]virtwire.Domain, remote.DomainListMax)
	for i := range doms {
		doms[i] = virtwire.Domain{Name: strings.Repeat("d", i%5), UUID: virtwire.UUID{byte(i >> 8), byte(i)}, ID: int32(i)}
	}
	cpus := make([]string, remote.CPUBaselineMax)
	for i := range cpus {
		cpus[i] = fmt.Sprintf("<cpu n='%d'/>", i)
	}
	cases := []boundaryCase{
		{"string at REMOTE_STRING_MAX", "DomainDefineXML", []any{strings.Repeat("x", remote.StringMax)}},
		{"every typed-param arm at its limits", "DomainSetSchedulerParametersFlags", []any{dom, allArms, virtwire.DomainModificationImpact(3)}},
		{"typed params with an empty list", "NodeSetMemoryParameters", []any{[]virtwire.TypedParam{}, uint32(0)}},
		{"fixed opaque UUID of 0xff and 0x00 bytes", "DomainLookupByUUID", []any{uuid}},
		{"optional absent, present and empty, present", "DomainSetMetadata", []any{dom, int32(2), (*string)(nil), str(""), str("http://example.org/ns"), virtwire.DomainModificationImpact(0)}},
		{"optional domain absent", "ConnectDomainEventCallbackRegisterAny", []any{virtwire.DomainEventID(0), virtwire.OptDomain(nil)}},
		{"optional domain present", "ConnectDomainEventCallbackRegisterAny", []any{virtwire.DomainEventID(23), virtwire.OptDomain(&dom)}},
		{"unsigned int array at REMOTE_DOMAIN_SEND_KEY_MAX", "DomainSendKey", []any{dom, uint32(1), uint32(100), keys, uint32(0)}},
		{"struct array at REMOTE_DOMAIN_LIST_MAX", "ConnectGetAllDomainStats", []any{doms, uint32(0xffffffff), virtwire.ConnectGetAllDomainStatsFlags(0)}},
		{"string array at REMOTE_CPU_BASELINE_MAX", "ConnectBaselineCPU", []any{cpus, virtwire.ConnectBaselineCPUFlags(1)}},
		{"two arrays of different element sizes", "NodeAllocPages", []any{[]uint32{4, 2048, 1048576}, []uint64{0, math.MaxUint64, 1}, int32(-1), uint32(2), virtwire.NodeAllocPagesFlags(1)}},
		{"hyper at its minimum", "DomainSendProcessSignal", []any{dom, int64(math.MinInt64), uint32(9), uint32(0)}},
		{"unsigned hyper at its maximum", "DomainSetMemoryFlags", []any{dom, uint64(math.MaxUint64), virtwire.DomainMemoryModFlags(0)}},
		{"variable opaque of 65536 bytes", "SecretSetValue", []any{virtwire.Secret{UUID: uuid, UsageType: 2, UsageID: "u"}, bytes.Repeat([]byte{0xa5}, remote.SecretValueMax), uint32(0)}},
		{"network update in .x order", "NetworkUpdate", []any{net, virtwire.NetworkUpdateCommandAddLast, virtwire.NetworkSectionIPDHCPHost, int32(-1), "<host mac='52:54:00:00:00:01'/>", virtwire.NetworkUpdateAffectConfig}},
		{"QEMU program", "QEMUDomainMonitorCommand", []any{dom, `{"execute":"query-status"}`, uint32(0)}},
	}
	// Every padding: strings and opaques of 0 to 5 bytes.
	for n := range 6 {
		cases = append(cases,
			boundaryCase{fmt.Sprintf("string of %d bytes", n), "DomainLookupByName", []any{strings.Repeat("é", n/2) + strings.Repeat("a", n%2)}},
			boundaryCase{fmt.Sprintf("opaque of %d bytes", n), "DomainPinVcpu", []any{dom, uint32(n), bytes.Repeat([]byte{0xff}, n)}})
	}
	return cases
}

// TestGoLibvirtSameBodiesAtBoundaries compares hand-picked calls at the
// limits: maximum lengths, every padding, every typed-parameter arm, extreme
// numbers, absent and present-but-empty optionals.
func TestGoLibvirtSameBodiesAtBoundaries(t *testing.T) {
	leaks := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, leaks) })
	l, gp := startGoLibvirt(t)
	c, vp := startVirtwire(t)
	pairs, _ := diffProcs()
	byMethod := map[string]diffProc{}
	for _, pr := range pairs {
		byMethod[pr.vw.Name] = pr
	}
	for _, tc := range boundaryCases() {
		pr, ok := byMethod[tc.method]
		if !ok {
			t.Errorf("%s: no procedure pair for virtwire's %s", tc.name, tc.method)
			continue
		}
		var args []reflect.Value
		for i, a := range tc.args {
			v := reflect.ValueOf(a)
			pt := pr.vw.Type.In(i + 2) // after the receiver and ctx
			if !v.Type().ConvertibleTo(pt) {
				t.Fatalf("%s: argument %d is a %v, %s wants %v", tc.name, i+1, v.Type(), tc.method, pt)
			}
			args = append(args, v.Convert(pt))
		}
		compareCall(t, tc.name, pr, l, gp, c, vp, args, 0)
	}
}

// TestVirtwireRefusesOverLimit: where go-libvirt sends a value the daemon
// would reject for exceeding its .x limit, virtwire sends nothing and says
// which limit was exceeded.
func TestVirtwireRefusesOverLimit(t *testing.T) {
	leaks := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, leaks) })
	l, gp := startGoLibvirt(t)
	c, vp := startVirtwire(t)
	over := strings.Repeat("x", remote.StringMax+1)

	gp.armed.Store(true)
	_, _ = l.DomainDefineXML(over)
	gp.armed.Store(false)
	if got := drain(gp.pkts); len(got) != 1 || len(got[0].Body) != 4+len(over)+3 {
		t.Errorf("go-libvirt sent %d packets for an over-long string; want 1 with the whole string", len(got))
	}

	vp.armed.Store(true)
	_, err := c.DomainDefineXML(context.Background(), over)
	vp.armed.Store(false)
	if got := drain(vp.pkts); len(got) != 0 {
		t.Errorf("virtwire sent %d packets for an over-long string, want none", len(got))
	}
	var enc *protocol.EncodeError
	if !errors.As(err, &enc) || enc.Max != remote.StringMax || enc.Len != remote.StringMax+1 {
		t.Errorf("DomainDefineXML with %d bytes: error %v, want a *protocol.EncodeError naming the limit %d", len(over), err, remote.StringMax)
	} else if !strings.Contains(err.Error(), "remote_domain_define_xml_args.xml") {
		t.Errorf("error %q does not name the field", err)
	}
	// The connection is still usable.
	vp.armed.Store(true)
	_, err = c.DomainDefineXML(context.Background(), "<domain/>")
	vp.armed.Store(false)
	if got := drain(vp.pkts); len(got) != 1 || err == nil {
		t.Errorf("after the refused call: %d packets sent, err %v; want 1 and the peer's error", len(got), err)
	}
}
