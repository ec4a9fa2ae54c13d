package engine

import (
	"net"
	"time"

	"github.com/virtwire/virtwire/internal/rawsock"
)

// A link is the connection's transport as the engine uses it. It is chosen
// once, from the net.Conn's concrete type, when the engine starts; the
// write and read paths then call its methods and never look at the type
// again.
type link interface {
	// Read reads what has arrived; only the read token's holder calls it.
	Read(p []byte) (int, error)
	// offer writes as much of bufs as goes without waiting and returns the
	// bytes taken. Only links whose nonblocking reports true offer.
	offer(bufs [][]byte) (int, error)
	// write writes all of bufs, waiting for room as long as it takes.
	write(bufs [][]byte) (int, error)
	// waitWritable waits, holding no caller's bytes, until the link has
	// room for an offer again. Only links whose nonblocking reports true
	// wait so.
	waitWritable() error
	// held reports whether the link holds back bytes it took (TLS records
	// the socket has not taken yet); flush writes them, waiting.
	held() bool
	flush() error
	// sendFD passes one descriptor with one dummy byte, as libvirt does
	// after a CALL_WITH_FDS packet, waiting for room.
	sendFD(fd int) error
	// nonblocking reports whether offer can take bytes without waiting;
	// on other links the engine writes from a goroutine of its own.
	nonblocking() bool
	// senderWrites reports whether a stream's sender may write its chunk
	// itself (write) and be interrupted by setWriteDeadline, leaving the
	// link usable: true where write waits in the poller and nothing else.
	senderWrites() bool
	setWriteDeadline(t time.Time) error
	// interruptible reports whether a read deadline interrupts a blocked
	// Read and leaves the link usable, so that callers may read their own
	// replies and hand the read token over.
	interruptible() bool
	// fds returns the collector of descriptors received, or nil when the
	// link cannot carry them.
	fds() *fdCollector
	// peerClosed reports, without reading, whether the daemon has closed
	// its side (false where that cannot be known).
	peerClosed() bool
	setReadDeadline(t time.Time) error
	close() error
}

// newLink chooses the link for nc.
func newLink(nc net.Conn) link {
	_, unix := nc.(*net.UnixConn)
	space := 0
	if unix {
		space = oobSpace
	}
	if s, ok := rawsock.New(nc, space); ok {
		l := &rawLink{nc: nc, s: s}
		if unix {
			l.fc = new(fdCollector)
			s.Control = l.fc.collect
		}
		return l
	}
	if tc, ok := nc.(layered); ok {
		if lower, ok := tc.NetConn().(*rawsock.Conn); ok {
			return &tlsLink{tc: nc, lower: lower}
		}
	}
	return newStreamLink(nc)
}

// layered is a connection over another, as a *tls.Conn is over its TCP
// socket. The engine names no TLS type, so that programs that never dial
// tls do not link crypto/tls.
type layered interface {
	net.Conn
	NetConn() net.Conn
}

// rawLink is a unix or TCP socket written and read with raw system calls
// (internal/rawsock).
type rawLink struct {
	nc net.Conn
	s  *rawsock.Socket
	fc *fdCollector
}

func (l *rawLink) Read(p []byte) (int, error)         { return l.s.Read(p) }
func (l *rawLink) offer(bufs [][]byte) (int, error)   { return l.s.WriteBuffers(bufs, false) }
func (l *rawLink) write(bufs [][]byte) (int, error)   { return l.s.WriteBuffers(bufs, true) }
func (l *rawLink) waitWritable() error                { return l.s.WaitWritable() }
func (l *rawLink) held() bool                         { return false }
func (l *rawLink) flush() error                       { return nil }
func (l *rawLink) nonblocking() bool                  { return true }
func (l *rawLink) interruptible() bool                { return true }
func (l *rawLink) senderWrites() bool                 { return true }
func (l *rawLink) setWriteDeadline(t time.Time) error { return l.nc.SetWriteDeadline(t) }
func (l *rawLink) fds() *fdCollector                  { return l.fc }
func (l *rawLink) setReadDeadline(t time.Time) error  { return l.nc.SetReadDeadline(t) }
func (l *rawLink) close() error                       { return l.nc.Close() }
func (l *rawLink) peerClosed() bool                   { return l.s.PeerClosed() }
func (l *rawLink) sendFD(fd int) error {
	if l.fc == nil {
		return ErrNoFDPassing
	}
	return l.s.SendMsg([]byte{0}, rights(fd))
}

// tlsLink is crypto/tls over a TCP socket that rawsock reads and writes.
// The socket below holds back what it cannot take at once (rawsock.Conn's
// Buffer), so a TLS write never waits: the engine flushes what is held
// from a goroutine of its own, only when the socket is full.
type tlsLink struct {
	tc    net.Conn // a *tls.Conn (or another layered conn)
	lower *rawsock.Conn
}

func (l *tlsLink) Read(p []byte) (int, error) { return l.tc.Read(p) }

// offer encrypts bufs into records, at most a record's worth at a time,
// until the socket holds some back: the rest waits in the queue, so that
// what the socket below holds (a copy) stays about one record, not the
// rest of a 256 KiB stream chunk.
func (l *tlsLink) offer(bufs [][]byte) (int, error) {
	n := 0
	for _, b := range bufs {
		for len(b) > 0 {
			m, err := l.tc.Write(b[:min(len(b), maxRecord)])
			n += m
			if err != nil {
				return n, err
			}
			b = b[m:]
			if l.lower.Held() > 0 {
				return n, nil
			}
		}
	}
	return n, nil
}

// maxRecord is the most plaintext one TLS record carries.
const maxRecord = 16 << 10

func (l *tlsLink) write(bufs [][]byte) (int, error) {
	n, err := l.offer(bufs)
	if err != nil {
		return n, err
	}
	return n, l.lower.Flush()
}

func (l *tlsLink) waitWritable() error               { return l.lower.Flush() }
func (l *tlsLink) held() bool                        { return l.lower.Held() > 0 }
func (l *tlsLink) flush() error                      { return l.lower.Flush() }
func (l *tlsLink) sendFD(int) error                  { return ErrNoFDPassing }
func (l *tlsLink) nonblocking() bool                 { return true }
func (l *tlsLink) interruptible() bool               { return true }
func (l *tlsLink) senderWrites() bool                { return false }
func (l *tlsLink) setWriteDeadline(time.Time) error  { return nil }
func (l *tlsLink) fds() *fdCollector                 { return nil }
func (l *tlsLink) setReadDeadline(t time.Time) error { return l.tc.SetReadDeadline(t) }
func (l *tlsLink) close() error                      { return l.tc.Close() }
func (l *tlsLink) peerClosed() bool                  { return l.lower.PeerClosed() }

// streamLink is any other net.Conn: an ssh channel or program, a pipe, a
// connection the caller made, or a socket where rawsock has no raw path.
// Its writes may wait, so the engine writes from a goroutine of its own.
type streamLink struct {
	nc   net.Conn
	uc   *net.UnixConn // nc, when it is a unix socket
	oob  []byte
	fc   *fdCollector
	intr bool
	bufs net.Buffers
}

func newStreamLink(nc net.Conn) *streamLink {
	l := &streamLink{nc: nc}
	switch c := nc.(type) {
	case *net.UnixConn:
		l.intr = true
		if oobSpace > 0 {
			l.uc, l.oob, l.fc = c, make([]byte, oobSpace), new(fdCollector)
		}
	case *net.TCPConn, layered:
		l.intr = true
	}
	return l
}

func (l *streamLink) Read(p []byte) (int, error) {
	if l.uc == nil {
		return l.nc.Read(p)
	}
	n, oobn, _, _, err := l.uc.ReadMsgUnix(p, l.oob)
	if oobn > 0 {
		l.fc.collect(l.oob[:oobn])
	}
	if n < 0 {
		n = 0 // ReadMsgUnix reports -1 with some errors; io.Reader must not
	}
	return n, err
}

func (l *streamLink) offer([][]byte) (int, error) { return 0, nil }

func (l *streamLink) write(bufs [][]byte) (int, error) {
	// WriteTo consumes the slice it is given: give it a copy.
	l.bufs = append(l.bufs[:0], bufs...)
	n, err := l.bufs.WriteTo(l.nc)
	clear(l.bufs[:cap(l.bufs)])
	return int(n), err
}

func (l *streamLink) waitWritable() error               { return nil }
func (l *streamLink) held() bool                        { return false }
func (l *streamLink) flush() error                      { return nil }
func (l *streamLink) nonblocking() bool                 { return false }
func (l *streamLink) interruptible() bool               { return l.intr }
func (l *streamLink) senderWrites() bool                { return false }
func (l *streamLink) setWriteDeadline(time.Time) error  { return nil }
func (l *streamLink) fds() *fdCollector                 { return l.fc }
func (l *streamLink) setReadDeadline(t time.Time) error { return l.nc.SetReadDeadline(t) }
func (l *streamLink) close() error                      { return l.nc.Close() }
func (l *streamLink) peerClosed() bool                  { return false }

func (l *streamLink) sendFD(fd int) error {
	if l.uc == nil || l.fc == nil {
		return ErrNoFDPassing
	}
	_, _, err := l.uc.WriteMsgUnix([]byte{0}, rights(fd), nil)
	return err
}
