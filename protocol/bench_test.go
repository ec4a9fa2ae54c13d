package protocol_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	xdr "github.com/davecgh/go-xdr/xdr2"

	"github.com/virtwire/virtwire/protocol"
	"github.com/virtwire/virtwire/protocol/remote"
)

// The messages the benchmarks encode and decode.
var (
	benchXML = &remote.DomainGetXMLDescRet{XML: "<domain>" + strings.Repeat("x", 64<<10-17) + "</domain>"}

	benchDomains = func() *remote.ConnectListAllDomainsRet {
		r := &remote.ConnectListAllDomainsRet{Ret: 10000}
		for i := 0; i < 10000; i++ {
			r.Domains = append(r.Domains, remote.Domain{Name: fmt.Sprintf("guest-%05d", i), UUID: remote.UUID{byte(i), byte(i >> 8)}, ID: int32(i)})
		}
		return r
	}()

	benchStats = func() *remote.ConnectGetAllDomainStatsRet {
		r := &remote.ConnectGetAllDomainStatsRet{}
		for i := 0; i < 100; i++ {
			rec := remote.DomainStatsRecord{Dom: remote.Domain{Name: fmt.Sprintf("guest-%03d", i), ID: int32(i)}}
			for j := 0; j < 40; j++ {
				p := remote.TypedParam{Field: fmt.Sprintf("block.%d.rd.bytes", j)}
				switch j % 4 {
				case 0:
					p.Value = remote.TypedParamValue{Type: 4, Ul: uint64(j) << 20}
				case 1:
					p.Value = remote.TypedParamValue{Type: 1, I: int32(j)}
				case 2:
					p.Value = remote.TypedParamValue{Type: 7, S: "vda"}
				default:
					p.Value = remote.TypedParamValue{Type: 5, D: float64(j) / 3}
				}
				rec.Params = append(rec.Params, p)
			}
			r.RetStats = append(r.RetStats, rec)
		}
		return r
	}()

	benchLookup = &remote.DomainLookupByNameArgs{Name: "guest-00042"}
)

func encoded(v protocol.Value) []byte {
	var e protocol.Encoder
	v.EncodeXDR(&e)
	return append([]byte(nil), e.Bytes()...)
}

func benchEncode(b *testing.B, v protocol.Value) {
	var e protocol.Encoder
	v.EncodeXDR(&e)
	b.SetBytes(int64(e.Len()))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.Reset()
		v.EncodeXDR(&e)
	}
}

func benchDecode(b *testing.B, v protocol.Value, fresh func() protocol.Value) {
	body := encoded(v)
	b.Run("copy", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if err := protocol.Decode(body, fresh()); err != nil {
				b.Fatal(err)
			}
		}
	})
	// What a Conn does with a large reply: the strings keep the packet.
	b.Run("owned", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if err := protocol.DecodeOwned(body, fresh()); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func benchGoXDREncode(b *testing.B, v any) {
	var buf bytes.Buffer
	if _, err := xdr.Marshal(&buf, v); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf.Reset()
		if _, err := xdr.Marshal(&buf, v); err != nil {
			b.Fatal(err)
		}
	}
}

func benchGoXDRDecode(b *testing.B, v any, fresh func() any) {
	var buf bytes.Buffer
	if _, err := xdr.Marshal(&buf, v); err != nil {
		b.Fatal(err)
	}
	body := buf.Bytes()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := xdr.Unmarshal(bytes.NewReader(body), fresh()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	b.Run("DomainGetXMLDescRet-64KiB", func(b *testing.B) { benchEncode(b, benchXML) })
	b.Run("ConnectListAllDomainsRet-10000", func(b *testing.B) { benchEncode(b, benchDomains) })
	b.Run("ConnectGetAllDomainStatsRet-100x40", func(b *testing.B) { benchEncode(b, benchStats) })
	b.Run("DomainLookupByNameArgs", func(b *testing.B) { benchEncode(b, benchLookup) })
}

func BenchmarkDecode(b *testing.B) {
	b.Run("DomainGetXMLDescRet-64KiB", func(b *testing.B) {
		benchDecode(b, benchXML, func() protocol.Value { return new(remote.DomainGetXMLDescRet) })
	})
	b.Run("ConnectListAllDomainsRet-10000", func(b *testing.B) {
		benchDecode(b, benchDomains, func() protocol.Value { return new(remote.ConnectListAllDomainsRet) })
	})
	b.Run("ConnectGetAllDomainStatsRet-100x40", func(b *testing.B) {
		benchDecode(b, benchStats, func() protocol.Value { return new(remote.ConnectGetAllDomainStatsRet) })
	})
	b.Run("DomainLookupByNameArgs", func(b *testing.B) {
		benchDecode(b, benchLookup, func() protocol.Value { return new(remote.DomainLookupByNameArgs) })
	})
}

// The same messages through github.com/davecgh/go-xdr, a reflection codec.
// It has no unions, so it cannot express ConnectGetAllDomainStatsRet.
func BenchmarkGoXDREncode(b *testing.B) {
	b.Run("DomainGetXMLDescRet-64KiB", func(b *testing.B) { benchGoXDREncode(b, benchXML) })
	b.Run("ConnectListAllDomainsRet-10000", func(b *testing.B) { benchGoXDREncode(b, benchDomains) })
	b.Run("DomainLookupByNameArgs", func(b *testing.B) { benchGoXDREncode(b, benchLookup) })
}

func BenchmarkGoXDRDecode(b *testing.B) {
	b.Run("DomainGetXMLDescRet-64KiB", func(b *testing.B) {
		benchGoXDRDecode(b, benchXML, func() any { return new(remote.DomainGetXMLDescRet) })
	})
	b.Run("ConnectListAllDomainsRet-10000", func(b *testing.B) {
		benchGoXDRDecode(b, benchDomains, func() any { return new(remote.ConnectListAllDomainsRet) })
	})
	b.Run("DomainLookupByNameArgs", func(b *testing.B) {
		benchGoXDRDecode(b, benchLookup, func() any { return new(remote.DomainLookupByNameArgs) })
	})
}

// Encoding fixed-size arguments into a reused buffer does not allocate.
func TestEncodeArgsDoesNotAllocate(t *testing.T) {
	var e protocol.Encoder
	e.StartPacket(protocol.Header{Type: protocol.Call})
	benchLookup.EncodeXDR(&e)
	allocs := testing.AllocsPerRun(100, func() {
		e.Reset()
		e.StartPacket(protocol.Header{Program: remote.Program, Version: 1, Procedure: int32(remote.ProcDomainLookupByName), Type: protocol.Call, Serial: 1})
		benchLookup.EncodeXDR(&e)
		if _, err := e.FinishPacket(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("encoding DomainLookupByName args allocates %v times", allocs)
	}
}
