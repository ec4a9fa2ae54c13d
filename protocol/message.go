package protocol

import "sync"

// A Value is any value with an XDR encoding: every generated type, and
// Error. EncodeXDR appends the value to an Encoder; DecodeXDR replaces the
// value's contents with what it reads and returns the Decoder's error.
type Value interface {
	EncodeXDR(*Encoder)
	DecodeXDR(*Decoder) error
}

// Decode decodes m from body, which must hold exactly one encoded value.
// The decoded strings share one copy of body.
func Decode(body []byte, m Value) error { return DecodeWith(body, m.DecodeXDR) }

// DecodeOwned is Decode without the copy: the decoded strings point into
// body, which the caller hands over and must never modify or reuse.
func DecodeOwned(body []byte, m Value) error { return DecodeOwnedWith(body, m.DecodeXDR) }

// DecodeWith is Decode with the value's decoding method given as a
// function: a method value of a concrete type (ret.DecodeXDR) does not make
// its receiver escape to the heap, as a Value interface does.
func DecodeWith(body []byte, decode func(*Decoder) error) error {
	return decodeWith(body, decode, false)
}

// DecodeOwnedWith is DecodeOwned with the decoding method given as a
// function; see DecodeWith.
func DecodeOwnedWith(body []byte, decode func(*Decoder) error) error {
	return decodeWith(body, decode, true)
}

// decoderPool holds Decoders: one on the stack would escape to the heap
// through the decode function, an allocation per message.
var decoderPool = sync.Pool{New: func() any { return new(Decoder) }}

func decodeWith(body []byte, decode func(*Decoder) error, own bool) error {
	d := decoderPool.Get().(*Decoder)
	d.Reset(body)
	if own {
		d.own()
	}
	err := decode(d)
	if err == nil && d.Remaining() != 0 {
		err = &DecodeError{Kind: ErrTrailingData, What: "body", Offset: d.off, Len: uint64(d.Remaining())}
	}
	*d = Decoder{}
	decoderPool.Put(d)
	return err
}

// ProcedureInfo describes one procedure of a program, as its .x file declares it.
type ProcedureInfo struct {
	Number int32
	Name   string // the .x name, e.g. REMOTE_PROC_DOMAIN_GET_XML_DESC
	// Args and Ret return a new zero value of the procedure's argument and
	// result types; nil when the procedure has none.
	Args, Ret func() Value
	// HighPriority is set for procedures the daemon may run while its
	// low-priority workers are busy (@priority: high).
	HighPriority bool
	// Stream tells whether the procedure opens a stream and which way data
	// flows, from the client's point of view (@readstream, @writestream).
	Stream StreamDirection
	// SparseFlag is the name of the flag that makes the stream sparse
	// (@sparseflag), or "".
	SparseFlag string
	// Event is set for procedures the server sends as MESSAGE packets
	// (events); the client never calls them.
	Event bool
}

// StreamDirection says which way a procedure's stream carries data.
type StreamDirection uint8

// Stream directions.
const (
	NoStream    StreamDirection = iota
	ReadStream                  // data flows from the daemon to the client (@readstream)
	WriteStream                 // data flows from the client to the daemon (@writestream)
)

func (s StreamDirection) String() string {
	switch s {
	case ReadStream:
		return "read"
	case WriteStream:
		return "write"
	}
	return "none"
}
