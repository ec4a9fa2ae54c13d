//go:build !linux || 386

package rawsock

import "net"

// Socket is the Linux fast path of rawsock_linux.go; elsewhere New reports
// false and the connection's own Read and Write serve.
type Socket struct {
	// Control receives control messages on Linux; unused here.
	Control func(oob []byte)
}

// New reports false: there is no raw path on this platform.
func New(net.Conn, int) (*Socket, bool) { return nil, false }

// Read is never called: New makes no Socket here.
func (s *Socket) Read([]byte) (int, error) { panic("rawsock: no raw socket here") }

// Write is never called: New makes no Socket here.
func (s *Socket) Write([]byte) (int, error) { panic("rawsock: no raw socket here") }

// Writev is never called: New makes no Socket here.
func (s *Socket) Writev(a, b []byte) (int, error) { panic("rawsock: no raw socket here") }

// TryWrite is never called: New makes no Socket here.
func (s *Socket) TryWrite([]byte) (int, error) { panic("rawsock: no raw socket here") }

// WaitWritable is never called: New makes no Socket here.
func (s *Socket) WaitWritable() error { panic("rawsock: no raw socket here") }

// WriteBuffers is never called: New makes no Socket here.
func (s *Socket) WriteBuffers([][]byte, bool) (int, error) { panic("rawsock: no raw socket here") }

// SendMsg is never called: New makes no Socket here.
func (s *Socket) SendMsg(data, oob []byte) error { panic("rawsock: no raw socket here") }

// PeerClosed reports false: there is no raw path on this platform.
func (s *Socket) PeerClosed() bool { return false }
