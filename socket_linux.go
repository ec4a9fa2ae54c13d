//go:build linux && !386

package virtwire

import (
	"io"
	"net"
	"os"
	"syscall"
	"unsafe"
)

// A rawSocket reads and writes a unix or TCP socket with raw system calls
// (recvmsg, write, writev) inside the net package's RawConn, which still
// parks the goroutine in the network poller when the socket is not ready
// and honours deadlines. Go's own Read and Write enter the runtime's
// system call path, which on every call wakes the scheduler's monitor
// thread when the process was idle: on a sequential stream of calls that
// is a thread wake-up per call, costing as much CPU as the call itself.
// The socket is non-blocking, so these calls never block the thread.
type rawSocket struct {
	rc  syscall.RawConn
	fdr *fdReader // unix sockets: descriptors passed with the data
	oob []byte

	// Read's arguments and results, for readFn (one reader at a time: the
	// holder of the read token). Kept here so that no closure is made per
	// call.
	p      []byte
	n      int
	err    error
	readFn func(fd uintptr) bool

	// The same for writes (serialized by Conn.wlock).
	bufs    [2][]byte
	wn      int
	werr    error
	writeFn func(fd uintptr) bool
	tryFn   func(fd uintptr) bool
}

func newRawSocket(nc net.Conn) (*rawSocket, bool) {
	var sc syscall.Conn
	var unix bool
	switch c := nc.(type) {
	case *net.UnixConn:
		sc, unix = c, true
	case *net.TCPConn:
		sc = c
	default:
		return nil, false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil, false
	}
	s := &rawSocket{rc: rc}
	if unix {
		s.fdr = new(fdReader)
		s.oob = make([]byte, syscall.CmsgSpace(4*64))
	}
	s.readFn = s.doRead
	s.writeFn = s.doWrite
	s.tryFn = func(fd uintptr) bool { s.doWrite(fd); return true }
	return s, true
}

func (s *rawSocket) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	s.p, s.n, s.err = p, 0, nil
	err := s.rc.Read(s.readFn)
	s.p = nil
	if err != nil {
		return 0, err
	}
	if s.err != nil {
		return 0, s.err
	}
	if s.n == 0 {
		return 0, io.EOF
	}
	return s.n, nil
}

// doRead makes one attempt; false means the socket has nothing yet.
func (s *rawSocket) doRead(fd uintptr) bool {
	var iov syscall.Iovec
	iov.Base = &s.p[0]
	iov.SetLen(len(s.p))
	var msg syscall.Msghdr
	msg.Iov = &iov
	msg.Iovlen = 1
	if s.oob != nil {
		msg.Control = &s.oob[0]
		msg.SetControllen(len(s.oob))
	}
	for {
		n, _, e := syscall.RawSyscall(syscall.SYS_RECVMSG, fd, uintptr(unsafe.Pointer(&msg)), syscall.MSG_CMSG_CLOEXEC)
		switch e {
		case 0:
			s.n = int(n)
			if msg.Controllen > 0 && s.fdr != nil {
				s.fdr.collect(s.oob[:msg.Controllen])
			}
			return true
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		}
		s.err = os.NewSyscallError("recvmsg", e)
		return true
	}
}

// Write writes all of p.
func (s *rawSocket) Write(p []byte) (int, error) {
	return s.writev(p, nil)
}

// writev writes a then b with as few system calls as the socket allows.
func (s *rawSocket) writev(a, b []byte) (int, error) {
	s.bufs = [2][]byte{a, b}
	s.wn, s.werr = 0, nil
	err := s.rc.Write(s.writeFn)
	s.bufs = [2][]byte{}
	if err == nil {
		err = s.werr
	}
	return s.wn, err
}

// tryWrite writes as much of p as the socket takes now, without waiting
// for room: a call's packet almost always fits, and then its caller needs
// no goroutine to bound the write by its context (see Conn.write).
func (s *rawSocket) tryWrite(p []byte) (int, error) {
	s.bufs = [2][]byte{p, nil}
	s.wn, s.werr = 0, nil
	err := s.rc.Write(s.tryFn)
	s.bufs = [2][]byte{}
	if err == nil {
		err = s.werr
	}
	return s.wn, err
}

// doWrite writes until done or the socket is full (false: wait).
func (s *rawSocket) doWrite(fd uintptr) bool {
	for {
		var iov [2]syscall.Iovec
		cnt := 0
		for _, b := range s.bufs {
			if len(b) > 0 {
				iov[cnt].Base = &b[0]
				iov[cnt].SetLen(len(b))
				cnt++
			}
		}
		if cnt == 0 {
			return true
		}
		n, _, e := syscall.RawSyscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&iov[0])), uintptr(cnt))
		switch e {
		case 0:
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		default:
			s.werr = os.NewSyscallError("writev", e)
			return true
		}
		s.wn += int(n)
		for i := range s.bufs {
			k := min(int(n), len(s.bufs[i]))
			s.bufs[i] = s.bufs[i][k:]
			n -= uintptr(k)
		}
	}
}
