//go:build linux

package lab

import (
	"context"
	_ "embed"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

//go:embed sh/run-libvirtd.sh
var runLibvirtdScript []byte

// qemuConf lets the QEMU driver run as root with no systemd, virtlogd or
// per-guest namespaces, as the lab machine needs (RECIPES section 0).
const qemuConf = `# written by virtwire's internal/lab
user = "root"
group = "root"
stdio_handler = "file"
remember_owner = 0
namespaces = []
`

// libvirtd is one private root libvirtd: its folder, listeners and process.
type libvirtd struct {
	name  string // for messages
	root  string // config, logs, state, socket folder
	env   []string
	netns string // run in this network namespace (ip netns) when set

	authUnix string // "none" or "sasl"
	authTCP  string // "" when there is no TCP listener
	authTLS  string // "" when there is no TLS listener
	pki      string // folder with cacert.pem, servercert.pem, serverkey.pem
	extra    []string

	tcpPort, tlsPort int // 0: pick a free one at start
	proc             *proc
}

func (d *libvirtd) socket() string   { return filepath.Join(d.root, "sock", "libvirt-sock") }
func (d *libvirtd) roSocket() string { return filepath.Join(d.root, "sock", "libvirt-sock-ro") }
func (d *libvirtd) adminSocket() string {
	return filepath.Join(d.root, "sock", "libvirt-admin-sock")
}
func (d *libvirtd) pidFile() string { return filepath.Join(d.root, "run.pid") }
func (d *libvirtd) outLog() string  { return filepath.Join(d.root, "out.log") }
func (d *libvirtd) log() string     { return filepath.Join(d.root, "libvirtd.log") }

func (d *libvirtd) tcpAddr() string { return addr(d.tcpPort) }
func (d *libvirtd) tlsAddr() string { return addr(d.tlsPort) }

func addr(port int) string {
	if port == 0 {
		return ""
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
}

func (d *libvirtd) conf() string {
	q := strconv.Quote
	lines := []string{
		"# written by virtwire's internal/lab",
		"unix_sock_dir = " + q(filepath.Join(d.root, "sock")),
		`unix_sock_group = "root"`,
		`unix_sock_ro_perms = "0777"`,
		`unix_sock_rw_perms = "0770"`,
		"auth_unix_ro = " + q(d.authUnix),
		"auth_unix_rw = " + q(d.authUnix),
		`listen_addr = "127.0.0.1"`,
		// Tests open many connections at once; libvirtd's default of 20
		// unauthenticated clients would turn some away.
		"max_anonymous_clients = 500",
		"log_outputs = " + q("3:file:"+d.log()),
	}
	if d.authTCP != "" {
		lines = append(lines, "listen_tcp = 1", "tcp_port = "+q(strconv.Itoa(d.tcpPort)), "auth_tcp = "+q(d.authTCP))
	} else {
		lines = append(lines, "listen_tcp = 0")
	}
	if d.authTLS != "" {
		lines = append(lines, "listen_tls = 1", "tls_port = "+q(strconv.Itoa(d.tlsPort)), "auth_tls = "+q(d.authTLS),
			"ca_file = "+q(filepath.Join(d.pki, "cacert.pem")),
			"cert_file = "+q(filepath.Join(d.pki, "servercert.pem")),
			"key_file = "+q(filepath.Join(d.pki, "serverkey.pem")))
	} else {
		// With -l and no listen_tls = 0, libvirtd would look for certificates in /etc/pki.
		lines = append(lines, "listen_tls = 0")
	}
	// libvirt's config reader takes the first line of a key and ignores
	// later ones, so an extra line replaces the lab's own line of its key.
	override := make(map[string]bool)
	for _, l := range d.extra {
		override[confKey(l)] = true
	}
	kept := lines[:0]
	for _, l := range lines {
		if !override[confKey(l)] {
			kept = append(kept, l)
		}
	}
	lines = append(kept, d.extra...)
	return strings.Join(lines, "\n") + "\n"
}

// confKey returns the key a libvirtd.conf line sets ("" for a comment).
func confKey(line string) string {
	k, _, ok := strings.Cut(line, "=")
	if !ok {
		return ""
	}
	return strings.TrimSpace(k)
}

// start writes the daemon's files and starts it, then waits until it answers
// on its unix socket. A port taken by someone else between picking and
// binding makes it pick again (twice at most); any other failure returns the
// tail of the daemon's logs. With keepPorts it first tries the ports it had.
func (d *libvirtd) start(ctx context.Context, dieWithParent, keepPorts bool) error {
	if err := checkSocketPath(d.roSocket()); err != nil {
		return err
	}
	for _, dir := range []string{filepath.Join(d.root, "sock"), filepath.Join(d.root, "state", "etc")} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("lab: %w", err)
		}
	}
	if err := os.WriteFile(filepath.Join(d.root, "run-libvirtd.sh"), runLibvirtdScript, 0o700); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	if err := os.WriteFile(filepath.Join(d.root, "state", "etc", "qemu.conf"), []byte(qemuConf), 0o600); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	for attempt := 0; ; attempt++ {
		if attempt > 0 || !keepPorts || (d.authTCP != "" && d.tcpPort == 0) || (d.authTLS != "" && d.tlsPort == 0) {
			ports, err := freePorts(2)
			if err != nil {
				return err
			}
			d.tcpPort, d.tlsPort = 0, 0
			if d.authTCP != "" {
				d.tcpPort = ports[0]
			}
			if d.authTLS != "" {
				d.tlsPort = ports[1]
			}
		}
		err := d.startOnce(ctx, dieWithParent)
		if err == nil || attempt == 2 || !strings.Contains(err.Error(), "Address already in use") {
			return err
		}
	}
}

func (d *libvirtd) startOnce(ctx context.Context, dieWithParent bool) error {
	if err := os.WriteFile(filepath.Join(d.root, "libvirtd.conf"), []byte(d.conf()), 0o600); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	// Fresh logs, so that a failure shows this start's messages only.
	for _, path := range []string{d.log(), d.outLog()} {
		if err := os.WriteFile(path, nil, 0o600); err != nil {
			return fmt.Errorf("lab: %w", err)
		}
	}
	argv := []string{"/bin/sh", filepath.Join(d.root, "run-libvirtd.sh"), d.root}
	if d.netns != "" {
		// ip netns exec execs (no fork), so the PID stays libvirtd's. It
		// also remounts /sys for the namespace, which libvirt's bridge code
		// reads.
		argv = append([]string{"ip", "netns", "exec", d.netns}, argv...)
	}
	p, err := startProc(d.name, argv, append(os.Environ(), d.env...), d.outLog(), d.pidFile(), dieWithParent)
	if err != nil {
		return err
	}
	d.proc = p
	sock := d.socket()
	if err := p.waitReady(ctx, func(ctx context.Context) error { return probe(ctx, "unix", sock) }, d.log()); err != nil {
		_ = p.kill(context.WithoutCancel(ctx))
		return fmt.Errorf("lab: %s in %s: %w", d.name, d.root, err)
	}
	return nil
}

// freePorts returns n distinct TCP ports on 127.0.0.1 that were free a moment
// ago (all held open together, so they differ).
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("lab: finding a free port: %w", err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// checkSocketPath refuses unix socket paths longer than sun_path allows.
func checkSocketPath(path string) error {
	if len(path) >= 108 {
		return fmt.Errorf("lab: socket path %s is %d bytes, too long for a unix socket (max 107); use a shorter lab folder", path, len(path))
	}
	return nil
}
