package virtwire

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/virtwire/virtwire/internal/fakeserver"
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
		p := newPacketReader(src)
		for i, n := range sizes {
			var bp *[]byte
			for {
				var err error
				bp, err = p.next()
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
			_, err := p.next()
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
			p := newPacketReader(&chunkReader{data: tc.data, rng: rand.New(rand.NewPCG(3, 4))})
			_, err := p.next()
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
	p := newPacketReader(&chunkReader{data: head, rng: rand.New(rand.NewPCG(5, 6))})
	_, err := p.next()
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("err = %v", err)
	}
	if c := cap(*p.pkt); c > 4<<20 {
		t.Fatalf("buffer of %d bytes for %d received", c, len(head))
	}
}

// On a unix socket a sequential caller reads its reply itself, also after
// the background reader took over the idle connection.
func TestCallerReadsOwnReply(t *testing.T) {
	var own atomic.Int32
	testHookReadOwn = func() { own.Add(1) }
	t.Cleanup(func() { testHookReadOwn = nil })
	srv := &fakeserver.Server{}
	nc, err := net.Dial("unix", srv.ListenUnix(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := NewConn(ctx, nc, WithoutKeepAlive())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Whether a caller reads its own reply depends on who holds the token
	// when it asks; on an idle connection the background reader does, and
	// may read the reply before it sees the caller's request for the token.
	// Sequential callers read for themselves soon after.
	readsOwn := func() bool {
		t.Helper()
		before := own.Load()
		if _, err := c.SupportsFeature(ctx, FeatureProgramKeepalive); err != nil {
			t.Fatal(err)
		}
		return own.Load() > before
	}
	eventually := func(what string) {
		t.Helper()
		for range 100 {
			if readsOwn() {
				return
			}
		}
		t.Fatalf("%s: 100 sequential callers, none read its own reply", what)
	}
	eventually("after the handshake")
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.mu.Lock()
		bg := c.reading == readBackground
		c.mu.Unlock()
		if bg {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the background reader never took over the idle connection")
		}
		time.Sleep(time.Millisecond) // polling a state, not ordering events
	}
	eventually("after the background reader took over")
}
