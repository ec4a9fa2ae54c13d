package lab

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The modular daemons a Modular set runs. virtproxyd serves libvirt's
// classic libvirt-sock and hands each connection to the daemon of the
// driver it opens.
const (
	VirtProxyd   = "virtproxyd"
	VirtQEMUd    = "virtqemud"
	VirtNetworkd = "virtnetworkd"
	VirtStoraged = "virtstoraged"
)

// Modular is a set of libvirt's modular daemons: virtproxyd in front of
// virtqemud, virtnetworkd and virtstoraged, built from libvirt's release
// source (Version) and run chrooted in a libvirt root (see Root), as
// Fedora, RHEL and CentOS Stream run libvirt by default. The daemons share
// one /run/libvirt (RunDir): virtproxyd finds its backends only there. The
// backends live in a network namespace of their own (Netns), so networks
// and guests they start stay in it; virtproxyd stays in the host's, for its
// TCP listener.
//
// The lab's set (Lab.Modular, RequireModular) is shared by every test; a
// test that kills or restarts a daemon starts a throwaway set of its own
// with StartModular, whose Kill, Start and Stop methods work daemon by
// daemon.
type Modular struct {
	// Version is the libvirt release of the daemons, such as 11.3.0.
	Version string `json:"version"`
	// Root is the libvirt root they run chrooted in ("/" when the lab
	// itself runs inside one).
	Root string `json:"root"`
	// Dir is the set's folder: configuration, state, logs.
	Dir string `json:"dir"`
	// RunDir is what the daemons see as /run/libvirt: every socket below
	// is in it. Command runs a program that sees it there too.
	RunDir string `json:"run_dir"`
	// Netns is the backends' network namespace (`ip netns exec NAME ...`).
	Netns string `json:"netns"`

	// Proxy is virtproxyd. Its sockets are libvirt-sock, libvirt-sock-ro
	// and libvirt-admin-sock: it has no virtproxyd-sock, and
	// virtproxyd:///system in virt-admin finds no socket.
	Proxy ModularDaemon `json:"proxy"`
	// ProxyTCPAddr is virtproxyd's TCP listener (auth none), host:port on
	// 127.0.0.1.
	ProxyTCPAddr string `json:"proxy_tcp_addr"`
	// QEMU is virtqemud (qemu:///system), sockets virtqemud-sock...
	QEMU ModularDaemon `json:"qemu"`
	// Network is virtnetworkd (network:///system).
	Network ModularDaemon `json:"network"`
	// Storage is virtstoraged (storage:///system, directory pools only).
	Storage ModularDaemon `json:"storage"`

	tb  testing.TB // set for a throwaway set (StartModular)
	run *modularRun
}

// ModularDaemon is one daemon of a Modular set. All its unix sockets have
// auth none.
type ModularDaemon struct {
	// Name is the daemon's program name, such as virtqemud.
	Name string `json:"name"`
	// Socket is its read-write unix socket.
	Socket string `json:"socket"`
	// ROSocket is its read-only unix socket.
	ROSocket string `json:"ro_socket"`
	// AdminSocket is its admin socket, for virt-admin (AdminURI) and
	// libvirt's admin protocol.
	AdminSocket string `json:"admin_socket"`
	// Log is its log file (warnings and errors).
	Log string `json:"log"`
}

// URI returns driver's URI (qemu, network, storage...) on the daemon's
// read-write socket: driver+unix:///system?socket=Socket.
func (d ModularDaemon) URI(driver string) string {
	return driver + "+unix:///system?socket=" + escapeParam(d.Socket)
}

// ROURI is URI on the read-only socket.
func (d ModularDaemon) ROURI(driver string) string {
	return driver + "+unix:///system?socket=" + escapeParam(d.ROSocket)
}

// AdminURI returns the daemon's admin URI for virt-admin, such as
// virtqemud:///system?socket=AdminSocket.
func (d ModularDaemon) AdminURI() string {
	return d.Name + ":///system?socket=" + escapeParam(d.AdminSocket)
}

// ProxyTCPURI returns driver's URI through virtproxyd's TCP listener, such
// as qemu+tcp://127.0.0.1:PORT/system.
func (m *Modular) ProxyTCPURI(driver string) string {
	return driver + "+tcp://" + m.ProxyTCPAddr + "/system"
}

// Daemons returns the set's daemons, backends first.
func (m *Modular) Daemons() []ModularDaemon {
	return []ModularDaemon{m.QEMU, m.Network, m.Storage, m.Proxy}
}

// Daemon returns the daemon called name (VirtQEMUd...).
func (m *Modular) Daemon(name string) (ModularDaemon, bool) {
	for _, d := range m.Daemons() {
		if d.Name == name {
			return d, true
		}
	}
	return ModularDaemon{}, false
}

// Command returns the command that runs name with args in a private mount
// namespace in which /run/libvirt is the set's RunDir (and the rest of /run
// is empty): there libvirt's clients, and virtwire, find the set's daemons
// at the system's default sockets, as on a machine that runs them. The
// program is the host's (or, when the lab runs inside a libvirt root, the
// root's).
func (m *Modular) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	script := `mount -t tmpfs -o mode=755 virtwire-lab /run && mkdir /run/libvirt &&
mount --bind "$1" /run/libvirt && shift && exec "$@"`
	argv := append([]string{"--mount", "--propagation", "private", "/bin/sh", "-c", script, "modular-system", m.RunDir, name}, args...)
	return exec.CommandContext(ctx, "unshare", argv...)
}

// RunVirsh runs `virsh -c uri args...` as Lab.RunVirsh does.
func (m *Modular) RunVirsh(ctx context.Context, uri string, args ...string) (string, error) {
	return runTool(ctx, "virsh", nil, uri, args...)
}

// Virsh is RunVirsh for tests: it fails the test when virsh fails, and
// returns the output with surrounding white space trimmed.
func (m *Modular) Virsh(tb testing.TB, uri string, args ...string) string {
	tb.Helper()
	return mustTool(tb, "virsh", uri, args...)
}

// RunVirtAdmin runs `virt-admin -c uri args...` (package libvirt-clients)
// with stdin closed and LC_ALL=C, as RunVirsh runs virsh.
func (m *Modular) RunVirtAdmin(ctx context.Context, uri string, args ...string) (string, error) {
	return runTool(ctx, "virt-admin", nil, uri, args...)
}

// VirtAdmin is RunVirtAdmin for tests.
func (m *Modular) VirtAdmin(tb testing.TB, uri string, args ...string) string {
	tb.Helper()
	return mustTool(tb, "virt-admin", uri, args...)
}

func mustTool(tb testing.TB, prog, uri string, args ...string) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := runTool(ctx, prog, nil, uri, args...)
	if err != nil {
		tb.Fatal(err)
	}
	return strings.TrimSpace(out)
}

// Ping checks that every daemon of the set answers on its socket.
func (m *Modular) Ping(ctx context.Context) error {
	for _, d := range m.Daemons() {
		if err := probe(ctx, "unix", d.Socket); err != nil {
			return fmt.Errorf("%s: %w", d.Name, err)
		}
	}
	return nil
}

// RequireModular returns the running lab's modular set (see Require),
// after checking that its daemons answer. Without a lab, or with a lab
// started without the set, it skips the test, or fails it when CI is set.
func RequireModular(tb testing.TB) *Modular {
	tb.Helper()
	l, err := running()
	if err == nil && l.Modular == nil {
		err = fmt.Errorf("the lab in %s was started without its modular daemons", l.Dir)
	}
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = l.Modular.Ping(ctx)
		cancel()
		if err != nil {
			err = fmt.Errorf("the modular daemons of the lab in %s do not answer: %w", l.Dir, err)
		}
	}
	if err != nil {
		unavailable(tb, fmt.Sprintf("no libvirt lab with modular daemons: %v; `make test` starts one around the tests, `make lab-up` one for `go test`", err))
		return nil
	}
	return l.Modular
}

// AdminClient is one client of a daemon's server as virt-admin reports it
// (srv-clients-list, then client-info).
type AdminClient struct {
	// ID is the client's number on its server.
	ID uint64
	// Transport is unix, tcp or tls.
	Transport string
	// ReadOnly tells whether the client came on a read-only socket.
	ReadOnly bool
	// PID is a unix client's process ID, 0 for others. A client that
	// virtproxyd passes on shows, on the backend, the PID of the client
	// that connected to virtproxyd: the proxy forwards its identity.
	PID int
	// Addr is a TCP client's address, host:port, "" for others.
	Addr string
}

// AdminServers returns the names of the servers the daemon behind the
// admin URI adminURI runs (`virt-admin srv-list`), such as virtqemud and
// admin.
func AdminServers(ctx context.Context, adminURI string) ([]string, error) {
	out, err := runTool(ctx, "virt-admin", nil, adminURI, "srv-list")
	if err != nil {
		return nil, err
	}
	var names []string
	for _, row := range tableRows(out) {
		f := strings.Fields(row)
		if len(f) != 2 {
			return nil, fmt.Errorf("lab: odd srv-list row %q", row)
		}
		names = append(names, f[1])
	}
	return names, nil
}

// AdminClients returns the clients of server on the daemon behind adminURI
// (`virt-admin srv-clients-list`, and `client-info` for each).
func AdminClients(ctx context.Context, adminURI, server string) ([]AdminClient, error) {
	out, err := runTool(ctx, "virt-admin", nil, adminURI, "srv-clients-list", server)
	if err != nil {
		return nil, err
	}
	var clients []AdminClient
	for _, row := range tableRows(out) {
		f := strings.Fields(row)
		if len(f) < 2 {
			return nil, fmt.Errorf("lab: odd srv-clients-list row %q", row)
		}
		id, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("lab: srv-clients-list row %q: %w", row, err)
		}
		info, err := runTool(ctx, "virt-admin", nil, adminURI, "client-info", server, f[0])
		if err != nil {
			if strings.Contains(err.Error(), "No client with matching ID") {
				continue // gone since the list
			}
			return nil, err
		}
		c := AdminClient{ID: id, Transport: f[1]}
		for _, line := range strings.Split(info, "\n") {
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			switch v = strings.TrimSpace(v); strings.TrimSpace(k) {
			case "readonly":
				c.ReadOnly = v == "yes"
			case "unix_process_id":
				c.PID, _ = strconv.Atoi(v)
			case "sock_addr":
				c.Addr = v
			}
		}
		clients = append(clients, c)
	}
	return clients, nil
}
