//go:build !linux || 386

package virtwire

import "net"

// rawSocket is the Linux fast path of socket_linux.go; elsewhere the
// connection's own Read and Write serve.
type rawSocket struct {
	fdr *fdReader
}

func newRawSocket(net.Conn) (*rawSocket, bool) { return nil, false }

func (s *rawSocket) Read([]byte) (int, error)        { panic("virtwire: no raw socket here") }
func (s *rawSocket) Write([]byte) (int, error)       { panic("virtwire: no raw socket here") }
func (s *rawSocket) writev(a, b []byte) (int, error) { panic("virtwire: no raw socket here") }
func (s *rawSocket) tryWrite([]byte) (int, error)    { panic("virtwire: no raw socket here") }
