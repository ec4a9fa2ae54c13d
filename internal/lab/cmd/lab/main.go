// Command lab starts, stops and describes virtwire's test lab of private
// libvirt daemons (package internal/lab).
//
//	go run ./internal/lab/cmd/lab up        # start a lab in <module root>/.lab
//	eval "$(go run ./internal/lab/cmd/lab env)"
//	virsh -c "$(go run ./internal/lab/cmd/lab uri tls)" list --all
//	go run ./internal/lab/cmd/lab status
//	go run ./internal/lab/cmd/lab down
//
// Every command takes -dir DIR; without it the lab is the one $VIRTWIRE_LAB
// names, else <module root>/.lab. up, down and status need root.
package main

import (
	"context"
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
  up        start a lab in DIR and write DIR/lab.json (a running one is left as is)
  down      stop the lab in DIR and remove DIR
  env       print the shell line that points tests at the lab (export VIRTWIRE_LAB=...)
  status    print the lab's endpoints and whether its daemons answer
  uri NAME  print the libvirt URI of endpoint NAME (unix, tls, ssh, ...)

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
	fs.Usage = func() { fmt.Fprint(fs.Output(), usage) }
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	dir := *dirFlag
	if dir == "" {
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
		l, err := lab.Up(ctx, dir)
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
		ep, err := lab.ParseEndpoint(fs.Arg(0))
		if err != nil {
			return err
		}
		l, err := lab.Load(filepath.Join(dir, lab.StateFile))
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, l.URI(ep))
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
	fmt.Fprintf(w, "  qemu:///system works: %v\n\n", l.QEMU)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := l.Ping(pctx); err != nil {
		return fmt.Errorf("main daemon: not answering: %w", err)
	}
	fmt.Fprintln(w, "main daemon: answering")
	return nil
}
