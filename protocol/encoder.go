package protocol

import (
	"encoding/binary"
	"fmt"
	"math"
)

// An Encoder appends XDR-encoded values to a byte slice it owns. The zero
// value is ready to use; Reset lets one Encoder be reused for many packets
// without allocating.
//
// Encoding methods never fail individually. The first problem (a value over
// its .x limit, a packet over MaxPacket) is remembered and reported by Err
// and FinishPacket, and later writes are ignored.
type Encoder struct {
	buf   []byte
	start int  // offset of the current packet's length word
	open  bool // StartPacket was called and FinishPacket not yet
	err   error
}

// Reset empties the Encoder, keeping its buffer for reuse.
func (e *Encoder) Reset() {
	e.buf = e.buf[:0]
	e.start, e.open = 0, false
	e.err = nil
}

// Bytes returns the bytes encoded so far. The slice is valid until the next
// call that changes the Encoder.
func (e *Encoder) Bytes() []byte { return e.buf }

// Len returns the number of bytes encoded so far.
func (e *Encoder) Len() int { return len(e.buf) }

// Err returns the first error met while encoding, or nil.
func (e *Encoder) Err() error { return e.err }

// SetErr records err as the Encoder's error unless one is already recorded.
// Generated code uses it for values that cannot be encoded, such as a union
// with an unknown discriminant.
func (e *Encoder) SetErr(err error) {
	if e.err == nil {
		e.err = err
	}
}

func (e *Encoder) grow(n int) []byte {
	l := len(e.buf)
	if cap(e.buf)-l < n {
		nb := make([]byte, l, 2*cap(e.buf)+n)
		copy(nb, e.buf)
		e.buf = nb
	}
	e.buf = e.buf[:l+n]
	return e.buf[l:]
}

// Int32 encodes an XDR int.
func (e *Encoder) Int32(v int32) { e.Uint32(uint32(v)) }

// Uint32 encodes an XDR unsigned int.
func (e *Encoder) Uint32(v uint32) {
	e.buf = binary.BigEndian.AppendUint32(e.buf, v)
}

// Int64 encodes an XDR hyper.
func (e *Encoder) Int64(v int64) { e.Uint64(uint64(v)) }

// Uint64 encodes an XDR unsigned hyper.
func (e *Encoder) Uint64(v uint64) {
	e.buf = binary.BigEndian.AppendUint64(e.buf, v)
}

// Bool encodes an XDR bool (0 or 1).
func (e *Encoder) Bool(v bool) {
	if v {
		e.Uint32(1)
	} else {
		e.Uint32(0)
	}
}

// Float32 encodes an XDR float (IEEE 754 single precision).
func (e *Encoder) Float32(v float32) { e.Uint32(math.Float32bits(v)) }

// Float64 encodes an XDR double (IEEE 754 double precision).
func (e *Encoder) Float64(v float64) { e.Uint64(math.Float64bits(v)) }

// Optional encodes the presence word of XDR optional data (*T): 1 when the
// value follows, 0 when it is absent.
func (e *Encoder) Optional(present bool) { e.Bool(present) }

// ArrayLen encodes the length of a variable-length array after checking it
// against the array's .x limit (max; 0 means unbounded).
func (e *Encoder) ArrayLen(n int, max uint32, what string) {
	if max != 0 && uint64(n) > uint64(max) {
		e.SetErr(&EncodeError{What: what, Len: n, Max: max})
	}
	e.Uint32(uint32(n))
}

// String encodes an XDR string: its length, its bytes, and zero padding to
// a multiple of 4. max is the .x limit (0: unbounded); what names the value
// in the error when the limit is exceeded.
func (e *Encoder) String(s string, max uint32, what string) {
	if max != 0 && uint64(len(s)) > uint64(max) {
		e.SetErr(&EncodeError{What: what, Len: len(s), Max: max})
	}
	e.Uint32(uint32(len(s)))
	e.buf = append(e.buf, s...)
	e.pad(len(s))
}

// Opaque encodes variable-length XDR opaque data: length, bytes, padding.
func (e *Encoder) Opaque(b []byte, max uint32, what string) {
	if max != 0 && uint64(len(b)) > uint64(max) {
		e.SetErr(&EncodeError{What: what, Len: len(b), Max: max})
	}
	e.Uint32(uint32(len(b)))
	e.buf = append(e.buf, b...)
	e.pad(len(b))
}

// FixedOpaque encodes fixed-length XDR opaque data: the bytes and padding,
// without a length word.
func (e *Encoder) FixedOpaque(b []byte) {
	e.buf = append(e.buf, b...)
	e.pad(len(b))
}

func (e *Encoder) pad(n int) {
	if p := (4 - n&3) & 3; p != 0 {
		clear(e.grow(p))
	}
}

// StartPacket begins a packet: it reserves the length word and encodes h.
// Encode the body next, then call FinishPacket.
func (e *Encoder) StartPacket(h Header) {
	e.start, e.open = len(e.buf), true
	e.Uint32(0) // length, patched by FinishPacket
	h.Encode(e)
}

// FinishPacket fills in the length word of the packet begun by StartPacket
// and returns the whole packet. It fails if any value was over its limit or
// the packet is larger than MaxPacket.
func (e *Encoder) FinishPacket() ([]byte, error) {
	if !e.open {
		return nil, fmt.Errorf("protocol: FinishPacket without StartPacket")
	}
	e.open = false
	if e.err != nil {
		return nil, e.err
	}
	pkt := e.buf[e.start:]
	if len(pkt) > MaxPacket {
		return nil, fmt.Errorf("%w: packet of %d bytes is over the limit of %d", ErrTooLarge, len(pkt), MaxPacket)
	}
	binary.BigEndian.PutUint32(pkt, uint32(len(pkt)))
	return pkt, nil
}

// An EncodeError reports a value longer than its .x limit.
type EncodeError struct {
	What string // the field or type, as named in the .x file
	Len  int
	Max  uint32
}

func (e *EncodeError) Error() string {
	return fmt.Sprintf("protocol: %s has length %d, over its limit of %d", e.What, e.Len, e.Max)
}

// Unwrap lets errors.Is(err, ErrLimit) match.
func (e *EncodeError) Unwrap() error { return ErrLimit }

// BadUnion records that the union named what holds discriminant disc, which
// matches none of its arms, so it cannot be encoded.
func (e *Encoder) BadUnion(what string, disc int32) {
	e.SetErr(fmt.Errorf("protocol: encoding %s: %w %d", what, ErrBadUnion, disc))
}
