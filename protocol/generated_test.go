package protocol_test

import (
	"bytes"
	"math/rand/v2"
	"reflect"
	"sort"
	"testing"

	xdr "github.com/davecgh/go-xdr/xdr2"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/virtwire/virtwire/internal/xdrtest"
	"github.com/virtwire/virtwire/protocol"
	"github.com/virtwire/virtwire/protocol/admin"
	"github.com/virtwire/virtwire/protocol/lxc"
	"github.com/virtwire/virtwire/protocol/qemu"
	"github.com/virtwire/virtwire/protocol/remote"
)

// allTypes lists every generated struct and union of every program, sorted
// by .x name so that indexes are stable (the fuzz target relies on it).
func allTypes() []struct {
	name string
	new  func() protocol.Value
} {
	var out []struct {
		name string
		new  func() protocol.Value
	}
	for _, m := range []map[string]func() protocol.Value{remote.Types(), qemu.Types(), lxc.Types(), admin.Types()} {
		for n, f := range m {
			out = append(out, struct {
				name string
				new  func() protocol.Value
			}{n, f})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// Every generated type survives encode -> decode -> encode with identical
// values and identical bytes.
func TestGeneratedRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	types := allTypes()
	if len(types) < 700 {
		t.Fatalf("only %d generated types", len(types))
	}
	for _, ty := range types {
		for round := 0; round < 5; round++ {
			in := ty.new()
			xdrtest.Fill(in, r)
			var e protocol.Encoder
			in.EncodeXDR(&e)
			if e.Err() != nil {
				t.Fatalf("%s: encode: %v", ty.name, e.Err())
			}
			first := append([]byte(nil), e.Bytes()...)
			out := ty.new()
			if err := protocol.Decode(first, out); err != nil {
				t.Fatalf("%s: decode: %v", ty.name, err)
			}
			if diff := cmp.Diff(in, out); diff != "" {
				t.Fatalf("%s: round trip (-in +out):\n%s", ty.name, diff)
			}
			e.Reset()
			out.EncodeXDR(&e)
			if !bytes.Equal(first, e.Bytes()) {
				t.Fatalf("%s: re-encoding differs", ty.name)
			}
		}
	}
}

// The same values encoded by virtwire and by github.com/davecgh/go-xdr (a
// reflection codec) give the same bytes, for every type go-xdr can express.
func TestGeneratedMatchesGoXDR(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	compared := 0
	for _, ty := range allTypes() {
		v := ty.new()
		if !xdrtest.PlainXDR(reflect.TypeOf(v).Elem()) {
			continue
		}
		compared++
		for round := 0; round < 3; round++ {
			xdrtest.Fill(v, r)
			var e protocol.Encoder
			v.EncodeXDR(&e)
			var ref bytes.Buffer
			if _, err := xdr.Marshal(&ref, v); err != nil {
				t.Fatalf("%s: go-xdr: %v", ty.name, err)
			}
			if !bytes.Equal(e.Bytes(), ref.Bytes()) {
				t.Fatalf("%s: virtwire and go-xdr differ\nvirtwire % x\ngo-xdr   % x", ty.name, e.Bytes(), ref.Bytes())
			}
			// And go-xdr decodes what virtwire wrote into an equal value.
			back := ty.new()
			if _, err := xdr.Unmarshal(bytes.NewReader(e.Bytes()), back); err != nil {
				t.Fatalf("%s: go-xdr decode: %v", ty.name, err)
			}
			// go-xdr leaves an empty list nil, where virtwire's decoders
			// make it empty.
			if diff := cmp.Diff(v, back, cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("%s: go-xdr decoded differently:\n%s", ty.name, diff)
			}
		}
	}
	if compared < 500 {
		t.Fatalf("compared only %d types with go-xdr", compared)
	}
	t.Logf("%d types compared byte-for-byte with go-xdr", compared)
}

// A decoded list is never nil, at any depth: a variable-length array or
// opaque that the wire says is empty decodes to an empty slice, so that
// every list a Conn method returns is empty the same way (docs/DESIGN.md,
// "Empty lists").
func TestDecodedListsAreEmptyNotNil(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	checked := 0
	for _, ty := range allTypes() {
		for round := 0; round < 4; round++ {
			in := ty.new()
			if round > 0 {
				xdrtest.Fill(in, r) // lists of 0-3 elements at every depth
			}
			var e protocol.Encoder
			in.EncodeXDR(&e)
			if e.Err() != nil {
				if round == 0 {
					continue // a zero union has no arm to encode
				}
				t.Fatalf("%s: encode: %v", ty.name, e.Err())
			}
			out := ty.new()
			if err := protocol.Decode(e.Bytes(), out); err != nil {
				t.Fatalf("%s: decode: %v", ty.name, err)
			}
			xdrtest.WalkSlices(reflect.ValueOf(out).Elem(), ty.name, func(path string, v reflect.Value) {
				checked++
				if v.IsNil() {
					t.Errorf("%s decoded nil; want an empty slice", path)
				}
			})
		}
	}
	if checked < 500 {
		t.Fatalf("checked only %d decoded slices", checked)
	}
}

func TestProcedureTables(t *testing.T) {
	if n := len(remote.Procedures); n != 453 {
		t.Errorf("remote has %d procedures, want 453 (libvirt 11.3.0)", n)
	}
	for _, prog := range []struct {
		name   string
		procs  []protocol.ProcedureInfo
		lookup func(int32) (*protocol.ProcedureInfo, bool)
	}{
		{"remote", remote.Procedures, remote.Lookup}, {"qemu", qemu.Procedures, qemu.Lookup},
		{"lxc", lxc.Procedures, lxc.Lookup}, {"admin", admin.Procedures, admin.Lookup},
	} {
		seen := map[int32]bool{}
		for i, p := range prog.procs {
			if seen[p.Number] {
				t.Errorf("%s: procedure %d twice", prog.name, p.Number)
			}
			seen[p.Number] = true
			// Lookup searches the table by number.
			if got, ok := prog.lookup(p.Number); !ok || got != &prog.procs[i] {
				t.Errorf("%s: Lookup(%d) = %v, %v; want %s", prog.name, p.Number, got, ok, p.Name)
			}
		}
		for _, n := range []int32{-1, 0, 1 << 30} {
			if p, ok := prog.lookup(n); ok {
				t.Errorf("%s: Lookup(%d) = %s, want none", prog.name, n, p.Name)
			}
		}
	}
	tests := []struct {
		num    int32
		name   string
		args   bool
		ret    bool
		high   bool
		stream protocol.StreamDirection
		sparse string
		event  bool
	}{
		{int32(remote.ProcDomainGetXMLDesc), "REMOTE_PROC_DOMAIN_GET_XML_DESC", true, true, false, protocol.NoStream, "", false},
		{int32(remote.ProcConnectGetLibVersion), "REMOTE_PROC_CONNECT_GET_LIB_VERSION", false, true, true, protocol.NoStream, "", false},
		{int32(remote.ProcStorageVolDownload), "REMOTE_PROC_STORAGE_VOL_DOWNLOAD", true, false, false, protocol.ReadStream, "VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM", false},
		{int32(remote.ProcStorageVolUpload), "REMOTE_PROC_STORAGE_VOL_UPLOAD", true, false, false, protocol.WriteStream, "VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM", false},
		{int32(remote.ProcDomainEventCallbackLifecycle), "REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE", false, true, false, protocol.NoStream, "", true},
		{int32(remote.ProcDomainScreenshot), "REMOTE_PROC_DOMAIN_SCREENSHOT", true, true, false, protocol.ReadStream, "", false},
	}
	for _, tt := range tests {
		p, ok := remote.Lookup(tt.num)
		if !ok {
			t.Errorf("procedure %d missing", tt.num)
			continue
		}
		got := []any{p.Name, p.Args != nil, p.Ret != nil, p.HighPriority, p.Stream, p.SparseFlag, p.Event}
		want := []any{tt.name, tt.args, tt.ret, tt.high, tt.stream, tt.sparse, tt.event}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
	streams := 0
	for _, p := range remote.Procedures {
		if p.Stream != protocol.NoStream {
			streams++
		}
	}
	if streams != 7 {
		t.Errorf("%d remote procedures open streams, want the 7 annotated in remote_protocol.x", streams)
	}
	if p, _ := remote.Lookup(int32(remote.ProcConnectOpen)); p.Stream != protocol.NoStream || !p.HighPriority {
		t.Errorf("CONNECT_OPEN picked up annotations from the comment above the enum: %+v", p)
	}
	if remote.ProcDomainGetXMLDesc != 14 || remote.Program != 0x20008086 || qemu.Program != 0x20008087 || lxc.Program != 0x00068000 {
		t.Error("program or procedure numbers differ from libvirt's")
	}
	if remote.ProcDomainGetXMLDesc.String() != "REMOTE_PROC_DOMAIN_GET_XML_DESC" || remote.Procedure(99999).String() != "Procedure(99999)" {
		t.Error("Procedure.String")
	}
}

// Decoding arbitrary bytes as any generated type never panics, and when it
// succeeds, encoding the value takes exactly the bytes consumed and decodes
// back to the same value. (Bytes can differ only where libvirt itself
// accepts two spellings: a char of 128-255 from an unsigned-char daemon.)
func FuzzDecodeGenerated(f *testing.F) {
	types := allTypes()
	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < len(types); i += 7 {
		v := types[i].new()
		xdrtest.Fill(v, r)
		var e protocol.Encoder
		v.EncodeXDR(&e)
		f.Add(uint16(i), append([]byte(nil), e.Bytes()...))
	}
	f.Add(uint16(0), []byte{0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, which uint16, data []byte) {
		ty := types[int(which)%len(types)]
		v := ty.new()
		d := protocol.NewDecoder(data)
		if err := v.DecodeXDR(d); err != nil {
			return
		}
		var e protocol.Encoder
		v.EncodeXDR(&e)
		if e.Err() != nil {
			t.Fatalf("%s: decoded value does not encode: %v", ty.name, e.Err())
		}
		if e.Len() != d.Offset() {
			t.Fatalf("%s: re-encoding takes %d bytes, decoding consumed %d", ty.name, e.Len(), d.Offset())
		}
		back := ty.new()
		if err := protocol.Decode(e.Bytes(), back); err != nil {
			t.Fatalf("%s: the re-encoded value does not decode: %v", ty.name, err)
		}
		if !reflect.DeepEqual(v, back) {
			t.Fatalf("%s: decode(encode(v)) differs from v", ty.name)
		}
	})
}
