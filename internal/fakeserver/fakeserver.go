// Package fakeserver is a scriptable server that speaks libvirt's RPC
// protocol, for tests of what a real daemon cannot be made to do: answer
// slowly, lie, send malformed packets, pass file descriptors on cue.
//
// A Server answers the handshake (AUTH_LIST, CONNECT_SUPPORTS_FEATURE,
// CONNECT_OPEN, CONNECT_CLOSE; the admin program's CONNECT_OPEN and
// CONNECT_CLOSE) and keepalive pings by itself, and hands
// every call to its Handle function first:
//
//	srv := &fakeserver.Server{Handle: func(c *fakeserver.Conn, req *fakeserver.Request) bool {
//		if req.Header.Procedure == int32(remote.ProcConnectGetLibVersion) {
//			return c.Reply(req, &remote.ConnectGetLibVersionRet{LibVer: 9000000}) == nil
//		}
//		return false // the defaults, or "unknown procedure"
//	}}
//	nc := srv.Pipe(t)
package fakeserver

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"testing"

	"github.com/virtwire/virtwire/protocol"
	"github.com/virtwire/virtwire/protocol/admin"
	"github.com/virtwire/virtwire/protocol/keepalive"
	"github.com/virtwire/virtwire/protocol/remote"
)

// libvirt's virDrvFeature numbers the client asks about.
const (
	FeatureProgramKeepalive    = 10
	FeatureRemoteEventCallback = 14
)

// Server describes how a fake daemon behaves. The zero value answers the
// handshake with auth none and supports keepalive and event callbacks.
type Server struct {
	// Handle sees every call first; it returns false to leave the call to
	// the defaults. It runs on the connection's reader goroutine: a handler
	// that wants to answer later must do so from a goroutine of its own.
	Handle func(c *Conn, req *Request) bool
	// Features overrides the answers to CONNECT_SUPPORTS_FEATURE.
	Features map[int32]bool
	// AuthTypes is the answer to AUTH_LIST (default: none).
	AuthTypes []remote.AuthType
	// IgnorePings makes the server never answer keepalive pings.
	IgnorePings bool
}

// Request is one packet the client sent.
type Request struct {
	Header protocol.Header
	Body   []byte     // after the header (and after the fd count of CALL_WITH_FDS)
	Files  []*os.File // passed with CALL_WITH_FDS
}

// Decode decodes the request's body into v.
func (r *Request) Decode(v protocol.Value) error { return protocol.Decode(r.Body, v) }

// Conn is the server's side of one connection.
type Conn struct {
	nc   net.Conn
	wmu  sync.Mutex
	Reqs chan *Request // every request, for tests that watch the traffic (never blocks: capacity 1024, extra are dropped)
}

// Pipe serves one connection over net.Pipe and returns the client's end.
// The server stops, and the test waits for it, at cleanup.
func (s *Server) Pipe(tb testing.TB) net.Conn {
	tb.Helper()
	client, server := net.Pipe()
	s.start(tb, server)
	return client
}

// ListenUnix serves every connection to a new unix socket and returns its
// path. File descriptors can be passed over it.
func (s *Server) ListenUnix(tb testing.TB) string {
	tb.Helper()
	dir, err := os.MkdirTemp("", "fakeserver")
	if err != nil {
		tb.Fatal(err)
	}
	path := dir + "/sock"
	l, err := net.Listen("unix", path)
	if err != nil {
		tb.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			nc, err := l.Accept()
			if err != nil {
				return
			}
			s.start(tb, nc)
		}
	}()
	tb.Cleanup(func() {
		l.Close()
		wg.Wait()
		os.RemoveAll(dir)
	})
	return path
}

func (s *Server) start(tb testing.TB, nc net.Conn) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.Serve(nc)
	}()
	tb.Cleanup(func() {
		nc.Close()
		<-done
	})
}

// Serve runs the server on nc until the client goes away or a handler
// closes the connection.
func (s *Server) Serve(nc net.Conn) error {
	c := &Conn{nc: nc, Reqs: make(chan *Request, 1024)}
	defer nc.Close()
	src, fds := fdSource(nc)
	br := bufio.NewReader(src)
	for {
		pkt, err := protocol.ReadPacket(br, nil)
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, io.ErrClosedPipe) {
				return nil
			}
			return err
		}
		h, body, err := protocol.DecodeHeader(pkt)
		if err != nil {
			return err
		}
		req := &Request{Header: h, Body: body}
		if h.Type == protocol.CallWithFDs && len(body) >= 4 {
			n := int(uint32(body[0])<<24 | uint32(body[1])<<16 | uint32(body[2])<<8 | uint32(body[3]))
			req.Body = body[4:]
			if req.Files, err = fds.take(br, n); err != nil {
				return err
			}
		}
		select {
		case c.Reqs <- req:
		default:
		}
		if s.Handle != nil && s.Handle(c, req) {
			continue
		}
		if err := s.defaults(c, req); err != nil {
			return err
		}
	}
}

func (s *Server) defaults(c *Conn, req *Request) error {
	h := req.Header
	if h.Program == keepalive.Program {
		if h.Procedure == int32(keepalive.ProcPing) && !s.IgnorePings {
			return c.Send(protocol.Header{Program: keepalive.Program, Version: 1, Procedure: int32(keepalive.ProcPong), Type: protocol.Message}, nil)
		}
		return nil
	}
	if h.Type != protocol.Call && h.Type != protocol.CallWithFDs {
		return nil // stream packets nobody scripted are ignored
	}
	if h.Program == admin.Program {
		switch admin.Procedure(h.Procedure) {
		case admin.ProcConnectOpen:
			return c.Reply(req, nil)
		case admin.ProcConnectClose:
			if err := c.Reply(req, nil); err != nil {
				return err
			}
			return c.nc.Close()
		}
		return c.ReplyError(req, 39, fmt.Sprintf("unknown procedure: %d", h.Procedure))
	}
	switch remote.Procedure(h.Procedure) {
	case remote.ProcAuthList:
		types := s.AuthTypes
		if types == nil {
			types = []remote.AuthType{remote.AuthNone}
		}
		return c.Reply(req, &remote.AuthListRet{Types: types})
	case remote.ProcConnectSupportsFeature:
		var args remote.ConnectSupportsFeatureArgs
		if err := req.Decode(&args); err != nil {
			return err
		}
		supported, ok := s.Features[args.Feature]
		if !ok {
			supported = args.Feature == FeatureProgramKeepalive || args.Feature == FeatureRemoteEventCallback
		}
		var ret remote.ConnectSupportsFeatureRet
		if supported {
			ret.Supported = 1
		}
		return c.Reply(req, &ret)
	case remote.ProcConnectOpen:
		return c.Reply(req, nil)
	case remote.ProcConnectClose:
		if err := c.Reply(req, nil); err != nil {
			return err
		}
		return c.nc.Close()
	}
	return c.ReplyError(req, 39, fmt.Sprintf("unknown procedure: %d", h.Procedure))
}

// Reply answers req with ret (nil for an empty body).
func (c *Conn) Reply(req *Request, ret protocol.Value) error {
	h := req.Header
	h.Type, h.Status = protocol.Reply, protocol.StatusOK
	return c.Send(h, ret)
}

// ReplyError answers req with a libvirt error of the given code.
func (c *Conn) ReplyError(req *Request, code int32, msg string) error {
	h := req.Header
	h.Type, h.Status = protocol.Reply, protocol.StatusError
	return c.Send(h, &protocol.Error{Code: code, Domain: 7, Message: &msg, Level: 2})
}

// Send writes one packet with header h and an XDR body.
func (c *Conn) Send(h protocol.Header, body protocol.Value) error {
	var e protocol.Encoder
	e.StartPacket(h)
	if body != nil {
		body.EncodeXDR(&e)
	}
	pkt, err := e.FinishPacket()
	if err != nil {
		return err
	}
	return c.WriteRaw(pkt)
}

// SendData writes one packet whose body is raw bytes (stream data).
func (c *Conn) SendData(h protocol.Header, data []byte) error {
	var e protocol.Encoder
	e.StartPacket(h)
	pkt, _ := e.FinishPacket()
	out := append(append([]byte(nil), pkt...), data...)
	out[0], out[1], out[2], out[3] = byte(len(out)>>24), byte(len(out)>>16), byte(len(out)>>8), byte(len(out))
	return c.WriteRaw(out)
}

// WriteRaw writes bytes as they are: for malformed packets.
func (c *Conn) WriteRaw(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := c.nc.Write(b)
	return err
}

// ReplyWithFiles answers req with a REPLY_WITH_FDS packet carrying files.
func (c *Conn) ReplyWithFiles(req *Request, ret protocol.Value, files []*os.File) error {
	h := req.Header
	h.Type, h.Status = protocol.ReplyWithFDs, protocol.StatusOK
	var e protocol.Encoder
	e.StartPacket(h)
	e.Uint32(uint32(len(files)))
	if ret != nil {
		ret.EncodeXDR(&e)
	}
	pkt, err := e.FinishPacket()
	if err != nil {
		return err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if _, err := c.nc.Write(pkt); err != nil {
		return err
	}
	return sendFiles(c.nc, files)
}

// Close closes the connection.
func (c *Conn) Close() error { return c.nc.Close() }

// NetConn returns the server's end of the connection.
func (c *Conn) NetConn() net.Conn { return c.nc }
