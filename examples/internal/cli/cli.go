// Package cli holds what the example programs share: the -c URI flag,
// flags mixed with arguments as virsh takes them, and errors on standard
// error with a non-zero exit status.
//
//	func main() { cli.Main("nic", run) }
//
//	func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
//		cmd := cli.NewCommand("nic", "usage: nic [-c URI] list DOMAIN", stderr)
//		uri := cmd.URIFlag()
//		args, err := cmd.Parse(args)
//		...
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"unicode/utf8"
)

// Run is an example program's body: it reads args (without the program
// name), writes its output to stdout, and returns an error instead of
// exiting, so that tests can call it.
type Run func(ctx context.Context, args []string, stdout, stderr io.Writer) error

// Main runs run with the command line and a context that ends on SIGINT or
// SIGTERM, prints an error as "name: error" on standard error and exits
// with status 1, or 2 for a usage error.
func Main(name string, run Run) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(Exit(name, err, os.Stderr))
}

// Exit prints err (if any) on stderr and returns the exit status for it:
// 0 for none or for -h (the usage is already printed), 2 for a usage
// error, 1 otherwise; a *ReportedError exits 1 without printing.
func Exit(name string, err error, stderr io.Writer) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, new(*ReportedError)):
		return 1
	case errors.As(err, new(*UsageError)):
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 2
	default:
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
}

// UsageError is a mistake in the command line: a missing argument, an
// unknown flag, a value that does not parse.
type UsageError struct {
	Err   error
	Usage string // the usage line(s), printed after the error
}

func (e *UsageError) Error() string {
	if e.Usage == "" {
		return e.Err.Error()
	}
	return e.Err.Error() + "\n" + e.Usage
}

func (e *UsageError) Unwrap() error { return e.Err }

// ReportedError is a failure the program has already reported in its own
// format (JSON on stdout, say): Exit returns 1 and prints nothing more.
type ReportedError struct{ Err error }

func (e *ReportedError) Error() string { return e.Err.Error() }

func (e *ReportedError) Unwrap() error { return e.Err }

// Reported marks err as already reported (see ReportedError).
func Reported(err error) error { return &ReportedError{Err: err} }

// Command is the flag set of a program or subcommand and its usage line.
// Flag errors come back from Parse as *UsageError; only -h prints.
type Command struct {
	*flag.FlagSet
	Usage  string
	stderr io.Writer
}

// NewCommand returns a Command whose help (-h) goes to stderr.
func NewCommand(name, usage string, stderr io.Writer) *Command {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // Parse reports errors; Exit prints them once
	fs.Usage = func() {}
	return &Command{FlagSet: fs, Usage: usage, stderr: stderr}
}

// URIFlag defines -c and --connect, the libvirt URI to connect to. Its
// default, "", makes virtwire.Dial follow libvirt's rules:
// $LIBVIRT_DEFAULT_URI, then uri_default in libvirt.conf, then the local
// QEMU daemon.
func (c *Command) URIFlag() *string {
	uri := new(string)
	const help = "libvirt connection `URI` (default: $LIBVIRT_DEFAULT_URI or libvirt's default)"
	c.StringVar(uri, "c", "", help)
	c.StringVar(uri, "connect", "", help)
	return uri
}

// Parse parses args and returns the arguments that are not flags. Unlike
// flag.FlagSet.Parse it reads flags after arguments too ("attach web1
// --live"), as virsh does; "--" ends the flags. -h prints the usage and
// the flags and returns flag.ErrHelp; other errors are *UsageError.
func (c *Command) Parse(args []string) ([]string, error) {
	var rest []string
	for {
		if err := c.FlagSet.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprintln(c.stderr, c.Usage)
				c.SetOutput(c.stderr)
				c.PrintDefaults()
				c.SetOutput(io.Discard)
				return nil, err
			}
			return nil, &UsageError{Err: err, Usage: c.Usage}
		}
		left := c.Args()
		if consumed := len(args) - len(left); consumed > 0 && args[consumed-1] == "--" {
			return append(rest, left...), nil
		}
		if len(left) == 0 {
			return rest, nil
		}
		rest = append(rest, left[0])
		args = left[1:]
	}
}

// Usagef returns a *UsageError saying what is wrong, with the usage.
func (c *Command) Usagef(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...), Usage: c.Usage}
}

// FormatTable lays rows out as virsh's and virt-admin's tables (vshTable): the first row is the
// header, underlined with dashes; every cell is preceded by a space, and
// all but the last column are padded to their widest cell plus two spaces.
func FormatTable(rows [][]string) string {
	if len(rows) == 0 {
		return ""
	}
	widths := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, cell := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	var b strings.Builder
	line := func(row []string) {
		for i, cell := range row {
			b.WriteString(" " + cell)
			if i < len(row)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell)+2))
			}
		}
		b.WriteByte('\n')
	}
	line(rows[0])
	for _, w := range widths {
		b.WriteString(strings.Repeat("-", w+3))
	}
	b.WriteByte('\n')
	for _, row := range rows[1:] {
		line(row)
	}
	return b.String()
}
