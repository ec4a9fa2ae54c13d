// Command network lists, adds and removes libvirt virtual networks and shows
// which guests are attached to one, with the commands and columns of
// virter's `network` subcommands.
//
//	network [-c URI] ls
//	network [-c URI] add NAME [--dhcp] [--network-cidr CIDR] [--forward-mode nat|route|open|none] [--domain DNSDOMAIN] [--bridge NAME]
//	network [-c URI] rm NAME
//	network [-c URI] list-attached NAME
//
// Without -c it connects to libvirt's default URI ($LIBVIRT_DEFAULT_URI,
// uri_default in libvirt.conf, else qemu:///system for root).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/virtwire/virtwire"
	_ "github.com/virtwire/virtwire/all" // every transport and SASL: the program takes any URI
)

const usage = `usage:
  network [-c URI] ls
  network [-c URI] add NAME [--dhcp] [--network-cidr CIDR] [--forward-mode nat|route|open|none] [--domain DNSDOMAIN] [--bridge NAME]
  network [-c URI] rm NAME
  network [-c URI] list-attached NAME

add: --network-cidr is the host's address and prefix (10.255.0.1/24); --dhcp
serves the addresses after the host's to the end of the subnet, at most 65536
of them: libvirt takes only a DHCP range whose start and end differ in their
last 16 bits (10.0.0.2-10.0.255.255 for 10.0.0.1/8, fd00::2-fd00::ffff for
fd00::1/64).
rm: removing a network that does not exist succeeds, with a note on stderr.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole program: it parses args, connects, runs the command and
// returns the exit status, writing results to stdout and errors to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("network", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	uri := fs.String("c", "", "libvirt `URI` (default: libvirt's default URI)")
	if err := fs.Parse(args); err != nil {
		fmt.Fprintf(stderr, "network: %v\n%s", err, usage)
		return 2
	}
	cmd, err := parseCommand(fs.Args())
	if err != nil {
		fmt.Fprintf(stderr, "network: %v\n%s", err, usage)
		return 2
	}
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	conn, err := virtwire.Dial(dctx, *uri)
	cancel()
	if err != nil {
		fmt.Fprintf(stderr, "network: %v\n", err)
		return 1
	}
	defer conn.Close()
	if err := cmd.run(ctx, conn, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "network: %v\n", err)
		return 1
	}
	return 0
}

// command is one parsed subcommand.
type command struct {
	name string   // ls, add, rm, list-attached
	arg  string   // the network's name
	add  addFlags // for add
}

type addFlags struct {
	dhcp        bool
	cidr        string
	forwardMode string
	domain      string
	bridge      string
}

// parseCommand reads a subcommand and its arguments; flags may come before
// or after the network's name, spelled -flag or --flag.
func parseCommand(args []string) (*command, error) {
	if len(args) == 0 {
		return nil, errors.New("no command")
	}
	c := &command{name: args[0]}
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	switch c.name {
	case "ls":
	case "add":
		fs.BoolVar(&c.add.dhcp, "dhcp", false, "serve DHCP on the network: the addresses after the host's, at most 65536 (libvirt's limit)")
		fs.StringVar(&c.add.cidr, "network-cidr", "", "the host's address and prefix, such as 10.255.0.1/24")
		fs.StringVar(&c.add.forwardMode, "forward-mode", "", "nat, route, open or none")
		fs.StringVar(&c.add.domain, "domain", "", "the network's DNS domain")
		fs.StringVar(&c.add.bridge, "bridge", "", "the bridge's name")
	case "rm", "list-attached":
	default:
		return nil, fmt.Errorf("unknown command %q", c.name)
	}
	pos, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return nil, fmt.Errorf("%s: %v", c.name, err)
	}
	want := 1
	if c.name == "ls" {
		want = 0
	}
	if len(pos) != want {
		if want == 0 {
			return nil, errors.New("ls takes no arguments")
		}
		return nil, fmt.Errorf("%s takes one network name, got %d arguments", c.name, len(pos))
	}
	if want == 1 {
		c.arg = pos[0]
	}
	return c, nil
}

// parseInterleaved parses flags anywhere among the positional arguments
// (the flag package stops at the first positional one) and returns the
// positional ones. "--" ends the flags.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	return pos, nil
}

func (c *command) run(ctx context.Context, conn *virtwire.Conn, w, stderr io.Writer) error {
	switch c.name {
	case "ls":
		return list(ctx, conn, w)
	case "add":
		return add(ctx, conn, c.arg, c.add)
	case "rm":
		return remove(ctx, conn, c.arg, stderr)
	case "list-attached":
		return listAttached(ctx, conn, c.arg, w)
	}
	return fmt.Errorf("unknown command %q", c.name)
}
