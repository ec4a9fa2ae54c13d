//go:build linux && !386

package rawsock

import (
	"io"
	"net"
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// A Socket reads and writes one unix or TCP socket with raw system calls
// (recvmsg, writev). One goroutine may read while another writes; reads
// must not overlap each other, nor writes each other. The socket is
// non-blocking, so these calls never block the thread.
type Socket struct {
	rc syscall.RawConn
	// Control, when set, receives the control messages (such as passed
	// file descriptors) that arrive with the data, on sockets New was
	// given room for them. It runs during Read.
	Control func(oob []byte)
	oob     []byte

	// Read's arguments and results, for readFn. Kept here so that no
	// closure is made per call.
	p      []byte
	n      int
	err    error
	readFn func(fd uintptr) bool

	// The same for writes.
	bufs [][]byte // bufs[bi:] is still to write; bufs[bi] may be partly written
	bi   int
	one  [1][]byte
	iov  []syscall.Iovec
	wn   int
	werr error
	// writeFn runs the write side's operation, wop: one closure for all
	// four, as the write side runs one at a time.
	writeFn func(fd uintptr) bool
	wop     writeOp
	waited  bool
	pfd     [1]unix.PollFd
	// sendmsg's arguments.
	msgData, msgOOB []byte
}

// New returns a Socket for nc when nc is a *net.UnixConn or *net.TCPConn,
// and false otherwise. On a unix socket, Read receives up to oobSpace bytes
// of control messages with the data and hands them to Control.
func New(nc net.Conn, oobSpace int) (*Socket, bool) {
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
	s := &Socket{rc: rc}
	if unix && oobSpace > 0 {
		s.oob = make([]byte, oobSpace)
	}
	s.readFn = s.doRead
	s.writeFn = s.doWriteOp
	return s, true
}

// A writeOp is what the write side's RawConn.Write does.
type writeOp uint8

const (
	opWrite writeOp = iota // write everything, waiting for room
	opTry                  // write what the socket takes now
	opWait                 // wait for room
	opSend                 // sendmsg with control data
)

func (s *Socket) doWriteOp(fd uintptr) bool {
	switch s.wop {
	case opTry:
		s.doWrite(fd)
		return true
	case opWait:
		return s.doWait(fd)
	case opSend:
		return s.doSend(fd)
	}
	return s.doWrite(fd)
}

// Read reads what the socket has, at most len(p) bytes, waiting in the
// poller until something arrives. A read of nothing is io.EOF.
func (s *Socket) Read(p []byte) (int, error) {
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
func (s *Socket) doRead(fd uintptr) bool {
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
			if msg.Controllen > 0 && s.Control != nil {
				s.Control(s.oob[:msg.Controllen])
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

// Write writes all of p, waiting in the poller while the socket is full.
func (s *Socket) Write(p []byte) (int, error) {
	s.one[0] = p
	n, err := s.WriteBuffers(s.one[:], true)
	s.one[0] = nil
	return n, err
}

// Writev writes a then b with as few system calls as the socket allows.
func (s *Socket) Writev(a, b []byte) (int, error) {
	return s.WriteBuffers([][]byte{a, b}, true)
}

// TryWrite writes as much of p as the socket takes now, without waiting
// for room.
func (s *Socket) TryWrite(p []byte) (int, error) {
	s.one[0] = p
	n, err := s.WriteBuffers(s.one[:], false)
	s.one[0] = nil
	return n, err
}

// WaitWritable waits in the poller until the socket has room, or its
// write deadline passes, or it is closed.
func (s *Socket) WaitWritable() error {
	s.waited = false
	s.wop = opWait
	return s.rc.Write(s.writeFn)
}

// doWait asks poll(2) whether the socket has room, then, once woken by the
// poller, reports true. Asking first matters: each RawConn.Write starts by
// forgetting readiness the poller saw before it, so room made since the
// last write that found the socket full is known only by asking.
func (s *Socket) doWait(fd uintptr) bool {
	if s.waited {
		return true
	}
	s.waited = true
	s.pfd[0] = unix.PollFd{Fd: int32(fd), Events: unix.POLLOUT}
	n, err := unix.Poll(s.pfd[:], 0)
	return err == nil && n > 0
}

// maxIovec bounds the buffers of one writev (Linux allows 1024).
const maxIovec = 64

// WriteBuffers writes bufs in order with as few writev calls as the socket
// allows. With wait it writes them all, waiting in the poller while the
// socket is full; without, it writes what the socket takes now and returns
// the count. It does not change bufs.
func (s *Socket) WriteBuffers(bufs [][]byte, wait bool) (int, error) {
	s.bufs = append(s.bufs[:0], bufs...)
	s.bi, s.wn, s.werr = 0, 0, nil
	s.wop = opWrite
	if !wait {
		s.wop = opTry
	}
	err := s.rc.Write(s.writeFn)
	clear(s.bufs)
	s.bufs = s.bufs[:0]
	if err == nil {
		err = s.werr
	}
	return s.wn, err
}

// doWrite writes until done or the socket is full (false: wait).
func (s *Socket) doWrite(fd uintptr) bool {
	for {
		for s.bi < len(s.bufs) && len(s.bufs[s.bi]) == 0 {
			s.bi++
		}
		if s.bi == len(s.bufs) {
			return true
		}
		s.iov = s.iov[:0]
		for _, b := range s.bufs[s.bi:] {
			if len(s.iov) == maxIovec {
				break
			}
			if len(b) > 0 {
				var v syscall.Iovec
				v.Base = &b[0]
				v.SetLen(len(b))
				s.iov = append(s.iov, v)
			}
		}
		n, _, e := syscall.RawSyscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&s.iov[0])), uintptr(len(s.iov)))
		clear(s.iov)
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
		for n > 0 {
			k := min(int(n), len(s.bufs[s.bi]))
			s.bufs[s.bi] = s.bufs[s.bi][k:]
			n -= uintptr(k)
			if len(s.bufs[s.bi]) == 0 {
				s.bi++
			}
		}
	}
}

// SendMsg sends data with the control message oob (such as a descriptor
// to pass) in one sendmsg, waiting while the socket is full.
func (s *Socket) SendMsg(data, oob []byte) error {
	s.msgData, s.msgOOB, s.werr = data, oob, nil
	s.wop = opSend
	err := s.rc.Write(s.writeFn)
	s.msgData, s.msgOOB = nil, nil
	if err == nil {
		err = s.werr
	}
	return err
}

func (s *Socket) doSend(fd uintptr) bool {
	for {
		err := syscall.Sendmsg(int(fd), s.msgData, s.msgOOB, nil, 0)
		switch err {
		case nil:
			return true
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		}
		s.werr = os.NewSyscallError("sendmsg", err)
		return true
	}
}

// PeerClosed reports, without reading, whether the peer has closed its
// side: the kernel has seen the end of the stream (or a reset), even if
// data it sent before is still waiting to be read. A reader that must not
// read for a while (its buffers are full) asks this to notice a peer that
// went away.
func (s *Socket) PeerClosed() bool {
	closed := false
	_ = s.rc.Control(func(fd uintptr) {
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLRDHUP}}
		for {
			n, err := unix.Poll(fds, 0)
			if err == unix.EINTR {
				continue
			}
			closed = err == nil && n > 0 && fds[0].Revents&(unix.POLLRDHUP|unix.POLLHUP|unix.POLLERR) != 0
			return
		}
	})
	return closed
}
