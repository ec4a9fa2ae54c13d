package engine

import (
	"fmt"
	"os"
	"sync"
)

// An fdCollector keeps the file descriptors that arrive on a unix socket,
// in order, until the packet reader claims them for the reply they belong
// to. Descriptors no reply claims are closed when the connection ends.
type fdCollector struct {
	mu  sync.Mutex
	fds []int
}

// maxHeldFDs bounds the descriptors kept unclaimed: more than any reply
// may carry means the daemon is sending them with packets that pass none.
const maxHeldFDs = 4 * 32

// claim takes the first n descriptors received.
func (fc *fdCollector) claim(n int) ([]*os.File, error) {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if len(fc.fds) < n {
		got := len(fc.fds)
		closeFDs(fc.fds)
		fc.fds = nil
		return nil, fmt.Errorf("%w: a reply promised %d descriptors, %d arrived", ErrProtocol, n, got)
	}
	files := make([]*os.File, n)
	for i, fd := range fc.fds[:n] {
		files[i] = os.NewFile(uintptr(fd), "fd from the daemon")
	}
	fc.fds = fc.fds[n:]
	return files, nil
}

// discard closes the descriptors no reply claimed.
func (fc *fdCollector) discard() {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	closeFDs(fc.fds)
	fc.fds = nil
}

// CloseFiles closes every file of files.
func CloseFiles(files []*os.File) {
	for _, f := range files {
		f.Close()
	}
}
