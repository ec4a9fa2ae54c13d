package engine

import (
	"context"
	"errors"
	"time"

	"github.com/virtwire/virtwire/protocol"
)

// DefaultHandshakeTimeout bounds connecting and the handshake when neither
// the caller's context nor its own timeout does, so that a daemon that
// never answers cannot hang a dial.
const DefaultHandshakeTimeout = 30 * time.Second

// HandshakeContext bounds connecting and the handshake: by timeout when it
// is positive, else by ctx's own deadline, else by DefaultHandshakeTimeout.
func HandshakeContext(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	if timeout > 0 {
		return context.WithTimeout(ctx, timeout)
	}
	if _, ok := ctx.Deadline(); !ok {
		return context.WithTimeout(ctx, DefaultHandshakeTimeout)
	}
	return ctx, func() {}
}

// closeTimeout bounds the goodbye call of Close: a daemon that does not
// answer it must not hold Close up.
const closeTimeout = 2 * time.Second

// Close ends the connection as its owner means to: the daemon's EOF is
// expected from now on, the goodbye call h (the program's CONNECT_CLOSE,
// without arguments or result) is made unless the connection has failed
// already, and the engine shuts down with ErrConnClosed, waiting for its
// goroutines. It returns the goodbye call's error, unless that error is
// the connection's end.
func (e *Engine) Close(h protocol.Header) error {
	e.Closing()
	var err error
	if e.Err() == nil {
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		err = e.Call(ctx, h, nil, nil)
		cancel()
		if errors.Is(err, ErrConnClosed) {
			err = nil
		}
	}
	e.Shutdown(ErrConnClosed)
	return err
}
