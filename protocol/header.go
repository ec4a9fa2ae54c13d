package protocol

import (
	"encoding/binary"
	"fmt"
)

// Limits of libvirt's wire protocol (virnetprotocol.x).
const (
	// MaxPacket is the largest packet, length word included (VIR_NET_MESSAGE_MAX).
	MaxPacket = 33554432
	// InitialPacket is the buffer size libvirt starts a packet with (VIR_NET_MESSAGE_INITIAL).
	InitialPacket = 65536
	// LegacyMaxPayload is the body limit of daemons before libvirt 1.2.x (VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX).
	LegacyMaxPayload = 262120
	// LenSize is the size of the length word (VIR_NET_MESSAGE_LEN_MAX).
	LenSize = 4
	// HeaderSize is the size of an encoded Header (VIR_NET_MESSAGE_HEADER_MAX).
	HeaderSize = 24
	// MaxPayload is the largest body (VIR_NET_MESSAGE_PAYLOAD_MAX).
	MaxPayload = MaxPacket - LenSize - HeaderSize
	// MaxString is the longest string in a wire error (VIR_NET_MESSAGE_STRING_MAX).
	MaxString = 4194304
	// MaxFDs is the most file descriptors one packet may carry (VIR_NET_MESSAGE_NUM_FDS_MAX).
	MaxFDs = 32
)

// Type is a packet's message type (virNetMessageType).
type Type int32

// Message types.
const (
	Call         Type = 0 // client to server: a procedure call (VIR_NET_CALL)
	Reply        Type = 1 // server to client: a call's reply or error (VIR_NET_REPLY)
	Message      Type = 2 // either way: an asynchronous event (VIR_NET_MESSAGE)
	Stream       Type = 3 // either way: stream data (VIR_NET_STREAM)
	CallWithFDs  Type = 4 // a call followed by file descriptors (VIR_NET_CALL_WITH_FDS)
	ReplyWithFDs Type = 5 // a reply followed by file descriptors (VIR_NET_REPLY_WITH_FDS)
	StreamHole   Type = 6 // either way: a hole in sparse stream data (VIR_NET_STREAM_HOLE)
)

var typeNames = [...]string{"call", "reply", "message", "stream", "call-with-fds", "reply-with-fds", "stream-hole"}

func (t Type) String() string {
	if t >= 0 && int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("type(%d)", int32(t))
}

// Status is a packet's status (virNetMessageStatus).
type Status int32

// Statuses.
const (
	StatusOK       Status = 0 // success; always the status of calls (VIR_NET_OK)
	StatusError    Status = 1 // the body is a wire Error (VIR_NET_ERROR)
	StatusContinue Status = 2 // stream data, more follows (VIR_NET_CONTINUE)
)

func (s Status) String() string {
	switch s {
	case StatusOK:
		return "ok"
	case StatusError:
		return "error"
	case StatusContinue:
		return "continue"
	}
	return fmt.Sprintf("status(%d)", int32(s))
}

// Header is the header of every packet (virNetMessageHeader).
type Header struct {
	Program   uint32 // program number, e.g. the remote program 0x20008086
	Version   uint32 // program version
	Procedure int32  // procedure number within the program
	Type      Type
	Serial    uint32 // matches a reply to its call, and stream packets to their stream
	Status    Status
}

// Encode appends h to e.
func (h *Header) Encode(e *Encoder) {
	e.Uint32(h.Program)
	e.Uint32(h.Version)
	e.Int32(h.Procedure)
	e.Int32(int32(h.Type))
	e.Uint32(h.Serial)
	e.Int32(int32(h.Status))
}

// ErrBadHeader means a packet's header holds a message type or status that
// libvirt does not define.
var ErrBadHeader = fmt.Errorf("bad packet header")

// DecodeHeader decodes the header of pkt, a whole packet as ReadPacket
// returns it, and returns the header and the body that follows it. It checks
// the length word, the message type and the status.
func DecodeHeader(pkt []byte) (Header, []byte, error) {
	if len(pkt) < LenSize+HeaderSize {
		return Header{}, nil, fmt.Errorf("protocol: %w: %d bytes, a header needs %d", ErrTooSmall, len(pkt), LenSize+HeaderSize)
	}
	if n := binary.BigEndian.Uint32(pkt); int64(n) != int64(len(pkt)) {
		return Header{}, nil, fmt.Errorf("protocol: %w: length word says %d bytes, packet has %d", ErrShortBuffer, n, len(pkt))
	}
	b := pkt[LenSize:]
	h := Header{
		Program:   binary.BigEndian.Uint32(b[0:]),
		Version:   binary.BigEndian.Uint32(b[4:]),
		Procedure: int32(binary.BigEndian.Uint32(b[8:])),
		Type:      Type(binary.BigEndian.Uint32(b[12:])),
		Serial:    binary.BigEndian.Uint32(b[16:]),
		Status:    Status(binary.BigEndian.Uint32(b[20:])),
	}
	if h.Type < Call || h.Type > StreamHole {
		return h, nil, fmt.Errorf("protocol: %w: unknown message type %d (serial %d)", ErrBadHeader, int32(h.Type), h.Serial)
	}
	if h.Status < StatusOK || h.Status > StatusContinue {
		return h, nil, fmt.Errorf("protocol: %w: unknown status %d (serial %d)", ErrBadHeader, int32(h.Status), h.Serial)
	}
	return h, b[HeaderSize:], nil
}
