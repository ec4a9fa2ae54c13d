//go:build linux

package lab

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestEndpointsAnswer is the lab's self-test: virsh, libvirt's own client, is
// the oracle for every endpoint.
func TestEndpointsAnswer(t *testing.T) {
	l := Require(t)
	wrongPassword := *l
	wrongPassword.AuthFile = filepath.Join(t.TempDir(), "auth.conf")
	creds := "[credentials-x]\nauthname=" + l.SASLUser + "\npassword=not-" + l.SASLPassword + "\n\n[auth-libvirt-default]\ncredentials=x\n"
	if err := os.WriteFile(wrongPassword.AuthFile, []byte(creds), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		lab     *Lab
		uri     string
		wantErr string // "" when `virsh uri` must print uri back
	}{
		{"unix", l, l.URI(UnixRW), ""},
		{"unix-ro", l, l.URI(UnixRO), ""},
		{"tcp", l, l.URI(TCP), ""},
		{"tls", l, l.URI(TLS), ""},
		{"tls wrong name", l, l.URI(TLSWrongName), "owner does not match the hostname 127.0.0.1"},
		{"tls wrong name, no_verify", l, l.URI(TLSWrongName) + "&no_verify=1", ""},
		{"tls rogue client certificate", l, l.URI(TLSRogue), "Unable to read TLS confirmation"},
		{"sasl tls", l, l.URI(SASLTLS), ""},
		{"sasl unix", l, l.URI(SASLUnix), ""},
		{"digest-md5 tcp", l, l.URI(DigestTCP), ""},
		{"sasl tls, wrong password", &wrongPassword, l.URI(SASLTLS), "authentication failed"},
		{"sasl unix, wrong password", &wrongPassword, l.URI(SASLUnix), "authentication failed"},
		{"digest-md5 tcp, wrong password", &wrongPassword, l.URI(DigestTCP), "authentication failed"},
		{"ssh netcat", l, l.URI(SSH), ""},
		{"ssh virt-ssh-helper", l, l.URI(SSHNative), ""},
		{"libssh", l, l.URI(LibSSH), ""},
		{"libssh2", l, l.URI(LibSSH2), ""},
	}
	if l.QEMU {
		tests = append(tests,
			struct {
				name    string
				lab     *Lab
				uri     string
				wantErr string
			}{"qemu unix", l, l.DriverURI(UnixRW, "qemu", "/system"), ""},
			struct {
				name    string
				lab     *Lab
				uri     string
				wantErr string
			}{"qemu tls", l, l.DriverURI(TLS, "qemu", "/system"), ""})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			out, err := tt.lab.RunVirsh(ctx, tt.uri, "uri")
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got := strings.TrimSpace(out); got != tt.uri {
					t.Errorf("virsh uri = %q, want %q", got, tt.uri)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("virsh uri: err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// TestSASLMechanisms checks what each SASL endpoint offers, as the client
// log of virsh shows it: SCRAM where libvirt allows it, DIGEST-MD5 alone on TCP.
func TestSASLMechanisms(t *testing.T) {
	l := Require(t)
	mechlist := regexp.MustCompile(`negotiation mechlist '([^']*)'`)
	for _, tt := range []struct {
		ep   Endpoint
		want string
	}{
		{SASLTLS, "SCRAM-SHA-256,DIGEST-MD5"},
		{SASLUnix, "SCRAM-SHA-256,DIGEST-MD5"},
		{DigestTCP, "DIGEST-MD5"},
	} {
		t.Run(tt.ep.String(), func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, "virsh", "-c", l.URI(tt.ep), "uri")
			cmd.Env = append(os.Environ(), "LIBVIRT_AUTH_FILE="+l.AuthFile,
				"LIBVIRT_LOG_FILTERS=1:remote", "LIBVIRT_LOG_OUTPUTS=1:stderr")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("virsh: %v\n%s", err, out)
			}
			m := mechlist.FindSubmatch(out)
			if m == nil {
				t.Fatalf("no mechanism list in virsh's log:\n%s", out)
			}
			if string(m[1]) != tt.want {
				t.Errorf("mechanisms offered = %q, want %q", m[1], tt.want)
			}
		})
	}
}

func TestReadOnlySocketRefusesWrites(t *testing.T) {
	l := Require(t)
	xml := filepath.Join(t.TempDir(), "net.xml")
	const def = `<network><name>lab-ro-check</name><bridge name='labro0'/></network>`
	if err := os.WriteFile(xml, []byte(def), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := l.RunVirsh(ctx, l.URI(UnixRO), "net-define", xml)
	if err == nil || !strings.Contains(err.Error(), "read only access prevents") {
		t.Errorf("net-define on the read-only socket: err = %v, want a read-only refusal", err)
	}
	// The same definition is accepted read-write, so the refusal above is the socket's.
	out := l.Virsh(t, l.URI(UnixRW), "net-define "+xml+"; net-undefine lab-ro-check")
	if !strings.Contains(out, "lab-ro-check defined") {
		t.Errorf("net-define on the read-write socket: %q", out)
	}
}

func TestThrowawayDaemon(t *testing.T) {
	Require(t) // the same machine requirements; and CI must not skip this
	var dir string
	var pids []int
	t.Run("lifecycle", func(t *testing.T) {
		d := StartDaemon(t, WithConfig("keepalive_interval = 2"))
		dir = d.Dir
		pids = append(pids, d.PID)
		l := &Lab{} // only for RunVirsh
		for _, uri := range []string{d.URI(), d.TCPURI()} {
			if got := l.Virsh(t, uri, "uri"); got != uri {
				t.Errorf("virsh uri = %q, want %q", got, uri)
			}
		}
		if conf, err := os.ReadFile(filepath.Join(d.Dir, "libvirtd.conf")); err != nil || !strings.Contains(string(conf), "keepalive_interval = 2") {
			t.Errorf("WithConfig line missing from libvirtd.conf (err %v)", err)
		}

		d.Stop()
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		err := probe(ctx, "unix", d.Socket)
		cancel()
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("probe of a stopped daemon: err = %v, want a timeout", err)
		}
		d.Cont()
		mustProbe(t, d.Socket)

		d.Kill()
		if _, err := os.Stat("/proc/" + strconv.Itoa(d.PID)); err == nil {
			t.Errorf("pid %d still exists after Kill", d.PID)
		}
		if err := probe(context.Background(), "unix", d.Socket); err == nil {
			t.Error("probe of a killed daemon succeeded")
		}

		d.Restart()
		pids = append(pids, d.PID)
		if d.PID == pids[0] {
			t.Errorf("PID %d unchanged by Restart", d.PID)
		}
		mustProbe(t, d.Socket)
		if got := l.Virsh(t, d.TCPURI(), "uri"); got != d.TCPURI() {
			t.Errorf("after Restart: virsh uri = %q", got)
		}
	})
	// The subtest's cleanup has run: nothing of the daemon may remain.
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("daemon folder %s remains (stat err %v)", dir, err)
	}
	for _, pid := range pids {
		if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err == nil {
			t.Errorf("daemon pid %d remains", pid)
		}
	}
}

// TestUpDown runs a whole second lab, guest and modular tiers included,
// next to the shared one and checks that Down leaves nothing behind.
func TestUpDown(t *testing.T) {
	t.Parallel()    // its guest boots while the guest tests wait for theirs
	RequireGuest(t) // the guest tier's requirements too
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp("", "virtwire-labtest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = Down(context.Background(), dir) }) // only if the test failed half-way

	_, statErr := os.Stat(netnsDir)
	hadNetnsDir := statErr == nil
	netnsMounted, err := isMountPoint(netnsDir)
	if err != nil {
		t.Fatal(err)
	}
	l, err := Up(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := Load(filepath.Join(dir, StateFile))
	if err != nil {
		t.Fatal(err)
	}
	if loaded.UnixSocket != l.UnixSocket || loaded.SSHAddr != l.SSHAddr || loaded.SASLPassword != l.SASLPassword {
		t.Errorf("lab.json differs from the lab Up returned: %+v vs %+v", loaded, l)
	}
	for _, ep := range []Endpoint{UnixRW, SASLTLS, SSH} {
		if got := l.Virsh(t, l.URI(ep), "uri"); got != l.URI(ep) {
			t.Errorf("%v: virsh uri = %q", ep, got)
		}
	}
	if again, err := Up(ctx, dir); !errors.Is(err, ErrRunning) || again.UnixSocket != l.UnixSocket {
		t.Errorf("second Up: err = %v, want ErrRunning with the same lab", err)
	}

	pidFiles, _ := filepath.Glob(filepath.Join(dir, "*", "run.pid"))
	if len(pidFiles) != 5 {
		t.Errorf("pid files = %q, want 5 (4 libvirtd, 1 sshd)", pidFiles)
	}
	modularPidFiles, _ := filepath.Glob(filepath.Join(dir, "modular", "*", "run.pid"))
	if len(modularPidFiles) != 4 {
		t.Errorf("modular pid files = %q, want 4 (virtproxyd, virtqemud, virtnetworkd, virtstoraged)", modularPidFiles)
	}
	if l.Modular == nil {
		t.Fatal("the lab has no modular tier")
	}
	pingCtx, pingCancel := context.WithTimeout(ctx, 10*time.Second)
	if err := l.Modular.Ping(pingCtx); err != nil {
		t.Errorf("modular tier: %v", err)
	}
	pingCancel()
	if got := l.Virsh(t, l.Modular.Proxy.URI("qemu"), "uri"); got != l.Modular.Proxy.URI("qemu") {
		t.Errorf("virsh uri through virtproxyd = %q", got)
	}
	pidFiles = append(pidFiles, modularPidFiles...)
	guestProcs := checkGuestTier(t, l)
	var procs []*proc
	for _, pf := range pidFiles {
		p, err := readPidFile(pf, pf)
		if err != nil {
			t.Fatal(err)
		}
		if !p.alive() {
			t.Errorf("%s: pid %d not running", pf, p.pid)
		}
		procs = append(procs, p)
	}

	if err := l.Down(ctx); err != nil {
		t.Fatal(err)
	}
	for _, p := range append(procs, guestProcs...) {
		if p.alive() {
			t.Errorf("pid %d (%s) still runs after Down", p.pid, p.name)
		}
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("lab folder remains after Down (stat err %v)", err)
	}
	mounts, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(mounts), dir) {
		t.Errorf("a mount under %s is visible after Down", dir)
	}
	for _, ns := range []string{l.Guest.Netns, l.Modular.Netns} {
		if _, err := os.Stat(filepath.Join(netnsDir, ns)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("network namespace %s remains after Down (stat err %v)", ns, err)
		}
	}
	// Down undoes what `ip netns add` did to /run/netns, unless another
	// namespace still needs it.
	if left, _ := os.ReadDir(netnsDir); len(left) == 0 {
		if mounted, _ := isMountPoint(netnsDir); mounted != netnsMounted {
			t.Errorf("%s mounted: %v after Down, %v before Up", netnsDir, mounted, netnsMounted)
		}
		if _, err := os.Stat(netnsDir); (err == nil) != hadNetnsDir {
			t.Errorf("%s exists: %v after Down, %v before Up", netnsDir, err == nil, hadNetnsDir)
		}
	}
	if err := Down(ctx, dir); err != nil {
		t.Errorf("Down of a removed lab: %v", err)
	}
}

func TestUpRefusesForeignFolder(t *testing.T) {
	Require(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "precious"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Up(context.Background(), dir); err == nil || !strings.Contains(err.Error(), "neither empty nor a lab folder") {
		t.Errorf("Up in a foreign folder: err = %v", err)
	}
	if err := Down(context.Background(), dir); err == nil || !strings.Contains(err.Error(), "not a lab folder") {
		t.Errorf("Down of a foreign folder: err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "precious")); err != nil {
		t.Errorf("foreign file touched: %v", err)
	}
}

// TestUpFailureCleansUp makes Up fail half-way: the folder's length lets the
// main daemon's sockets fit in sun_path but not the SASL daemon's, so one
// daemon starts before another fails. Up must take everything away again.
func TestUpFailureCleansUp(t *testing.T) {
	Require(t)
	parent, err := os.MkdirTemp("", "virtwire-labfail-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(parent) })
	// main: dir+"/main/sock/libvirt-sock-ro" (26 more bytes) must fit in 107,
	// sasl: dir+"/sasl-daemon/sock/libvirt-sock-ro" (33 more) must not.
	dir := parent + "/" + strings.Repeat("d", 78-len(parent)-1)
	if len(dir) != 78 {
		t.Fatalf("temp folder %s too long for this test", parent)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, err = Up(ctx, dir)
	if err == nil || !strings.Contains(err.Error(), "too long for a unix socket") {
		t.Fatalf("Up: err = %v, want a socket path too long", err)
	}
	if strings.Contains(err.Error(), "/main/") {
		t.Fatalf("Up: the main daemon failed too, so nothing was left to clean: %v", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("lab folder remains after a failed Up (stat err %v)", err)
	}
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, f := range procs {
		if cmdline, err := os.ReadFile(f); err == nil && strings.Contains(string(cmdline), dir) {
			t.Errorf("%s still runs after a failed Up: %q", f, cmdline)
		}
	}
}

// TestStartFailureShowsLog checks that a daemon that cannot start is
// reported with its own words.
func TestStartFailureShowsLog(t *testing.T) {
	Require(t)
	root, err := os.MkdirTemp("", "virtwire-badd-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	d := &libvirtd{name: "broken libvirtd", root: root, authUnix: "none", extra: []string{"this is not libvirtd.conf syntax"}}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err = d.start(ctx, true, false)
	if err == nil {
		t.Fatal("start with a broken config succeeded")
	}
	for _, want := range []string{"exited while starting", "--- tail of", "libvirtd.conf"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if d.proc.alive() {
		t.Errorf("pid %d of the failed daemon still runs", d.proc.pid)
	}
}

func mustProbe(t *testing.T, sock string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := probe(ctx, "unix", sock); err != nil {
		t.Fatal(err)
	}
}

// checkGuestTier checks that the guest tier of l runs where it should: its
// daemon, dnsmasq and QEMU in the tier's network namespace, the bridges
// there and not on the host. It returns those processes.
func checkGuestTier(t *testing.T, l *Lab) []*proc {
	t.Helper()
	g := l.Guest
	if g == nil {
		t.Fatal("Up made no guest tier")
	}
	if got := l.Virsh(t, g.URI(), "domstate", g.VM.Name); got != "running" {
		t.Errorf("guest %s is %q, want running", g.VM.Name, got)
	}
	nsPath := filepath.Join(netnsDir, g.Netns)
	links, err := exec.Command("ip", "-n", g.Netns, "-br", "link").CombinedOutput()
	if err != nil {
		t.Fatalf("ip -n %s link: %v: %s", g.Netns, err, links)
	}
	hostLinks, err := exec.Command("ip", "-br", "link").CombinedOutput()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range g.Networks {
		if !strings.Contains(string(links), n.Bridge) {
			t.Errorf("bridge %s is not in namespace %s:\n%s", n.Bridge, g.Netns, links)
		}
		if strings.Contains(string(hostLinks), n.Bridge+" ") {
			t.Errorf("bridge %s is on the host", n.Bridge)
		}
	}
	if !strings.Contains(string(links), "vnet") {
		t.Errorf("no guest tap device (vnetN) in namespace %s:\n%s", g.Netns, links)
	}
	// No way out: nothing in the namespace but loopback, the bridges and
	// the guests' tap devices (no veth, no uplink).
	for _, line := range strings.Split(strings.TrimSpace(string(links)), "\n") {
		name, _, _ := strings.Cut(strings.Fields(line)[0], "@")
		if name != "lo" && name != g.Networks[0].Bridge && name != g.Networks[1].Bridge && !strings.HasPrefix(name, "vnet") {
			t.Errorf("namespace %s has link %s, which could lead out of it", g.Netns, name)
		}
	}
	var st syscall.Stat_t
	if err := syscall.Stat(nsPath, &st); err != nil {
		t.Fatal(err)
	}
	want := "net:[" + strconv.FormatUint(st.Ino, 10) + "]"
	var procs []*proc
	kinds := map[string]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ns, _ := os.Readlink("/proc/" + e.Name() + "/ns/net"); ns != want {
			continue
		}
		start, _, err := procStat(pid)
		comm, _ := os.ReadFile("/proc/" + e.Name() + "/comm")
		if err != nil {
			continue
		}
		kinds[strings.TrimSpace(string(comm))]++
		procs = append(procs, &proc{name: strings.TrimSpace(string(comm)), pid: pid, start: start})
	}
	for _, k := range []string{"libvirtd", "dnsmasq", "qemu-system-x86"} {
		if kinds[k] == 0 {
			t.Errorf("no %s in namespace %s (found %v)", k, g.Netns, kinds)
		}
	}
	return procs
}
