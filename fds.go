package virtwire

import (
	"context"
	"os"

	"github.com/virtwire/virtwire/internal/engine"
	"github.com/virtwire/virtwire/protocol"
)

// ErrNoFDPassing means a procedure that passes file descriptors was called
// with some on a connection that cannot carry them: only unix sockets can.
var ErrNoFDPassing = engine.ErrNoFDPassing

// callFDs runs a procedure that may pass file descriptors with the call
// (CALL_WITH_FDS) and get them back with the reply (REPLY_WITH_FDS). With
// no files to pass it sends a plain call, as libvirt's client does, so it
// works on every transport. The caller owns the files it gets back.
func (c *Conn) callFDs(ctx context.Context, prog, vers uint32, proc int32, args, ret protocol.Value, files []*os.File) ([]*os.File, error) {
	if c.eng == nil {
		return nil, errNotConnected
	}
	var got []*os.File
	h := protocol.Header{Program: prog, Version: vers, Procedure: proc}
	err := c.eng.CallWith(ctx, h, encoderOf(args), decoderOf(ret), &engine.Extras{Files: files, Received: &got})
	if err != nil {
		engine.CloseFiles(got)
		return nil, err
	}
	return got, nil
}
