package virtwire

import (
	"context"
	"fmt"

	"github.com/virtwire/virtwire/protocol"
)

// dispatchStream routes stream data to its stream.
func (c *Conn) dispatchStream(h protocol.Header, bp *[]byte, off int) error {
	putPacket(bp)
	return fmt.Errorf("%w: stream packet for serial %d, which has no open stream", ErrProtocol, h.Serial)
}

// callStream runs a procedure that opens a stream.
func (c *Conn) callStream(ctx context.Context, prog, vers uint32, proc int32, dir protocol.StreamDirection, args, ret protocol.Value) (*Stream, error) {
	return nil, fmt.Errorf("virtwire: %s: streams are not implemented yet", procName(prog, proc))
}

// Stream is a libvirt data stream.
type Stream struct{}
