package engine

import (
	"sync"

	"github.com/virtwire/virtwire/protocol"
)

// Packet buffers. A packet read from the socket lives in a buffer from one
// of these pools until its reader is done with it; packets written are
// encoded into pooled Encoders.
var (
	packetPool = sync.Pool{New: func() any { b := make([]byte, 0, protocol.InitialPacket); return &b }}
	encPool    = sync.Pool{New: func() any { return new(protocol.Encoder) }}
	// largePacketPool holds buffers for full stream data packets, the
	// largest the daemon sends during a transfer, so that a download does
	// not allocate one per packet.
	largePacketPool = sync.Pool{New: func() any { b := make([]byte, 0, largePacket); return &b }}
)

// maxPooled is the largest buffer kept for reuse; larger ones are left to
// the garbage collector so that one huge reply does not pin memory.
const maxPooled = 1 << 20

// largePacket is the size of a full stream data packet.
const largePacket = protocol.LenSize + protocol.HeaderSize + protocol.LegacyMaxPayload

// putPacket gives a packet buffer back to its pool. Buffers smaller than
// the pools' own (a reply read into a buffer of its exact size) are left
// to the garbage collector: every buffer in packetPool holds at least
// InitialPacket bytes.
func putPacket(p *[]byte) {
	switch c := cap(*p); {
	case c > maxPooled, c < protocol.InitialPacket:
		dropPacket(p)
	case c >= largePacket:
		*p = (*p)[:0]
		largePacketPool.Put(p)
	default:
		*p = (*p)[:0]
		packetPool.Put(p)
	}
}

// headerPool holds the slice headers of buffers that are not pooled
// themselves (a reply's own, packetReader.next), so that reading such a
// reply allocates only its bytes and not a *[]byte besides.
var headerPool = sync.Pool{New: func() any { return new([]byte) }}

// ownPacket returns an empty buffer of capacity n that no pool owns.
func ownPacket(n int) *[]byte {
	p := headerPool.Get().(*[]byte)
	*p = make([]byte, 0, n)
	return p
}

// dropPacket leaves p's bytes to their new owner (or the garbage
// collector) and keeps its header for ownPacket.
func dropPacket(p *[]byte) {
	*p = nil
	headerPool.Put(p)
}

func getEncoder() *protocol.Encoder {
	e := encPool.Get().(*protocol.Encoder)
	e.Reset()
	return e
}

func putEncoder(e *protocol.Encoder) {
	if cap(e.Bytes()) <= maxPooled {
		encPool.Put(e)
	}
}
