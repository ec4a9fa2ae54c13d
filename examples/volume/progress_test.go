//go:build linux

package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal: the master to read what the program
// draws, the slave to be its standard output.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fd := int(master.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	return master, slave
}

// On a terminal, pull and download draw a progress bar that ends at 100%
// with a newline; off a terminal (TestPullOverlayList) they print nothing.
func TestProgressBarOnATerminal(t *testing.T) {
	e := newEnv(t)
	raw := rawImage(t)
	for _, args := range [][]string{
		{"pull", e.pool.Name(), "tty.raw", raw},
		{"download", e.pool.Name(), "tty.raw", raw + ".copy"},
	} {
		master, slave := openPTY(t)
		drawn := make(chan string)
		go func() {
			var b bytes.Buffer
			io.Copy(&b, master) // until the slave closes (EIO)
			drawn <- b.String()
		}()
		r := e.volume(t, slave, args...)
		slave.Close()
		// The terminal writes the newline as \r\n (onlcr).
		out := strings.ReplaceAll(<-drawn, "\r\n", "\n")
		master.Close()
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("volume %s: exit %d, %s", args[0], r.code, r.stderr)
		}
		lines := strings.Split(strings.TrimPrefix(out, "\r"), "\r")
		last := lines[len(lines)-1]
		label := args[0] + " tty.raw  ["
		if len(lines) < 2 || !strings.HasPrefix(last, label) || !strings.Contains(last, "100%    64.00 MiB / 64.00 MiB") || !strings.HasSuffix(last, "\n") {
			t.Errorf("volume %s drew %d updates, the last %q; want a bar ending at 100%%:\n%q", args[0], len(lines), last, out)
		}
		if strings.Count(out, "\n") != 1 {
			t.Errorf("volume %s: the bar should end with one newline: %q", args[0], out)
		}
	}
}
