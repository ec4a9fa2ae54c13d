package virtwire

import (
	"context"
	"fmt"
	"io"

	"github.com/virtwire/virtwire/internal/engine"
	"github.com/virtwire/virtwire/protocol"
	"github.com/virtwire/virtwire/protocol/remote"
)

// maxStreamChunk is the most data one stream packet carries.
const maxStreamChunk = engine.MaxStreamChunk

// DefaultStreamBuffer is how many bytes of memory the incoming data of a
// Stream may take while its reader has not read it yet.
const DefaultStreamBuffer = engine.DefaultStreamBuffer

// WithStreamBuffer sets how much memory the received data of each Stream
// may take (packet buffers included) before the connection stops reading
// from the daemon (DefaultStreamBuffer when not set). See Stream for why.
func WithStreamBuffer(bytes int) Option { return func(o *options) { o.streamBuffer = bytes } }

// ErrStreamAborted is the error of a Stream after Abort, or after its
// context was cancelled.
var ErrStreamAborted = engine.ErrStreamAborted

// A Stream carries bulk data of a procedure such as StorageVolDownload,
// StorageVolUpload, DomainScreenshot or DomainOpenConsole. It is an
// io.ReadWriteCloser: Read returns what the daemon sends (until io.EOF),
// Write sends data to the daemon, Close finishes the transfer and waits for
// the daemon to confirm it, Abort cancels it. Cancelling the context the
// stream was opened with aborts it and ends every wait of Read, Write and
// Close at once.
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
// way. Use a Conn of its own for a transfer whose reader may stall. Writes
// wait while the Conn's write queue is full (a daemon that reads slowly),
// as long as the stream's context allows.
type Stream struct {
	s *engine.Stream
}

// callStream runs a procedure that opens a stream and returns the stream
// once the daemon has accepted the call.
func (c *Conn) callStream(ctx context.Context, prog, vers uint32, proc int32, dir protocol.StreamDirection, args, ret protocol.Value) (*Stream, error) {
	if c.eng == nil {
		return nil, errNotConnected
	}
	h := protocol.Header{Program: prog, Version: vers, Procedure: proc}
	s, err := c.eng.OpenStream(ctx, h, encoderOf(args), decoderOf(ret), dir, streamIsSparse(args))
	if err != nil {
		return nil, err
	}
	return &Stream{s: s}, nil
}

// Read reads data the daemon sent. Holes read as zero bytes. It returns
// io.EOF after the daemon's last data.
func (s *Stream) Read(p []byte) (int, error) {
	n, hole, err := s.s.Read(p, true)
	if hole > 0 {
		return int(hole), err
	}
	return n, err
}

// ReadSparse reads either data into p (n > 0) or a hole (hole > 0: that
// many bytes of zeros the daemon did not send). At the end it returns
// io.EOF.
func (s *Stream) ReadSparse(p []byte) (n int, hole int64, err error) {
	return s.s.Read(p, false)
}

// Write sends p to the daemon in packets of at most 256 KiB.
func (s *Stream) Write(p []byte) (int, error) { return s.s.Write(p) }

// SendHole tells the daemon that the next length bytes are a hole. Only
// sparse streams accept holes.
func (s *Stream) SendHole(length int64) error { return s.s.SendHole(length) }

// Close finishes the stream: it tells the daemon that the client is done
// (for an upload, that all data was sent) and waits for the daemon to
// confirm, so that a nil error means the transfer completed. Closing a
// download before its end aborts it instead. Close is safe to call more
// than once. The wait ends when the stream's context ends, or after 30 s.
func (s *Stream) Close() error { return s.s.Finish(context.Background()) }

// CloseContext is Close with the wait for the daemon's confirmation also
// bounded by ctx.
func (s *Stream) CloseContext(ctx context.Context) error { return s.s.Finish(ctx) }

// Abort cancels the stream: the daemon stops the transfer and discards what
// it had not completed. A Read or Write blocked meanwhile returns
// ErrStreamAborted at once. Abort waits for the daemon to confirm, as Close
// does.
func (s *Stream) Abort() error { return s.s.Abort(context.Background()) }

// AbortContext is Abort with the wait for the daemon's confirmation also
// bounded by ctx.
func (s *Stream) AbortContext(ctx context.Context) error { return s.s.Abort(ctx) }

// WriteTo copies the stream's data to w until EOF. When w is a file (an
// io.WriteSeeker) holes become seeks, so a sparse download stays sparse.
func (s *Stream) WriteTo(w io.Writer) (int64, error) {
	ws, seekable := w.(io.WriteSeeker)
	var zeros []byte
	var total int64
	var pendingHole int64
	for {
		// Data goes to w straight from the packet it arrived in.
		data, buf, hole, err := s.s.Take()
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
					engine.PutPacket(buf)
					return total, err
				}
				pendingHole = 0
			}
			m, werr := w.Write(data)
			engine.PutPacket(buf)
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

// streamIsSparse reports whether a stream procedure's arguments ask for a
// sparse stream (the procedure's @sparseflag set in its flags).
func streamIsSparse(args protocol.Value) bool {
	switch a := args.(type) {
	case *remote.StorageVolDownloadArgs:
		return a.Flags&uint32(StorageVolDownloadSparseStream) != 0
	case *remote.StorageVolUploadArgs:
		return a.Flags&uint32(StorageVolUploadSparseStream) != 0
	}
	return false
}
