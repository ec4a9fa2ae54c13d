//go:build !race

package engine

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/virtwire/virtwire/protocol"
	"github.com/virtwire/virtwire/protocol/remote"
)

// A reply of an XML document allocates once: the document's bytes, read
// straight into the buffer the reply keeps (BENCHMARKS.md, S5). The peer
// is a loop that answers every call with one pre-encoded reply, so that
// only the engine's allocations are counted (fakeserver decodes and
// encodes). Not built with -race, under which sync.Pool drops items at
// random.
func TestLargeReplyAllocations(t *testing.T) {
	doc := strings.Repeat("x", 18<<10)
	en := new(protocol.Encoder)
	en.StartPacket(protocol.Header{Program: remote.Program, Version: remote.ProtocolVersion,
		Procedure: int32(remote.ProcDomainGetXMLDesc), Type: protocol.Reply})
	(&remote.DomainGetXMLDescRet{XML: doc}).EncodeXDR(en)
	reply, err := en.FinishPacket()
	if err != nil {
		t.Fatal(err)
	}
	e := newEngine(t, nil, false, answerWith(t, reply))
	ctx := context.Background()
	var callErr error
	n := testing.AllocsPerRun(200, func() {
		s, err := getXML(ctx, e, "d")
		if err != nil {
			callErr = err
		} else if s != doc {
			t.Error("wrong document")
		}
	})
	if callErr != nil {
		t.Fatal(callErr)
	}
	if n > 1 {
		t.Errorf("%.2f allocations per call, want 1", n)
	}
}

// answerWith listens on a unix socket whose one connection it answers:
// every call gets reply, with the call's serial.
func answerWith(t *testing.T, reply []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		buf := make([]byte, 64<<10)
		out := append([]byte(nil), reply...)
		for {
			if _, err := io.ReadFull(nc, buf[:protocol.LenSize]); err != nil {
				return
			}
			n := int(binary.BigEndian.Uint32(buf))
			if n > len(buf) || n < protocol.LenSize+protocol.HeaderSize {
				return
			}
			if _, err := io.ReadFull(nc, buf[protocol.LenSize:n]); err != nil {
				return
			}
			copy(out[serialAt:serialAt+4], buf[serialAt:serialAt+4])
			if _, err := nc.Write(out); err != nil {
				return
			}
		}
	}()
	return path
}
