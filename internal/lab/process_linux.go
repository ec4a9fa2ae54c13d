//go:build linux

package lab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// pollInterval is how often the lab re-checks a condition it waits for (a
// socket to answer, a process to exit), always under a deadline.
const pollInterval = 5 * time.Millisecond

// proc is a process the lab started. Its PID stays the same through the exec
// chain of the run-*.sh scripts, so it is the daemon's own PID.
type proc struct {
	name  string
	pid   int
	start string // start time from /proc/PID/stat: tells a reused PID apart
	log   string // where its standard output and error go

	// cmd is set only in the process that started it, which must reap it.
	cmd *exec.Cmd
}

// startProc starts argv with its output in logPath and writes pidFile
// ("PID STARTTIME"). The process gets a session of its own. With
// dieWithParent it is killed when the starting process dies (for throwaway
// daemons in tests); without, it outlives it (for `lab up`).
func startProc(name string, argv, env []string, logPath, pidFile string, dieWithParent bool) (*proc, error) {
	out, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lab: %s: %w", name, err)
	}
	defer out.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	start := cmd.Start
	if dieWithParent {
		cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
		// The kernel sends Pdeathsig when the *thread* that forked the
		// child ends, and Go may end threads; fork from one that never does.
		start = func() error { return onSpawnThread(cmd.Start) }
	}
	if err := start(); err != nil {
		return nil, fmt.Errorf("lab: starting %s: %w", name, err)
	}
	p := &proc{name: name, pid: cmd.Process.Pid, log: logPath, cmd: cmd}
	p.start, _, _ = procStat(p.pid)
	if err := os.WriteFile(pidFile, []byte(fmt.Sprintf("%d %s\n", p.pid, p.start)), 0o600); err != nil {
		p.kill(context.Background())
		return nil, fmt.Errorf("lab: %w", err)
	}
	return p, nil
}

// readPidFile returns the process a pid file written by startProc names.
func readPidFile(name, pidFile string) (*proc, error) {
	data, err := os.ReadFile(pidFile)
	if err != nil {
		return nil, err
	}
	f := strings.Fields(string(data))
	if len(f) != 2 {
		return nil, fmt.Errorf("lab: %s: want \"PID STARTTIME\", have %q", pidFile, data)
	}
	pid, err := strconv.Atoi(f[0])
	if err != nil || pid <= 1 {
		return nil, fmt.Errorf("lab: %s: bad PID %q", pidFile, f[0])
	}
	return &proc{name: name, pid: pid, start: f[1]}, nil
}

// procStat returns field 22 (start time) and field 3 (state) of
// /proc/PID/stat, or an error when there is no such process.
func procStat(pid int) (start, state string, err error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return "", "", err
	}
	// The command name (field 2) is in parentheses and may hold anything.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return "", "", fmt.Errorf("lab: odd /proc/%d/stat", pid)
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 20 {
		return "", "", fmt.Errorf("lab: short /proc/%d/stat", pid)
	}
	return f[19], f[0], nil
}

// alive tells whether the process still runs. A zombie has finished, and a
// PID with another start time belongs to someone else.
func (p *proc) alive() bool {
	start, state, err := procStat(p.pid)
	return err == nil && start == p.start && state != "Z" && state != "X"
}

// state returns the process's state letter (R, S, T, ...) or "" when it is gone.
func (p *proc) state() string {
	start, state, err := procStat(p.pid)
	if err != nil || start != p.start {
		return ""
	}
	return state
}

func (p *proc) signal(sig syscall.Signal) error {
	if !p.alive() {
		return nil
	}
	return syscall.Kill(p.pid, sig)
}

// mountNS returns the process's mount namespace, if it has one of its
// own, and keeps that namespace from being freed until release is called.
// A namespace's name ("mnt:[4026532290]") is its inode number, which the
// kernel hands to a new namespace once the old one is gone: a sweep by
// name after the process died could kill a daemon another test has just
// started in a namespace that got the same number.
func (p *proc) mountNS() (ns string, release func()) {
	release = func() {}
	path := "/proc/" + strconv.Itoa(p.pid) + "/ns/mnt"
	f, err := os.Open(path)
	if err != nil {
		return "", release
	}
	ns, err = os.Readlink(path)
	if err != nil || !p.alive() {
		f.Close()
		return "", release
	}
	if self, _ := os.Readlink("/proc/self/ns/mnt"); ns == self {
		f.Close()
		return "", release // still ours (it has not reached unshare): nothing private to sweep
	}
	return ns, func() { f.Close() }
}

// waitGone waits until the process has exited and, when it is our child,
// reaps it. (Polling rather than a goroutine blocked in Wait: no goroutine
// lives as long as the daemon.)
func (p *proc) waitGone(ctx context.Context) error {
	err := poll(ctx, func() bool { return !p.alive() },
		func() string { return fmt.Sprintf("%s (pid %d) did not exit", p.name, p.pid) })
	if err != nil {
		return err
	}
	if p.cmd != nil {
		p.reap()
		return nil
	}
	// Not our child (`lab down` after `lab up`): init reaps it. Give init a
	// moment, so that no <defunct> entry is left for ps to show, but do not
	// insist: some inits never reap.
	zctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	_ = poll(zctx, func() bool { _, _, err := procStat(p.pid); return err != nil }, func() string { return "" })
	return nil
}

// reap collects the exit status of a child that has exited; its exit status
// is of no interest (the log says why).
func (p *proc) reap() {
	if p.cmd != nil {
		_ = p.cmd.Wait()
		p.cmd = nil
	}
}

// kill stops the process: SIGTERM, then SIGKILL if it is still there after a
// few seconds. Then it kills whatever else is left in its private mount
// namespace (children such as dnsmasq or QEMU), so nothing it started lives on.
func (p *proc) kill(ctx context.Context) error {
	ns, release := p.mountNS()
	defer release()
	_ = p.signal(syscall.SIGCONT) // a stopped process cannot act on SIGTERM
	_ = p.signal(syscall.SIGTERM)
	tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	err := p.waitGone(tctx)
	cancel()
	if err != nil {
		_ = p.signal(syscall.SIGKILL)
		if err := p.waitGone(ctx); err != nil {
			return err
		}
	}
	return sweepNamespace(ctx, ns)
}

// crash kills the process with SIGKILL, as a crash would, waits until it
// is gone, and kills whatever it left in its private mount namespace.
func (p *proc) crash(ctx context.Context) error {
	ns, release := p.mountNS()
	defer release()
	err := p.signal(syscall.SIGKILL)
	if err == nil {
		err = p.waitGone(ctx)
	}
	if err == nil {
		err = sweepNamespace(ctx, ns)
	}
	return err
}

// sweepNamespace SIGKILLs every process left in mount namespace ns and waits
// for them to go. It never touches the caller's own namespace.
func sweepNamespace(ctx context.Context, ns string) error {
	if ns == "" {
		return nil
	}
	return sweep(ctx, "mnt", ns)
}

// sweep SIGKILLs every process whose namespace of kind (mnt, net, ...) is
// ns, as /proc/PID/ns/KIND names it ("net:[4026532290]"), and waits for
// them to go.
func sweep(ctx context.Context, kind, ns string) error {
	var left []*proc
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if l, _ := os.Readlink(filepath.Join("/proc", e.Name(), "ns", kind)); l != ns {
			continue
		}
		start, _, err := procStat(pid)
		if err != nil {
			continue
		}
		p := &proc{name: "leftover", pid: pid, start: start}
		_ = p.signal(syscall.SIGKILL)
		left = append(left, p)
	}
	for _, p := range left {
		if err := p.waitGone(ctx); err != nil {
			return err
		}
	}
	return nil
}

// poll calls ready every pollInterval until it returns true or ctx ends; then
// the error says what did not happen.
func poll(ctx context.Context, ready func() bool, what func() string) error {
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for !ready() {
		select {
		case <-ctx.Done():
			return fmt.Errorf("lab: %s: %w", what(), ctx.Err())
		case <-t.C:
		}
	}
	return nil
}

// waitReady waits until check succeeds, the process exits, or ctx ends. On
// failure the error carries the tail of the process's logs.
func (p *proc) waitReady(ctx context.Context, check func(context.Context) error, logs ...string) error {
	var last error
	err := poll(ctx, func() bool {
		if !p.alive() {
			last = errExited
			return true
		}
		cctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		last = check(cctx)
		return last == nil
	}, func() string { return fmt.Sprintf("%s did not answer (%v)", p.name, last) })
	if err == nil && last == nil {
		return nil
	}
	if err == nil {
		err = fmt.Errorf("lab: %s (pid %d) exited while starting", p.name, p.pid)
	}
	return fmt.Errorf("%w\n%s", err, tailLogs(append(logs, p.log)...))
}

var errExited = errors.New("exited")

// tailLogs returns the last lines of each existing log file, labelled.
func tailLogs(paths ...string) string {
	var b strings.Builder
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil || len(bytes.TrimSpace(data)) == 0 {
			continue
		}
		lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
		if len(lines) > 15 {
			lines = lines[len(lines)-15:]
		}
		fmt.Fprintf(&b, "--- tail of %s\n%s\n", path, strings.Join(lines, "\n"))
	}
	return strings.TrimRight(b.String(), "\n")
}

// Children started with Pdeathsig run from one OS thread that lives as
// long as the process (SpawnLoop), so that they die with the process and
// not with a thread. Tests that check for leaked goroutines ignore it:
// goleak.IgnoreTopFunction("github.com/virtwire/virtwire/internal/lab.spawnLoop").
var (
	spawnOnce   sync.Once
	spawnThread chan func()
)

func spawnLoop(ch chan func()) {
	runtime.LockOSThread() // never unlocked: the thread stays for good
	for f := range ch {
		f()
	}
}

func onSpawnThread(f func() error) error {
	spawnOnce.Do(func() {
		spawnThread = make(chan func())
		go spawnLoop(spawnThread)
	})
	done := make(chan error, 1)
	spawnThread <- func() { done <- f() }
	return <-done
}
