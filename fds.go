package virtwire

import (
	"context"
	"fmt"
	"os"

	"github.com/virtwire/virtwire/protocol"
)

// callFDs runs a procedure that passes file descriptors with the call
// (CALL_WITH_FDS) or gets them back with the reply (REPLY_WITH_FDS).
func (c *Conn) callFDs(ctx context.Context, prog, vers uint32, proc int32, args, ret protocol.Value, files []*os.File) ([]*os.File, error) {
	return nil, fmt.Errorf("virtwire: %s: file descriptor passing is not implemented yet", procName(prog, proc))
}
