package engine

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/virtwire/virtwire/protocol"
)

// chunkReader hands out its data in random small pieces and, when
// interrupt is set, fails every few reads with a deadline error, as a
// read interrupted to hand the read token over does.
type chunkReader struct {
	data      []byte
	rng       *rand.Rand
	interrupt bool
	reads     int
}

func (r *chunkReader) Read(p []byte) (int, error) {
	r.reads++
	if r.interrupt && r.rng.IntN(3) == 0 {
		return 0, os.ErrDeadlineExceeded
	}
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), len(r.data), 1+r.rng.IntN(3000))
	copy(p, r.data[:n])
	r.data = r.data[n:]
	return n, nil
}

func testPacket(size int, fill byte) []byte {
	p := bytes.Repeat([]byte{fill}, size)
	binary.BigEndian.PutUint32(p, uint32(size))
	return p
}

func TestPacketReaderReassembles(t *testing.T) {
	sizes := []int{28, 36, 100, 511, 512, 513, 4096, 65535, 65536, 70000, 300000, 1<<20 + 3, 3 << 20, 40}
	var stream []byte
	for i, n := range sizes {
		stream = append(stream, testPacket(n, byte(i+1))...)
	}
	for _, interrupt := range []bool{false, true} {
		src := &chunkReader{data: stream, rng: rand.New(rand.NewPCG(1, 2)), interrupt: interrupt}
		p := newPacketReader(src, nil)
		for i, n := range sizes {
			var bp *[]byte
			for {
				var err error
				bp, _, err = p.next()
				if err == nil {
					break
				}
				if !interrupt || !errors.Is(err, os.ErrDeadlineExceeded) {
					t.Fatalf("packet %d: %v", i, err)
				}
			}
			if !bytes.Equal(*bp, testPacket(n, byte(i+1))) {
				t.Fatalf("interrupt=%v: packet %d (%d bytes) differs", interrupt, i, n)
			}
			putPacket(bp)
		}
		for {
			_, _, err := p.next()
			if errors.Is(err, io.EOF) {
				break
			}
			if !interrupt || !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("at the end: %v, want io.EOF", err)
			}
		}
		if p.large != nil {
			t.Error("the large buffer is still held with nothing to read")
		}
	}
}

func TestPacketReaderErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		want error
	}{
		{"clean end", nil, io.EOF},
		{"length word too small", []byte{0, 0, 0, 27}, protocol.ErrTooSmall},
		{"length word too large", []byte{2, 0, 0, 1}, protocol.ErrTooLarge},
		{"cut in the length word", []byte{0, 0}, io.ErrUnexpectedEOF},
		{"cut in the packet", testPacket(100, 1)[:60], io.ErrUnexpectedEOF},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPacketReader(&chunkReader{data: tc.data, rng: rand.New(rand.NewPCG(3, 4))}, nil)
			_, _, err := p.next()
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if tc.want != io.EOF && errors.Is(err, io.EOF) {
				t.Fatalf("err = %v: a cut packet must not look like a clean end", err)
			}
		})
	}
}

// A length word claiming the largest packet makes the reader allocate
// only as the bytes arrive.
func TestPacketReaderGrowsWithData(t *testing.T) {
	head := make([]byte, 2<<20)
	binary.BigEndian.PutUint32(head, protocol.MaxPacket)
	p := newPacketReader(&chunkReader{data: head, rng: rand.New(rand.NewPCG(5, 6))}, nil)
	_, _, err := p.next()
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("err = %v", err)
	}
	if c := cap(*p.pkt); c > 4<<20 {
		t.Fatalf("buffer of %d bytes for %d received", c, len(head))
	}
}

// fdPacket is a REPLY_WITH_FDS packet announcing n descriptors, followed
// by their n dummy bytes.
func fdPacket(n int) []byte {
	h := protocol.Header{Program: 1, Version: 1, Type: protocol.ReplyWithFDs, Serial: 9}
	pkt := make([]byte, protocol.LenSize+protocol.HeaderSize+4)
	putHeader(pkt, h)
	binary.BigEndian.PutUint32(pkt[protocol.LenSize+protocol.HeaderSize:], uint32(n))
	return append(pkt, make([]byte, n)...)
}

// A REPLY_WITH_FDS packet is whole only with its dummy bytes, which the
// reader waits for across interrupted reads; then it claims the
// descriptors that arrived.
func TestPacketReaderWaitsForDescriptorBytes(t *testing.T) {
	stream := append(fdPacket(3), testPacket(40, 7)...)
	src := &chunkReader{data: stream, rng: rand.New(rand.NewPCG(7, 8)), interrupt: true}
	fc := &fdCollector{fds: []int{-1, -1, -1}} // stands for three received descriptors
	p := newPacketReader(src, fc)
	var files []*os.File
	for {
		bp, got, err := p.next()
		if err == nil {
			files = got
			if binary.BigEndian.Uint32((*bp)[protocol.LenSize+12:]) != uint32(protocol.ReplyWithFDs) {
				t.Fatal("the first packet is not the reply with descriptors")
			}
			break
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatal(err)
		}
	}
	if len(files) != 3 {
		t.Fatalf("%d files, want 3", len(files))
	}
	for {
		bp, _, err := p.next()
		if err == nil {
			if !bytes.Equal(*bp, testPacket(40, 7)) {
				t.Fatal("the packet after the descriptors' bytes differs")
			}
			break
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatal(err)
		}
	}
}

func TestPacketReaderDescriptorLies(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		fc   *fdCollector
		want string
	}{
		{"no descriptors can come", fdPacket(1), nil, "cannot carry"},
		{"too many announced", fdPacket(protocol.MaxFDs + 1), new(fdCollector), "at most"},
		{"fewer arrived than announced", fdPacket(2), &fdCollector{fds: []int{-1}}, "1 arrived"},
		{"no count", testPacketOfType(protocol.ReplyWithFDs), new(fdCollector), "no descriptor count"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPacketReader(&chunkReader{data: tc.data, rng: rand.New(rand.NewPCG(9, 10))}, tc.fc)
			_, _, err := p.next()
			if !errors.Is(err, ErrProtocol) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want a protocol error saying %q", err, tc.want)
			}
		})
	}
}

func testPacketOfType(t protocol.Type) []byte {
	pkt := make([]byte, protocol.LenSize+protocol.HeaderSize)
	putHeader(pkt, protocol.Header{Program: 1, Version: 1, Type: t})
	return pkt
}

// replyPacket is a packet of size bytes with the header type t.
func replyPacket(size int, t protocol.Type) []byte {
	p := testPacket(size, 7)
	binary.BigEndian.PutUint32(p[protocol.LenSize+12:], uint32(t))
	return p
}

func TestPacketReaderOwnBuffers(t *testing.T) {
	for _, tc := range []struct {
		name  string
		size  int
		typ   protocol.Type
		exact bool // read into a buffer of its own size, which the reply keeps
	}{
		{"small reply", 100, protocol.Reply, false},
		{"reply just under", ownedReply - 1, protocol.Reply, false},
		{"reply at the threshold", ownedReply, protocol.Reply, true},
		{"XML-sized reply", 18 << 10, protocol.Reply, true},
		{"reply with descriptors", 18 << 10, protocol.ReplyWithFDs, true},
		{"reply over the pool's size", 70000, protocol.Reply, true},
		{"reply over growStep", 3 << 20, protocol.Reply, true},
		{"event", 18 << 10, protocol.Message, false},
		{"stream data", 18 << 10, protocol.Stream, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pkt := replyPacket(tc.size, tc.typ)
			if tc.typ == protocol.ReplyWithFDs {
				// No descriptors announced: the packet reader hands it on.
				binary.BigEndian.PutUint32(pkt[protocol.LenSize+protocol.HeaderSize:], 0)
			}
			p := newPacketReader(bytes.NewReader(pkt), nil)
			bp, _, err := p.next()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(*bp, pkt) {
				t.Fatal("packet differs")
			}
			if got := cap(*bp) == len(*bp); got != tc.exact {
				t.Errorf("buffer of %d bytes for a packet of %d: exact size %v, want %v", cap(*bp), len(*bp), got, tc.exact)
			}
			putPacket(bp)
			// A buffer of a reply's own size never goes to the pool, whose
			// buffers must hold InitialPacket bytes (headerPacket relies on it).
			if b := packetPool.Get().(*[]byte); cap(*b) < protocol.InitialPacket {
				t.Errorf("packetPool gave a buffer of %d bytes", cap(*b))
			}
		})
	}
}

// countReader is a reader that counts its reads and gives each as much as
// it asks for.
type countReader struct {
	r     io.Reader
	reads int
}

func (c *countReader) Read(p []byte) (int, error) { c.reads++; return c.r.Read(p) }

func TestPacketReaderReadsLargeRepliesAtOnce(t *testing.T) {
	for _, tc := range []struct {
		name   string
		expect bool
		reads  int // reads for the third packet
	}{
		{"a caller waiting for a reply", true, 1},
		{"the background reader", false, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pkt := replyPacket(18<<10, protocol.Reply)
			src := &countReader{}
			p := newPacketReader(src, nil)
			p.expect = tc.expect
			// One reply at a time, as sequential calls get them.
			for i := range 3 {
				src.r, src.reads = bytes.NewReader(pkt), 0
				bp, _, err := p.next()
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(*bp, pkt) {
					t.Fatalf("packet %d differs", i)
				}
				putPacket(bp)
			}
			if src.reads != tc.reads {
				t.Errorf("%d reads for the third packet, want %d", src.reads, tc.reads)
			}
		})
	}
}
