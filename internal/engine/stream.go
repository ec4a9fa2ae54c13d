package engine

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/virtwire/virtwire/protocol"
)

// MaxStreamChunk is the most data one stream packet carries: libvirt's
// daemon sends and accepts packets of up to
// VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX.
const MaxStreamChunk = protocol.LegacyMaxPayload

// confirmTimeout bounds the wait for the daemon to confirm the end of a
// stream, when no context ends it sooner.
const confirmTimeout = 30 * time.Second

// A Stream is the data of one stream-opening call, routed by the call's
// serial: what the daemon sends is queued (up to Config.StreamBuffer
// bytes of memory; beyond that the engine stops reading the socket, which
// throttles the daemon) until Read or Take, and Write and SendHole send
// data. Every wait ends when the context the stream was opened with ends,
// which aborts the stream.
type Stream struct {
	e      *Engine
	ctx    context.Context
	prog   uint32
	vers   uint32
	proc   int32
	serial uint32
	sparse bool
	dir    protocol.StreamDirection
	limit  int

	// wlock serializes Write, SendHole and Finish; Abort never takes it,
	// so that it can end a Write waiting for room.
	wlock chan struct{}
	// sent is signalled when the packet Write queued from the caller's
	// buffer has been written; made on the first Write.
	sent chan struct{}

	mu       sync.Mutex
	queue    []chunk // data and holes received, not yet read
	head     int     // bytes of queue[0] already read
	queued   int     // bytes of memory the queue holds: its packet buffers
	eof      bool    // the daemon finished sending
	err      error   // the stream failed or was aborted
	closing  bool    // the finish or abort is sent; waiting for the daemon
	released bool    // gone from the engine
	counted  bool    // counted in streamTable.continuous
	readable chan struct{}
	space    chan struct{}
	confirm  chan error
	stop     chan struct{} // closed on abort or failure
	stopOnce sync.Once
	stopCtx  func() bool

	reading atomic.Bool // its reader holds the read token
	tw      waiter
}

type chunk struct {
	buf  *[]byte // pooled packet; data is (*buf)[off:]
	off  int
	hole int64 // a hole of this many bytes, when buf is nil
}

func (ch chunk) data() []byte { return (*ch.buf)[ch.off:] }

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// streamTable is the open streams, by serial, guarded by Engine.mu.
type streamTable struct {
	byID   map[uint32]*Stream
	closed map[uint32]struct{} // serials of streams recently ended
	// continuous counts the streams that need the socket read at all
	// times: uploads and consoles, and streams waiting for the daemon to
	// confirm their end.
	continuous int
}

// maxClosedStreams bounds the serials of ended streams remembered so that
// their late packets are dropped quietly.
const maxClosedStreams = 1024

func (t *streamTable) open() int { return len(t.byID) }

func (t *streamTable) ended(serial uint32) bool {
	_, ok := t.closed[serial]
	return ok
}

func (t *streamTable) all() []*Stream {
	out := make([]*Stream, 0, len(t.byID))
	for _, s := range t.byID {
		out = append(out, s)
	}
	return out
}

func (t *streamTable) addLocked(s *Stream) {
	// The maps are made at the first stream: most Conns never open one.
	if t.byID == nil {
		t.byID = make(map[uint32]*Stream)
		t.closed = make(map[uint32]struct{})
	}
	t.byID[s.serial] = s
	if s.dir != protocol.ReadStream {
		s.counted = true
		t.continuous++
	}
}

// OpenStream runs a stream-opening call (see Call) and returns the stream
// once the daemon has accepted it. dir says which way the data goes;
// sparse that holes travel too.
func (e *Engine) OpenStream(ctx context.Context, h protocol.Header, enc func(*protocol.Encoder), dec func(*protocol.Decoder) error, dir protocol.StreamDirection, sparse bool) (*Stream, error) {
	s := &Stream{
		e: e, ctx: ctx, prog: h.Program, vers: h.Version, proc: h.Procedure,
		dir: dir, sparse: sparse, limit: e.cfg.StreamBuffer,
		wlock:    make(chan struct{}, 1),
		readable: make(chan struct{}, 1),
		space:    make(chan struct{}, 1),
		confirm:  make(chan error, 1),
		stop:     make(chan struct{}),
		tw:       newWaiter(),
	}
	_, err := e.roundTrip(ctx, h, enc, dec, &Extras{stream: s})
	if err != nil {
		// release forgets the stream and remembers its serial, so that what
		// the daemon sends for it after a call given up on is dropped.
		s.release()
		return nil, err
	}
	s.stopCtx = context.AfterFunc(ctx, func() { s.abortNow(ctx.Err()) })
	return s, nil
}

// Sparse reports whether the stream carries holes.
func (s *Stream) Sparse() bool { return s.sparse }

// Name names the stream's procedure, for errors.
func (s *Stream) Name() string { return s.e.name(s.prog, s.proc) }

func (s *Stream) header(t protocol.Type, status protocol.Status) protocol.Header {
	return protocol.Header{Program: s.prog, Version: s.vers, Procedure: s.proc, Type: t, Serial: s.serial, Status: status}
}

// routeStream hands a stream packet (data, hole, end of data, error, or
// the confirmation of a finish or abort) to its stream.
func (e *Engine) routeStream(h protocol.Header, bp *[]byte, off int) error {
	e.mu.Lock()
	s := e.streams.byID[h.Serial]
	recent := e.streams.ended(h.Serial)
	e.mu.Unlock()
	if s == nil {
		putPacket(bp)
		if recent {
			return nil // what the daemon sent before it saw the end
		}
		return fmt.Errorf("%w: stream packet for serial %d, which has no open stream", ErrProtocol, h.Serial)
	}
	if h.Program != s.prog || h.Procedure != s.proc {
		putPacket(bp)
		return fmt.Errorf("%w: stream packet with serial %d is for %s, but the stream is %s", ErrProtocol, h.Serial, e.name(h.Program, h.Procedure), s.Name())
	}
	body := (*bp)[off:]
	switch {
	case h.Status == protocol.StatusError:
		err := e.remoteError(body, h)
		putPacket(bp)
		if errors.Is(err, ErrProtocol) {
			return err
		}
		s.fail(err)
		return nil
	case h.Type == protocol.StreamHole:
		if !s.sparse {
			putPacket(bp)
			return fmt.Errorf("%w: hole on stream %d, which was not opened sparse", ErrProtocol, h.Serial)
		}
		if h.Status != protocol.StatusContinue {
			putPacket(bp)
			return fmt.Errorf("%w: hole on stream %d with status %v", ErrProtocol, h.Serial, h.Status)
		}
		d := protocol.NewDecoder(body)
		length := d.Int64()
		d.Uint32() // flags
		putPacket(bp)
		if d.Err() != nil || d.Remaining() != 0 || length < 0 {
			return fmt.Errorf("%w: malformed hole on stream %d", ErrProtocol, h.Serial)
		}
		return s.push(chunk{hole: length})
	case h.Status == protocol.StatusContinue && len(body) > 0:
		return s.push(chunk{buf: bp, off: off})
	case h.Status == protocol.StatusContinue:
		// An empty data packet is the end of the daemon's data.
		putPacket(bp)
		s.mu.Lock()
		if s.eof && !s.closing {
			s.mu.Unlock()
			return fmt.Errorf("%w: stream %d ended twice", ErrProtocol, h.Serial)
		}
		s.eof = true
		s.mu.Unlock()
		signal(s.readable)
		return nil
	default:
		// StatusOK confirms our finish or abort. (A daemon that ends its
		// data this way is taken at its word too.)
		putPacket(bp)
		s.mu.Lock()
		closing := s.closing
		if !closing {
			s.eof = true
		}
		s.mu.Unlock()
		if closing {
			select {
			case s.confirm <- nil:
			default:
			}
		}
		signal(s.readable)
		return nil
	}
}

// push queues received data, waiting (and so holding the socket's reader)
// while the stream's buffer is full. The buffer counts the memory held,
// whole packet buffers, not the data bytes: a daemon sending tiny packets
// would otherwise pin a packet buffer per byte. Holes in a row add up into
// one, so they take no memory however many arrive.
func (s *Stream) push(ch chunk) error {
	n := 0
	if ch.buf != nil {
		n = cap(*ch.buf)
	}
	for {
		s.mu.Lock()
		switch {
		case s.closing || s.err != nil || s.released:
			s.mu.Unlock()
			if ch.buf != nil {
				putPacket(ch.buf)
			}
			return nil
		case s.eof:
			s.mu.Unlock()
			if ch.buf != nil {
				putPacket(ch.buf)
			}
			return fmt.Errorf("%w: data on stream %d after its end", ErrProtocol, s.serial)
		case ch.buf == nil && len(s.queue) > 0 && s.queue[len(s.queue)-1].buf == nil:
			last := &s.queue[len(s.queue)-1]
			if last.hole > math.MaxInt64-ch.hole {
				s.mu.Unlock()
				return fmt.Errorf("%w: holes on stream %d add up to more than %d bytes", ErrProtocol, s.serial, int64(math.MaxInt64))
			}
			last.hole += ch.hole
			s.mu.Unlock()
			signal(s.readable)
			return nil
		case s.queued == 0 || s.queued+n <= s.limit:
			s.queue = append(s.queue, ch)
			s.queued += n
			s.mu.Unlock()
			signal(s.readable)
			return nil
		}
		s.mu.Unlock()
		if !s.waitSpace() {
			if ch.buf != nil {
				putPacket(ch.buf)
			}
			return nil
		}
	}
}

// hangupCheck is how often a reader held up by a full stream buffer looks
// whether the daemon went away.
const hangupCheck = 100 * time.Millisecond

// waitSpace waits until the stream's reader frees space, or the stream
// stops; false means the connection ended. While it waits nothing reads
// the socket, so the daemon's end would go unseen behind the data still
// in the socket: it asks the link every hangupCheck whether the daemon
// closed its side, and then ends the connection.
func (s *Stream) waitSpace() bool {
	t := time.NewTicker(hangupCheck)
	defer t.Stop()
	for {
		select {
		case <-s.space:
			return true
		case <-s.stop:
			return true
		case <-s.e.life.done:
			return false
		case <-t.C:
			if s.e.link.peerClosed() {
				s.e.failIO(io.EOF)
				return false
			}
		}
	}
}

// fail ends the stream with err, waking readers, writers and a pending
// finish or abort.
func (s *Stream) fail(err error) {
	s.mu.Lock()
	if s.err == nil {
		s.err = err
	}
	closing := s.closing
	s.mu.Unlock()
	if closing {
		select {
		case s.confirm <- err:
		default:
		}
	}
	s.closeStop()
	signal(s.readable)
	signal(s.space)
}

// Read reads data the daemon sent into p (n > 0), or reports a hole (hole
// > 0): with fillHoles, holes read as zero bytes into p instead. It
// returns io.EOF after the daemon's last data.
func (s *Stream) Read(p []byte, fillHoles bool) (n int, hole int64, err error) {
	if len(p) == 0 {
		return 0, 0, nil
	}
	for {
		s.mu.Lock()
		if len(s.queue) > 0 {
			ch := &s.queue[0]
			if ch.buf == nil {
				if !fillHoles {
					hole := ch.hole
					s.popLocked()
					s.mu.Unlock()
					return 0, hole, nil
				}
				n := int64(len(p))
				if n > ch.hole {
					n = ch.hole
				}
				clear(p[:n])
				ch.hole -= n
				if ch.hole == 0 {
					s.popLocked()
				}
				s.mu.Unlock()
				return int(n), 0, nil
			}
			n := copy(p, ch.data()[s.head:])
			s.head += n
			if s.head == len(ch.data()) {
				s.popLocked()
			}
			s.mu.Unlock()
			signal(s.space)
			return n, 0, nil
		}
		if err, ok := s.endLocked(); ok {
			s.mu.Unlock()
			return 0, 0, err
		}
		s.mu.Unlock()
		s.wait()
	}
}

// Take is Read without the copy: it hands over the first queued data
// (give buf back with PutPacket once done with it), or a hole, or the
// stream's end (io.EOF) or error.
func (s *Stream) Take() (data []byte, buf *[]byte, hole int64, err error) {
	for {
		s.mu.Lock()
		if len(s.queue) > 0 {
			ch := s.queue[0]
			if ch.buf == nil {
				s.popLocked()
				s.mu.Unlock()
				return nil, nil, ch.hole, nil
			}
			data = ch.data()[s.head:]
			s.queued -= cap(*ch.buf)
			s.queue[0].buf = nil // handed over: popLocked must not pool it
			s.popLocked()
			s.mu.Unlock()
			signal(s.space)
			return data, ch.buf, 0, nil
		}
		if err, ok := s.endLocked(); ok {
			s.mu.Unlock()
			return nil, nil, 0, err
		}
		s.mu.Unlock()
		s.wait()
	}
}

// PutPacket gives back a buffer Take handed over.
func PutPacket(buf *[]byte) { putPacket(buf) }

// endLocked reports the stream's end: its error, or io.EOF.
func (s *Stream) endLocked() (error, bool) {
	switch {
	case s.err != nil:
		return s.err, true
	case s.eof:
		return io.EOF, true
	}
	return nil, false
}

func (s *Stream) ready() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue) > 0 || s.eof || s.err != nil || s.closing || s.released
}

// wait returns once the stream may have something to read: data, a hole,
// its end or an error. A download's reader reads the socket itself while
// its queue is empty, taking the read token when no one holds it, so that
// its data does not pass through another goroutine.
func (s *Stream) wait() {
	e := s.e
	if s.dir == protocol.ReadStream && e.direct {
		e.mu.Lock()
		got, ask := false, false
		if !e.failed() {
			got, ask = e.acquireLocked(&s.tw)
		}
		e.mu.Unlock()
		if got {
			s.readHolding()
			return
		}
		if ask {
			e.interruptRead()
		}
	}
	select {
	case <-s.readable:
	case <-s.tw.token:
		s.readHolding()
		return
	case <-s.ctx.Done():
		s.abortNow(s.ctx.Err())
	case <-s.stop:
	case <-e.life.done:
		s.fail(e.Err())
	}
	e.mu.Lock()
	e.leaveLocked(&s.tw)
	e.mu.Unlock()
}

// readHolding reads as the token's holder until the stream has data, its
// end or an error, or its context ends.
func (s *Stream) readHolding() {
	s.reading.Store(true)
	err := s.e.hold(s.ctx, s.ready)
	s.reading.Store(false)
	if err != nil && s.ctx.Err() != nil {
		s.abortNow(s.ctx.Err())
	}
}

func (s *Stream) popLocked() {
	if b := s.queue[0].buf; b != nil {
		s.queued -= cap(*b)
		putPacket(b)
	}
	// Shift rather than reslice, so that the queue's array is reused
	// instead of reallocated as it drifts.
	n := copy(s.queue, s.queue[1:])
	s.queue[n] = chunk{}
	s.queue = s.queue[:n]
	s.head = 0
}

// lockWrite takes the turn to write, as long as ctx and the stream allow.
func (s *Stream) lockWrite(ctx context.Context) error {
	select {
	case s.wlock <- struct{}{}:
		return nil
	default:
	}
	select {
	case s.wlock <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("virtwire: %s: %w", s.Name(), ctx.Err())
	case <-s.ctx.Done():
		return s.stopped()
	case <-s.stop:
		return s.stopped()
	}
}

func (s *Stream) unlockWrite() { <-s.wlock }

// stopped returns the error of a stream that was stopped.
func (s *Stream) stopped() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	return fmt.Errorf("virtwire: %s: %w", s.Name(), ErrStreamAborted)
}

// Write sends p to the daemon in packets of at most MaxStreamChunk bytes.
// It waits for room in the connection's write queue as long as the
// stream's context allows and the stream is not aborted.
func (s *Stream) Write(p []byte) (int, error) {
	if err := s.lockWrite(s.ctx); err != nil {
		return 0, err
	}
	defer s.unlockWrite()
	written := 0
	for len(p) > 0 {
		if err := s.writable(); err != nil {
			return written, err
		}
		chunk := p[:min(len(p), MaxStreamChunk)]
		if err := s.writeChunk(chunk); err != nil {
			if s.ctx.Err() != nil || errors.Is(err, ErrStreamAborted) {
				s.abortNow(s.ctx.Err())
				return written, s.stopped()
			}
			return written, err
		}
		written += len(chunk)
		p = p[len(chunk):]
	}
	return written, nil
}

// writeChunk sends one packet of data. On links that write without
// waiting it is written from chunk itself, and writeChunk returns once it
// has gone: the caller's buffer is not copied, and no packet buffer is
// taken per chunk. On others the packet is a copy, queued.
func (s *Stream) writeChunk(chunk []byte) error {
	h := s.header(protocol.Stream, protocol.StatusContinue)
	w := &s.e.w
	if !s.e.link.nonblocking() {
		return w.sendHeader(s.ctx, h, chunk, false, s.stop)
	}
	if s.sent == nil {
		s.sent = make(chan struct{}, 1)
	}
	p := headerPacket(h, nil)
	p.body, p.sent = chunk, s.sent
	binary.BigEndian.PutUint32(p.pkt, uint32(p.size()))
	if err := w.send(s.ctx, p, false, s.stop); err != nil {
		return err
	}
	return s.awaitSent()
}

// awaitSent waits until the packet writeChunk queued has been written, or
// the stream's context ends, or the stream stops; then the queue no longer
// refers to the caller's buffer.
func (s *Stream) awaitSent() error {
	var err error
	select {
	case <-s.sent:
		return nil
	case <-s.ctx.Done():
		err = s.ctx.Err()
	case <-s.stop:
		err = ErrStreamAborted
	case <-s.e.life.done:
		err = s.e.Err()
	}
	s.e.w.detach(s.sent)
	return err
}

// SendHole tells the daemon that the next length bytes are a hole. Only
// sparse streams accept holes.
func (s *Stream) SendHole(length int64) error {
	if !s.sparse {
		return fmt.Errorf("virtwire: %s: SendHole on a stream that was not opened sparse", s.Name())
	}
	if length <= 0 {
		return fmt.Errorf("virtwire: SendHole: length %d is not positive", length)
	}
	if err := s.lockWrite(s.ctx); err != nil {
		return err
	}
	defer s.unlockWrite()
	if err := s.writable(); err != nil {
		return err
	}
	var body [12]byte
	binary.BigEndian.PutUint64(body[:], uint64(length))
	if err := s.e.w.sendHeader(s.ctx, s.header(protocol.StreamHole, protocol.StatusContinue), body[:], false, s.stop); err != nil {
		if s.ctx.Err() != nil || errors.Is(err, ErrStreamAborted) {
			s.abortNow(s.ctx.Err())
			return s.stopped()
		}
		return err
	}
	return nil
}

func (s *Stream) writable() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.err != nil:
		return s.err
	case s.closing || s.released:
		return fmt.Errorf("virtwire: write to a closed stream: %w", io.ErrClosedPipe)
	}
	return s.e.Err()
}

// Finish tells the daemon that the client is done (for an upload, that all
// data was sent) and waits for the daemon to confirm, so that nil means
// the transfer completed. The wait ends when ctx or the stream's context
// ends, or after confirmTimeout. Finishing a download before its end
// aborts it instead.
func (s *Stream) Finish(ctx context.Context) error {
	s.mu.Lock()
	aborting := s.dir == protocol.ReadStream && !s.eof
	s.mu.Unlock()
	if aborting {
		return s.Abort(ctx)
	}
	if err := s.lockWrite(ctx); err != nil {
		if errors.Is(err, ErrStreamAborted) {
			return nil
		}
		return err
	}
	defer s.unlockWrite()
	s.mu.Lock()
	switch {
	case s.released:
		err := s.err
		s.mu.Unlock()
		if errors.Is(err, ErrStreamAborted) {
			return err
		}
		return nil
	case s.err != nil:
		// The daemon already failed the stream; there is nothing to finish.
		err := s.err
		s.mu.Unlock()
		s.release()
		return err
	}
	s.closing = true
	s.mu.Unlock()
	return s.end(ctx, protocol.StatusOK)
}

// Abort cancels the stream: the daemon stops the transfer and discards what
// it had not completed. It waits for the daemon to confirm as Finish does;
// a Write blocked meanwhile returns at once.
func (s *Stream) Abort(ctx context.Context) error {
	if !s.markAborted(nil) {
		return nil
	}
	_ = s.end(ctx, protocol.StatusError)
	return nil
}

// abortNow aborts the stream without waiting for the daemon's
// confirmation, for a context that ended: the confirmation, when it
// comes, is dropped.
func (s *Stream) abortNow(cause error) {
	if !s.markAborted(cause) {
		return
	}
	_ = s.e.w.sendHeader(context.Background(), s.header(protocol.Stream, protocol.StatusError), nil, true, nil)
	s.release()
}

// closeStop closes s.stop, once, and ends a wait for room in the socket
// that the stream's sender is in (writer.writeOwn).
func (s *Stream) closeStop() {
	s.stopOnce.Do(func() { close(s.stop) })
	s.e.w.interruptOwn(s.stop)
}

// markAborted marks the stream aborted and wakes everything waiting on it;
// it reports false when the stream had ended already.
func (s *Stream) markAborted(cause error) bool {
	s.mu.Lock()
	if s.released || s.closing {
		s.mu.Unlock()
		return false
	}
	s.closing = true
	if s.err == nil {
		s.err = fmt.Errorf("virtwire: %s: %w", s.Name(), ErrStreamAborted)
		if cause != nil {
			s.err = fmt.Errorf("virtwire: %s: %w: %w", s.Name(), ErrStreamAborted, cause)
		}
	}
	s.mu.Unlock()
	s.closeStop()
	signal(s.readable)
	signal(s.space)
	if s.reading.Load() {
		s.e.interruptRead()
	}
	return true
}

// end sends the finish (OK) or abort (ERROR) packet and waits for the
// daemon's answer, with the socket read meanwhile by the background reader
// when no one else reads it.
func (s *Stream) end(ctx context.Context, status protocol.Status) error {
	e := s.e
	e.mu.Lock()
	if !s.counted {
		s.counted = true
		e.streams.continuous++
	}
	if e.tok.holder == tokenFree && !e.failed() {
		e.startBackgroundLocked()
	}
	e.mu.Unlock()
	err := e.w.sendHeader(context.Background(), s.header(protocol.Stream, status), nil, true, nil)
	if err == nil {
		t := time.NewTimer(confirmTimeout)
		select {
		case err = <-s.confirm:
		case <-ctx.Done():
			err = fmt.Errorf("virtwire: %s: waiting for the daemon to confirm the end of the stream: %w", s.Name(), ctx.Err())
		case <-s.ctx.Done():
			err = fmt.Errorf("virtwire: %s: waiting for the daemon to confirm the end of the stream: %w", s.Name(), s.ctx.Err())
		case <-e.life.done:
			err = e.Err()
		case <-t.C:
			err = fmt.Errorf("virtwire: %s: the daemon did not confirm the end of the stream within %v", s.Name(), confirmTimeout)
		}
		t.Stop()
	}
	s.release()
	return err
}

// release removes the stream from the engine and frees its buffers.
func (s *Stream) release() {
	if s.stopCtx != nil {
		s.stopCtx()
	}
	e := s.e
	e.mu.Lock()
	if e.streams.byID[s.serial] == s {
		delete(e.streams.byID, s.serial)
		if s.counted {
			e.streams.continuous--
		}
		if len(e.streams.closed) >= maxClosedStreams {
			clear(e.streams.closed)
		}
		e.streams.closed[s.serial] = struct{}{}
	}
	e.mu.Unlock()
	s.mu.Lock()
	s.released = true
	if s.err == nil && !s.eof {
		s.err = fmt.Errorf("virtwire: stream closed: %w", io.ErrClosedPipe)
	}
	for len(s.queue) > 0 {
		s.popLocked()
	}
	s.queued = 0
	s.mu.Unlock()
	s.closeStop()
	signal(s.readable)
	signal(s.space)
}

// abortLate aborts the stream that a given-up call, answered by h, opened
// on the daemon's side, so that the daemon stops sending its data (which
// is dropped on arrival) or waiting for ours.
func (e *Engine) abortLate(h protocol.Header) {
	h.Type, h.Status = protocol.Stream, protocol.StatusError
	_ = e.w.sendHeader(context.Background(), h, nil, true, nil)
}
