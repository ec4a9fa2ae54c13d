package virtwire_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/internal/lab"
)

// transport is one way of reaching the lab's main daemon.
type labTransport string

const (
	viaUnix   labTransport = "unix"
	viaTCP    labTransport = "tcp"
	viaUnixRO labTransport = "unix-ro"
)

// testURI is the test driver's shared instance. Its state lives while at
// least one connection to it is open, so every test keeps one Conn open for
// as long as it relies on objects it created.
const testURI = "test:///default"

// dialLab connects to the lab's test driver over kind; the Conn is closed
// when the test ends.
func dialLab(t *testing.T, l *lab.Lab, kind labTransport, opts ...virtwire.Option) *virtwire.Conn {
	t.Helper()
	return dialLabURI(t, l, kind, testURI, opts...)
}

// dialLabURI connects over kind and opens name (test:///default,
// secret:///system, ...) on the lab's main daemon.
func dialLabURI(t *testing.T, l *lab.Lab, kind labTransport, name string, opts ...virtwire.Option) *virtwire.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var network, addr string
	switch kind {
	case viaUnix:
		network, addr = "unix", l.UnixSocket
	case viaUnixRO:
		network, addr = "unix", l.UnixROSocket
	case viaTCP:
		network, addr = "tcp", l.TCPAddr
	default:
		t.Fatalf("dialLab: unknown transport %q", kind)
	}
	var d net.Dialer
	nc, err := d.DialContext(ctx, network, addr)
	if err != nil {
		t.Fatalf("dialLab: %v", err)
	}
	c, err := virtwire.NewConn(ctx, nc, append([]virtwire.Option{virtwire.WithName(name)}, opts...)...)
	if err != nil {
		t.Fatalf("dialLab: %s over %s: %v", name, kind, err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("closing the %s connection over %s: %v", name, kind, err)
		}
	})
	return c
}

// labURI is the URI virsh uses for the same daemon and driver.
func labURI(l *lab.Lab, kind labTransport) string {
	switch kind {
	case viaTCP:
		return l.URI(lab.TCP)
	case viaUnixRO:
		return l.URI(lab.UnixRO)
	}
	return l.URI(lab.UnixRW)
}

// uniqueName returns a name for objects a test creates: the test's name
// (made safe for libvirt object names and file names) and a random suffix,
// so that tests running at the same time on the shared daemon never meet.
func uniqueName(t *testing.T) string {
	t.Helper()
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	name := unsafeNameChars.ReplaceAllString(t.Name(), "-")
	if len(name) > 40 {
		name = name[len(name)-40:]
	}
	return "vw-" + strings.Trim(name, "-") + "-" + hex.EncodeToString(b[:])
}

var unsafeNameChars = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// callTimeout bounds one step of a test.
const callTimeout = 20 * time.Second

// callCtx bounds one step of a test.
func callCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	t.Cleanup(cancel)
	return ctx
}

// procRecorder is a slog.Handler that notes every procedure whose reply
// arrived, from the Conn's debug packet log: the procedures a test really
// exercised on the wire, whatever their outcome.
type procRecorder struct {
	mu    sync.Mutex
	on    bool
	procs map[string]int // procedure name -> replies received
	errs  map[string]int // procedure name -> error replies received
}

func newProcRecorder() *procRecorder {
	return &procRecorder{procs: make(map[string]int), errs: make(map[string]int)}
}

// start begins recording; the handshake before it is not counted.
func (r *procRecorder) start() {
	r.mu.Lock()
	r.on = true
	r.mu.Unlock()
}

func (r *procRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *procRecorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *procRecorder) WithGroup(string) slog.Handler            { return r }

func (r *procRecorder) Handle(_ context.Context, rec slog.Record) error {
	var dir, proc, typ, status string
	rec.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "dir":
			dir = a.Value.String()
		case "proc":
			proc = a.Value.String()
		case "type":
			typ = a.Value.String()
		case "status":
			status = a.Value.String()
		}
		return true
	})
	if dir != "recv" || (typ != "reply" && typ != "reply-with-fds") || !strings.Contains(proc, "_PROC_") {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.on {
		r.procs[proc]++
		if status == "error" {
			r.errs[proc]++
		}
	}
	return nil
}

// succeeded reports whether at least one call of proc got an OK reply.
func (r *procRecorder) succeeded(proc string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.procs[proc] > r.errs[proc]
}

// procedures returns the names of the procedures recorded, sorted.
func (r *procRecorder) procedures() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	names := make([]string, 0, len(r.procs))
	for n := range r.procs {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// wantCode fails the test unless err is a libvirt error with code want.
func wantCode(t *testing.T, err error, want virtwire.ErrorNumber) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("got error %v, want %v (%d)", err, want, int32(want))
	}
}

// wantUnsupported fails the test unless err says the driver (or the
// daemon) does not implement the procedure.
func wantUnsupported(t *testing.T, err error) {
	t.Helper()
	if !virtwire.IsUnsupported(err) {
		t.Fatalf("got error %v, want the unsupported error", err)
	}
}

func str(s string) *string { return &s }
