// Command lab starts, stops and describes virtwire's test lab of private
// libvirt daemons (package internal/lab).
//
//	go run ./internal/lab/cmd/lab up        # start a lab in <module root>/.lab
//	eval "$(go run ./internal/lab/cmd/lab env)"
//	virsh -c "$(go run ./internal/lab/cmd/lab uri tls)" list --all
//	go run ./internal/lab/cmd/lab status
//	go run ./internal/lab/cmd/lab down
//	go run ./internal/lab/cmd/lab image     # build (or find) the guest image
//
// Every command takes -dir DIR; without it the lab is the one $VIRTWIRE_LAB
// names, else <module root>/.lab. up, down and status need root. up takes
// -guest=false to start the lab without its guest tier.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
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
  uri NAME  print the libvirt URI of endpoint NAME (unix, tls, ssh, ..., guest)
  image     build the guest image, or find it in the cache ($VIRTWIRE_GUEST_CACHE,
            else /var/cache/virtwire-lab), and print its manifest

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
	guestFlag := true
	if cmd == "up" {
		fs.BoolVar(&guestFlag, "guest", true, "start the guest tier")
	}
	fs.Usage = func() { fmt.Fprint(fs.Output(), usage) }
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	dir := *dirFlag
	if dir == "" && cmd != "image" {
		path, err := lab.StatePath()
		if err != nil {
			return err
		}
		dir = filepath.Dir(path)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()

	want := 0
	if cmd == "uri" {
		want = 1
	}
	if fs.NArg() != want {
		return fmt.Errorf("lab %s: want %d argument(s), have %q\n%s", cmd, want, fs.Args(), usage)
	}
	switch cmd {
	case "up":
		start := time.Now()
		var opts []lab.UpOption
		if !guestFlag {
			opts = append(opts, lab.SkipGuest())
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
	case "uri":
		l, err := lab.Load(filepath.Join(dir, lab.StateFile))
		if err != nil {
			return err
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
	return nil
}
