package engine

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/virtwire/virtwire/protocol"
)

// unixPair returns the two ends of a connected unix socket.
func unixPair(t *testing.T) (client, peer net.Conn) {
	t.Helper()
	path := t.TempDir() + "/s"
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	acc := make(chan net.Conn, 1)
	go func() {
		c, _ := l.Accept()
		acc <- c
	}()
	client, err = net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	peer = <-acc
	if peer == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { peer.Close() })
	return client, peer
}

// rawEngine is an engine whose peer the test reads itself.
func rawEngine(t *testing.T) (*Engine, net.Conn) {
	t.Helper()
	client, peer := unixPair(t)
	e := New(client, Config{Programs: []Program{{1, 1}}})
	t.Cleanup(func() { e.Shutdown(ErrConnClosed) })
	return e, peer
}

// readPackets reads n packets from the peer and returns their headers.
func readPackets(t *testing.T, r io.Reader, n int) []protocol.Header {
	t.Helper()
	var hs []protocol.Header
	for len(hs) < n {
		pkt, err := protocol.ReadPacket(r, nil)
		if err != nil {
			t.Fatalf("after %d packets: %v", len(hs), err)
		}
		h, _, err := protocol.DecodeHeader(pkt)
		if err != nil {
			t.Fatal(err)
		}
		hs = append(hs, h)
	}
	return hs
}

func msg(serial uint32) protocol.Header {
	return protocol.Header{Program: 1, Version: 1, Procedure: 1, Type: protocol.Stream, Serial: serial, Status: protocol.StatusContinue}
}

// Packets sent by many goroutines at once all arrive whole, each sender's
// in its order.
func TestWritesKeepOrderUnderContention(t *testing.T) {
	e, peer := rawEngine(t)
	const senders, each = 16, 200
	var wg sync.WaitGroup
	body := make([]byte, 1000)
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if err := e.w.sendHeader(context.Background(), msg(uint32(s<<16|i)), body, false, nil); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	hs := readPackets(t, peer, senders*each)
	wg.Wait()
	next := make([]int, senders)
	for _, h := range hs {
		s, i := int(h.Serial>>16), int(h.Serial&0xffff)
		if i != next[s] {
			t.Fatalf("sender %d: packet %d arrived when %d was due", s, i, next[s])
		}
		next[s]++
	}
}

// fill queues stream data until the queue is full (the peer reads
// nothing): until a send has to wait for room.
func fill(t *testing.T, e *Engine) {
	t.Helper()
	data := make([]byte, MaxStreamChunk)
	for i := 0; i < 1000; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		err := e.w.sendHeader(ctx, msg(1), data, false, nil)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Fatal("the queue never filled")
}

// With the queue full, data waits for room as long as its context allows
// and its stream is not stopped; control packets never wait.
func TestQueueBound(t *testing.T) {
	e, _ := rawEngine(t)
	fill(t, e)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := e.w.sendHeader(ctx, msg(2), make([]byte, MaxStreamChunk), false, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("data into a full queue: %v, want DeadlineExceeded", err)
	}
	stop := make(chan struct{})
	close(stop)
	if err := e.w.sendHeader(context.Background(), msg(3), make([]byte, MaxStreamChunk), false, stop); !errors.Is(err, ErrStreamAborted) {
		t.Errorf("data of a stopped stream into a full queue: %v, want ErrStreamAborted", err)
	}
	if err := e.w.sendHeader(context.Background(), msg(4), nil, true, nil); err != nil {
		t.Errorf("a control packet into a full queue: %v", err)
	}
}

// A call still in the queue when its caller gives up is withdrawn: the
// daemon never sees it.
func TestWithdraw(t *testing.T) {
	e, peer := rawEngine(t)
	fill(t, e)
	pkt := make([]byte, protocol.LenSize+protocol.HeaderSize)
	putHeader(pkt, protocol.Header{Program: 1, Version: 1, Type: protocol.Call, Serial: 77})
	en := getEncoder()
	if err := e.w.send(context.Background(), outPacket{pkt: pkt, enc: en, call: true, serial: 77}, true, nil); err != nil {
		t.Fatal(err)
	}
	if !e.w.withdraw(77) {
		t.Fatal("a call still queued was not withdrawn")
	}
	if e.w.withdraw(77) {
		t.Fatal("a call was withdrawn twice")
	}
	e.w.mu.Lock()
	queued := len(e.w.queue)
	e.w.mu.Unlock()
	// The peer reads everything that was queued: serial 77 is not in it.
	go func() {
		time.Sleep(10 * time.Millisecond)
		e.Fail(ErrConnClosed) // ends the stream of packets once they are written
	}()
	for {
		p, err := protocol.ReadPacket(peer, nil)
		if err != nil {
			break
		}
		if binary.BigEndian.Uint32(p[serialAt:]) == 77 {
			t.Fatal("the withdrawn call was written")
		}
	}
	if queued == 0 {
		t.Fatal("the queue was empty: the test proved nothing")
	}
}

// A packet written from its sender's buffer (a stream's data) no longer
// refers to that buffer once detach returns: the daemon then reads whole
// packets, none of them with bytes the sender wrote into its buffer after
// it stopped waiting, whether the packet was withdrawn or partly written.
func TestDetachLeavesSenderBuffer(t *testing.T) {
	e, peer := rawEngine(t)
	sent := make(chan struct{}, 1)
	var bufs [][]byte
	// Queue packets whose bodies are the sender's until one is not written
	// at once: the socket is full (the peer reads nothing yet).
	for i := 0; ; i++ {
		if i == 64 {
			t.Fatal("the socket never filled")
		}
		b := make([]byte, MaxStreamChunk)
		for j := range b {
			b[j] = 0xaa
		}
		bufs = append(bufs, b)
		p := headerPacket(msg(uint32(i+1)), nil)
		p.body, p.sent = b, sent
		binary.BigEndian.PutUint32(p.pkt, uint32(p.size()))
		if err := e.w.send(context.Background(), p, false, nil); err != nil {
			t.Fatal(err)
		}
		select {
		case <-sent:
			continue
		default:
		}
		e.w.detach(sent)
		break
	}
	for _, b := range bufs {
		for j := range b {
			b[j] = 0xff // the sender reuses its buffers
		}
	}
	// A control packet after them shows where the stream's packets end.
	if err := e.w.sendHeader(context.Background(), msg(1000), nil, true, nil); err != nil {
		t.Fatal(err)
	}
	for n := 0; ; n++ {
		pkt, err := protocol.ReadPacket(peer, nil)
		if err != nil {
			t.Fatalf("after %d packets: %v", n, err)
		}
		h, body, err := protocol.DecodeHeader(pkt)
		if err != nil {
			t.Fatal(err)
		}
		if h.Serial == 1000 {
			return
		}
		for j, c := range body {
			if c != 0xaa {
				t.Fatalf("packet %d: byte %d is %#x, written into the sender's buffer after detach", h.Serial, j, c)
			}
		}
	}
}

// stuckSender sends stream chunks as one sender with stop until one is
// not written at once: the peer reads nothing, so that sender then writes
// it itself, waiting in the poller. errc receives nil when send returns
// with that packet not yet written (or an error); *queued counts the
// packets queued.
func stuckSender(t *testing.T, e *Engine, stop <-chan struct{}) (errc chan error, queued *int) {
	t.Helper()
	sent := make(chan struct{}, 1)
	body := make([]byte, MaxStreamChunk)
	errc, queued = make(chan error, 1), new(int)
	go func() {
		for i := 1; i <= 64; i++ {
			p := headerPacket(msg(uint32(i)), nil)
			p.body, p.sent = body, sent
			binary.BigEndian.PutUint32(p.pkt, uint32(p.size()))
			if err := e.w.send(context.Background(), p, false, stop); err != nil {
				errc <- err
				return
			}
			*queued = i
			select {
			case <-sent:
			default:
				errc <- nil // back from send with the packet not yet written
				return
			}
		}
		errc <- errors.New("the socket never filled")
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		e.w.mu.Lock()
		writing := e.w.ownStop != nil
		e.w.mu.Unlock()
		if writing {
			return errc, queued
		}
		select {
		case err := <-errc:
			t.Fatalf("send returned before waiting for room: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the sender never wrote its chunk itself")
		}
		time.Sleep(time.Millisecond)
	}
}

// endStuckSender stops the sender of stuckSender and waits for its send.
func endStuckSender(t *testing.T, e *Engine, stop chan struct{}, errc chan error) {
	t.Helper()
	close(stop)
	e.w.interruptOwn(stop)
	select {
	case err := <-errc:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("interruptOwn did not end the sender's write")
	}
}

// A stream's sender that writes its chunk itself, waiting in the poller,
// returns when its stream stops, with its packet still queued; the write
// deadline that interrupted it is cleared, so the rest is written once the
// peer reads.
func TestSenderWriteInterrupted(t *testing.T) {
	e, peer := rawEngine(t)
	stop := make(chan struct{})
	errc, queued := stuckSender(t, e, stop)
	endStuckSender(t, e, stop, errc)
	// The packet stays queued (the writer goroutine has the turn); what
	// follows it is written after it once the peer reads.
	if err := e.w.sendHeader(context.Background(), msg(1000), nil, true, nil); err != nil {
		t.Fatal(err)
	}
	hs := readPackets(t, peer, *queued+1)
	for i, h := range hs[:*queued] {
		if h.Serial != uint32(i+1) {
			t.Fatalf("packet %d has serial %d", i, h.Serial)
		}
	}
	if hs[*queued].Serial != 1000 {
		t.Fatalf("the last packet has serial %d, not the control packet's", hs[*queued].Serial)
	}
	if err := e.Err(); err != nil {
		t.Fatalf("the engine failed: %v", err)
	}
}

// Another stream's chunk queued behind a sender that writes its own is not
// part of that write: its sender takes its buffer back at once (detach)
// while the first still waits for room, and the daemon never sees it.
func TestOwnWriteHoldsNoOtherBuffer(t *testing.T) {
	e, peer := rawEngine(t)
	stop := make(chan struct{})
	errc, queued := stuckSender(t, e, stop)
	sent := make(chan struct{}, 1)
	body := make([]byte, 4096)
	for i := range body {
		body[i] = 0xbb
	}
	p := headerPacket(msg(500), nil)
	p.body, p.sent = body, sent
	binary.BigEndian.PutUint32(p.pkt, uint32(p.size()))
	if err := e.w.send(context.Background(), p, false, make(chan struct{})); err != nil {
		t.Fatal(err)
	}
	detached := make(chan struct{})
	go func() {
		e.w.detach(sent)
		close(detached)
	}()
	select {
	case <-detached:
	case <-time.After(5 * time.Second):
		t.Fatal("detach waited for another sender's write")
	}
	endStuckSender(t, e, stop, errc)
	if err := e.w.sendHeader(context.Background(), msg(1000), nil, true, nil); err != nil {
		t.Fatal(err)
	}
	for _, h := range readPackets(t, peer, *queued+1) {
		if h.Serial == 500 {
			t.Fatal("the daemon got the packet whose sender took it back")
		}
	}
}
