//go:build !linux

package lab

import (
	"context"
	"errors"
	"io"
	"os/exec"
	"testing"
)

// errUnsupported is what the lab says where it cannot run: its daemons need
// Linux mount namespaces.
var errUnsupported = errors.New("lab: the libvirt lab runs only on Linux (it needs mount namespaces)")

type runState struct{}

type daemonRun struct{}

type modularRun struct{}

// Up starts a lab; on this system it only reports that it cannot.
func Up(ctx context.Context, dir string, opts ...UpOption) (*Lab, error) { return nil, errUnsupported }

// Down stops a lab; on this system there is none to stop.
func Down(ctx context.Context, dir string) error { return errUnsupported }

// Down stops the lab; on this system there is none to stop.
func (l *Lab) Down(ctx context.Context) error { return errUnsupported }

// StartDaemon starts a throwaway daemon; on this system it skips the test
// (or fails it when CI is set).
func StartDaemon(tb testing.TB, opts ...DaemonOption) *Daemon {
	tb.Helper()
	unavailable(tb, errUnsupported.Error())
	return nil
}

// Kill kills the daemon; there is none on this system.
func (d *Daemon) Kill() { d.tb.Fatal(errUnsupported) }

// Stop freezes the daemon; there is none on this system.
func (d *Daemon) Stop() { d.tb.Fatal(errUnsupported) }

// Cont resumes the daemon; there is none on this system.
func (d *Daemon) Cont() { d.tb.Fatal(errUnsupported) }

// Restart restarts the daemon; there is none on this system.
func (d *Daemon) Restart() { d.tb.Fatal(errUnsupported) }

// StartModular starts throwaway modular daemons; on this system it skips
// the test (or fails it when CI is set).
func StartModular(tb testing.TB) *Modular {
	tb.Helper()
	unavailable(tb, errUnsupported.Error())
	return nil
}

// Kill kills a modular daemon; there is none on this system.
func (m *Modular) Kill(tb testing.TB, name string) { tb.Fatal(errUnsupported) }

// Stop stops a modular daemon; there is none on this system.
func (m *Modular) Stop(tb testing.TB, name string) { tb.Fatal(errUnsupported) }

// Start starts a modular daemon; there is none on this system.
func (m *Modular) Start(tb testing.TB, name string) { tb.Fatal(errUnsupported) }

// PID returns a modular daemon's process ID; there is none on this system.
func (m *Modular) PID(name string) int { return 0 }

// PrepareRoot unpacks the libvirt root; on this system it only reports
// that it cannot.
func PrepareRoot(ctx context.Context, dir string, progress io.Writer) (*Root, error) {
	return nil, errUnsupported
}

// EnterCommand runs a command in the libvirt root; on this system it only
// reports that it cannot.
func (r *Root) EnterCommand(ctx context.Context, binds, roBinds []string, argv ...string) (*exec.Cmd, func(), error) {
	return nil, nil, errUnsupported
}
