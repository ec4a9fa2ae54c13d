package virtwire

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/virtwire/virtwire/protocol"
)

// ErrNoFDPassing means a procedure that passes file descriptors was called
// on a connection that cannot carry them: only unix sockets can.
var ErrNoFDPassing = errors.New("virtwire: file descriptors can only be passed over a unix socket")

// callFDs runs a procedure that passes file descriptors with the call
// (CALL_WITH_FDS) or gets them back with the reply (REPLY_WITH_FDS). The
// caller owns the files it gets back.
func (c *Conn) callFDs(ctx context.Context, prog, vers uint32, proc int32, args, ret protocol.Value, files []*os.File) ([]*os.File, error) {
	if !canPassFDs(c.nc) {
		return nil, fmt.Errorf("virtwire: %s: %w", procName(prog, proc), ErrNoFDPassing)
	}
	if len(files) > protocol.MaxFDs {
		return nil, fmt.Errorf("virtwire: %s: %d files, at most %d may be passed", procName(prog, proc), len(files), protocol.MaxFDs)
	}
	h := protocol.Header{Program: prog, Version: vers, Procedure: proc, Type: protocol.Call}
	if len(files) > 0 {
		h.Type = protocol.CallWithFDs
	}
	var got []*os.File
	_, err := c.roundTrip(ctx, h, encoderOf(args), decoderOf(ret), &callExtras{sendFiles: files, recvFiles: &got})
	if err != nil {
		closeFiles(got)
		return nil, err
	}
	return got, nil
}

func closeFiles(files []*os.File) {
	for _, f := range files {
		f.Close()
	}
}

// fdReader reads a unix socket with room for ancillary data, keeping the
// file descriptors that arrive, in order, until readFDs claims them.
type fdReader struct {
	mu  sync.Mutex
	fds []int
}

// discard closes the descriptors no reply claimed (a daemon sent them with
// packets that pass none) when the connection ends, so they do not leak.
func (fr *fdReader) discard() {
	fr.mu.Lock()
	defer fr.mu.Unlock()
	closeFDs(fr.fds)
	fr.fds = nil
}

// readFDs reads the descriptors that follow a REPLY_WITH_FDS packet: the
// body starts with their number, and each travels with one dummy byte.
func (c *Conn) readFDs(body []byte, h protocol.Header) ([]*os.File, error) {
	if len(body) < 4 {
		return nil, fmt.Errorf("%w: %s: reply with fds has no descriptor count", ErrProtocol, procName(h.Program, h.Procedure))
	}
	n := binary.BigEndian.Uint32(body)
	if n > protocol.MaxFDs {
		return nil, fmt.Errorf("%w: %s: reply claims %d descriptors, at most %d are allowed", ErrProtocol, procName(h.Program, h.Procedure), n, protocol.MaxFDs)
	}
	if n == 0 {
		return nil, nil
	}
	fr := c.fdr
	if fr == nil {
		return nil, fmt.Errorf("%w: %s: reply passes %d descriptors over a connection that cannot carry them", ErrProtocol, procName(h.Program, h.Procedure), n)
	}
	// The dummy bytes follow the packet at once, so an interrupted read
	// (a caller asking for the read token) is simply retried.
	retry := func(err error) bool {
		if isTimeout(err) {
			_ = c.nc.SetReadDeadline(time.Time{})
			return true
		}
		return false
	}
	if err := c.rd.discard(int(n), retry); err != nil {
		return nil, fmt.Errorf("%w: reading descriptors: %w", ErrDisconnected, err)
	}
	fr.mu.Lock()
	defer fr.mu.Unlock()
	if len(fr.fds) < int(n) {
		got := len(fr.fds)
		closeFDs(fr.fds)
		fr.fds = nil
		return nil, fmt.Errorf("%w: %s: reply promised %d descriptors, %d arrived", ErrProtocol, procName(h.Program, h.Procedure), n, got)
	}
	files := make([]*os.File, n)
	for i, fd := range fr.fds[:n] {
		files[i] = os.NewFile(uintptr(fd), fmt.Sprintf("fd from %s", procName(h.Program, h.Procedure)))
	}
	fr.fds = fr.fds[n:]
	return files, nil
}
