// Package conntest checks, in tests, that a connection carries bytes both
// ways: transport's dialers are tested against servers that echo.
package conntest

import (
	"context"
	"io"
	"net"
	"testing"
)

// Echo writes a message that looks like the start of a libvirt packet to
// conn and fails t unless the same bytes come back.
func Echo(t testing.TB, conn net.Conn) {
	t.Helper()
	msg := []byte("\x00\x00\x00\x1c libvirt rpc bytes")
	if _, err := conn.Write(msg); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(conn, got); err != nil {
		t.Fatal(err)
	}
	if string(got) != string(msg) {
		t.Fatalf("echo %q, want %q", got, msg)
	}
}

// SilentServer accepts one connection and never answers; it cancels the
// returned context once the client is connected, so a dial stuck in a
// handshake must give up.
func SilentServer(t testing.TB) (addr string, ctx context.Context) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); ln.Close(); <-done })
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		cancel()
		_, _ = io.Copy(io.Discard, c)
	}()
	return ln.Addr().String(), ctx
}
