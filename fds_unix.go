//go:build unix

package virtwire

import (
	"net"
	"os"
	"syscall"

	"github.com/virtwire/virtwire/internal/rawsock"
)

func canPassFDs(nc net.Conn) bool {
	_, ok := nc.(*net.UnixConn)
	return ok
}

// fdSource returns the reader that the holder of the connection's read
// token uses where there is no raw socket (internal/rawsock): for a unix
// socket, one that can receive file descriptors.
func fdSource(nc net.Conn) (interface{ Read([]byte) (int, error) }, *fdReader) {
	uc, ok := nc.(*net.UnixConn)
	if !ok {
		return nc, nil
	}
	r := &unixFDReader{uc: uc, oob: make([]byte, syscall.CmsgSpace(4*64))}
	return r, &r.fdReader
}

// rawSource returns nc's raw socket where rawsock makes one, and for a
// unix socket the fdReader that collects the descriptors passed with it.
func rawSource(nc net.Conn) (*rawsock.Socket, *fdReader, bool) {
	_, unix := nc.(*net.UnixConn)
	space := 0
	if unix {
		space = syscall.CmsgSpace(4 * 64)
	}
	s, ok := rawsock.New(nc, space)
	if !ok {
		return nil, nil, false
	}
	if !unix {
		return s, nil, true
	}
	fr := new(fdReader)
	s.Control = fr.collect
	return s, fr, true
}

// unixFDReader is an fdReader over a *net.UnixConn.
type unixFDReader struct {
	uc  *net.UnixConn
	oob []byte
	fdReader
}

func (r *unixFDReader) Read(p []byte) (int, error) {
	n, oobn, _, _, err := r.uc.ReadMsgUnix(p, r.oob)
	if oobn > 0 {
		r.collect(r.oob[:oobn])
	}
	if n < 0 {
		n = 0 // ReadMsgUnix reports -1 with some errors; io.Reader must not
	}
	return n, err
}

func (r *fdReader) collect(oob []byte) {
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range msgs {
		fds, err := syscall.ParseUnixRights(&m)
		if err != nil {
			continue
		}
		for _, fd := range fds {
			syscall.CloseOnExec(fd)
			if len(r.fds) >= 4*32 {
				syscall.Close(fd) // more than any reply may carry
				continue
			}
			r.fds = append(r.fds, fd)
		}
	}
}

func closeFDs(fds []int) {
	for _, fd := range fds {
		syscall.Close(fd)
	}
}

// sendFDs passes each file's descriptor with one dummy byte, as libvirt
// does after a CALL_WITH_FDS packet.
func sendFDs(nc net.Conn, files []*os.File) error {
	uc := nc.(*net.UnixConn)
	for _, f := range files {
		if _, _, err := uc.WriteMsgUnix([]byte{0}, syscall.UnixRights(int(f.Fd())), nil); err != nil {
			return err
		}
	}
	return nil
}
