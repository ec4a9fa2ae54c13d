// Package rawsock reads and writes unix and TCP sockets with raw system
// calls on Linux, inside the net package's RawConn: the goroutine still
// parks in the network poller when the socket is not ready, and deadlines
// still apply, but each read and write skips the runtime's system-call
// path, which wakes the scheduler's monitor thread when the process was
// idle. On a stream of small request/reply exchanges that wake-up costs as
// much CPU as the exchange itself (BENCHMARKS.md).
//
// Elsewhere, and on Linux/386, New reports false and Wrap returns the
// connection unchanged.
//
//	s, ok := rawsock.New(nc, 0)
//	if ok {
//		n, err := s.Read(buf)
//		...
//	}
package rawsock

import "net"

// Wrap returns nc with its Read and Write done by a Socket when New can
// make one, for layers such as crypto/tls that read and write a net.Conn
// they are given; otherwise nc itself. Deadlines and every other method
// are nc's own.
func Wrap(nc net.Conn) net.Conn {
	s, ok := New(nc, 0)
	if !ok {
		return nc
	}
	return &conn{Conn: nc, s: s}
}

// conn is a net.Conn whose Read and Write are a Socket's.
type conn struct {
	net.Conn
	s *Socket
}

func (c *conn) Read(p []byte) (int, error)  { return c.s.Read(p) }
func (c *conn) Write(p []byte) (int, error) { return c.s.Write(p) }
