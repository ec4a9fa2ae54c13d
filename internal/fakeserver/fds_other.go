//go:build !unix

package fakeserver

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
)

type fdQueue struct{}

func fdSource(nc net.Conn) (io.Reader, *fdQueue) { return nc, &fdQueue{} }

func (q *fdQueue) take(*bufio.Reader, int) ([]*os.File, error) {
	return nil, fmt.Errorf("fakeserver: no descriptor passing on this platform")
}

func sendFiles(net.Conn, []*os.File) error {
	return fmt.Errorf("fakeserver: no descriptor passing on this platform")
}
