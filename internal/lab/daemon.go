package lab

import (
	"testing"

	"github.com/virtwire/virtwire/internal/testenv"
)

// Daemon is a throwaway libvirtd for one test, for tests that kill, freeze
// or restart a daemon: it has its own folder, unix sockets and TCP port, and
// is stopped and removed by t.Cleanup. It listens on a read-write and a
// read-only unix socket and on TCP, all with auth none.
//
// Its methods fail the test on error, so call them from the test's goroutine.
type Daemon struct {
	// Dir is the daemon's folder: config, logs, state and sockets.
	Dir string
	// Socket is the read-write unix socket.
	Socket string
	// ROSocket is the read-only unix socket.
	ROSocket string
	// TCPAddr is the plain TCP listener (auth none), host:port on 127.0.0.1.
	TCPAddr string
	// PID is libvirtd's process ID; Restart changes it.
	PID int

	tb  testing.TB
	run *daemonRun
}

// DaemonOption changes how StartDaemon configures a daemon.
type DaemonOption func(*daemonOptions)

type daemonOptions struct {
	config []string
}

// WithConfig adds lines to the daemon's libvirtd.conf, for example
// `keepalive_interval = 1`. Later lines win over the lab's own.
func WithConfig(lines ...string) DaemonOption {
	return func(o *daemonOptions) { o.config = append(o.config, lines...) }
}

// URI returns the test driver's URI on the daemon's read-write unix socket.
func (d *Daemon) URI() string {
	return "test+unix:///default?socket=" + escapeParam(d.Socket)
}

// TCPURI returns the test driver's URI on the daemon's TCP listener.
func (d *Daemon) TCPURI() string {
	return "test+tcp://" + d.TCPAddr + "/default"
}

// unavailable ends a test that needs something the machine lacks: a skip, or
// a failure when CI is set or VIRTWIRE_REQUIRE_LAB=1 (see internal/testenv).
func unavailable(tb testing.TB, msg string) {
	tb.Helper()
	testenv.Unavailable(tb, msg)
}

// IgnoreGoroutine names the one long-lived goroutine StartDaemon leaves
// behind (the thread throwaway daemons are started from), for goleak:
// goleak.IgnoreTopFunction(lab.IgnoreGoroutine).
const IgnoreGoroutine = "github.com/virtwire/virtwire/internal/lab.spawnLoop"
