package protocol

import (
	"encoding/binary"
	"math"
	"unsafe"
)

// A Decoder reads XDR values from one whole message held in memory.
//
// Like Encoder, it keeps the first error it meets (truncated data, a length
// over its limit, bad padding, a bool that is neither 0 nor 1): later reads
// return zero values and Err reports that first error, so generated code
// checks once at the end. Lengths are checked against the .x limit and the
// bytes left before anything is allocated.
//
// Strings share memory: the first string decoded copies the whole message
// into one Go string, and every string is a substring of it. Decoding a
// list of 10,000 names then costs one allocation instead of 10,000, at the
// price that a string kept from a reply keeps that reply's bytes alive. A
// Decoder made by NewOwnedDecoder does not even copy: its strings point
// into the buffer itself, which must then never change.
type Decoder struct {
	buf    []byte
	off    int
	err    error
	str    string // string(buf), made on first use
	strSet bool
}

// NewOwnedDecoder returns a Decoder whose strings point into b instead of
// a copy of it. The caller hands b over: it must not be modified or reused
// while any decoded string is alive.
func NewOwnedDecoder(b []byte) *Decoder {
	d := &Decoder{buf: b}
	d.own()
	return d
}

func (d *Decoder) own() {
	if len(d.buf) > 0 {
		d.str, d.strSet = unsafe.String(&d.buf[0], len(d.buf)), true
	}
}

// NewDecoder returns a Decoder reading b.
func NewDecoder(b []byte) *Decoder { return &Decoder{buf: b} }

// Reset makes d read b from its start, clearing any error.
func (d *Decoder) Reset(b []byte) {
	*d = Decoder{buf: b}
}

// Err returns the first error met while decoding, or nil.
func (d *Decoder) Err() error { return d.err }

// Offset returns how many bytes have been consumed.
func (d *Decoder) Offset() int { return d.off }

// Remaining returns the number of bytes not yet consumed.
func (d *Decoder) Remaining() int { return len(d.buf) - d.off }

// SetErr records err as the Decoder's error unless one is already recorded,
// and stops further reads.
func (d *Decoder) SetErr(err error) {
	if d.err == nil {
		d.err = err
		d.off = len(d.buf)
	}
}

func (d *Decoder) fail(kind error, what string, n, max uint64) {
	d.SetErr(&DecodeError{Kind: kind, What: what, Offset: d.off, Len: n, Max: max})
}

// take returns the next n bytes, or nil after recording a truncation error.
func (d *Decoder) take(n int, what string) []byte {
	if d.err != nil {
		return nil
	}
	if n > len(d.buf)-d.off {
		d.fail(ErrShortBuffer, what, uint64(n), uint64(len(d.buf)-d.off))
		return nil
	}
	b := d.buf[d.off : d.off+n : d.off+n]
	d.off += n
	return b
}

// Uint32 decodes an XDR unsigned int.
func (d *Decoder) Uint32() uint32 {
	if d.err == nil && len(d.buf)-d.off >= 4 {
		v := binary.BigEndian.Uint32(d.buf[d.off:])
		d.off += 4
		return v
	}
	d.take(4, "unsigned int")
	return 0
}

// Int32 decodes an XDR int.
func (d *Decoder) Int32() int32 { return int32(d.Uint32()) }

// Uint64 decodes an XDR unsigned hyper.
func (d *Decoder) Uint64() uint64 {
	if d.err == nil && len(d.buf)-d.off >= 8 {
		v := binary.BigEndian.Uint64(d.buf[d.off:])
		d.off += 8
		return v
	}
	d.take(8, "hyper")
	return 0
}

// Int64 decodes an XDR hyper.
func (d *Decoder) Int64() int64 { return int64(d.Uint64()) }

// Float32 decodes an XDR float.
func (d *Decoder) Float32() float32 { return math.Float32frombits(d.Uint32()) }

// Float64 decodes an XDR double.
func (d *Decoder) Float64() float64 { return math.Float64frombits(d.Uint64()) }

// Bool decodes an XDR bool. Values other than 0 and 1 are an error.
func (d *Decoder) Bool() bool {
	off := d.off
	switch v := d.Uint32(); v {
	case 0:
		return false
	case 1:
		return true
	default:
		if d.err == nil {
			d.off = off
			d.fail(ErrBadBool, "bool", uint64(v), 1)
		}
		return false
	}
}

// Optional decodes the presence word of XDR optional data and reports
// whether a value follows.
func (d *Decoder) Optional() bool { return d.Bool() }

// ArrayLen decodes the length of a variable-length array. It fails when the
// length is over max (the .x limit; 0 means unbounded) or when n elements of
// at least minSize bytes each cannot fit in the bytes left, so that the
// caller may allocate n elements safely.
func (d *Decoder) ArrayLen(max uint32, minSize int, what string) int {
	off := d.off
	n := d.Uint32()
	if d.err != nil {
		return 0
	}
	if max != 0 && n > max {
		d.off = off
		d.fail(ErrLimit, what, uint64(n), uint64(max))
		return 0
	}
	if minSize > 0 && uint64(n)*uint64(minSize) > uint64(len(d.buf)-d.off) {
		d.off = off
		d.fail(ErrShortBuffer, what, uint64(n)*uint64(minSize), uint64(len(d.buf)-d.off-4))
		return 0
	}
	return int(n)
}

// bytes decodes a length-prefixed byte sequence and its padding, returning a
// slice of the Decoder's buffer.
func (d *Decoder) bytes(max uint32, what string) []byte {
	off := d.off
	n := d.Uint32()
	if d.err != nil {
		return nil
	}
	if max != 0 && n > max {
		d.off = off
		d.fail(ErrLimit, what, uint64(n), uint64(max))
		return nil
	}
	if uint64(n) > uint64(len(d.buf)-d.off) {
		d.off = off
		d.fail(ErrShortBuffer, what, uint64(n), uint64(len(d.buf)-d.off-4))
		return nil
	}
	b := d.buf[d.off : d.off+int(n) : d.off+int(n)]
	d.off += int(n)
	d.skipPad(int(n), what)
	return b
}

func (d *Decoder) skipPad(n int, what string) {
	p := (4 - n&3) & 3
	if p == 0 {
		return
	}
	pad := d.take(p, what)
	for _, c := range pad {
		if c != 0 {
			d.off -= p
			d.fail(ErrPadding, what, uint64(p), 0)
			return
		}
	}
}

// String decodes an XDR string of at most max bytes (0: unbounded).
func (d *Decoder) String(max uint32, what string) string {
	start := d.off + 4
	b := d.bytes(max, what)
	if len(b) == 0 {
		return ""
	}
	if !d.strSet {
		d.str, d.strSet = string(d.buf), true
	}
	return d.str[start : start+len(b)]
}

// Opaque decodes variable-length XDR opaque data of at most max bytes into a
// new slice.
func (d *Decoder) Opaque(max uint32, what string) []byte {
	b := d.bytes(max, what)
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}

// OpaqueView is like Opaque but returns a slice of the Decoder's buffer
// instead of a copy. It is valid only as long as that buffer is.
func (d *Decoder) OpaqueView(max uint32, what string) []byte {
	return d.bytes(max, what)
}

// FixedOpaque decodes len(dst) bytes of fixed-length opaque data, and their
// padding, into dst.
func (d *Decoder) FixedOpaque(dst []byte, what string) {
	b := d.take(len(dst), what)
	if b == nil {
		return
	}
	copy(dst, b)
	d.skipPad(len(dst), what)
}

// Int8 decodes an XDR char (rpcgen's char: a 4-byte int). A daemon built
// where C's char is signed (x86) sends bytes of 0x80 and above as negative
// numbers, one built where it is unsigned (arm64, ppc64le, s390x) as 128 to
// 255: both are accepted, anything else is an error.
func (d *Decoder) Int8(what string) int8 { return int8(d.ranged(what, -1<<7, 1<<8-1)) }

// Uint8 decodes an XDR unsigned char. Uint8, Int16 and Uint16 accept only
// values their type can hold.
func (d *Decoder) Uint8(what string) uint8 { return uint8(d.ranged(what, 0, 1<<8-1)) }

// Int16 decodes an XDR short.
func (d *Decoder) Int16(what string) int16 { return int16(d.ranged(what, -1<<15, 1<<15-1)) }

// Uint16 decodes an XDR unsigned short.
func (d *Decoder) Uint16(what string) uint16 { return uint16(d.ranged(what, 0, 1<<16-1)) }

func (d *Decoder) ranged(what string, lo, hi int64) int64 {
	off := d.off
	u := d.Uint32()
	if d.err != nil {
		return 0
	}
	v := int64(int32(u))
	if lo == 0 {
		v = int64(u)
	}
	if v < lo || v > hi {
		d.off = off
		d.fail(ErrRange, what, uint64(u), uint64(hi))
		return 0
	}
	return v
}
