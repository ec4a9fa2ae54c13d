package engine

import (
	"fmt"
	"os"
	"time"

	"github.com/virtwire/virtwire/protocol"
	"github.com/virtwire/virtwire/protocol/keepalive"
)

// handle decodes a packet's header and routes it: keepalive to the engine,
// replies to their calls, events to Config.Event, stream packets to their
// streams. It owns bp and files. An error is a protocol violation, which
// ends the connection.
func (e *Engine) handle(bp *[]byte, files []*os.File) error {
	pkt := *bp
	e.lastRecv.Store(time.Now().UnixNano())
	h, body, err := protocol.DecodeHeader(pkt)
	if err != nil {
		putPacket(bp)
		CloseFiles(files)
		return fmt.Errorf("%w: %w", ErrProtocol, err)
	}
	if e.cfg.Logger != nil {
		e.logPacket("recv", h, len(pkt))
	}
	off := len(pkt) - len(body)
	if h.Type == protocol.ReplyWithFDs {
		off += 4 // the descriptor count, which the packet reader used
	}
	if h.Program == keepalive.Program {
		putPacket(bp)
		return e.keepaliveIn(h)
	}
	if err := e.checkProgram(h); err != nil {
		putPacket(bp)
		CloseFiles(files)
		return err
	}
	switch h.Type {
	case protocol.Reply, protocol.ReplyWithFDs:
		return e.routeReply(h, bp, off, files)
	case protocol.Message:
		defer putPacket(bp)
		if e.cfg.Event == nil {
			return nil
		}
		return e.cfg.Event(h, pkt[off:])
	case protocol.Stream, protocol.StreamHole:
		return e.routeStream(h, bp, off)
	default:
		putPacket(bp)
		return fmt.Errorf("%w: the daemon sent a %v packet (procedure %d, serial %d)", ErrProtocol, h.Type, h.Procedure, h.Serial)
	}
}

func (e *Engine) checkProgram(h protocol.Header) error {
	for _, p := range e.cfg.Programs {
		if p.Number == h.Program {
			if h.Version != p.Version {
				return fmt.Errorf("%w: program %#x version %d, want %d", ErrProtocol, h.Program, h.Version, p.Version)
			}
			return nil
		}
	}
	return fmt.Errorf("%w: unknown program %#x (procedure %d, serial %d)", ErrProtocol, h.Program, h.Procedure, h.Serial)
}

// routeReply hands a reply to its call. A reply whose call was given up on
// is dropped (and when the call opened a stream the daemon then holds
// open, the stream is aborted there); a reply no call waits for is a
// protocol violation.
func (e *Engine) routeReply(h protocol.Header, bp *[]byte, off int, files []*os.File) error {
	e.mu.Lock()
	cl := e.calls.pending[h.Serial]
	if cl != nil {
		delete(e.calls.pending, h.Serial)
		e.dequeueLocked(&cl.waiter)
		e.mu.Unlock()
		if h.Program != cl.prog || h.Procedure != cl.proc {
			putPacket(bp)
			CloseFiles(files)
			return fmt.Errorf("%w: reply with serial %d is for %s, but the call was %s", ErrProtocol, h.Serial, e.name(h.Program, h.Procedure), e.name(cl.prog, cl.proc))
		}
		cl.reply <- reply{h: h, pkt: bp, off: off, files: files}
		return nil
	}
	if _, ok := e.calls.abandoned[h.Serial]; ok {
		delete(e.calls.abandoned, h.Serial)
		// A stream-opening call given up on, which the daemon accepted:
		// the stream is open on its side, so abort it there.
		gaveUp := e.streams.ended(h.Serial) || e.streams.byID[h.Serial] != nil
		e.mu.Unlock()
		putPacket(bp)
		CloseFiles(files)
		if gaveUp && h.Status == protocol.StatusOK {
			e.abortLate(h)
		}
		return nil
	}
	if e.streams.ended(h.Serial) && h.Status == protocol.StatusError {
		// The daemon's error for a stream already given up (an abort it
		// could not carry out): nothing waits for it.
		e.mu.Unlock()
		putPacket(bp)
		CloseFiles(files)
		return nil
	}
	if s := e.streams.byID[h.Serial]; s != nil && h.Status == protocol.StatusError {
		// The daemon reports a failure of an open stream (a failed finish,
		// or a write it could not complete) as an error reply.
		e.mu.Unlock()
		CloseFiles(files)
		return e.routeStream(h, bp, off)
	}
	e.mu.Unlock()
	putPacket(bp)
	CloseFiles(files)
	return fmt.Errorf("%w: reply with serial %d, which no call is waiting for (%s)", ErrProtocol, h.Serial, e.name(h.Program, h.Procedure))
}
