//go:build !unix

package virtwire

import (
	"net"
	"os"

	"github.com/virtwire/virtwire/internal/rawsock"
)

func canPassFDs(net.Conn) bool { return false }

func fdSource(nc net.Conn) (interface{ Read([]byte) (int, error) }, *fdReader) { return nc, nil }

func rawSource(nc net.Conn) (*rawsock.Socket, *fdReader, bool) {
	s, ok := rawsock.New(nc, 0)
	return s, nil, ok
}

func closeFDs([]int) {}

func sendFDs(net.Conn, []*os.File) error { return ErrNoFDPassing }
