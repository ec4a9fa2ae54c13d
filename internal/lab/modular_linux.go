//go:build linux

package lab

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/virtwire/virtwire/internal/libvirtsrc"
)

//go:embed sh/run-modular.sh
var runModularScript []byte

// modularRun is what the process that started a set knows beyond its
// description: the daemons' processes, which it must reap.
type modularRun struct {
	mu            sync.Mutex
	procs         map[string]*proc
	tcpPort       int
	dieWithParent bool
	addProc       func(*proc) // also told of every process started (the lab's Down)
}

// newModular lays out a set of modular daemons in dir, to run chrooted in
// root, with its backends in network namespace netns.
func newModular(root, dir, netns string) *Modular {
	state := filepath.Join(dir, "state")
	runDir := filepath.Join(state, "run")
	daemon := func(name, sock string) ModularDaemon {
		return ModularDaemon{
			Name:        name,
			Socket:      filepath.Join(runDir, sock+"-sock"),
			ROSocket:    filepath.Join(runDir, sock+"-sock-ro"),
			AdminSocket: filepath.Join(runDir, sock+"-admin-sock"),
			Log:         filepath.Join(state, "log", name+".log"),
		}
	}
	return &Modular{
		Version: libvirtsrc.Version,
		Root:    root,
		Dir:     dir,
		RunDir:  runDir,
		Netns:   netns,
		Proxy:   daemon(VirtProxyd, "libvirt"), // libvirt-sock: virtproxyd stands in for libvirtd
		QEMU:    daemon(VirtQEMUd, VirtQEMUd),
		Network: daemon(VirtNetworkd, VirtNetworkd),
		Storage: daemon(VirtStoraged, VirtStoraged),
		run:     &modularRun{procs: make(map[string]*proc)},
	}
}

func (m *Modular) stateDir() string { return filepath.Dir(m.RunDir) }

// daemonConf is the libvirt configuration of daemon name: unix sockets
// with auth none (many test connections at once), its log in its state
// folder, and for virtproxyd a TCP listener on port.
func daemonConf(name string, port int) string {
	q := strconv.Quote
	lines := []string{
		"# written by virtwire's internal/lab",
		`auth_unix_ro = "none"`,
		`auth_unix_rw = "none"`,
		`unix_sock_group = "root"`,
		`unix_sock_ro_perms = "0777"`,
		`unix_sock_rw_perms = "0770"`,
		// Every proxied connection is also a client of a backend.
		"max_anonymous_clients = 500",
		"log_outputs = " + q("3:file:/var/log/libvirt/"+name+".log"),
	}
	if name == VirtProxyd {
		// virtproxyd has no --listen: listen_tcp alone opens the port.
		lines = append(lines, `listen_addr = "127.0.0.1"`, "listen_tcp = 1",
			"tcp_port = "+q(strconv.Itoa(port)), `auth_tcp = "none"`, "listen_tls = 0")
	}
	return strings.Join(lines, "\n") + "\n"
}

// start writes the set's files, makes its network namespace and starts
// the backends, then virtproxyd, each once it answers. On failure the
// caller stops what was started (stop) and removes the folder.
func (m *Modular) start(ctx context.Context) error {
	for _, d := range m.Daemons() {
		for _, s := range []string{d.Socket, d.ROSocket, d.AdminSocket} {
			if err := checkSocketPath(s); err != nil {
				return err
			}
		}
	}
	if r, ok := OpenRoot(m.Root); !ok || r.Modular == "" {
		return fmt.Errorf("lab: %s is no libvirt root with the modular daemons (%s)", m.Root, ModularPrefix)
	}
	for _, d := range []string{"run", "lib", "cache", "log", "etc"} {
		if err := os.MkdirAll(filepath.Join(m.stateDir(), d), 0o700); err != nil {
			return fmt.Errorf("lab: %w", err)
		}
	}
	if err := os.WriteFile(filepath.Join(m.Dir, "run-modular.sh"), runModularScript, 0o700); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	if err := os.WriteFile(filepath.Join(m.stateDir(), "etc", "qemu.conf"), []byte(qemuConf), 0o600); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	if err := makeNetns(ctx, m.Dir, m.Netns); err != nil {
		return err
	}
	backends := []string{VirtQEMUd, VirtNetworkd, VirtStoraged}
	errs := make([]error, len(backends))
	var wg sync.WaitGroup
	for i, name := range backends {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = m.startDaemon(ctx, name)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return m.startDaemon(ctx, VirtProxyd)
}

// startDaemon starts daemon name and waits until it answers on its socket.
// virtproxyd keeps its TCP port across restarts while the port is free,
// and picks another (twice at most) when someone took it.
func (m *Modular) startDaemon(ctx context.Context, name string) error {
	d, ok := m.Daemon(name)
	if !ok {
		return fmt.Errorf("lab: the modular set has no daemon %q (it has %s, %s, %s and %s)", name, VirtQEMUd, VirtNetworkd, VirtStoraged, VirtProxyd)
	}
	dir := filepath.Join(m.Dir, name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	argv := []string{"/bin/sh", filepath.Join(m.Dir, "run-modular.sh"), m.Root, m.stateDir(), ModularPrefix, name}
	if name != VirtProxyd {
		argv = append([]string{"ip", "netns", "exec", m.Netns}, argv...)
	}
	for attempt := 0; ; attempt++ {
		port := 0
		if name == VirtProxyd {
			m.run.mu.Lock()
			if attempt > 0 || m.run.tcpPort == 0 {
				ports, err := freePorts(1)
				if err != nil {
					m.run.mu.Unlock()
					return err
				}
				m.run.tcpPort = ports[0]
			}
			port = m.run.tcpPort
			m.ProxyTCPAddr = addr(port)
			m.run.mu.Unlock()
		}
		conf := filepath.Join(m.stateDir(), "etc", name+".conf")
		if err := os.WriteFile(conf, []byte(daemonConf(name, port)), 0o600); err != nil {
			return fmt.Errorf("lab: %w", err)
		}
		outLog := filepath.Join(dir, "out.log")
		for _, f := range []string{outLog, d.Log} {
			if err := os.WriteFile(f, nil, 0o600); err != nil {
				return fmt.Errorf("lab: %w", err)
			}
		}
		p, err := startProc(name, argv, os.Environ(), outLog, filepath.Join(dir, "run.pid"), m.run.dieWithParent)
		if err != nil {
			return err
		}
		m.run.mu.Lock()
		m.run.procs[name] = p
		add := m.run.addProc
		m.run.mu.Unlock()
		if add != nil {
			add(p)
		}
		sock := d.Socket
		err = p.waitReady(ctx, func(ctx context.Context) error { return probe(ctx, "unix", sock) }, d.Log)
		if err == nil {
			return nil
		}
		_ = p.kill(context.WithoutCancel(ctx))
		if name != VirtProxyd || attempt == 2 || !strings.Contains(err.Error(), "Address already in use") {
			return fmt.Errorf("lab: %s in %s: %w", name, m.Dir, err)
		}
	}
}

// stop stops every daemon of the set (in parallel) and removes its network
// namespace.
func (m *Modular) stop(ctx context.Context) error {
	m.run.mu.Lock()
	procs := make([]*proc, 0, len(m.run.procs))
	for _, p := range m.run.procs {
		procs = append(procs, p)
	}
	m.run.mu.Unlock()
	errs := make([]error, len(procs))
	var wg sync.WaitGroup
	for i, p := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = p.kill(ctx)
		}()
	}
	wg.Wait()
	return errors.Join(append(errs, removeNetns(ctx, m.Dir))...)
}

// StartModular starts a throwaway set of modular daemons for one test, with
// the same layout and configuration as the lab's, in the running lab's
// libvirt root (or in the root this test runs in), and waits until every
// daemon answers. t.Cleanup stops it and removes it; its daemons die with
// the test process if that dies first. Without a lab it skips the test, or
// fails it when CI is set.
//
// Its Kill, Start and Stop methods act on one daemon, for tests of what a
// client sees when a backend dies behind virtproxyd.
func StartModular(tb testing.TB) *Modular {
	tb.Helper()
	if os.Geteuid() != 0 {
		unavailable(tb, "lab.StartModular needs root (daemons in private mount namespaces); `make test` runs the tests as root")
	}
	root := "/"
	if !InRoot() {
		l := Require(tb)
		if l.Modular == nil {
			unavailable(tb, fmt.Sprintf("lab.StartModular needs a lab with modular daemons (the lab in %s has none); `make test` starts one", l.Dir))
		}
		root = l.Modular.Root
	}
	// Not t.TempDir: unix socket paths must stay under 108 bytes.
	dir, err := os.MkdirTemp("", "virtwire-mod-")
	if err != nil {
		tb.Fatal(err)
	}
	m := newModular(root, dir, "virtwire-mod-"+randomHex(4))
	m.tb = tb
	m.run.dieWithParent = true
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), daemonTimeout)
		defer cancel()
		if err := m.stop(ctx); err != nil {
			tb.Errorf("stopping the throwaway modular daemons: %v", err)
		}
		if err := os.RemoveAll(dir); err != nil {
			tb.Errorf("removing the throwaway modular daemons' folder: %v", err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), daemonTimeout)
	defer cancel()
	if err := m.start(ctx); err != nil {
		tb.Fatal(err)
	}
	return m
}

// throwaway fails the test unless m came from StartModular: the lab's own
// set is shared by every test.
func (m *Modular) throwaway(tb testing.TB) {
	tb.Helper()
	if m.tb == nil || m.run == nil {
		tb.Fatal("lab: only a set from lab.StartModular may be killed, stopped or started: the lab's own is shared by every test")
	}
}

// PID returns the process ID of daemon name, or 0 when it does not run.
func (m *Modular) PID(name string) int {
	if m.run == nil {
		return 0
	}
	m.run.mu.Lock()
	p := m.run.procs[name]
	m.run.mu.Unlock()
	if p == nil || !p.alive() {
		return 0
	}
	return p.pid
}

// Kill sends daemon name SIGKILL, as a crash would, and waits until it and
// everything it started are gone. Its socket files stay behind, refusing
// connections, until Start. Only for a set from StartModular.
func (m *Modular) Kill(tb testing.TB, name string) {
	tb.Helper()
	m.throwaway(tb)
	p := m.running(tb, name)
	ctx, cancel := context.WithTimeout(context.Background(), daemonTimeout)
	defer cancel()
	if err := p.crash(ctx); err != nil {
		tb.Fatalf("killing %s: %v", name, err)
	}
}

// Stop stops daemon name cleanly (SIGTERM; SIGKILL after a few seconds)
// and waits until it is gone; it removes its sockets. Only for a set from
// StartModular.
func (m *Modular) Stop(tb testing.TB, name string) {
	tb.Helper()
	m.throwaway(tb)
	p := m.running(tb, name)
	ctx, cancel := context.WithTimeout(context.Background(), daemonTimeout)
	defer cancel()
	if err := p.kill(ctx); err != nil {
		tb.Fatalf("stopping %s: %v", name, err)
	}
}

// Start starts daemon name again after Kill or Stop, with the same
// configuration, state and sockets (and for virtproxyd the same TCP port
// while it is free), and waits until it answers. Only for a set from
// StartModular.
func (m *Modular) Start(tb testing.TB, name string) {
	tb.Helper()
	m.throwaway(tb)
	m.run.mu.Lock()
	old := m.run.procs[name]
	m.run.mu.Unlock()
	if old != nil {
		if old.alive() {
			tb.Fatalf("%s (pid %d) still runs; Kill or Stop it first", name, old.pid)
		}
		old.reap()
	}
	ctx, cancel := context.WithTimeout(context.Background(), daemonTimeout)
	defer cancel()
	if err := m.startDaemon(ctx, name); err != nil {
		tb.Fatal(err)
	}
}

func (m *Modular) running(tb testing.TB, name string) *proc {
	tb.Helper()
	m.run.mu.Lock()
	p := m.run.procs[name]
	m.run.mu.Unlock()
	if p == nil || !p.alive() {
		tb.Fatalf("%s does not run", name)
	}
	return p
}

// upModular starts the lab's modular set in dir/modular, chrooted in the
// root this process runs in when it is a libvirt root (the lab's 11.3
// run), else in a root unpacked into dir/root from the cache (built first
// when the cache lacks it).
func (l *Lab) upModular(ctx context.Context, progress io.Writer) error {
	m := newModular("/", filepath.Join(l.Dir, "modular"), "virtwire-mod-"+randomHex(4))
	m.run.addProc = l.addProc
	if err := os.MkdirAll(m.Dir, 0o700); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	for _, d := range m.Daemons() {
		if err := checkSocketPath(d.AdminSocket); err != nil {
			return err // before unpacking half a gigabyte
		}
	}
	if !InRoot() {
		r, err := PrepareRoot(ctx, filepath.Join(l.Dir, "root"), progress)
		if err != nil {
			return err
		}
		m.Root = r.Dir
	}
	if err := m.start(ctx); err != nil {
		return err
	}
	m.run = nil // lab.json's set: its daemons are stopped by Down
	l.Modular = m
	return nil
}
