//go:build unix

package engine

import (
	"syscall"
)

// oobSpace is the room for control messages in each read of a unix
// socket: enough for the descriptors of one reply.
var oobSpace = syscall.CmsgSpace(4 * 64)

// collect keeps the descriptors passed in the control messages oob.
func (fc *fdCollector) collect(oob []byte) {
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return
	}
	fc.mu.Lock()
	defer fc.mu.Unlock()
	for _, m := range msgs {
		fds, err := syscall.ParseUnixRights(&m)
		if err != nil {
			continue
		}
		for _, fd := range fds {
			syscall.CloseOnExec(fd)
			if len(fc.fds) >= maxHeldFDs {
				syscall.Close(fd)
				continue
			}
			fc.fds = append(fc.fds, fd)
		}
	}
}

func closeFDs(fds []int) {
	for _, fd := range fds {
		syscall.Close(fd)
	}
}

// dupFDs duplicates the descriptors of files, so that a queued packet
// owns what it passes whatever its caller does with the files meanwhile.
func dupFDs(fds []uintptr) ([]int, error) {
	out := make([]int, 0, len(fds))
	for _, fd := range fds {
		d, err := dupCloexec(int(fd))
		if err != nil {
			closeFDs(out)
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

func dupCloexec(fd int) (int, error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	d, err := syscall.Dup(fd)
	if err != nil {
		return -1, err
	}
	syscall.CloseOnExec(d)
	return d, nil
}

// rights is the control message that passes fd.
func rights(fd int) []byte { return syscall.UnixRights(fd) }
