// Command lab starts, stops and describes virtwire's test lab of private
// libvirt daemons (package internal/lab).
//
//	go run ./internal/lab/cmd/lab up        # start a lab in <module root>/.lab
//	eval "$(go run ./internal/lab/cmd/lab env)"
//	virsh -c "$(go run ./internal/lab/cmd/lab uri tls)" list --all
//	go run ./internal/lab/cmd/lab status
//	go run ./internal/lab/cmd/lab down
//	go run ./internal/lab/cmd/lab image     # build (or find) the guest image
//	go run ./internal/lab/cmd/lab root DIR  # unpack the libvirt 11.3 root into DIR
//	go run ./internal/lab/cmd/lab enter -bind /src DIR sh -c 'cd /src && ...'
//
// Every command takes -dir DIR; without it the lab is the one $VIRTWIRE_LAB
// names, else <module root>/.lab. up, down, status, root and enter need
// root. up takes -guest=false to start the lab without its guest tier and
// -modular=false without its modular tier.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/virtwire/virtwire/internal/lab"
)

const usage = `usage: lab COMMAND [-dir DIR] [ARG]

commands:
  up        start a lab in DIR and write DIR/lab.json (a running one is left as is);
            -guest=false leaves out the guest tier (network namespace, QEMU guest)
  down      stop the lab in DIR and remove DIR
  env       print the shell line that points tests at the lab (export VIRTWIRE_LAB=...)
  status    print the lab's endpoints and whether its daemons answer
  version   print the libvirt release of the lab's libvirtd (and modular daemons)
  uri NAME  print the libvirt URI of endpoint NAME (unix, tls, ssh, ..., guest; the
            modular tier's proxy, proxy-ro, proxy-tcp, virtqemud, virtnetworkd,
            virtstoraged, and NAME-admin for each daemon's admin socket)
  image     build the guest image, or find it in the cache ($VIRTWIRE_GUEST_CACHE,
            else /var/cache/virtwire-lab), and print its manifest
  root ROOT unpack the libvirt root (Debian 12 with libvirt 11.3 from
            bookworm-backports, and libvirt 11.3's modular daemons) into the new
            folder ROOT, building either first when the cache ($VIRTWIRE_ROOT_CACHE,
            else /var/cache/virtwire-lab) lacks it
  enter [-bind DIR]... [-bind-ro DIR]... ROOT CMD [ARG...]
            run CMD chrooted in ROOT in a private mount namespace, with the host
            folders DIR bound at the same paths inside; exits with CMD's status

DIR defaults to the folder of $VIRTWIRE_LAB's lab.json, else <module root>/.lab.
`

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "help" || args[0] == "--help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	cmd := args[0]
	fs := flag.NewFlagSet("lab "+cmd, flag.ContinueOnError)
	dirFlag := fs.String("dir", "", "the lab's folder")
	guestFlag, modularFlag := true, true
	var binds, roBinds listFlag
	switch cmd {
	case "up":
		fs.BoolVar(&guestFlag, "guest", true, "start the guest tier")
		fs.BoolVar(&modularFlag, "modular", true, "start the modular tier")
	case "enter":
		fs.Var(&binds, "bind", "a host folder to bind read-write at the same path (repeatable)")
		fs.Var(&roBinds, "bind-ro", "a host folder to bind read-only at the same path (repeatable)")
	}
	fs.Usage = func() { fmt.Fprint(fs.Output(), usage) }
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	dir := *dirFlag
	if dir == "" && cmd != "image" && cmd != "root" && cmd != "enter" {
		path, err := lab.StatePath()
		if err != nil {
			return err
		}
		dir = filepath.Dir(path)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Building the libvirt root and the modular daemons for the first time
	// takes a few minutes.
	ctx, cancel := context.WithTimeout(ctx, 20*time.Minute)
	defer cancel()

	want := 0
	switch cmd {
	case "uri", "root":
		want = 1
	case "enter":
		want = -1
	}
	if want >= 0 && fs.NArg() != want || want < 0 && fs.NArg() < 2 {
		return fmt.Errorf("lab %s: want %d argument(s), have %q\n%s", cmd, max(want, 2), fs.Args(), usage)
	}
	switch cmd {
	case "up":
		start := time.Now()
		opts := []lab.UpOption{lab.WithProgress(os.Stderr)}
		if !guestFlag {
			opts = append(opts, lab.SkipGuest())
		}
		if !modularFlag {
			opts = append(opts, lab.SkipModular())
		}
		l, err := lab.Up(ctx, dir, opts...)
		if errors.Is(err, lab.ErrRunning) {
			fmt.Fprintf(stdout, "lab already running in %s\n", l.Dir)
			return nil
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "lab up in %s (%.1fs)\n", l.Dir, time.Since(start).Seconds())
		return nil
	case "down":
		return lab.Down(ctx, dir)
	case "env":
		l, err := lab.Load(filepath.Join(dir, lab.StateFile))
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "export %s=%s\n", lab.EnvVar, filepath.Join(l.Dir, lab.StateFile))
		return nil
	case "status":
		return status(ctx, dir, stdout)
	case "version":
		l, err := lab.Load(filepath.Join(dir, lab.StateFile))
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s (libvirtd", l.Libvirt)
		if l.Modular != nil {
			fmt.Fprintf(stdout, "; modular daemons %s", l.Modular.Version)
		}
		fmt.Fprintln(stdout, ")")
		return nil
	case "uri":
		l, err := lab.Load(filepath.Join(dir, lab.StateFile))
		if err != nil {
			return err
		}
		if u, ok := modularURI(l.Modular, fs.Arg(0)); ok {
			if u == "" {
				return fmt.Errorf("lab in %s has no modular tier", l.Dir)
			}
			fmt.Fprintln(stdout, u)
			return nil
		}
		if fs.Arg(0) == "guest" {
			if l.Guest == nil {
				return fmt.Errorf("lab in %s has no guest tier", l.Dir)
			}
			fmt.Fprintln(stdout, l.Guest.URI())
			return nil
		}
		ep, err := lab.ParseEndpoint(fs.Arg(0))
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, l.URI(ep))
		return nil
	case "root":
		start := time.Now()
		r, err := lab.PrepareRoot(ctx, fs.Arg(0), os.Stderr)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "libvirt root in %s: libvirt %s, modular daemons in %s (%.1fs)\n", r.Dir, r.Libvirt, r.Modular, time.Since(start).Seconds())
		return nil
	case "enter":
		return enter(ctx, fs.Arg(0), binds, roBinds, fs.Args()[1:])
	case "image":
		img, err := lab.BuildGuestImage(ctx, lab.GuestCache())
		if err != nil {
			return err
		}
		out, err := json.MarshalIndent(img, "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s\n", out)
		return nil
	}
	return fmt.Errorf("lab: unknown command %q\n%s", cmd, usage)
}

// modularURI returns the URI of a modular tier's endpoint name: proxy,
// proxy-ro and proxy-tcp (qemu:///system through virtproxyd), virtqemud,
// virtnetworkd and virtstoraged (direct), and NAME-admin (admin sockets).
// ok is false when name is none of them; the URI is "" when m is nil.
func modularURI(m *lab.Modular, name string) (uri string, ok bool) {
	known := []string{"proxy", "proxy-ro", "proxy-tcp", lab.VirtQEMUd, lab.VirtNetworkd, lab.VirtStoraged}
	for _, d := range []string{lab.VirtProxyd, lab.VirtQEMUd, lab.VirtNetworkd, lab.VirtStoraged} {
		known = append(known, d+"-admin")
	}
	if !slices.Contains(known, name) {
		return "", false
	}
	if m == nil {
		return "", true
	}
	switch name {
	case "proxy":
		return m.Proxy.URI("qemu"), true
	case "proxy-ro":
		return m.Proxy.ROURI("qemu"), true
	case "proxy-tcp":
		return m.ProxyTCPURI("qemu"), true
	}
	d, _ := m.Daemon(strings.TrimSuffix(name, "-admin"))
	if strings.HasSuffix(name, "-admin") {
		return d.AdminURI(), true
	}
	return d.URI(strings.TrimSuffix(strings.TrimPrefix(name, "virt"), "d")), true
}

// listFlag is a repeatable string flag.
type listFlag []string

func (f *listFlag) String() string     { return strings.Join(*f, " ") }
func (f *listFlag) Set(v string) error { *f = append(*f, v); return nil }

// enter runs argv chrooted in the libvirt root dir and exits with its
// status; SIGINT and SIGTERM are passed on to it.
func enter(ctx context.Context, dir string, binds, roBinds, argv []string) error {
	r, ok := lab.OpenRoot(dir)
	if !ok {
		return fmt.Errorf("lab enter: %s is no libvirt root (`lab root %s` makes one)", dir, dir)
	}
	cmd, cleanup, err := r.EnterCommand(context.WithoutCancel(ctx), binds, roBinds, argv...)
	if err != nil {
		return err
	}
	defer cleanup()
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for {
		select {
		case sig := <-sigs:
			_ = cmd.Process.Signal(sig)
		case err := <-done:
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				cleanup()
				os.Exit(exit.ExitCode())
			}
			return err
		}
	}
}

func status(ctx context.Context, dir string, w io.Writer) error {
	l, err := lab.Load(filepath.Join(dir, lab.StateFile))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "lab in %s\n\n", l.Dir)
	for _, ep := range lab.Endpoints() {
		fmt.Fprintf(w, "  %-15s %s\n", ep, l.URI(ep))
	}
	fmt.Fprintf(w, "\n  SASL user %s, password %s (auth file %s)\n", l.SASLUser, l.SASLPassword, l.AuthFile)
	fmt.Fprintf(w, "  libvirt %s; admin socket %s\n", l.Libvirt, l.AdminSocket)
	fmt.Fprintf(w, "  qemu:///system works: %v\n", l.QEMU)
	if g := l.Guest; g != nil {
		fmt.Fprintf(w, "\n  guest tier in network namespace %s\n", g.Netns)
		fmt.Fprintf(w, "  %-15s %s\n", "guest", g.URI())
		for _, n := range g.Networks {
			fmt.Fprintf(w, "  network %-7s bridge %s, %s, DHCP %s-%s\n", n.Name, n.Bridge, n.Subnet, n.DHCPStart, n.DHCPEnd)
		}
		fmt.Fprintf(w, "  guest %s, MAC %s on %s, console %s (log %s)\n", g.VM.Name, g.VM.MAC, g.VM.Network, g.VM.ConsoleDevice, g.VM.ConsoleLog)
		fmt.Fprintf(w, "  image %s (kernel %s)\n", g.Image.Dir, g.Image.KernelRelease)
	}
	if m := l.Modular; m != nil {
		fmt.Fprintf(w, "\n  modular tier: libvirt %s in root %s, sockets in %s, backends in network namespace %s\n", m.Version, m.Root, m.RunDir, m.Netns)
		fmt.Fprintf(w, "  %-15s %s\n", "proxy", m.Proxy.URI("qemu"))
		fmt.Fprintf(w, "  %-15s %s\n", "proxy-ro", m.Proxy.ROURI("qemu"))
		fmt.Fprintf(w, "  %-15s %s\n", "proxy-tcp", m.ProxyTCPURI("qemu"))
		for _, d := range []struct {
			name, driver string
			d            lab.ModularDaemon
		}{{"qemu", "qemu", m.QEMU}, {"network", "network", m.Network}, {"storage", "storage", m.Storage}} {
			fmt.Fprintf(w, "  %-15s %s\n", d.name, d.d.URI(d.driver))
		}
		for _, d := range m.Daemons() {
			fmt.Fprintf(w, "  %-15s %s\n", d.Name+" admin", d.AdminURI())
		}
	}
	fmt.Fprintln(w)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := l.Ping(pctx); err != nil {
		return fmt.Errorf("main daemon: not answering: %w", err)
	}
	fmt.Fprintln(w, "main daemon: answering")
	if l.Guest != nil {
		if err := l.Guest.Ping(pctx); err != nil {
			return fmt.Errorf("guest daemon: not answering: %w", err)
		}
		fmt.Fprintln(w, "guest daemon: answering")
	}
	if l.Modular != nil {
		if err := l.Modular.Ping(pctx); err != nil {
			return fmt.Errorf("modular tier: not answering: %w", err)
		}
		fmt.Fprintln(w, "modular daemons: answering")
	}
	return nil
}
