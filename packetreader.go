package virtwire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/virtwire/virtwire/protocol"
)

// Buffer sizes of the packet reader. An idle connection reads into the
// small buffer it owns; the large one comes from a pool while bytes wait
// in it, so that a thousand idle connections hold a thousand small
// buffers and not a thousand large ones.
const (
	smallRead = 512
	largeRead = 64 << 10
	// growStep bounds how far a packet's buffer grows ahead of the bytes
	// received, so that a length word alone cannot make the reader
	// allocate MaxPacket.
	growStep = 1 << 20
)

var readPool = sync.Pool{New: func() any { b := make([]byte, largeRead); return &b }}

// A packetReader cuts the connection's byte stream into packets. Whoever
// holds the connection's read token uses it, one goroutine at a time, and
// a read may be interrupted (a deadline in the past hands the token over):
// everything it has read so far, even half a packet, stays here for the
// next holder.
type packetReader struct {
	src interface{ Read([]byte) (int, error) }

	small [smallRead]byte
	large *[]byte // from readPool while in use
	b     []byte  // small[:] or *large; b[r:w] is read but not consumed
	r, w  int
	busy  bool // the last read filled the buffer: more is probably waiting

	pkt  *[]byte // the packet being assembled, from packetPool
	have int     // bytes of it received
	need int     // its length
}

func newPacketReader(src interface{ Read([]byte) (int, error) }) *packetReader {
	p := &packetReader{src: src}
	p.b = p.small[:]
	return p
}

// next returns the next whole packet, length word included, in a buffer
// from packetPool that the caller owns. A read error (an interrupt too)
// leaves the reader ready to go on where it stopped.
func (p *packetReader) next() (*[]byte, error) {
	for {
		if p.pkt != nil {
			if p.have == p.need {
				bp := p.pkt
				*bp = (*bp)[:p.need]
				p.pkt = nil
				return bp, nil
			}
			p.growPacket()
			pk := (*p.pkt)[:cap(*p.pkt)]
			if p.r < p.w {
				n := copy(pk[p.have:min(p.need, len(pk))], p.b[p.r:p.w])
				p.r += n
				p.have += n
				continue
			}
			// Nothing buffered: read the rest of the packet straight into it.
			n, err := p.src.Read(pk[p.have:min(p.need, len(pk))])
			p.have += n
			if n == 0 && err != nil {
				return nil, wrapShort(err, p.need)
			}
			continue
		}
		if p.w-p.r >= protocol.LenSize {
			n := int64(binary.BigEndian.Uint32(p.b[p.r:]))
			if n < protocol.LenSize+protocol.HeaderSize {
				return nil, fmt.Errorf("protocol: %w: length word %d is below the minimum of %d", protocol.ErrTooSmall, n, protocol.LenSize+protocol.HeaderSize)
			}
			if n > protocol.MaxPacket {
				return nil, fmt.Errorf("protocol: %w: length word %d is over the limit of %d", protocol.ErrTooLarge, n, protocol.MaxPacket)
			}
			if n > protocol.InitialPacket && n <= largePacket {
				p.pkt = largePacketPool.Get().(*[]byte)
			} else {
				p.pkt = packetPool.Get().(*[]byte)
			}
			p.have, p.need = 0, int(n)
			continue
		}
		if err := p.fill(); err != nil {
			if p.r < p.w {
				return nil, wrapShort(err, 0)
			}
			return nil, err
		}
	}
}

// growPacket makes room for more of the packet being assembled, in steps
// bounded by the bytes that have arrived.
func (p *packetReader) growPacket() {
	c := cap(*p.pkt)
	if p.have < c || c >= p.need {
		return
	}
	nc := min(p.need, max(2*c, p.have+growStep))
	nb := make([]byte, p.have, nc)
	copy(nb, (*p.pkt)[:p.have])
	putPacket(p.pkt)
	p.pkt = &nb
}

// fill reads more bytes into the buffer.
func (p *packetReader) fill() error {
	switch {
	case p.r == p.w:
		p.r, p.w = 0, 0
		if !p.busy {
			// Idle: wait with the small buffer only.
			p.releaseLarge()
		} else {
			p.useLarge()
		}
	case p.w == len(p.b):
		p.useLarge()
	}
	room := len(p.b) - p.w
	n, err := p.src.Read(p.b[p.w:])
	p.w += n
	p.busy = n == room
	if n > 0 {
		return nil
	}
	return err
}

// useLarge moves the unread bytes to the start of the large buffer.
func (p *packetReader) useLarge() {
	if p.large == nil {
		p.large = readPool.Get().(*[]byte)
	}
	l := *p.large
	p.w = copy(l, p.b[p.r:p.w])
	p.r = 0
	p.b = l
}

func (p *packetReader) releaseLarge() {
	if p.large != nil {
		readPool.Put(p.large)
		p.large = nil
	}
	p.b = p.small[:]
}

// buffered reports whether a whole packet is waiting in the buffer, so
// that next would return it without reading.
func (p *packetReader) buffered() bool {
	if p.pkt != nil {
		return p.have+(p.w-p.r) >= p.need
	}
	n := p.w - p.r
	return n >= protocol.LenSize && n >= int(binary.BigEndian.Uint32(p.b[p.r:]))
}

// discard consumes n bytes (the dummy bytes that carry passed file
// descriptors). retry is called after an interrupted read, which discard
// does not give up on: the bytes follow their packet at once.
func (p *packetReader) discard(n int, retry func(error) bool) error {
	for n > 0 {
		if p.r < p.w {
			k := min(n, p.w-p.r)
			p.r += k
			n -= k
			continue
		}
		if err := p.fill(); err != nil && !retry(err) {
			return err
		}
	}
	return nil
}

// wrapShort turns the end of the stream inside a packet into an
// unexpected EOF.
func wrapShort(err error, need int) error {
	if errors.Is(err, io.EOF) {
		if need > 0 {
			return fmt.Errorf("protocol: reading packet of %d bytes: %w", need, io.ErrUnexpectedEOF)
		}
		return fmt.Errorf("protocol: reading length word: %w", io.ErrUnexpectedEOF)
	}
	return err
}
