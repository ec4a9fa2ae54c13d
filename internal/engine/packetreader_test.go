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
