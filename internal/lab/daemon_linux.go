//go:build linux

package lab

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// daemonTimeout bounds each start, stop and state change of a throwaway daemon.
const daemonTimeout = 30 * time.Second

type daemonRun struct {
	d *libvirtd
}

// StartDaemon starts a throwaway libvirtd (see Daemon) with the same script
// and layout as the lab's, and waits until it answers. It needs root, like
// the lab, and libvirtd; without them it skips the test, or fails it when
// CI or VIRTWIRE_REQUIRE_LAB=1 is set. The daemon dies with the test
// process if that dies first.
func StartDaemon(tb testing.TB, opts ...DaemonOption) *Daemon {
	tb.Helper()
	if os.Geteuid() != 0 {
		unavailable(tb, "lab.StartDaemon needs root (libvirtd in a private mount namespace); `make test` runs the tests as root")
	}
	if _, err := exec.LookPath("libvirtd"); err != nil {
		unavailable(tb, "lab.StartDaemon needs libvirtd, which is not installed; `make test` installs it (make deps) and runs the tests")
	}
	var o daemonOptions
	for _, opt := range opts {
		opt(&o)
	}
	// Not t.TempDir: its paths grow with the test's name, and unix socket
	// paths must stay under 108 bytes.
	root, err := os.MkdirTemp("", "virtwire-daemon-")
	if err != nil {
		tb.Fatal(err)
	}
	ld := &libvirtd{name: "throwaway libvirtd", root: root, authUnix: "none", authTCP: "none", extra: o.config}
	d := &Daemon{Dir: root, Socket: ld.socket(), ROSocket: ld.roSocket(), tb: tb, run: &daemonRun{d: ld}}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), daemonTimeout)
		defer cancel()
		if ld.proc != nil {
			if err := ld.proc.kill(ctx); err != nil {
				tb.Errorf("stopping the throwaway daemon: %v", err)
			}
		}
		if err := os.RemoveAll(root); err != nil {
			tb.Errorf("removing the throwaway daemon's folder: %v", err)
		}
	})
	d.startOrFail(false)
	return d
}

func (d *Daemon) startOrFail(keepPorts bool) {
	d.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), daemonTimeout)
	defer cancel()
	if err := d.run.d.start(ctx, true, keepPorts); err != nil {
		d.tb.Fatal(err)
	}
	d.PID = d.run.d.proc.pid
	d.TCPAddr = d.run.d.tcpAddr()
}

// Kill sends SIGKILL, as a crash would, and waits until the daemon is gone.
// Its socket file stays behind, refusing connections, until Restart.
func (d *Daemon) Kill() {
	d.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), daemonTimeout)
	defer cancel()
	if err := d.run.d.proc.crash(ctx); err != nil {
		d.tb.Fatalf("killing the throwaway daemon: %v", err)
	}
}

// Stop freezes the daemon with SIGSTOP and waits until it is stopped: its
// sockets still accept connections, but nothing answers.
func (d *Daemon) Stop() {
	d.tb.Helper()
	d.signalAndWait(syscall.SIGSTOP, "stopped", func(state string) bool { return state == "T" })
}

// Cont resumes a daemon frozen by Stop and waits until it runs again.
func (d *Daemon) Cont() {
	d.tb.Helper()
	d.signalAndWait(syscall.SIGCONT, "running", func(state string) bool { return state != "T" })
}

func (d *Daemon) signalAndWait(sig syscall.Signal, want string, ok func(state string) bool) {
	d.tb.Helper()
	p := d.run.d.proc
	if !p.alive() {
		d.tb.Fatalf("throwaway daemon (pid %d) is not running", p.pid)
	}
	if err := p.signal(sig); err != nil {
		d.tb.Fatalf("signalling the throwaway daemon: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), daemonTimeout)
	defer cancel()
	err := poll(ctx, func() bool { return ok(p.state()) },
		func() string { return fmt.Sprintf("throwaway daemon (pid %d) not %s", p.pid, want) })
	if err != nil {
		d.tb.Fatal(err)
	}
}

// Restart stops the daemon if it runs (SIGTERM) and starts it again with the
// same folder, sockets and, if still free, TCP port; TCPAddr and PID are
// updated. The test driver's state starts afresh.
func (d *Daemon) Restart() {
	d.tb.Helper()
	if p := d.run.d.proc; p.alive() {
		ctx, cancel := context.WithTimeout(context.Background(), daemonTimeout)
		err := p.kill(ctx)
		cancel()
		if err != nil {
			d.tb.Fatalf("stopping the throwaway daemon: %v", err)
		}
	}
	d.run.d.proc.reap()
	d.startOrFail(true)
}
