//go:build unix

package fakeserver

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
)

type fdQueue struct {
	mu  sync.Mutex
	fds []int
}

type unixReader struct {
	uc  *net.UnixConn
	oob []byte
	q   *fdQueue
}

func (r *unixReader) Read(p []byte) (int, error) {
	n, oobn, _, _, err := r.uc.ReadMsgUnix(p, r.oob)
	if oobn > 0 {
		if msgs, perr := syscall.ParseSocketControlMessage(r.oob[:oobn]); perr == nil {
			r.q.mu.Lock()
			for _, m := range msgs {
				if fds, err := syscall.ParseUnixRights(&m); err == nil {
					r.q.fds = append(r.q.fds, fds...)
				}
			}
			r.q.mu.Unlock()
		}
	}
	return max(n, 0), err // ReadMsgUnix gives -1 when closed under a blocked read
}

func fdSource(nc net.Conn) (io.Reader, *fdQueue) {
	q := &fdQueue{}
	if uc, ok := nc.(*net.UnixConn); ok {
		return &unixReader{uc: uc, oob: make([]byte, syscall.CmsgSpace(4*64)), q: q}, q
	}
	return nc, q
}

// take reads the n dummy bytes that carried descriptors and returns them.
func (q *fdQueue) take(br *bufio.Reader, n int) ([]*os.File, error) {
	if _, err := io.CopyN(io.Discard, br, int64(n)); err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.fds) < n {
		return nil, fmt.Errorf("fakeserver: %d descriptors promised, %d arrived", n, len(q.fds))
	}
	files := make([]*os.File, n)
	for i, fd := range q.fds[:n] {
		files[i] = os.NewFile(uintptr(fd), "passed")
	}
	q.fds = q.fds[n:]
	return files, nil
}

func sendFiles(nc net.Conn, files []*os.File) error {
	uc, ok := nc.(*net.UnixConn)
	if !ok {
		return fmt.Errorf("fakeserver: files need a unix socket")
	}
	for _, f := range files {
		if _, _, err := uc.WriteMsgUnix([]byte{0}, syscall.UnixRights(int(f.Fd())), nil); err != nil {
			return err
		}
	}
	return nil
}
