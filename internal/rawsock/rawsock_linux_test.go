//go:build linux && !386

package rawsock

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// pairs returns connected client and server ends, over TCP on loopback
// and over a unix socket.
func pairs(t *testing.T) map[string][2]net.Conn {
	t.Helper()
	out := map[string][2]net.Conn{}
	for _, network := range []string{"tcp", "unix"} {
		addr := "127.0.0.1:0"
		if network == "unix" {
			addr = t.TempDir() + "/s"
		}
		l, err := net.Listen(network, addr)
		if err != nil {
			t.Fatal(err)
		}
		accepted := make(chan net.Conn, 1)
		go func() {
			c, _ := l.Accept()
			accepted <- c
		}()
		c, err := net.Dial(network, l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		s := <-accepted
		l.Close()
		if s == nil {
			t.Fatal("accept failed")
		}
		t.Cleanup(func() { c.Close(); s.Close() })
		out[network] = [2]net.Conn{c, s}
	}
	return out
}

func TestReadWrite(t *testing.T) {
	for name, p := range pairs(t) {
		t.Run(name, func(t *testing.T) {
			s, ok := New(p[0], 0)
			if !ok {
				t.Fatal("New refused a socket")
			}
			// Writev sends both parts in order; the peer reads them back.
			if n, err := s.Writev([]byte("head:"), []byte("body")); n != 9 || err != nil {
				t.Fatalf("Writev = %d, %v", n, err)
			}
			got := make([]byte, 9)
			if _, err := io.ReadFull(p[1], got); err != nil || string(got) != "head:body" {
				t.Fatalf("peer read %q, %v", got, err)
			}
			// Read returns what the peer wrote.
			if _, err := p[1].Write([]byte("reply")); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 64)
			n, err := s.Read(buf)
			if err != nil || string(buf[:n]) != "reply" {
				t.Fatalf("Read = %q, %v", buf[:n], err)
			}
			// A deadline in the past interrupts a waiting read, which
			// then loses nothing.
			if err := p[0].SetReadDeadline(time.Unix(1, 0)); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("Read past its deadline: %v", err)
			}
			if err := p[0].SetReadDeadline(time.Time{}); err != nil {
				t.Fatal(err)
			}
			// The peer closing is io.EOF.
			p[1].Close()
			if _, err := s.Read(buf); err != io.EOF {
				t.Fatalf("Read after the peer closed: %v, want io.EOF", err)
			}
		})
	}
}

// TryWrite takes what fits and returns at once when the socket is full;
// Write then waits until the peer makes room, and the peer gets every
// byte in order.
func TestTryWriteFull(t *testing.T) {
	for name, p := range pairs(t) {
		t.Run(name, func(t *testing.T) {
			s, _ := New(p[0], 0)
			data := bytes.Repeat([]byte("0123456789abcdef"), 1<<20) // 16 MiB: more than any socket buffer
			n, err := s.TryWrite(data)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 || n >= len(data) {
				t.Fatalf("TryWrite took %d of %d bytes", n, len(data))
			}
			got := make(chan []byte, 1)
			go func() {
				b, _ := io.ReadAll(io.LimitReader(p[1], int64(len(data))))
				got <- b
			}()
			if m, err := s.Write(data[n:]); err != nil || m != len(data)-n {
				t.Fatalf("Write = %d, %v", m, err)
			}
			if b := <-got; !bytes.Equal(b, data) {
				t.Fatalf("the peer got %d bytes, not the %d written in order", len(b), len(data))
			}
		})
	}
}

// Descriptors passed with the data reach Control.
func TestControl(t *testing.T) {
	p := pairs(t)["unix"]
	s, _ := New(p[0], syscall.CmsgSpace(4))
	var fds []int
	s.Control = func(oob []byte) {
		msgs, err := syscall.ParseSocketControlMessage(oob)
		if err != nil {
			t.Error(err)
			return
		}
		for _, m := range msgs {
			got, err := syscall.ParseUnixRights(&m)
			if err != nil {
				t.Error(err)
			}
			fds = append(fds, got...)
		}
	}
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, _, err := p[1].(*net.UnixConn).WriteMsgUnix([]byte{0}, syscall.UnixRights(int(f.Fd())), nil); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Read(make([]byte, 1)); n != 1 || err != nil {
		t.Fatalf("Read = %d, %v", n, err)
	}
	if len(fds) != 1 {
		t.Fatalf("Control got %d descriptors, want 1", len(fds))
	}
	syscall.Close(fds[0])
}

// Wrap keeps other connections as they are and serves Read and Write of
// unix and TCP ones from a Socket.
func TestWrap(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if Wrap(a) != a {
		t.Error("Wrap changed a net.Pipe")
	}
	p := pairs(t)["tcp"]
	w := Wrap(p[0])
	if _, ok := w.(*Conn); !ok {
		t.Fatalf("Wrap(TCPConn) = %T", w)
	}
	if _, err := w.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1)
	if _, err := io.ReadFull(p[1], buf); err != nil || buf[0] != 'x' {
		t.Fatalf("peer read %q, %v", buf, err)
	}
}

// After Buffer, Write never waits: what the full socket does not take is
// held, onHeld says so, and Flush delivers everything in order.
func TestConnBuffer(t *testing.T) {
	p := pairs(t)["tcp"]
	c := Wrap(p[0]).(*Conn)
	notified := 0
	c.Buffer(func() { notified++ })
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<20) // 16 MiB
	done := make(chan error, 1)
	go func() {
		_, err := c.Write(data[:8<<20])
		if err == nil {
			_, err = c.Write(data[8<<20:])
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Write waited for a peer that reads nothing")
	}
	if c.Held() == 0 {
		t.Fatal("nothing is held although the peer read nothing")
	}
	if notified != 1 {
		t.Errorf("onHeld was called %d times, want once", notified)
	}
	got := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(io.LimitReader(p[1], int64(len(data))))
		got <- b
	}()
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	if c.Held() != 0 {
		t.Errorf("%d bytes still held after Flush", c.Held())
	}
	if b := <-got; !bytes.Equal(b, data) {
		t.Fatalf("the peer got %d bytes, not the %d written in order", len(b), len(data))
	}
}

// WriteBuffers writes many buffers in order, without waiting when asked.
func TestWriteBuffers(t *testing.T) {
	p := pairs(t)["unix"]
	s, _ := New(p[0], 0)
	var bufs [][]byte
	var want []byte
	for i := range 200 { // more than one writev takes
		b := bytes.Repeat([]byte{byte(i)}, i+1)
		bufs = append(bufs, b, nil)
		want = append(want, b...)
	}
	n, err := s.WriteBuffers(bufs, false)
	if err != nil || n != len(want) {
		t.Fatalf("WriteBuffers = %d, %v; want %d", n, err, len(want))
	}
	got := make([]byte, len(want))
	if _, err := io.ReadFull(p[1], got); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("the peer got other bytes: %v", err)
	}
}

// PeerClosed sees the peer's close without reading, data still unread.
func TestPeerClosed(t *testing.T) {
	for name, p := range pairs(t) {
		t.Run(name, func(t *testing.T) {
			s, _ := New(p[0], 0)
			if s.PeerClosed() {
				t.Fatal("an open peer looks closed")
			}
			if _, err := p[1].Write([]byte("unread")); err != nil {
				t.Fatal(err)
			}
			p[1].Close()
			deadline := time.Now().Add(5 * time.Second)
			for !s.PeerClosed() {
				if time.Now().After(deadline) {
					t.Fatal("the peer's close was not seen")
				}
				time.Sleep(time.Millisecond) // polling the kernel's state
			}
		})
	}
}
