//go:build !unix

package virtwire

import (
	"net"
	"os"
)

func canPassFDs(net.Conn) bool { return false }

func fdSource(nc net.Conn) (interface{ Read([]byte) (int, error) }, *fdReader) { return nc, nil }

func closeFDs([]int) {}

func sendFDs(net.Conn, []*os.File) error { return ErrNoFDPassing }
