package virtwire

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"sync"
	"time"

	"github.com/virtwire/virtwire/protocol"
	"github.com/virtwire/virtwire/protocol/remote"
)

// maxStreamChunk is the most data one stream packet carries. libvirt's
// daemon sends and accepts packets of up to VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX.
const maxStreamChunk = protocol.LegacyMaxPayload

// DefaultStreamBuffer is how many bytes of memory the incoming data of a
// Stream may take while its reader has not read it yet.
const DefaultStreamBuffer = 4 << 20

// WithStreamBuffer sets how much memory the received data of each Stream
// may take (packet buffers included) before the connection stops reading
// from the daemon (DefaultStreamBuffer when not set). See Stream for why.
func WithStreamBuffer(bytes int) Option { return func(o *options) { o.streamBuffer = bytes } }

// ErrStreamAborted is the error of a Stream after Abort, or after its
// context was cancelled.
var ErrStreamAborted = errors.New("virtwire: stream aborted")

// A Stream carries bulk data of a procedure such as StorageVolDownload,
// StorageVolUpload, DomainScreenshot or DomainOpenConsole. It is an
// io.ReadWriteCloser: Read returns what the daemon sends (until io.EOF),
// Write sends data to the daemon, Close finishes the transfer and waits for
// the daemon to confirm it, Abort cancels it. Cancelling the context the
// stream was opened with aborts it.
//
// Sparse streams (opened with the procedure's sparse flag) carry holes as
// well as data: Read returns holes as zero bytes, ReadSparse and WriteTo
// report them so that files stay sparse, and SendHole (or ReadFrom from a
// sparse file) sends them.
//
// Flow control: libvirt's protocol has no receive window, so a daemon sends
// stream data as fast as the connection takes it. A Stream buffers up to
// WithStreamBuffer bytes for its reader; other calls on the Conn go on
// unhindered while it does. When the buffer is full the Conn stops reading
// from the socket until the reader catches up, which is what throttles the
// daemon; other calls' replies wait meanwhile. Memory stays bounded either
// way. Use a Conn of its own for a transfer whose reader may stall.
type Stream struct {
	c      *Conn
	prog   uint32
	proc   int32
	serial uint32
	sparse bool
	dir    protocol.StreamDirection
	limit  int

	writeMu sync.Mutex // one writer at a time

	mu       sync.Mutex
	queue    []streamChunk // data and holes received, not yet read
	head     int           // bytes of queue[0] already read
	queued   int           // bytes of memory the queue holds: its packet buffers
	eof      bool          // the daemon finished sending
	err      error         // the stream failed or was aborted
	closing  bool          // Close or Abort sent its packet; waiting for the daemon
	done     bool          // finished: removed from the Conn
	readable chan struct{} // signalled when queue, eof or err change
	space    chan struct{} // signalled when the reader frees buffer space
	confirm  chan error    // the daemon's answer to finish or abort
	stopCtx  func() bool

	// A download's reader reads the socket itself while its queue is empty
	// (reader.go): tw waits for the read token.
	tw tokenWaiter
}

type streamChunk struct {
	buf  *[]byte // pooled packet; data is (*buf)[off:]
	off  int
	hole int64 // a hole of this many bytes, when buf is nil
}

func (ch streamChunk) data() []byte { return (*ch.buf)[ch.off:] }

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// callStream runs a procedure that opens a stream and returns the stream
// once the daemon has accepted the call.
func (c *Conn) callStream(ctx context.Context, prog, vers uint32, proc int32, dir protocol.StreamDirection, args, ret protocol.Value) (*Stream, error) {
	limit := c.opts.streamBuffer
	if limit <= 0 {
		limit = DefaultStreamBuffer
	}
	s := &Stream{
		c: c, prog: prog, proc: proc, limit: limit, dir: dir,
		sparse:   streamIsSparse(prog, proc, args),
		readable: make(chan struct{}, 1),
		space:    make(chan struct{}, 1),
		confirm:  make(chan error, 1),
		tw:       newTokenWaiter(),
	}
	h := protocol.Header{Program: prog, Version: vers, Procedure: proc, Type: protocol.Call}
	_, err := c.roundTrip(ctx, h, encoderOf(args), decoderOf(ret), &callExtras{register: func(serial uint32) {
		s.serial = serial
		c.streams[serial] = s
	}})
	if err != nil {
		// release forgets the stream and remembers its serial, so that what
		// the daemon sends for it after a call given up on is dropped.
		s.release()
		return nil, err
	}
	s.stopCtx = context.AfterFunc(ctx, func() { _ = s.abort(ctx.Err()) })
	return s, nil
}

// dispatchStream routes a stream packet (data, hole, end of data, error or
// the confirmation of a finish or abort) to its stream.
func (c *Conn) dispatchStream(h protocol.Header, bp *[]byte, off int) error {
	c.mu.Lock()
	s := c.streams[h.Serial]
	_, recent := c.closedStreams[h.Serial]
	c.mu.Unlock()
	if s == nil {
		putPacket(bp)
		if recent {
			return nil // data the daemon sent before it saw our abort
		}
		return fmt.Errorf("%w: stream packet for serial %d, which has no open stream", ErrProtocol, h.Serial)
	}
	if h.Program != s.prog || h.Procedure != s.proc {
		putPacket(bp)
		return fmt.Errorf("%w: stream packet with serial %d is for %s, but the stream is %s", ErrProtocol, h.Serial, procName(h.Program, h.Procedure), procName(s.prog, s.proc))
	}
	body := (*bp)[off:]
	switch {
	case h.Status == protocol.StatusError:
		var we protocol.Error
		err := protocol.Decode(body, &we)
		putPacket(bp)
		if err != nil {
			return fmt.Errorf("%w: stream error for serial %d is not a remote_error: %w", ErrProtocol, h.Serial, err)
		}
		s.fail(newError(&we))
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
		return s.push(streamChunk{hole: length})
	case h.Status == protocol.StatusContinue && len(body) > 0:
		return s.push(streamChunk{buf: bp, off: off})
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

// push queues received data, waiting (and so holding the connection's
// reader) while the stream's buffer is full. The buffer counts the memory
// held, whole packet buffers, not the data bytes: a daemon sending tiny
// packets would otherwise pin a packet buffer per byte. Holes in a row add
// up into one, so they take no memory however many arrive.
func (s *Stream) push(ch streamChunk) error {
	n := 0
	if ch.buf != nil {
		n = cap(*ch.buf)
	}
	for {
		s.mu.Lock()
		switch {
		case s.closing || s.err != nil || s.done:
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
		select {
		case <-s.space:
		case <-s.c.done:
			if ch.buf != nil {
				putPacket(ch.buf)
			}
			return nil
		}
	}
}

// fail ends the stream with err, waking readers, writers and a pending
// Close or Abort.
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
	signal(s.readable)
	signal(s.space)
}

// Read reads data the daemon sent. Holes read as zero bytes. It returns
// io.EOF after the daemon's last data.
func (s *Stream) Read(p []byte) (int, error) {
	n, hole, err := s.read(p, true)
	if hole > 0 {
		return int(hole), err
	}
	return n, err
}

// ReadSparse reads either data into p (n > 0) or a hole (hole > 0: that
// many bytes of zeros the daemon did not send). At the end it returns
// io.EOF.
func (s *Stream) ReadSparse(p []byte) (n int, hole int64, err error) {
	return s.read(p, false)
}

func (s *Stream) read(p []byte, fillHoles bool) (int, int64, error) {
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
		switch {
		case s.err != nil:
			err := s.err
			s.mu.Unlock()
			return 0, 0, err
		case s.eof:
			s.mu.Unlock()
			return 0, 0, io.EOF
		}
		s.mu.Unlock()
		s.wait()
	}
}

// wait returns once the stream may have something to read: data, a hole,
// its end or an error.
func (s *Stream) wait() {
	if s.readSocket() {
		return
	}
	select {
	case <-s.readable:
	case <-s.tw.token:
		s.readHolding()
		return
	case <-s.c.done:
		s.fail(s.c.Err())
	}
	s.c.mu.Lock()
	s.c.leaveWaitersLocked(&s.tw)
	s.c.mu.Unlock()
}

// take is read without the copy: it hands over the first queued chunk's
// data (give buf back with putPacket once done with it), or a hole, or the
// stream's end (io.EOF) or error.
func (s *Stream) take() (data []byte, buf *[]byte, hole int64, err error) {
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
		switch {
		case s.err != nil:
			err := s.err
			s.mu.Unlock()
			return nil, nil, 0, err
		case s.eof:
			s.mu.Unlock()
			return nil, nil, 0, io.EOF
		}
		s.mu.Unlock()
		s.wait()
	}
}

// readSocket lets a download's reader, whose queue is empty, read the
// socket itself rather than wait for another goroutine to hand it the
// data: it takes the read token when no one holds it (and returns true
// once something arrived), or asks for it and returns false.
func (s *Stream) readSocket() bool {
	c := s.c
	if s.dir != protocol.ReadStream || !c.direct {
		return false
	}
	ask := false
	c.mu.Lock()
	switch {
	case c.err != nil:
	case c.reading == readNone:
		c.reading = readCaller
		c.mu.Unlock()
		s.readHolding()
		return true
	case c.reading == readBackground:
		ask = !c.yieldAsked
		c.yieldAsked = true
		c.addWaiterLocked(&s.tw)
	default:
		c.addWaiterLocked(&s.tw)
	}
	c.mu.Unlock()
	if ask {
		c.interruptRead()
	}
	return false
}

// readHolding reads as the token holder until the stream has data, its
// end or an error, then passes the token on.
func (s *Stream) readHolding() {
	c := s.c
	closing := false
	for {
		s.mu.Lock()
		closing = s.closing
		ready := len(s.queue) > 0 || s.eof || s.err != nil || s.closing || s.done
		s.mu.Unlock()
		if ready {
			break
		}
		bp, err := c.rd.next()
		if err != nil {
			if isTimeout(err) {
				// No one interrupts a stream's reader; a stale deadline.
				_ = c.nc.SetReadDeadline(time.Time{})
				continue
			}
			c.failIO(err)
			return
		}
		if err := c.handlePacket(bp); err != nil {
			c.fail(err)
			return
		}
	}
	c.mu.Lock()
	c.passReadLocked()
	if closing && c.reading == readNone {
		// Close or Abort waits for the daemon's confirmation.
		c.startBackgroundLocked()
	}
	c.mu.Unlock()
}

func (s *Stream) popLocked() {
	if b := s.queue[0].buf; b != nil {
		s.queued -= cap(*b)
		putPacket(b)
	}
	// Shift rather than reslice, so that the queue's array is reused
	// instead of reallocated as it drifts.
	n := copy(s.queue, s.queue[1:])
	s.queue[n] = streamChunk{}
	s.queue = s.queue[:n]
	s.head = 0
}

// WriteTo copies the stream's data to w until EOF. When w is a file (an
// io.WriteSeeker) holes become seeks, so a sparse download stays sparse.
func (s *Stream) WriteTo(w io.Writer) (int64, error) {
	ws, seekable := w.(io.WriteSeeker)
	var zeros []byte
	var total int64
	var pendingHole int64
	for {
		// Data goes to w straight from the packet it arrived in.
		data, buf, hole, err := s.take()
		if hole > 0 {
			if seekable {
				pendingHole += hole
				total += hole
				continue
			}
			if zeros == nil {
				zeros = make([]byte, min(hole, maxStreamChunk))
			}
			for hole > 0 {
				m, werr := w.Write(zeros[:min(hole, int64(len(zeros)))])
				total += int64(m)
				hole -= int64(m)
				if werr != nil {
					return total, werr
				}
			}
			continue
		}
		if buf != nil {
			if pendingHole > 0 {
				if _, err := ws.Seek(pendingHole, io.SeekCurrent); err != nil {
					putPacket(buf)
					return total, err
				}
				pendingHole = 0
			}
			m, werr := w.Write(data)
			putPacket(buf)
			total += int64(m)
			if werr != nil {
				return total, werr
			}
			continue
		}
		if err == io.EOF {
			if pendingHole > 0 {
				// A trailing hole: extend the file to its full size.
				off, err := ws.Seek(pendingHole-1, io.SeekCurrent)
				if err != nil {
					return total, err
				}
				if _, err := ws.Write([]byte{0}); err != nil {
					return total, fmt.Errorf("virtwire: extending to %d bytes: %w", off+1, err)
				}
			}
			return total, nil
		}
		return total, err
	}
}

// Write sends p to the daemon in packets of at most 256 KiB.
func (s *Stream) Write(p []byte) (int, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	written := 0
	for len(p) > 0 {
		if err := s.writable(); err != nil {
			return written, err
		}
		chunk := p
		if len(chunk) > maxStreamChunk {
			chunk = chunk[:maxStreamChunk]
		}
		if err := s.c.writeRaw(protocol.Header{Program: s.prog, Version: 1, Procedure: s.proc, Type: protocol.Stream, Serial: s.serial, Status: protocol.StatusContinue}, chunk); err != nil {
			return written, err
		}
		written += len(chunk)
		p = p[len(chunk):]
	}
	return written, nil
}

// SendHole tells the daemon that the next length bytes are a hole. Only
// sparse streams accept holes.
func (s *Stream) SendHole(length int64) error {
	if !s.sparse {
		return fmt.Errorf("virtwire: %s: SendHole on a stream that was not opened sparse", procName(s.prog, s.proc))
	}
	if length <= 0 {
		return fmt.Errorf("virtwire: SendHole: length %d is not positive", length)
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if err := s.writable(); err != nil {
		return err
	}
	var body [12]byte
	binary.BigEndian.PutUint64(body[:], uint64(length))
	return s.c.writeRaw(protocol.Header{Program: s.prog, Version: 1, Procedure: s.proc, Type: protocol.StreamHole, Serial: s.serial, Status: protocol.StatusContinue}, body[:])
}

func (s *Stream) writable() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.err != nil:
		return s.err
	case s.closing || s.done:
		return fmt.Errorf("virtwire: write to a closed stream: %w", io.ErrClosedPipe)
	}
	return s.c.Err()
}

// Close finishes the stream: it tells the daemon that the client is done
// (for an upload, that all data was sent) and waits for the daemon to
// confirm, so that a nil error means the transfer completed. Closing a
// download before its end aborts it instead. Close is safe to call more
// than once.
func (s *Stream) Close() error {
	s.mu.Lock()
	aborting := s.dir == protocol.ReadStream && !s.eof
	s.mu.Unlock()
	if aborting {
		return s.abort(nil)
	}
	return s.end(protocol.StatusOK, nil)
}

// Abort cancels the stream: the daemon stops the transfer and discards what
// it had not completed.
func (s *Stream) Abort() error { return s.abort(nil) }

func (s *Stream) abort(cause error) error {
	err := s.end(protocol.StatusError, cause)
	if err == nil || errors.Is(err, ErrStreamAborted) {
		return nil
	}
	return err
}

// end sends the finish (OK) or abort (ERROR) packet and waits for the
// daemon's answer.
func (s *Stream) end(status protocol.Status, cause error) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.mu.Lock()
	if s.done {
		err := s.err
		s.mu.Unlock()
		if status == protocol.StatusOK && errors.Is(err, ErrStreamAborted) {
			return err
		}
		return nil
	}
	if s.err != nil && !s.closing {
		// The daemon already failed the stream; there is nothing to finish.
		err := s.err
		s.mu.Unlock()
		s.release()
		return err
	}
	s.closing = true
	if status == protocol.StatusError {
		s.err = ErrStreamAborted
		if cause != nil {
			s.err = fmt.Errorf("%w: %w", ErrStreamAborted, cause)
		}
	}
	s.mu.Unlock()
	signal(s.readable)
	signal(s.space)

	// The daemon's confirmation must be read: by the background reader if
	// no one holds the read token.
	s.c.mu.Lock()
	if s.c.reading == readNone && s.c.err == nil {
		s.c.startBackgroundLocked()
	}
	s.c.mu.Unlock()
	var err error
	if werr := s.c.writeRaw(protocol.Header{Program: s.prog, Version: 1, Procedure: s.proc, Type: protocol.Stream, Serial: s.serial, Status: status}, nil); werr != nil {
		err = werr
	} else {
		t := time.NewTimer(30 * time.Second)
		select {
		case err = <-s.confirm:
		case <-s.c.done:
			err = s.c.Err()
		case <-t.C:
			err = fmt.Errorf("virtwire: %s: the daemon did not confirm the end of the stream", procName(s.prog, s.proc))
		}
		t.Stop()
	}
	s.release()
	if status == protocol.StatusError {
		return nil
	}
	return err
}

// release removes the stream from its Conn and frees its buffers.
func (s *Stream) release() {
	if s.stopCtx != nil {
		s.stopCtx()
	}
	c := s.c
	c.mu.Lock()
	if c.streams[s.serial] == s {
		delete(c.streams, s.serial)
		if len(c.closedStreams) >= maxClosedStreams {
			clear(c.closedStreams)
		}
		c.closedStreams[s.serial] = struct{}{}
	}
	c.mu.Unlock()
	s.mu.Lock()
	s.done = true
	if s.err == nil && !s.eof {
		s.err = fmt.Errorf("virtwire: stream closed: %w", io.ErrClosedPipe)
	}
	for len(s.queue) > 0 {
		s.popLocked()
	}
	s.queued = 0
	s.mu.Unlock()
	signal(s.readable)
	signal(s.space)
}

// abortLate aborts the stream that a given-up call, answered by h, opened
// on the daemon's side, so that the daemon stops sending its data (which
// is dropped on arrival) or waiting for ours. It writes from a goroutine
// of its own: the caller is reading, and a write may wait.
func (c *Conn) abortLate(h protocol.Header) {
	h.Type, h.Status = protocol.Stream, protocol.StatusError
	c.aux.Add(1)
	go func() {
		defer c.aux.Done()
		_ = c.writeRaw(h, nil)
	}()
}

// maxClosedStreams bounds the serials of ended streams remembered so that
// their late packets are dropped quietly.
const maxClosedStreams = 1024

// writeRaw writes one packet whose body is raw bytes (stream data), without
// copying them.
func (c *Conn) writeRaw(h protocol.Header, body []byte) error {
	if err := c.lockWrite(context.Background()); err != nil {
		return err
	}
	// The header lives in the Conn: on the stack it would escape to the
	// heap through the writev, one allocation per packet.
	hdr := &c.streamHdr
	binary.BigEndian.PutUint32(hdr[0:], uint32(len(hdr)+len(body)))
	binary.BigEndian.PutUint32(hdr[4:], h.Program)
	binary.BigEndian.PutUint32(hdr[8:], h.Version)
	binary.BigEndian.PutUint32(hdr[12:], uint32(h.Procedure))
	binary.BigEndian.PutUint32(hdr[16:], uint32(h.Type))
	binary.BigEndian.PutUint32(hdr[20:], h.Serial)
	binary.BigEndian.PutUint32(hdr[24:], uint32(h.Status))
	var err error
	if c.sock != nil {
		_, err = c.sock.Writev(hdr[:], body)
	} else {
		bufs := net.Buffers{hdr[:], body}
		_, err = bufs.WriteTo(c.nc)
	}
	c.unlockWrite()
	if err != nil {
		c.failIO(err)
		return c.Err()
	}
	if c.log != nil {
		c.logPacket("send", h, protocol.LenSize+protocol.HeaderSize+len(body))
	}
	return nil
}

// streamIsSparse reports whether a stream procedure's arguments ask for a
// sparse stream (the procedure's @sparseflag set in its flags).
func streamIsSparse(prog uint32, proc int32, args protocol.Value) bool {
	switch a := args.(type) {
	case *remote.StorageVolDownloadArgs:
		return a.Flags&uint32(StorageVolDownloadSparseStream) != 0
	case *remote.StorageVolUploadArgs:
		return a.Flags&uint32(StorageVolUploadSparseStream) != 0
	}
	return false
}
