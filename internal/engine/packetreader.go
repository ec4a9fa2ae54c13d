package engine

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
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
// holds the read token uses it, one goroutine at a time, and a read may be
// interrupted (a deadline in the past hands the token over, or ends a
// caller's wait): everything read so far, even half a packet or some of
// the bytes that carry a reply's file descriptors, stays here for the next
// holder.
type packetReader struct {
	src io.Reader
	fds *fdCollector // descriptors received on a unix socket, or nil

	small [smallRead]byte
	large *[]byte // from readPool while in use
	b     []byte  // small[:] or *large; b[r:w] is read but not consumed
	r, w  int
	busy  bool // the last read filled the buffer: more is probably waiting
	// large packets: the last packet did not fit the small buffer, so the
	// next is likely as big (an XML document after another). A holder
	// that waits for a reply (expect) then reads into the large buffer at
	// once, in one read instead of two; an idle connection's background
	// reader does not, so that it waits holding the small buffer only.
	big    bool
	expect bool

	pkt  *[]byte // the packet being assembled, pooled or a reply's own
	have int     // bytes of it received
	need int     // its length
	// A whole REPLY_WITH_FDS packet waits here until the dummy bytes that
	// carry its descriptors (one each) have arrived.
	fdPkt  *[]byte
	fdNeed int // dummy bytes still to come
	fdWant int // descriptors the packet announced
}

func newPacketReader(src io.Reader, fds *fdCollector) *packetReader {
	p := &packetReader{src: src, fds: fds}
	p.b = p.small[:]
	return p
}

// next returns the next whole packet, length word included, in a buffer
// from a pool that the caller owns, and the descriptors passed with it.
// A read error (an interrupt too) leaves the reader ready to go on where
// it stopped.
func (p *packetReader) next() (*[]byte, []*os.File, error) {
	for {
		if p.fdPkt != nil {
			return p.finishFDs()
		}
		if p.pkt != nil {
			if p.have == p.need {
				bp := p.pkt
				*bp = (*bp)[:p.need]
				p.pkt = nil
				p.big = p.need > smallRead
				if n, ok, err := fdCount(*bp); err != nil {
					putPacket(bp)
					return nil, nil, err
				} else if ok && n > 0 {
					if p.fds == nil {
						putPacket(bp)
						return nil, nil, fmt.Errorf("%w: a reply passes %d descriptors over a connection that cannot carry them", ErrProtocol, n)
					}
					p.fdPkt, p.fdNeed, p.fdWant = bp, n, n
					continue
				}
				return bp, nil, nil
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
				return nil, nil, wrapShort(err, p.need)
			}
			continue
		}
		if p.w-p.r >= protocol.LenSize {
			n := int64(binary.BigEndian.Uint32(p.b[p.r:]))
			if n < protocol.LenSize+protocol.HeaderSize {
				return nil, nil, fmt.Errorf("%w: %w: length word %d is below the minimum of %d", ErrProtocol, protocol.ErrTooSmall, n, protocol.LenSize+protocol.HeaderSize)
			}
			if n > protocol.MaxPacket {
				return nil, nil, fmt.Errorf("%w: %w: length word %d is over the limit of %d", ErrProtocol, protocol.ErrTooLarge, n, protocol.MaxPacket)
			}
			switch {
			case n >= ownedReply && p.replyAhead():
				// The reply keeps this buffer (Engine.finish): read it
				// straight into one of its own size, bounded as growPacket
				// bounds it.
				p.pkt = ownPacket(min(int(n), growStep))
			case n > protocol.InitialPacket && n <= largePacket:
				p.pkt = largePacketPool.Get().(*[]byte)
			default:
				p.pkt = packetPool.Get().(*[]byte)
			}
			p.have, p.need = 0, int(n)
			continue
		}
		if err := p.fill(); err != nil {
			if p.r < p.w {
				return nil, nil, wrapShort(err, 0)
			}
			return nil, nil, err
		}
	}
}

// replyAhead reports whether the packet whose length word is next in the
// buffer is a reply, when enough of its header has arrived to tell.
func (p *packetReader) replyAhead() bool {
	const typeAt = protocol.LenSize + 12
	if p.w-p.r < typeAt+4 {
		return false
	}
	t := protocol.Type(binary.BigEndian.Uint32(p.b[p.r+typeAt:]))
	return t == protocol.Reply || t == protocol.ReplyWithFDs
}

// fdCount reports whether pkt is a REPLY_WITH_FDS packet and how many
// descriptors it announces (the first word of its body).
func fdCount(pkt []byte) (int, bool, error) {
	const typeAt = protocol.LenSize + 12
	if protocol.Type(binary.BigEndian.Uint32(pkt[typeAt:])) != protocol.ReplyWithFDs {
		return 0, false, nil
	}
	const at = protocol.LenSize + protocol.HeaderSize
	if len(pkt) < at+4 {
		return 0, true, fmt.Errorf("%w: a reply with descriptors has no descriptor count", ErrProtocol)
	}
	n := binary.BigEndian.Uint32(pkt[at:])
	if n > protocol.MaxFDs {
		return 0, true, fmt.Errorf("%w: a reply announces %d descriptors, at most %d are allowed", ErrProtocol, n, protocol.MaxFDs)
	}
	return int(n), true, nil
}

// finishFDs consumes the dummy bytes of the waiting REPLY_WITH_FDS packet
// and then hands it over with its descriptors.
func (p *packetReader) finishFDs() (*[]byte, []*os.File, error) {
	for p.fdNeed > 0 {
		if p.r < p.w {
			k := min(p.fdNeed, p.w-p.r)
			p.r += k
			p.fdNeed -= k
			continue
		}
		if err := p.fill(); err != nil {
			return nil, nil, wrapShort(err, 1)
		}
	}
	bp, n := p.fdPkt, p.fdWant
	p.fdPkt, p.fdWant = nil, 0
	files, err := p.fds.claim(n)
	if err != nil {
		putPacket(bp)
		return nil, nil, err
	}
	return bp, files, nil
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
		if p.busy || p.big && p.expect {
			p.useLarge()
		} else {
			// Idle: wait with the small buffer only.
			p.releaseLarge()
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
	if p.fdPkt != nil {
		return p.w-p.r >= p.fdNeed
	}
	if p.pkt != nil {
		return p.have+(p.w-p.r) >= p.need
	}
	n := p.w - p.r
	return n >= protocol.LenSize && n >= int(binary.BigEndian.Uint32(p.b[p.r:]))
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
