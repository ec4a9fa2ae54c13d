package protocol

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
)

func enc(f func(e *Encoder)) []byte {
	var e Encoder
	f(&e)
	return append([]byte(nil), e.Bytes()...)
}

func TestEncodePrimitives(t *testing.T) {
	tests := []struct {
		name string
		f    func(e *Encoder)
		want []byte
	}{
		{"int32 -1", func(e *Encoder) { e.Int32(-1) }, []byte{0xff, 0xff, 0xff, 0xff}},
		{"int32 min", func(e *Encoder) { e.Int32(math.MinInt32) }, []byte{0x80, 0, 0, 0}},
		{"uint32 max", func(e *Encoder) { e.Uint32(math.MaxUint32) }, []byte{0xff, 0xff, 0xff, 0xff}},
		{"uint32 258", func(e *Encoder) { e.Uint32(258) }, []byte{0, 0, 1, 2}},
		{"int64 -2", func(e *Encoder) { e.Int64(-2) }, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe}},
		{"uint64", func(e *Encoder) { e.Uint64(0x0102030405060708) }, []byte{1, 2, 3, 4, 5, 6, 7, 8}},
		{"bool true", func(e *Encoder) { e.Bool(true) }, []byte{0, 0, 0, 1}},
		{"bool false", func(e *Encoder) { e.Bool(false) }, []byte{0, 0, 0, 0}},
		{"float32 1.0", func(e *Encoder) { e.Float32(1) }, []byte{0x3f, 0x80, 0, 0}},
		{"float64 -2.5", func(e *Encoder) { e.Float64(-2.5) }, []byte{0xc0, 0x04, 0, 0, 0, 0, 0, 0}},
		{"empty string", func(e *Encoder) { e.String("", 10, "s") }, []byte{0, 0, 0, 0}},
		{"string pad 3", func(e *Encoder) { e.String("a", 10, "s") }, []byte{0, 0, 0, 1, 'a', 0, 0, 0}},
		{"string pad 2", func(e *Encoder) { e.String("ab", 10, "s") }, []byte{0, 0, 0, 2, 'a', 'b', 0, 0}},
		{"string pad 1", func(e *Encoder) { e.String("abc", 10, "s") }, []byte{0, 0, 0, 3, 'a', 'b', 'c', 0}},
		{"string pad 0", func(e *Encoder) { e.String("abcd", 10, "s") }, []byte{0, 0, 0, 4, 'a', 'b', 'c', 'd'}},
		{"opaque", func(e *Encoder) { e.Opaque([]byte{9, 8, 7, 6, 5}, 0, "o") }, []byte{0, 0, 0, 5, 9, 8, 7, 6, 5, 0, 0, 0}},
		{"nil opaque", func(e *Encoder) { e.Opaque(nil, 0, "o") }, []byte{0, 0, 0, 0}},
		{"fixed opaque 3", func(e *Encoder) { e.FixedOpaque([]byte{1, 2, 3}) }, []byte{1, 2, 3, 0}},
		{"fixed opaque 16", func(e *Encoder) { e.FixedOpaque(bytes.Repeat([]byte{7}, 16)) }, bytes.Repeat([]byte{7}, 16)},
		{"optional absent", func(e *Encoder) { e.Optional(false) }, []byte{0, 0, 0, 0}},
		{"optional present", func(e *Encoder) { e.Optional(true); e.Int32(5) }, []byte{0, 0, 0, 1, 0, 0, 0, 5}},
		{"array len", func(e *Encoder) { e.ArrayLen(3, 3, "a") }, []byte{0, 0, 0, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := enc(tt.f); !bytes.Equal(got, tt.want) {
				t.Errorf("got % x, want % x", got, tt.want)
			}
		})
	}
}

func TestEncodeLimits(t *testing.T) {
	var e Encoder
	e.String("abcd", 4, "at-limit")
	if e.Err() != nil {
		t.Fatalf("string at its limit: %v", e.Err())
	}
	e.String("abcde", 4, "remote_x.name")
	err := e.Err()
	if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "remote_x.name") {
		t.Fatalf("over-limit string: err = %v, want ErrLimit naming the field", err)
	}
	var ee *EncodeError
	if !errors.As(err, &ee) || ee.Len != 5 || ee.Max != 4 {
		t.Fatalf("EncodeError = %+v", ee)
	}
	// The first error sticks.
	e.ArrayLen(10, 1, "other")
	if !strings.Contains(e.Err().Error(), "remote_x.name") {
		t.Errorf("first error replaced: %v", e.Err())
	}
	e.Reset()
	if e.Err() != nil || e.Len() != 0 {
		t.Errorf("Reset left err=%v len=%d", e.Err(), e.Len())
	}
	e.ArrayLen(3, 2, "arr")
	if !errors.Is(e.Err(), ErrLimit) {
		t.Errorf("array over limit: %v", e.Err())
	}
	e.Reset()
	e.Opaque(make([]byte, 9), 8, "op")
	if !errors.Is(e.Err(), ErrLimit) {
		t.Errorf("opaque over limit: %v", e.Err())
	}
}

func TestDecodePrimitives(t *testing.T) {
	b := enc(func(e *Encoder) {
		e.Int32(-7)
		e.Uint32(7)
		e.Int64(-1 << 40)
		e.Uint64(1 << 63)
		e.Bool(true)
		e.Float32(3.5)
		e.Float64(math.Inf(-1))
		e.String("héllo", 0, "s")
		e.Opaque([]byte{1, 2}, 4, "o")
		e.FixedOpaque([]byte{3, 4, 5})
		e.Optional(true)
		e.ArrayLen(2, 2, "a")
		e.String("", 0, "empty")
	})
	d := NewDecoder(b)
	if v := d.Int32(); v != -7 {
		t.Errorf("Int32 = %d", v)
	}
	if v := d.Uint32(); v != 7 {
		t.Errorf("Uint32 = %d", v)
	}
	if v := d.Int64(); v != -1<<40 {
		t.Errorf("Int64 = %d", v)
	}
	if v := d.Uint64(); v != 1<<63 {
		t.Errorf("Uint64 = %d", v)
	}
	if v := d.Bool(); !v {
		t.Errorf("Bool = %v", v)
	}
	if v := d.Float32(); v != 3.5 {
		t.Errorf("Float32 = %v", v)
	}
	if v := d.Float64(); !math.IsInf(v, -1) {
		t.Errorf("Float64 = %v", v)
	}
	if v := d.String(0, "s"); v != "héllo" {
		t.Errorf("String = %q", v)
	}
	if v := d.Opaque(4, "o"); !bytes.Equal(v, []byte{1, 2}) {
		t.Errorf("Opaque = %v", v)
	}
	var fixed [3]byte
	d.FixedOpaque(fixed[:], "f")
	if fixed != [3]byte{3, 4, 5} {
		t.Errorf("FixedOpaque = %v", fixed)
	}
	if !d.Optional() {
		t.Error("Optional = false")
	}
	if n := d.ArrayLen(2, 0, "a"); n != 2 {
		t.Errorf("ArrayLen = %d", n)
	}
	if v := d.String(0, "empty"); v != "" {
		t.Errorf("empty String = %q", v)
	}
	if d.Err() != nil || d.Remaining() != 0 {
		t.Fatalf("err=%v remaining=%d", d.Err(), d.Remaining())
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		f    func(d *Decoder)
		want error
	}{
		{"truncated int", []byte{0, 0, 1}, func(d *Decoder) { d.Int32() }, ErrShortBuffer},
		{"truncated hyper", []byte{0, 0, 0, 0, 1}, func(d *Decoder) { d.Uint64() }, ErrShortBuffer},
		{"bool 2", []byte{0, 0, 0, 2}, func(d *Decoder) { d.Bool() }, ErrBadBool},
		{"optional 7", []byte{0, 0, 0, 7}, func(d *Decoder) { d.Optional() }, ErrBadBool},
		{"string over limit", []byte{0, 0, 0, 5, 'a', 'b', 'c', 'd', 'e', 0, 0, 0}, func(d *Decoder) { d.String(4, "s") }, ErrLimit},
		{"string longer than data", []byte{0, 0, 0, 9, 'a', 'b', 'c', 'd'}, func(d *Decoder) { d.String(0, "s") }, ErrShortBuffer},
		{"string huge length", []byte{0xff, 0xff, 0xff, 0xff}, func(d *Decoder) { d.String(0, "s") }, ErrShortBuffer},
		{"string bad padding", []byte{0, 0, 0, 1, 'a', 0, 1, 0}, func(d *Decoder) { d.String(0, "s") }, ErrPadding},
		{"string missing padding", []byte{0, 0, 0, 1, 'a'}, func(d *Decoder) { d.String(0, "s") }, ErrShortBuffer},
		{"opaque over limit", []byte{0, 0, 0, 2, 1, 2, 0, 0}, func(d *Decoder) { d.Opaque(1, "o") }, ErrLimit},
		{"fixed opaque bad padding", []byte{1, 2, 3, 9}, func(d *Decoder) { var b [3]byte; d.FixedOpaque(b[:], "f") }, ErrPadding},
		{"fixed opaque short", []byte{1, 2}, func(d *Decoder) { var b [3]byte; d.FixedOpaque(b[:], "f") }, ErrShortBuffer},
		{"array over limit", []byte{0, 0, 0, 3}, func(d *Decoder) { d.ArrayLen(2, 0, "a") }, ErrLimit},
		{"array too big for data", []byte{0, 0, 0, 3, 0, 0, 0, 0}, func(d *Decoder) { d.ArrayLen(0, 4, "a") }, ErrShortBuffer},
		{"array huge unbounded", []byte{0x7f, 0xff, 0xff, 0xff}, func(d *Decoder) { d.ArrayLen(0, 4, "a") }, ErrShortBuffer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDecoder(tt.in)
			tt.f(d)
			if !errors.Is(d.Err(), tt.want) {
				t.Fatalf("err = %v, want %v", d.Err(), tt.want)
			}
			var de *DecodeError
			if !errors.As(d.Err(), &de) {
				t.Fatalf("err %T is not a *DecodeError", d.Err())
			}
			// After an error every read yields zero and the error stays.
			if v := d.Uint32(); v != 0 {
				t.Errorf("read after error = %d", v)
			}
			if !errors.Is(d.Err(), tt.want) {
				t.Errorf("error changed to %v", d.Err())
			}
		})
	}
}

func TestDecodeArrayExactFit(t *testing.T) {
	// Two 4-byte elements fit exactly in 8 bytes.
	d := NewDecoder([]byte{0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2})
	if n := d.ArrayLen(2, 4, "a"); n != 2 || d.Err() != nil {
		t.Fatalf("n=%d err=%v", n, d.Err())
	}
}

func TestDecodeStringMaxLength(t *testing.T) {
	s := strings.Repeat("x", 1<<16)
	b := enc(func(e *Encoder) { e.String(s, 1<<16, "s") })
	d := NewDecoder(b)
	if got := d.String(1<<16, "s"); got != s || d.Err() != nil {
		t.Fatalf("len=%d err=%v", len(got), d.Err())
	}
}

func TestDecodeStringsDoNotAliasBuffer(t *testing.T) {
	b := enc(func(e *Encoder) { e.String("abcd", 0, "s"); e.Opaque([]byte{1}, 0, "o") })
	d := NewDecoder(b)
	s := d.String(0, "s")
	o := d.Opaque(0, "o")
	clear(b)
	if s != "abcd" || o[0] != 1 {
		t.Fatalf("decoded values changed with the buffer: %q %v", s, o)
	}
}

func TestDecodeTrailingData(t *testing.T) {
	body := enc(func(e *Encoder) { e.String("x", 0, "s"); e.Int32(1) })
	var m Error
	if err := Decode(body, &m); err == nil {
		t.Fatal("Decode of a non-Error body succeeded")
	}
}

func TestWireErrorRoundTrip(t *testing.T) {
	msg, s1 := "Domain not found", "guest"
	in := Error{Code: 42, Domain: 10, Message: &msg, Level: 2, Str1: &s1, Int1: -1,
		Dom: &ErrorDomainRef{Name: "g", UUID: [16]byte{1}, ID: 3}, Net: &ErrorNetworkRef{Name: "n"}}
	var e Encoder
	in.EncodeXDR(&e)
	var out Error
	if err := Decode(e.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if *out.Message != msg || *out.Str1 != s1 || out.Str2 != nil || out.Code != 42 || out.Dom.Name != "g" || out.Dom.ID != 3 || out.Net.Name != "n" || out.Int1 != -1 {
		t.Fatalf("round trip: %+v", out)
	}
}

func TestOwnedDecoderAliases(t *testing.T) {
	b := enc(func(e *Encoder) { e.String("abcd", 0, "s"); e.String("xy", 0, "t") })
	d := NewOwnedDecoder(b)
	s, u := d.String(0, "s"), d.String(0, "t")
	if s != "abcd" || u != "xy" || d.Err() != nil {
		t.Fatalf("%q %q %v", s, u, d.Err())
	}
	// The strings are views of b: the documented contract is that b is
	// never changed again; this shows that they are views.
	b[4] = 'A'
	if s != "Abcd" {
		t.Fatalf("owned decoding copied: %q", s)
	}
	var m Error
	msg := "m"
	var e Encoder
	(&Error{Message: &msg}).EncodeXDR(&e)
	if err := DecodeOwned(append([]byte(nil), e.Bytes()...), &m); err != nil || *m.Message != "m" {
		t.Fatalf("DecodeOwned: %v", err)
	}
}

func TestDecodeCharRange(t *testing.T) {
	tests := []struct {
		in   uint32
		f    func(d *Decoder) int64
		want int64
		ok   bool
	}{
		{0xffffff80, func(d *Decoder) int64 { return int64(d.Int8("c")) }, -128, true},
		{0x7f, func(d *Decoder) int64 { return int64(d.Int8("c")) }, 127, true},
		{0x80, func(d *Decoder) int64 { return int64(d.Int8("c")) }, -128, true}, // an unsigned-char daemon's byte 0x80
		{0x100, func(d *Decoder) int64 { return int64(d.Int8("c")) }, 0, false},
		{0x30303030, func(d *Decoder) int64 { return int64(d.Int8("c")) }, 0, false},
		{0xff, func(d *Decoder) int64 { return int64(d.Uint8("c")) }, 255, true},
		{0x100, func(d *Decoder) int64 { return int64(d.Uint8("c")) }, 0, false},
		{0xffff8000, func(d *Decoder) int64 { return int64(d.Int16("s")) }, -32768, true},
		{0x10000, func(d *Decoder) int64 { return int64(d.Uint16("s")) }, 0, false},
	}
	for _, tt := range tests {
		d := NewDecoder(enc(func(e *Encoder) { e.Uint32(tt.in) }))
		got := tt.f(d)
		if tt.ok && (d.Err() != nil || got != tt.want) {
			t.Errorf("%#x: %d, %v; want %d", tt.in, got, d.Err(), tt.want)
		}
		if !tt.ok && !errors.Is(d.Err(), ErrRange) {
			t.Errorf("%#x: err %v, want ErrRange", tt.in, d.Err())
		}
	}
}
