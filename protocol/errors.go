package protocol

import (
	"errors"
	"fmt"
)

// Sentinel errors. Errors returned by this package wrap one of them, so
// callers test with errors.Is.
var (
	// ErrShortBuffer means the data ended before the value did.
	ErrShortBuffer = errors.New("truncated data")
	// ErrLimit means a string or array is longer than its .x limit.
	ErrLimit = errors.New("length over its limit")
	// ErrPadding means the padding after opaque data or a string is not zero.
	ErrPadding = errors.New("non-zero padding")
	// ErrRange means a char or short holds a value its type cannot.
	ErrRange = errors.New("value out of range")
	// ErrBadBool means an XDR bool is neither 0 nor 1.
	ErrBadBool = errors.New("bool is neither 0 nor 1")
	// ErrBadUnion means a union discriminant matches no arm and the union has
	// no default arm.
	ErrBadUnion = errors.New("unknown union discriminant")
	// ErrTooLarge means a packet's length word is over MaxPacket.
	ErrTooLarge = errors.New("packet too large")
	// ErrTooSmall means a packet's length word is smaller than the length
	// word and header need.
	ErrTooSmall = errors.New("packet too small")
	// ErrTrailingData means bytes were left after a message's body.
	ErrTrailingData = errors.New("trailing data after body")
)

// A DecodeError says what could not be decoded and where.
type DecodeError struct {
	Kind   error  // one of the sentinel errors above
	What   string // the value being decoded, as the .x file names it
	Offset int    // byte offset in the message where the value starts
	Len    uint64 // the length met (or needed, for ErrShortBuffer)
	Max    uint64 // the limit (or the bytes left, for ErrShortBuffer)
}

func (e *DecodeError) Error() string {
	switch e.Kind {
	case ErrShortBuffer:
		return fmt.Sprintf("protocol: decoding %s at offset %d: truncated data: need %d bytes, %d left", e.What, e.Offset, e.Len, e.Max)
	case ErrLimit:
		return fmt.Sprintf("protocol: decoding %s at offset %d: length %d is over its limit of %d", e.What, e.Offset, e.Len, e.Max)
	case ErrBadBool:
		return fmt.Sprintf("protocol: decoding %s at offset %d: bool value %d is neither 0 nor 1", e.What, e.Offset, e.Len)
	case ErrRange:
		return fmt.Sprintf("protocol: decoding %s at offset %d: value %#x is out of range (at most %d)", e.What, e.Offset, e.Len, e.Max)
	case ErrBadUnion:
		return fmt.Sprintf("protocol: decoding %s at offset %d: unknown union discriminant %d", e.What, e.Offset, int64(e.Len))
	default:
		return fmt.Sprintf("protocol: decoding %s at offset %d: %v", e.What, e.Offset, e.Kind)
	}
}

// Unwrap returns the sentinel error, for errors.Is.
func (e *DecodeError) Unwrap() error { return e.Kind }

// BadUnion records that the union named what has discriminant disc, which
// matches none of its arms. Generated DecodeXDR methods call it.
func (d *Decoder) BadUnion(what string, disc int32) {
	if d.err == nil {
		d.off -= 4
		d.fail(ErrBadUnion, what, uint64(int64(disc)), 0)
	}
}
