package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/internal/lab"
	"github.com/virtwire/virtwire/xmlspec"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", name, diff)
	}
}

// fileURI is the lab daemon's test driver on testdata/lab.xml: a private
// instance per connection holding seed 003's network and guest.
func fileURI(t *testing.T, l *lab.Lab) string {
	t.Helper()
	abs, err := filepath.Abs(filepath.Join("testdata", "lab.xml"))
	if err != nil {
		t.Fatal(err)
	}
	return l.DriverURI(lab.UnixRW, "test", abs)
}

func dial(t *testing.T, uri string) (context.Context, *virtwire.Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	conn, err := virtwire.Dial(ctx, uri)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Close()
		cancel()
	})
	return ctx, conn
}

// exec runs one command line on conn and returns its output.
func exec(t *testing.T, ctx context.Context, conn *virtwire.Conn, args ...string) string {
	t.Helper()
	cmd, err := parseCommand(args)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := cmd.run(ctx, conn, &out, io.Discard); err != nil {
		t.Fatalf("network %s: %v", strings.Join(args, " "), err)
	}
	return out.String()
}

// TestGolden runs virter's documented session (seed 003) on a private
// test-driver instance and checks the output against the golden files.
func TestGolden(t *testing.T) {
	l := lab.Require(t)
	uri := fileURI(t, l)
	ctx, conn := dial(t, uri)
	golden(t, "ls.golden", exec(t, ctx, conn, "ls"))
	golden(t, "list-attached-default.golden", exec(t, ctx, conn, "list-attached", "default"))
	if out := exec(t, ctx, conn, "add", "net1", "--dhcp", "--network-cidr", "10.255.0.1/24", "--bridge", "virbr1"); out != "" {
		t.Errorf("add printed %q", out)
	}
	golden(t, "ls-after-add.golden", exec(t, ctx, conn, "ls"))
	golden(t, "list-attached-net1.golden", exec(t, ctx, conn, "list-attached", "net1"))
	exec(t, ctx, conn, "rm", "net1")
	golden(t, "ls.golden", exec(t, ctx, conn, "ls"))

	// The whole program, dialling by itself: a fresh instance again.
	var stdout, stderr bytes.Buffer
	if code := run(ctx, []string{"-c", uri, "ls"}, &stdout, &stderr); code != 0 || stderr.Len() != 0 {
		t.Fatalf("run ls: exit %d, stderr %q", code, stderr.String())
	}
	golden(t, "ls.golden", stdout.String())
}

var seq atomic.Int32

func uniqueName() string { return fmt.Sprintf("vwx%d-%d", os.Getpid()%100000, seq.Add(1)) }

// TestAgainstVirsh runs the commands on the lab's shared test:///default
// and checks their effects with virsh.
func TestAgainstVirsh(t *testing.T) {
	l := lab.Require(t)
	uri := l.URI(lab.UnixRW)
	// The test driver keeps its state only while a connection is open:
	// this one stays open while run() dials its own.
	ctx, _ := dial(t, uri)
	virsh := func(args ...string) string { t.Helper(); return l.Virsh(t, uri, args...) }
	name := uniqueName()
	bridge := fmt.Sprintf("vwxb%d", os.Getpid()%100000)
	cidr := fmt.Sprintf("10.%d.77.1/24", 128+os.Getpid()%100)
	t.Cleanup(func() {
		_ = run(context.Background(), []string{"-c", uri, "rm", name}, &bytes.Buffer{}, &bytes.Buffer{})
	})

	var stdout, stderr bytes.Buffer
	args := []string{"-c", uri, "add", name, "--dhcp", "--network-cidr", cidr, "--forward-mode", "route", "--domain", "lab.test", "--bridge", bridge}
	if code := run(ctx, args, &stdout, &stderr); code != 0 {
		t.Fatalf("network add: exit %d: %s", code, stderr.String())
	}
	info := virsh("net-info", name)
	for _, want := range []string{"Active:         yes", "Persistent:     yes", "Autostart:      yes", "Bridge:         " + bridge} {
		if !strings.Contains(info, want) {
			t.Errorf("virsh net-info %s lacks %q:\n%s", name, want, info)
		}
	}
	def, err := xmlspec.ParseNetwork([]byte(virsh("net-dumpxml", name)))
	if err != nil {
		t.Fatal(err)
	}
	row := lsRow(def)
	host, _, _ := strings.Cut(cidr, "/")
	prefix := strings.TrimSuffix(host, "1")
	wantRow := []string{name, "route", cidr, "lab.test", prefix + "2-" + prefix + "254", bridge}
	if !slices.Equal(row, wantRow) {
		t.Errorf("virsh net-dumpxml %s gives the row %q, want %q", name, row, wantRow)
	}

	// ls shows the same row as virsh's XML gives, and every network virsh
	// lists (other helpers' come and go: compare ours and default).
	stdout.Reset()
	if code := run(ctx, []string{"-c", uri, "ls"}, &stdout, &stderr); code != 0 {
		t.Fatalf("network ls: exit %d: %s", code, stderr.String())
	}
	lines := strings.Split(stdout.String(), "\n")
	if !strings.HasPrefix(lines[0], "Name ") || !strings.Contains(lines[0], "  Forward-Type  IP-Range  ") {
		t.Errorf("ls header = %q", lines[0])
	}
	for _, want := range [][]string{wantRow, {"default", "nat", "192.168.122.1/24", "192.168.122.2-192.168.122.254", "virbr0"}} {
		i := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, want[0]+" ") })
		if i < 0 || !slices.Equal(strings.Fields(lines[i]), want) {
			t.Errorf("ls has no row %q:\n%s", want, stdout.String())
		}
	}

	// list-attached default: the test domain, with what virsh domiflist
	// and domifaddr show for its NIC.
	stdout.Reset()
	if code := run(ctx, []string{"-c", uri, "list-attached", "default"}, &stdout, &stderr); code != 0 {
		t.Fatalf("network list-attached: exit %d: %s", code, stderr.String())
	}
	var addr string
	for _, line := range strings.Split(virsh("domifaddr", "test"), "\n") {
		if f := strings.Fields(line); len(f) == 4 && f[1] == "aa:bb:cc:dd:ee:ff" {
			addr, _, _ = strings.Cut(f[3], "/")
		}
	}
	iflist := virsh("domiflist", "test")
	if !strings.Contains(iflist, "testnet0    network   default") || addr == "" {
		t.Fatalf("virsh domiflist/domifaddr test: %s, %q", iflist, addr)
	}
	want := []string{"test", "aa:bb:cc:dd:ee:ff", addr, "testnet0"}
	if !slices.ContainsFunc(strings.Split(stdout.String(), "\n"), func(l string) bool { return slices.Equal(strings.Fields(l), want) }) {
		t.Errorf("list-attached default lacks %q:\n%s", want, stdout.String())
	}

	stdout.Reset()
	if code := run(ctx, []string{"-c", uri, "rm", name}, &stdout, &stderr); code != 0 {
		t.Fatalf("network rm: exit %d: %s", code, stderr.String())
	}
	if _, err := l.RunVirsh(ctx, uri, "net-info", name); err == nil {
		t.Errorf("virsh net-info still finds %s after rm", name)
	}
}

// TestBadInput checks that bad command lines and requests fail with a
// message on stderr and a non-zero status, and change nothing.
func TestBadInput(t *testing.T) {
	l := lab.Require(t)
	uri := l.URI(lab.UnixRW)
	ctx, _ := dial(t, uri)
	name := uniqueName()
	free := fmt.Sprintf("10.%d.78.1/24", 128+os.Getpid()%100)
	defaultXML := l.Virsh(t, uri, "net-dumpxml", "default")
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no command", nil, 2, "no command"},
		{"unknown command", []string{"frob"}, 2, `unknown command "frob"`},
		{"ls with an argument", []string{"ls", "x"}, 2, "ls takes no arguments"},
		{"add without a name", []string{"add", "--dhcp"}, 2, "add takes one network name, got 0"},
		{"add two names", []string{"add", "a", "b"}, 2, "add takes one network name, got 2"},
		{"unknown flag", []string{"add", name, "--frob"}, 2, "flag provided but not defined: -frob"},
		{"malformed CIDR", []string{"add", name, "--network-cidr", "10.0.0.300/24"}, 1, `--network-cidr: invalid argument: CIDR "10.0.0.300/24"`},
		{"CIDR without prefix", []string{"add", name, "--network-cidr", "10.0.0.1"}, 1, "want an address and a prefix length"},
		{"subnet address", []string{"add", name, "--network-cidr", "10.0.0.0/24"}, 1, "is the subnet's own address"},
		{"DHCP without CIDR", []string{"add", name, "--dhcp"}, 1, "DHCP needs a CIDR"},
		{"bad forward mode", []string{"add", name, "--network-cidr", free, "--forward-mode", "nta"}, 1, `forward mode "nta": want nat, route, open or none`},
		{"bad domain", []string{"add", name, "--network-cidr", free, "--domain", "a b"}, 1, `DNS domain "a b"`},
		{"long bridge", []string{"add", name, "--network-cidr", free, "--bridge", "averyverylongbridge"}, 1, "longer than 15"},
		{"duplicate network", []string{"add", "default", "--network-cidr", free}, 1, `network "default": check: network already exists`},
		{"overlapping network", []string{"add", name, "--dhcp", "--network-cidr", "192.168.122.5/25"}, 1,
			`192.168.122.0/25 overlaps 192.168.122.0/24 of network "default"`},
		{"bridge in use", []string{"add", name, "--network-cidr", free, "--bridge", "virbr0"}, 1, `network "default" has bridge virbr0`},
		{"list-attached unknown", []string{"list-attached", name + "-nope"}, 1, "Network not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(ctx, append([]string{"-c", uri}, tt.args...), &stdout, &stderr)
			if code != tt.code || !strings.Contains(stderr.String(), tt.msg) || !strings.HasPrefix(stderr.String(), "network: ") {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr.String(), tt.code, tt.msg)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout = %q", stdout.String())
			}
			if _, err := l.RunVirsh(ctx, uri, "net-info", name); err == nil {
				t.Errorf("network %s exists after a failed command", name)
			}
			if got := l.Virsh(t, uri, "net-dumpxml", "default"); got != defaultXML {
				t.Errorf("default changed:\n%s", got)
			}
		})
	}
	var stderr bytes.Buffer
	if code := run(ctx, []string{"-c", "test+unix:///default?socket=/nonexistent/sock", "ls"}, &bytes.Buffer{}, &stderr); code != 1 || !strings.Contains(stderr.String(), "/nonexistent/sock") {
		t.Errorf("unreachable daemon: exit %d, stderr %q", code, stderr.String())
	}
}

func TestParseInterleaved(t *testing.T) {
	tests := []struct {
		args []string
		name string
		dhcp bool
		cidr string
	}{
		{[]string{"add", "n1", "--dhcp", "--network-cidr", "10.0.0.1/24"}, "n1", true, "10.0.0.1/24"},
		{[]string{"add", "--dhcp", "n1", "-network-cidr=10.0.0.1/24"}, "n1", true, "10.0.0.1/24"},
		{[]string{"add", "--network-cidr", "10.0.0.1/24", "--", "-n1"}, "-n1", false, "10.0.0.1/24"},
	}
	for _, tt := range tests {
		c, err := parseCommand(tt.args)
		if err != nil {
			t.Fatalf("%v: %v", tt.args, err)
		}
		if c.arg != tt.name || c.add.dhcp != tt.dhcp || c.add.cidr != tt.cidr {
			t.Errorf("%v: got %+v", tt.args, c)
		}
	}
}
