//go:build linux

package lab

import (
	"bufio"
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

//go:embed sh/run-sshd.sh
var runSSHDScript []byte

// markerFile marks a folder as a lab's, so that Down never removes anything else.
const markerFile = ".virtwire-lab"

// wrongName is the only name in the wrong-name endpoint's server certificate.
const wrongName = "wrong-name.virtwire.invalid"

// Up starts a lab in dir (made if missing; it must be empty or an old lab's)
// and writes dir/lab.json. If a lab already runs there it returns that lab and
// ErrRunning; a dead one is cleaned away first. On failure it removes
// everything it started and made, and the error carries the tail of the
// failing daemon's log. The daemons outlive the calling process; Down stops
// them.
//
// Unless SkipGuest is given, the lab has a guest tier (see Guest): Up builds
// or finds the guest image in GuestCache, and starts the guest without
// waiting for it to boot.
func Up(ctx context.Context, dir string, opts ...UpOption) (*Lab, error) {
	var o upOptions
	for _, opt := range opts {
		opt(&o)
	}
	if os.Geteuid() != 0 {
		return nil, errors.New("lab: Up needs root: it runs libvirtd and sshd in private mount namespaces")
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	for _, hidden := range []string{"/run", "/var/run"} {
		if dir == hidden || strings.HasPrefix(dir, hidden+"/") {
			return nil, fmt.Errorf("lab: folder %s is under %s, which the daemons' namespaces replace; choose another", dir, hidden)
		}
	}
	if old, err := Load(filepath.Join(dir, StateFile)); err == nil && old.Ping(ctx) == nil {
		return old, ErrRunning
	}
	if _, err := os.Stat(filepath.Join(dir, markerFile)); err == nil {
		if err := Down(ctx, dir); err != nil {
			return nil, fmt.Errorf("lab: cleaning the dead lab in %s: %w", dir, err)
		}
	} else if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("lab: %s is neither empty nor a lab folder", dir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, markerFile), []byte("virtwire internal/lab folder; `lab down` removes it\n"), 0o600); err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	l := &Lab{Dir: dir, run: new(runState)}
	if err := l.up(ctx, o); err != nil {
		if derr := l.Down(context.WithoutCancel(ctx)); derr != nil {
			err = fmt.Errorf("%w (and cleaning up: %v)", err, derr)
		}
		return nil, err
	}
	return l, nil
}

// Down stops the lab in dir and removes dir: every process it started (found
// by the pid files it wrote), anything those left in their namespaces, and
// every file. It refuses a folder Up did not make. A missing folder is not an
// error.
func Down(ctx context.Context, dir string) error {
	return down(ctx, dir, nil)
}

// Down stops the lab and removes its folder, as the package's Down does.
func (l *Lab) Down(ctx context.Context) error {
	var procs []*proc
	if l.run != nil {
		l.run.mu.Lock()
		procs = l.run.procs
		l.run.mu.Unlock()
	}
	return down(ctx, l.Dir, procs)
}

func down(ctx context.Context, dir string, started []*proc) error {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, markerFile)); err != nil {
		return fmt.Errorf("lab: %s is not a lab folder (no %s); not touching it", dir, markerFile)
	}
	guestDir := filepath.Join(dir, "guest")
	stopGuests(ctx, guestDir)
	pidFiles, _ := filepath.Glob(filepath.Join(dir, "*", "run.pid"))
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, pf := range pidFiles {
		p, err := readPidFile(filepath.Base(filepath.Dir(pf)), pf)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, s := range started {
			if s.pid == p.pid && s.start == p.start {
				p = s // our child: reap it too
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.kill(ctx); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	if err := removeNetns(ctx, guestDir); err != nil {
		return err
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("lab: removing %s: %w", dir, err)
	}
	return nil
}

func (l *Lab) up(ctx context.Context, o upOptions) error {
	dir := l.Dir
	// The guest image builds (or comes from the cache) while the daemons start.
	type built struct {
		img *GuestImage
		err error
	}
	image := make(chan built, 1)
	if !o.skipGuest {
		bctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			img, err := BuildGuestImage(bctx, GuestCache())
			image <- built{img, err}
		}()
		// Whichever way up returns, the build has ended by then.
		defer func() { cancel(); <-done }()
	}
	var (
		pki = pkiDirs{
			server:    filepath.Join(dir, "pki", "server"),
			wrongName: filepath.Join(dir, "pki", "wrong-name"),
			client:    filepath.Join(dir, "pki", "client"),
			rogue:     filepath.Join(dir, "pki", "rogue"),
		}
		saslDir = filepath.Join(dir, "sasl")
	)
	l.TLSServerNames = []string{"127.0.0.1", "localhost"}
	l.TLSWrongName = wrongName
	l.PKIDir, l.RoguePKIDir = pki.client, pki.rogue
	if err := makePKI(pki, l.TLSServerNames, wrongName); err != nil {
		return err
	}
	if err := l.makeSASL(ctx, saslDir); err != nil {
		return err
	}

	daemons := []*libvirtd{
		{name: "main", root: filepath.Join(dir, "main"), authUnix: "none", authTCP: "none", authTLS: "none", pki: pki.server},
		{name: "sasl", root: filepath.Join(dir, "sasl-daemon"), authUnix: "sasl", authTCP: "sasl", authTLS: "sasl", pki: pki.server,
			env: []string{"SASL_CONF_PATH=" + saslDir}},
		{name: "wrong-name", root: filepath.Join(dir, "wrong-name"), authUnix: "none", authTLS: "none", pki: pki.wrongName},
	}
	var guestd *libvirtd
	if !o.skipGuest {
		guestd = &libvirtd{name: "guest", root: filepath.Join(dir, "guest"), authUnix: "none", netns: "virtwire-" + randomHex(4)}
		if err := makeNetns(ctx, guestd.root, guestd.netns); err != nil {
			return err
		}
		seedQEMUCaps(guestd.root)
		daemons = append(daemons, guestd)
	}
	errs := make([]error, len(daemons))
	var wg sync.WaitGroup
	for i, d := range daemons {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = d.start(ctx, false, false)
			if d.proc != nil {
				l.addProc(d.proc)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	main, sasl, wrong := daemons[0], daemons[1], daemons[2]
	l.UnixSocket, l.UnixROSocket, l.AdminSocket = main.socket(), main.roSocket(), main.adminSocket()
	l.TCPAddr, l.TLSAddr = main.tcpAddr(), main.tlsAddr()
	l.SASLUnixSocket, l.SASLTLSAddr, l.DigestTCPAddr = sasl.socket(), sasl.tlsAddr(), sasl.tcpAddr()
	l.TLSWrongNameAddr = wrong.tlsAddr()

	// The guest tier's networks and guest come up while sshd starts.
	guestErr := make(chan error, 1)
	if guestd != nil {
		go func() {
			b := <-image
			if b.err != nil {
				guestErr <- b.err
				return
			}
			guestErr <- l.upGuest(ctx, guestd, b.img)
		}()
	} else {
		guestErr <- nil
	}
	err := l.startSSHD(ctx, filepath.Join(dir, "ssh"), filepath.Join(main.root, "sock"))
	if err == nil {
		l.QEMU = l.qemuWorks(ctx)
	}
	if err := errors.Join(err, <-guestErr); err != nil {
		return err
	}
	if guestd != nil {
		saveQEMUCaps(guestd.root)
	}
	return l.save()
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // it never fails (crypto/rand's documentation)
	return hex.EncodeToString(b)
}

// runState is what the process that ran Up knows about the lab beyond
// lab.json: the daemons are its children, which it must reap.
type runState struct {
	mu    sync.Mutex
	procs []*proc
}

func (l *Lab) addProc(p *proc) {
	if l.run == nil {
		l.run = new(runState)
	}
	l.run.mu.Lock()
	l.run.procs = append(l.run.procs, p)
	l.run.mu.Unlock()
}

// save writes lab.json atomically: a reader sees the old file or the whole new one.
func (l *Lab) save() error {
	data, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	path := filepath.Join(l.Dir, StateFile)
	if err := os.WriteFile(path+".tmp", append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	return nil
}

// makeSASL writes the SASL daemon's private SASL config (read through
// SASL_CONF_PATH, so /etc/sasl2 is never used), a user with a random password
// in a private sasldb, and a libvirt auth.conf with the same credentials.
func (l *Lab) makeSASL(ctx context.Context, dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	var pw [12]byte
	if _, err := rand.Read(pw[:]); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	l.SASLUser, l.SASLPassword = "virtwire", hex.EncodeToString(pw[:])
	db := filepath.Join(dir, "passwd.db")
	// SCRAM-SHA-256 for TLS and unix; DIGEST-MD5 because it is all libvirt
	// offers on plain TCP (SCRAM has no security layer there).
	conf := fmt.Sprintf("mech_list: scram-sha-256 digest-md5\nsasldb_path: %s\n", db)
	if err := os.WriteFile(filepath.Join(dir, "libvirt.conf"), []byte(conf), 0o600); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	cmd := exec.CommandContext(ctx, "saslpasswd2", "-p", "-c", "-a", "libvirt", "-f", db, l.SASLUser)
	cmd.Stdin = strings.NewReader(l.SASLPassword)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("lab: saslpasswd2 (package sasl2-bin; `make deps`): %w: %s", err, out)
	}
	l.AuthFile = filepath.Join(dir, "auth.conf")
	auth := fmt.Sprintf("[credentials-virtwire]\nauthname=%s\npassword=%s\n", l.SASLUser, l.SASLPassword)
	for _, host := range []string{"127.0.0.1", "localhost", "default"} {
		auth += fmt.Sprintf("\n[auth-libvirt-%s]\ncredentials=virtwire\n", host)
	}
	if err := os.WriteFile(l.AuthFile, []byte(auth), 0o600); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	return nil
}

// startSSHD makes the lab's SSH keys, configuration and known_hosts, and
// starts sshd on a free port, retrying with another port if it is taken.
func (l *Lab) startSSHD(ctx context.Context, dir, sockDir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	hostKey := filepath.Join(dir, "ssh_host_ed25519_key")
	l.SSHKey = filepath.Join(dir, "id_ed25519")
	l.SSHUser = "root"
	for _, key := range []string{hostKey, l.SSHKey} {
		cmd := exec.CommandContext(ctx, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "virtwire-lab", "-f", key)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("lab: ssh-keygen (package openssh-client; `make deps`): %w: %s", err, out)
		}
	}
	userPub, err := os.ReadFile(l.SSHKey + ".pub")
	if err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	hostPub, err := os.ReadFile(hostKey + ".pub")
	if err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	authKeys := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(authKeys, userPub, 0o600); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	l.SSHKnownHosts = filepath.Join(dir, "known_hosts")
	l.SSHCommand = filepath.Join(dir, "ssh")
	// -F /dev/null: no user or system ssh_config; the known_hosts options: the
	// lab's host key only, checked strictly, and nothing written to ~/.ssh.
	wrapper := fmt.Sprintf("#!/bin/sh\n# written by virtwire's internal/lab: ssh with the lab's known_hosts only\n"+
		"exec /usr/bin/ssh -F /dev/null -o UserKnownHostsFile=%s -o GlobalKnownHostsFile=/dev/null "+
		"-o StrictHostKeyChecking=yes -o BatchMode=yes -o LogLevel=ERROR \"$@\"\n", l.SSHKnownHosts)
	if err := os.WriteFile(l.SSHCommand, []byte(wrapper), 0o700); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	script := filepath.Join(dir, "run-sshd.sh")
	if err := os.WriteFile(script, runSSHDScript, 0o700); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	pidFile, outLog, config := filepath.Join(dir, "run.pid"), filepath.Join(dir, "out.log"), filepath.Join(dir, "sshd_config")
	for attempt := 0; ; attempt++ {
		ports, err := freePorts(1)
		if err != nil {
			return err
		}
		l.SSHAddr = addr(ports[0])
		conf := strings.Join([]string{
			"# written by virtwire's internal/lab",
			"ListenAddress " + l.SSHAddr,
			"HostKey " + hostKey,
			"PidFile " + filepath.Join(dir, "sshd.pid"),
			"AuthorizedKeysFile " + authKeys,
			"PermitRootLogin prohibit-password",
			"PubkeyAuthentication yes",
			"PasswordAuthentication no",
			"KbdInteractiveAuthentication no",
			"UsePAM no",
			"StrictModes no",
			"PrintMotd no",
			"PrintLastLog no",
			"UseDNS no",
			// Tests may open many connections at once.
			"MaxStartups 200",
			"MaxSessions 100",
		}, "\n") + "\n"
		if err := os.WriteFile(config, []byte(conf), 0o600); err != nil {
			return fmt.Errorf("lab: %w", err)
		}
		hostFields := strings.Fields(string(hostPub))
		if len(hostFields) < 2 {
			return fmt.Errorf("lab: odd host key %s.pub", hostKey)
		}
		kh := fmt.Sprintf("[127.0.0.1]:%d %s %s\n", ports[0], hostFields[0], hostFields[1])
		if err := os.WriteFile(l.SSHKnownHosts, []byte(kh), 0o600); err != nil {
			return fmt.Errorf("lab: %w", err)
		}
		if err := os.WriteFile(outLog, nil, 0o600); err != nil {
			return fmt.Errorf("lab: %w", err)
		}
		p, err := startProc("sshd", []string{"/bin/sh", script, config, sockDir}, os.Environ(), outLog, pidFile, false)
		if err != nil {
			return err
		}
		l.addProc(p)
		sshAddr := l.SSHAddr
		err = p.waitReady(ctx, func(ctx context.Context) error { return sshBanner(ctx, sshAddr) })
		if err == nil {
			return nil
		}
		_ = p.kill(context.WithoutCancel(ctx))
		if attempt == 2 || !strings.Contains(err.Error(), "Address already in use") {
			return fmt.Errorf("lab: sshd in %s: %w", dir, err)
		}
	}
}

// sshBanner checks that an SSH server answers at addr.
func sshBanner(ctx context.Context, addr string) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "SSH-2.0-") {
		return fmt.Errorf("no SSH banner at %s: %q", addr, line)
	}
	return nil
}

// qemuWorks tells whether the main daemon's QEMU driver opens. It needs
// qemu-system-x86; without it libvirt cannot report the host's capabilities.
func (l *Lab) qemuWorks(ctx context.Context) bool {
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_, err := l.RunVirsh(ctx, l.DriverURI(UnixRW, "qemu", "/system"), "uri")
	return err == nil
}
