package virtwire_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/internal/lab"
)

// The modular tier: libvirt 11.3's virtproxyd in front of virtqemud,
// virtnetworkd and virtstoraged (internal/lab's Modular), reached the
// ways Fedora's and RHEL's users reach them, each time side by side with
// libvirt's own clients.

// modularHelperEnv makes the test binary a client that holds a virtwire
// connection: it dials the URI the variable holds, prints "connected" and
// the daemon's URI, and closes once its standard input ends.
const modularHelperEnv = "VIRTWIRE_TEST_HOLD_URI"

func init() {
	uri, ok := os.LookupEnv(modularHelperEnv)
	if !ok {
		return
	}
	os.Exit(holdConnection(uri))
}

func holdConnection(uri string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := virtwire.Dial(ctx, uri)
	if err != nil {
		fmt.Printf("error: %v\n", err)
		return 1
	}
	defer c.Close()
	got, err := c.ConnectGetURI(ctx)
	if err != nil {
		fmt.Printf("error: %v\n", err)
		return 1
	}
	fmt.Printf("connected %s\n", got)
	_, _ = io.Copy(io.Discard, os.Stdin)
	return 0
}

// modularCtx bounds a step on the modular tier: virtqemud's first QEMU
// call probes QEMU's capabilities, which takes seconds under emulation.
func modularCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// dialModular connects to uri and closes the Conn when the test ends.
func dialModular(t *testing.T, uri string) *virtwire.Conn {
	t.Helper()
	c, err := virtwire.Dial(modularCtx(t), uri)
	if err != nil {
		t.Fatalf("Dial(%s): %v", uri, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// clientOf reports whether a unix client with process ID pid is among
// server's clients on the daemon behind adminURI.
func clientOf(t *testing.T, adminURI, server string, pid int) bool {
	t.Helper()
	clients, err := lab.AdminClients(modularCtx(t), adminURI, server)
	if err != nil {
		t.Fatal(err)
	}
	return slices.ContainsFunc(clients, func(c lab.AdminClient) bool { return c.Transport == "unix" && c.PID == pid })
}

// TestModularSocketChoice connects with each URI as a program on a machine
// that runs the modular daemons would (their sockets at libvirt's default
// paths), with virsh and with virtwire, and asks the daemons' admin
// sockets who serves the connection: a client that virtproxyd passes on is
// one of virtproxyd's clients; one that went straight to virtqemud is not.
// This is libvirt's rule: qemu:///system takes virtqemud-sock when it
// exists; remote:///system and mode=legacy take libvirt-sock, which
// virtproxyd serves.
func TestModularSocketChoice(t *testing.T) {
	m := lab.RequireModular(t)
	tests := []struct {
		uri     string
		proxied bool   // a client of virtproxyd
		backend string // and, directly or through the proxy, of this daemon
	}{
		{"qemu:///system", false, lab.VirtQEMUd},
		{"qemu:///system?mode=direct", false, lab.VirtQEMUd},
		{"qemu:///system?mode=legacy", true, lab.VirtQEMUd},
		{"remote:///system", true, lab.VirtQEMUd},
		{"network:///system", false, lab.VirtNetworkd},
		{"network:///system?mode=legacy", true, lab.VirtNetworkd},
		{"storage:///system", false, lab.VirtStoraged},
	}
	for _, tt := range tests {
		for _, client := range []string{"virsh", "virtwire"} {
			t.Run(client+"/"+tt.uri, func(t *testing.T) {
				var pid int
				if client == "virsh" {
					sh := startVirshShell(t, m.Command(modularCtx(t), "virsh", "-q", "-c", tt.uri))
					if out, errOut := sh.run(t, "uri"); out != tt.uri || errOut != "" {
						t.Fatalf("virsh uri: %q, errors %q", out, errOut)
					}
					pid = sh.pid()
				} else {
					pid = holdVirtwire(t, m, tt.uri)
				}
				backend, _ := m.Daemon(tt.backend)
				if got := clientOf(t, m.Proxy.AdminURI(), lab.VirtProxyd, pid); got != tt.proxied {
					t.Errorf("%s with %s: a client of virtproxyd: %v, want %v", client, tt.uri, got, tt.proxied)
				}
				if !clientOf(t, backend.AdminURI(), backend.Name, pid) {
					t.Errorf("%s with %s: not a client of %s", client, tt.uri, backend.Name)
				}
			})
		}
	}
}

// holdVirtwire starts this test binary as a virtwire client of uri with
// the modular set's sockets at the default paths, waits until it has
// connected, and returns its process ID. It disconnects when the test ends.
func holdVirtwire(t *testing.T, m *lab.Modular, uri string) int {
	t.Helper()
	cmd := m.Command(modularCtx(t), os.Args[0])
	cmd.Env = append(os.Environ(), modularHelperEnv+"="+uri)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("the virtwire client of %s: %v", uri, err)
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if !strings.HasPrefix(line, "connected ") {
		t.Fatalf("the virtwire client of %s: %q, %v", uri, line, err)
	}
	return cmd.Process.Pid
}

// TestModularCalls makes the same calls through virtproxyd (unix,
// read-only unix, TCP) and straight to each daemon, and compares with
// virsh on the same sockets.
func TestModularCalls(t *testing.T) {
	m := lab.RequireModular(t)
	tests := []struct {
		name, uri  string
		hypervisor bool // the connection reaches virtqemud
		readOnly   bool
	}{
		{"proxy unix", m.Proxy.URI("qemu"), true, false},
		{"proxy read-only", m.Proxy.ROURI("qemu"), true, true},
		{"proxy tcp", m.ProxyTCPURI("qemu"), true, false},
		{"proxy tcp network", m.ProxyTCPURI("network"), false, false},
		{"virtqemud", m.QEMU.URI("qemu"), true, false},
		{"virtqemud read-only", m.QEMU.ROURI("qemu"), true, true},
		{"virtnetworkd", m.Network.URI("network"), false, false},
		{"virtstoraged", m.Storage.URI("storage"), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := modularCtx(t)
			c := dialModular(t, tt.uri)
			lib, err := c.ConnectGetLibVersion(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if want := libvirtNumber(t, m.Version); lib != want {
				t.Errorf("ConnectGetLibVersion = %d, want %d (%s)", lib, want, m.Version)
			}
			uri, err := c.ConnectGetURI(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if want := m.Virsh(t, tt.uri, "uri"); !strings.HasPrefix(want, strings.TrimSuffix(uri, ":///system")) {
				t.Errorf("ConnectGetURI = %q; virsh uri says %q", uri, want)
			}
			hv, err := c.ConnectGetVersion(ctx)
			if tt.hypervisor {
				// QEMU 7.2 (Debian 12's, in the root too).
				if err != nil || hv/1000000 != 7 {
					t.Errorf("ConnectGetVersion = %d, %v; want QEMU 7.x", hv, err)
				}
				doms, _, err := c.ConnectListAllDomains(ctx, 1, 0)
				if err != nil {
					t.Fatal(err)
				}
				var names []string
				for _, d := range doms {
					names = append(names, d.Name)
				}
				virshNames := strings.Fields(m.Virsh(t, tt.uri, "list", "--all", "--name"))
				slices.Sort(names)
				slices.Sort(virshNames)
				if !slices.Equal(names, virshNames) {
					t.Errorf("domains: virtwire %q, virsh %q", names, virshNames)
				}
			} else if !virtwire.IsUnsupported(err) {
				// A network or storage connection has no hypervisor.
				t.Errorf("ConnectGetVersion on %s = %d, %v; want the unsupported error", tt.uri, hv, err)
			}
			if tt.readOnly {
				def := "<network><name>vw-ro</name></network>"
				_, err := c.NetworkDefineXML(ctx, def)
				wantCode(t, err, virtwire.ErrOperationDenied)
				file := filepath.Join(t.TempDir(), "net.xml")
				if err := os.WriteFile(file, []byte(def), 0o600); err != nil {
					t.Fatal(err)
				}
				_, err = m.RunVirsh(ctx, tt.uri, "net-define", file)
				if err == nil || !strings.Contains(err.Error(), "read only access prevents") {
					t.Errorf("virsh net-define on %s: %v, want a read-only refusal", tt.uri, err)
				}
			}
		})
	}
}

// libvirtNumber turns a release such as 11.3.0 into libvirt's number for
// it, 11003000.
func libvirtNumber(t *testing.T, release string) uint64 {
	t.Helper()
	var major, minor, micro uint64
	if _, err := fmt.Sscanf(release, "%d.%d.%d", &major, &minor, &micro); err != nil {
		t.Fatalf("libvirt release %q: %v", release, err)
	}
	return major*1000000 + minor*1000 + micro
}

// TestModularNetworkThroughProxy defines a network through virtproxyd and
// finds it on virtnetworkd itself, with virtwire and virsh, then removes it
// through virtnetworkd and sees it gone through the proxy.
func TestModularNetworkThroughProxy(t *testing.T) {
	m := lab.RequireModular(t)
	ctx := modularCtx(t)
	proxy := dialModular(t, m.Proxy.URI("qemu"))
	direct := dialModular(t, m.Network.URI("network"))
	name := uniqueName(t)
	def := fmt.Sprintf("<network><name>%s</name><bridge name='vwmod%s'/></network>", name, name[len(name)-4:])
	n, err := proxy.NetworkDefineXML(ctx, def)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = direct.NetworkUndefine(context.Background(), n) })
	got, err := direct.NetworkLookupByName(ctx, name)
	if err != nil || got.UUID != n.UUID {
		t.Fatalf("virtnetworkd's lookup of %s: %+v, %v; defined as %+v", name, got, err, n)
	}
	if out := m.Virsh(t, m.Network.URI("network"), "net-list", "--all", "--name"); !slices.Contains(strings.Fields(out), name) {
		t.Errorf("virsh net-list on virtnetworkd-sock: %q lacks %s", out, name)
	}
	if err := direct.NetworkUndefine(ctx, got); err != nil {
		t.Fatal(err)
	}
	_, err = proxy.NetworkLookupByName(ctx, name)
	wantCode(t, err, virtwire.ErrNoNetwork)
	if _, err := m.RunVirsh(ctx, m.Proxy.URI("qemu"), "net-info", name); err == nil || !strings.Contains(err.Error(), "Network not found") {
		t.Errorf("virsh net-info through the proxy after the undefine: %v", err)
	}
}

// TestModularBackendDiesBehindProxy kills virtqemud while clients hold
// connections to virtproxyd, and restarts it. The proxy never reconnects
// its backend: it sends the connection-closed event (reason EOF) to the
// clients that registered for it, as virsh and virtwire do, and would
// fail every later call with "client socket is closed". virsh reports the
// disconnection, reconnects at its next command, and works again once
// virtqemud is back. virtwire delivers the event, ends the Conn with a
// *DaemonClosedError (CloseReasonDaemon), and a Reconnector dials again
// until virtqemud is back, after which calls work.
func TestModularBackendDiesBehindProxy(t *testing.T) {
	set := lab.StartModular(t)
	ctx := modularCtx(t)
	uris := []string{set.Proxy.URI("qemu"), set.ProxyTCPURI("qemu")}
	var (
		conns  []*virtwire.Conn
		closed []*virtwire.Subscription
	)
	for _, uri := range uris {
		c := dialModular(t, uri)
		if _, _, err := c.ConnectListAllDomains(ctx, 1, 0); err != nil {
			t.Fatalf("%s before the kill: %v", uri, err)
		}
		sub, err := c.SubscribeConnectionClosed(ctx)
		if err != nil {
			t.Fatalf("%s: SubscribeConnectionClosed: %v", uri, err)
		}
		conns, closed = append(conns, c), append(closed, sub)
	}
	disconnects := make(chan error, 10)
	r, err := virtwire.DialReconnecting(ctx, uris[0], virtwire.ReconnectConfig{
		Backoff:      virtwire.Backoff{Initial: 20 * time.Millisecond, Max: 200 * time.Millisecond},
		OnDisconnect: func(err error) { disconnects <- err },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	first, err := r.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sh := startVirshShell(t, exec.CommandContext(ctx, "virsh", "-q", "-c", uris[0]))
	// version asks the hypervisor: virtqemud, through the proxy.
	if out, errOut := sh.run(t, "version"); errOut != "" || !strings.Contains(out, "Running hypervisor: QEMU") {
		t.Fatalf("virsh version before the kill: %q, errors %q", out, errOut)
	}

	set.Kill(t, lab.VirtQEMUd)
	for i, c := range conns {
		select {
		case ev := <-closed[i].Events():
			if cc, ok := ev.(*virtwire.ConnectionClosed); !ok || cc.Reason != virtwire.ConnectCloseReasonEof {
				t.Errorf("%s: event %#v, want ConnectionClosed with reason EOF", uris[i], ev)
			}
		case <-ctx.Done():
			t.Fatalf("%s: no connection-closed event", uris[i])
		}
		select {
		case <-c.Done():
		case <-ctx.Done():
			t.Fatalf("%s: the Conn did not end after the daemon's connection-closed event", uris[i])
		}
		var dc *virtwire.DaemonClosedError
		if err := c.Err(); !errors.As(err, &dc) || dc.Reason != virtwire.ConnectCloseReasonEof || !errors.Is(err, virtwire.ErrDisconnected) {
			t.Errorf("%s: Err = %v, want a *DaemonClosedError with reason EOF", uris[i], err)
		}
		if reason, ok := c.CloseReason(); !ok || reason != virtwire.CloseReasonDaemon {
			t.Errorf("%s: CloseReason = %v, %v; want daemon", uris[i], reason, ok)
		}
		if _, _, err := c.ConnectListAllDomains(ctx, 1, 0); !errors.Is(err, virtwire.ErrDisconnected) {
			t.Errorf("%s: a call on the ended Conn: %v, want its error", uris[i], err)
		}
	}
	select {
	case err := <-disconnects:
		var dc *virtwire.DaemonClosedError
		if !errors.As(err, &dc) {
			t.Errorf("the Reconnector's Conn ended with %v, want a *DaemonClosedError", err)
		}
	case <-ctx.Done():
		t.Fatal("the Reconnector's Conn did not end")
	}
	sh.waitStderr(t, "Disconnected from "+uris[0]+" due to end of file")
	_, errOut := sh.run(t, "version")
	if !strings.Contains(errOut, "Failed to connect socket to '/var/run/libvirt/virtqemud-sock'") {
		t.Errorf("virsh version with virtqemud dead: errors %q, want the proxy's failure to reach virtqemud-sock", errOut)
	}
	// virtproxyd cannot open a backend for a new connection either.
	if _, err := virtwire.Dial(ctx, uris[1]); err == nil || !strings.Contains(err.Error(), "virtqemud-sock") {
		t.Errorf("Dial(%s) with virtqemud dead: %v, want the proxy's failure to reach virtqemud-sock", uris[1], err)
	}

	set.Start(t, lab.VirtQEMUd)
	if out, errOut := sh.run(t, "version"); errOut != "" || !strings.Contains(out, "Running hypervisor: QEMU") {
		t.Errorf("virsh version once virtqemud is back: %q, errors %q; want virsh reconnected", out, errOut)
	}
	c, err := r.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c == first {
		t.Fatal("the Reconnector handed out the ended Conn")
	}
	if _, _, err := c.ConnectListAllDomains(ctx, 1, 0); err != nil {
		t.Errorf("the Reconnector's new Conn once virtqemud is back: %v", err)
	}
	for _, uri := range uris {
		c := dialModular(t, uri)
		if _, _, err := c.ConnectListAllDomains(ctx, 1, 0); err != nil {
			t.Errorf("a new connection to %s once virtqemud is back: %v", uri, err)
		}
	}
}

// TestModularAdmin compares what the admin sockets say with what the lab
// set up: the servers each daemon runs, its log outputs, and the clients
// it has while virtwire is connected.
func TestModularAdmin(t *testing.T) {
	m := lab.RequireModular(t)
	for _, d := range m.Daemons() {
		t.Run(d.Name, func(t *testing.T) {
			ctx := modularCtx(t)
			servers, err := lab.AdminServers(ctx, d.AdminURI())
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(servers)
			if want := []string{"admin", d.Name}; !slices.Equal(servers, want) {
				t.Errorf("virt-admin srv-list: %q, want %q", servers, want)
			}
			want := "3:file:/var/log/libvirt/" + d.Name + ".log"
			if out := m.VirtAdmin(t, d.AdminURI(), "daemon-log-outputs"); !strings.Contains(out, want) {
				t.Errorf("virt-admin daemon-log-outputs: %q, want %s", out, want)
			}
		})
	}
	t.Run("tcp client of virtproxyd", func(t *testing.T) {
		ctx := modularCtx(t)
		var d net.Dialer
		nc, err := d.DialContext(ctx, "tcp", m.ProxyTCPAddr)
		if err != nil {
			t.Fatal(err)
		}
		c, err := virtwire.NewConn(ctx, nc, virtwire.WithName("qemu:///system"))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		local := nc.LocalAddr().String()
		clients, err := lab.AdminClients(ctx, m.Proxy.AdminURI(), lab.VirtProxyd)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(clients, func(c lab.AdminClient) bool { return c.Transport == "tcp" && c.Addr == local }) {
			t.Errorf("virtproxyd's clients %+v lack the TCP client at %s", clients, local)
		}
	})
	t.Run("default admin URIs", func(t *testing.T) {
		// With the sockets at libvirt's default paths: virtqemud:///system
		// finds virtqemud-admin-sock, libvirtd:///system finds the proxy's
		// libvirt-admin-sock, and virtproxyd:///system finds nothing, since
		// virtproxyd has no virtproxyd-admin-sock.
		for uri, want := range map[string]string{
			"virtqemud:///system":    lab.VirtQEMUd,
			"virtnetworkd:///system": lab.VirtNetworkd,
			"libvirtd:///system":     lab.VirtProxyd,
		} {
			out, err := m.Command(modularCtx(t), "virt-admin", "-c", uri, "srv-list").CombinedOutput()
			if err != nil || !strings.Contains(string(out), want) {
				t.Errorf("virt-admin -c %s srv-list: %q, %v; want server %s", uri, out, err, want)
			}
		}
		out, err := m.Command(modularCtx(t), "virt-admin", "-c", "virtproxyd:///system", "srv-list").CombinedOutput()
		if err == nil || !strings.Contains(string(out), "virtproxyd-admin-sock") {
			t.Errorf("virt-admin -c virtproxyd:///system: %q, %v; want a failure to connect to virtproxyd-admin-sock", out, err)
		}
	})
}

// TestLabdAdminSocket checks the main libvirtd's admin socket in
// lab.json with virt-admin.
func TestLabdAdminSocket(t *testing.T) {
	l := lab.Require(t)
	servers, err := lab.AdminServers(modularCtx(t), "libvirtd:///system?socket="+l.AdminSocket)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(servers)
	if want := []string{"admin", "libvirtd"}; !slices.Equal(servers, want) {
		t.Errorf("virt-admin srv-list on %s: %q, want %q", l.AdminSocket, servers, want)
	}
}

// virshShell is an interactive virsh (no terminal): commands go to its
// standard input, and markers echoed after each show where its answer
// ends on standard output and standard error.
type virshShell struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout chan string
	stderr chan string
	marker string
}

func startVirshShell(t *testing.T, cmd *exec.Cmd) *virshShell {
	t.Helper()
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	sh := &virshShell{cmd: cmd, stdout: make(chan string, 100), stderr: make(chan string, 100), marker: "vw-mark-" + hex.EncodeToString(b[:])}
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	var err error
	if sh.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	errOut, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{}, 2)
	lines := func(r io.Reader, ch chan string) {
		defer func() { close(ch); done <- struct{}{} }()
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			// Without a terminal virsh still prints its prompt, and the
			// command it read after it; echo's output ends with no
			// newline but the next prompt.
			for _, part := range strings.Split(sc.Text(), "virsh # ") {
				ch <- strings.TrimSpace(part)
			}
		}
	}
	go lines(out, sh.stdout)
	go lines(errOut, sh.stderr)
	t.Cleanup(func() {
		sh.stdin.Close()
		// Drain whatever is left so that the readers end.
		go func() {
			for range sh.stdout {
			}
		}()
		go func() {
			for range sh.stderr {
			}
		}()
		<-done
		<-done
		if err := cmd.Wait(); err != nil {
			t.Errorf("virsh: %v", err)
		}
	})
	return sh
}

func (sh *virshShell) pid() int { return sh.cmd.Process.Pid }

// run sends one command and returns its standard output and standard
// error, each without the prompt and trimmed.
func (sh *virshShell) run(t *testing.T, command string) (stdout, stderr string) {
	t.Helper()
	if _, err := fmt.Fprintf(sh.stdin, "%s\necho %s\necho --err %s\n", command, sh.marker, sh.marker); err != nil {
		t.Fatal(err)
	}
	return sh.until(t, sh.stdout, command), sh.until(t, sh.stderr, command)
}

// until collects lines of ch up to the marker.
func (sh *virshShell) until(t *testing.T, ch chan string, command string) string {
	t.Helper()
	timeout := time.NewTimer(2 * time.Minute)
	defer timeout.Stop()
	var got []string
	for {
		select {
		case line, ok := <-ch:
			switch {
			case !ok:
				t.Fatalf("virsh ended during %q: %q", command, got)
			case line == sh.marker || line == "error: "+sh.marker: // echo --err says error:
				return strings.TrimSpace(strings.Join(got, "\n"))
			case line != "" && line != command && !strings.HasPrefix(line, "echo "):
				got = append(got, line)
			}
		case <-timeout.C:
			t.Fatalf("virsh did not finish %q: %q", command, got)
		}
	}
}

// waitStderr reads virsh's standard error until a line holds want.
func (sh *virshShell) waitStderr(t *testing.T, want string) {
	t.Helper()
	timeout := time.NewTimer(2 * time.Minute)
	defer timeout.Stop()
	var got []string
	for {
		select {
		case line, ok := <-sh.stderr:
			if !ok {
				t.Fatalf("virsh ended without saying %q: %q", want, got)
			}
			if strings.Contains(line, want) {
				return
			}
			got = append(got, line)
		case <-timeout.C:
			t.Fatalf("virsh did not say %q: %q", want, got)
		}
	}
}
