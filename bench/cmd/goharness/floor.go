//go:build linux

package main

import (
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/virtwire/virtwire/bench/internal/result"
	"github.com/virtwire/virtwire/protocol"
	"github.com/virtwire/virtwire/protocol/remote"
)

// floor (S0): the daemon's own turnaround with as little client as there
// can be: CONNECT_GET_LIB_VERSION calls encoded once, written on a unix
// socket with only the serial patched, replies read into one reused
// buffer. Sequentially through Go's network poller (what any Go client
// pays), sequentially with blocking system calls (no poller), and
// pipelined with k calls in flight.
func floor(path string) {
	nc, err := net.Dial("unix", path)
	if err != nil {
		fail("%v", err)
	}
	r := &replyReader{read: nc.Read, buf: make([]byte, 64<<10)}
	open(nc.Write, r)
	d := make([]time.Duration, *calls)
	seq(nc.Write, r, d[:*calls/10])
	seq(nc.Write, r, d)
	emit("S0Floor/inflight=1/client=go-netpoll", int64(len(d)), latencies(d), throughput(d))

	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		fail("socket: %v", err)
	}
	if err := syscall.Connect(fd, &syscall.SockaddrUnix{Name: path}); err != nil {
		fail("connect: %v", err)
	}
	write := func(b []byte) (int, error) { return syscall.Write(fd, b) }
	br := &replyReader{read: func(b []byte) (int, error) { return syscall.Read(fd, b) }, buf: make([]byte, 64<<10)}
	open(write, br)
	seq(write, br, d[:*calls/10])
	seq(write, br, d)
	emit("S0Floor/inflight=1/client=go-blocking", int64(len(d)), latencies(d), throughput(d))
	syscall.Close(fd)

	for _, k := range callerCounts() {
		if k == 1 {
			continue
		}
		pipelined(nc, r, k, *duration/8)
		n, elapsed := pipelined(nc, r, k, *duration)
		emit(fmt.Sprintf("S0Floor/inflight=%d/client=go-netpoll", k), n, []result.Metric{
			{Value: round(float64(elapsed.Nanoseconds()) / float64(n)), Unit: "ns/op"},
			{Value: round(float64(n) / elapsed.Seconds()), Unit: "calls/s"},
		})
	}
	nc.Close()
}

func throughput(d []time.Duration) []result.Metric {
	var sum time.Duration
	for _, v := range d {
		sum += v
	}
	return []result.Metric{{Value: round(float64(len(d)) / sum.Seconds()), Unit: "calls/s"}}
}

// replyReader reads whole packets from a byte stream into one buffer.
type replyReader struct {
	read       func([]byte) (int, error)
	buf        []byte
	start, end int // buffered bytes not yet consumed
}

// next returns the next packet; it is valid until the next call.
func (r *replyReader) next() []byte {
	for {
		if n := r.end - r.start; n >= 4 {
			l := int(binary.BigEndian.Uint32(r.buf[r.start:]))
			if l > len(r.buf) {
				fail("reply of %d bytes", l)
			}
			if n >= l {
				p := r.buf[r.start : r.start+l]
				r.start += l
				return p
			}
		}
		if r.start == r.end {
			r.start, r.end = 0, 0
		} else if len(r.buf)-r.start < 64 {
			r.end = copy(r.buf, r.buf[r.start:r.end])
			r.start = 0
		}
		n, err := r.read(r.buf[r.end:])
		if err != nil || n == 0 {
			fail("reading a reply: %v", err)
		}
		r.end += n
	}
}

// buffered reports whether a whole packet is buffered.
func (r *replyReader) buffered() bool {
	n := r.end - r.start
	return n >= 4 && n >= int(binary.BigEndian.Uint32(r.buf[r.start:]))
}

var serial uint32

func packet(proc remote.Procedure, body protocol.Value) []byte {
	serial++
	var e protocol.Encoder
	e.StartPacket(protocol.Header{Program: remote.Program, Version: remote.ProtocolVersion, Procedure: int32(proc), Type: protocol.Call, Serial: serial})
	if body != nil {
		body.EncodeXDR(&e)
	}
	p, err := e.FinishPacket()
	if err != nil {
		fail("%v", err)
	}
	return p
}

// check fails on a reply that is not a successful one for serial.
func check(p []byte, serial uint32) {
	h, _, err := protocol.DecodeHeader(p)
	if err != nil || h.Status != protocol.StatusOK || h.Serial != serial {
		fail("reply %+v (%v), want serial %d and status ok", h, err, serial)
	}
}

// open opens the test driver, as every client does before calls.
func open(write func([]byte) (int, error), r *replyReader) {
	name := "test:///default"
	p := packet(remote.ProcConnectOpen, &remote.ConnectOpenArgs{Name: &name})
	if _, err := write(p); err != nil {
		fail("%v", err)
	}
	check(r.next(), serial)
}

func seq(write func([]byte) (int, error), r *replyReader, d []time.Duration) {
	call := packet(remote.ProcConnectGetLibVersion, nil)
	for i := range d {
		serial++
		binary.BigEndian.PutUint32(call[20:], serial)
		t := time.Now()
		if _, err := write(call); err != nil {
			fail("%v", err)
		}
		p := r.next()
		d[i] = time.Since(t)
		check(p, serial)
	}
}

// pipelined keeps k calls in flight for d: each batch of replies read is
// answered with as many new calls in one write.
func pipelined(nc net.Conn, r *replyReader, k int, d time.Duration) (int64, time.Duration) {
	one := packet(remote.ProcConnectGetLibVersion, nil)
	batch := make([]byte, 0, k*len(one))
	for range k {
		batch = append(batch, one...)
	}
	send := func(n int) {
		for i := range n {
			serial++
			binary.BigEndian.PutUint32(batch[i*len(one)+20:], serial)
		}
		if _, err := nc.Write(batch[:n*len(one)]); err != nil {
			fail("%v", err)
		}
	}
	start := time.Now()
	deadline := start.Add(d)
	send(k)
	var done int64
	inflight := k
	for inflight > 0 {
		got := 0
		for {
			p := r.next()
			h, _, err := protocol.DecodeHeader(p)
			if err != nil || h.Status != protocol.StatusOK {
				fail("reply %+v: %v", h, err)
			}
			got++
			if !r.buffered() {
				break // answer what arrived
			}
		}
		done += int64(got)
		inflight -= got
		if time.Now().Before(deadline) {
			send(got)
			inflight += got
		}
	}
	return done, time.Since(start)
}

// ceiling (S6): the same bytes as a stream transfer, written in chunks of
// a stream packet's size through a unix socket pair and read into one
// buffer: what the kernel allows a Go program on this machine.
func ceiling(size int64) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		fail("socketpair: %v", err)
	}
	conn := func(fd int) net.Conn {
		f := os.NewFile(uintptr(fd), "socketpair")
		c, err := net.FileConn(f)
		if err != nil {
			fail("%v", err)
		}
		f.Close()
		return c
	}
	a, b := conn(fds[0]), conn(fds[1])
	const chunk = protocol.LegacyMaxPayload + protocol.LenSize + protocol.HeaderSize
	m := startMeter()
	start := time.Now()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		buf := make([]byte, chunk)
		for left := size; left > 0; {
			n, err := a.Write(buf[:min(int64(len(buf)), left)])
			if err != nil {
				fail("%v", err)
			}
			left -= int64(n)
		}
		a.Close()
	}()
	buf := make([]byte, chunk)
	var got int64
	for {
		n, err := b.Read(buf)
		got += int64(n)
		if err != nil {
			break
		}
	}
	wg.Wait()
	elapsed := time.Since(start)
	cost := m.stop(1)
	b.Close()
	if got != size {
		fail("socket pair: %d bytes, want %d", got, size)
	}
	emit("S6Stream/dir=socketpair/transport=unix/client=go-ceiling", 1, []result.Metric{
		{Value: float64(elapsed.Nanoseconds()), Unit: "ns/op"},
		{Value: round(float64(size) / 1e6 / elapsed.Seconds()), Unit: "MB/s"},
	}, cost.metrics(true))
}
