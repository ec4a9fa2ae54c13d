package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/virtwire/virtwire/examples/internal/cli/clitest"
	"github.com/virtwire/virtwire/internal/lab"
	"github.com/virtwire/virtwire/xmlspec"
)

// The differences from virter's network commands that its users meet,
// each run against the lab and checked with virsh.

// runTool runs the whole program and returns its exit status and output.
func runTool(t *testing.T, ctx context.Context, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(ctx, args, &out, &errb)
	return code, out.String(), errb.String()
}

// lsTable runs ls and reads its table by column.
func lsTable(t *testing.T, ctx context.Context, uri string) clitest.Table {
	t.Helper()
	code, out, stderr := runTool(t, ctx, "-c", uri, "ls")
	if code != 0 {
		t.Fatalf("ls: exit %d: %s", code, stderr)
	}
	tab, err := clitest.ParseTable(out)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"Name", "Forward-Type", "IP-Range", "Domain", "DHCP", "Bridge"}; !cmp.Equal(tab.Header, want) {
		t.Fatalf("ls header %q, want %q", tab.Header, want)
	}
	return tab
}

// virshRow is what ls must show for the network as virsh net-dumpxml
// describes it: every <ip> as address/prefix and every DHCP range.
func virshRow(t *testing.T, l *lab.Lab, uri, name string) map[string]string {
	t.Helper()
	def, err := xmlspec.ParseNetwork([]byte(l.Virsh(t, uri, "net-dumpxml", name)))
	if err != nil {
		t.Fatal(err)
	}
	row := map[string]string{"Name": def.Name, "Forward-Type": "", "Domain": "", "Bridge": ""}
	if def.Forward != nil {
		row["Forward-Type"] = def.Forward.Mode
	}
	if def.Domain != nil {
		row["Domain"] = def.Domain.Name
	}
	if def.Bridge != nil {
		row["Bridge"] = def.Bridge.Name
	}
	var ips, ranges []string
	for _, ip := range def.IPs {
		p, err := ip.Subnet()
		if err != nil {
			t.Fatal(err)
		}
		ips = append(ips, fmt.Sprintf("%s/%d", ip.Address, p.Bits()))
		if ip.DHCP != nil {
			for _, r := range ip.DHCP.Ranges {
				ranges = append(ranges, r.Start+"-"+r.End)
			}
		}
	}
	row["IP-Range"], row["DHCP"] = strings.Join(ips, ","), strings.Join(ranges, ",")
	return row
}

// ls shows every address and DHCP range of a network, IPv4 and IPv6,
// where it used to show only the first of each.
func TestLsShowsEveryAddressAndRange(t *testing.T) {
	l := lab.Require(t)
	abs, err := filepath.Abs(filepath.Join("testdata", "multi.xml"))
	if err != nil {
		t.Fatal(err)
	}
	// Each connection to this URI gets a fresh instance of the file, so
	// virsh sees what the program sees.
	uri := l.DriverURI(lab.UnixRW, "test", abs)
	ctx, _ := dial(t, uri)
	want := virshRow(t, l, uri, "multi")
	if want["IP-Range"] != "10.77.0.1/24,10.78.0.1/16,fd77::1/64" || want["DHCP"] != "10.77.0.10-10.77.0.19,10.77.0.100-10.77.0.199,fd77::100-fd77::1ff" {
		t.Fatalf("virsh net-dumpxml multi gives %v; testdata/multi.xml is not what this test expects", want)
	}
	got := lsTable(t, ctx, uri).Row("Name", "multi")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ls row for multi differs from virsh net-dumpxml (-virsh +ls):\n%s", diff)
	}
}

// add --dhcp on a subnet larger than libvirt's DHCP range limit writes a
// range libvirt accepts (the host's 16-bit block after it) instead of
// one it refuses.
func TestAddCapsTheDHCPRange(t *testing.T) {
	l := lab.Require(t)
	uri := l.URI(lab.UnixRW)
	ctx, _ := dial(t, uri) // keeps the test driver's state while run() dials its own
	pid := os.Getpid() % 100000
	for _, tc := range []struct {
		cidr, start, end string
	}{
		// 100.64.0.0/10 (shared address space) and a ULA of this
		// process: no other test uses them, so the subnets do not
		// overlap another test's network.
		{"100.64.0.1/10", "100.64.0.2", "100.64.255.255"},
		{fmt.Sprintf("fd%02x:%x::1/64", pid%256, pid), fmt.Sprintf("fd%02x:%x::2", pid%256, pid), fmt.Sprintf("fd%02x:%x::ffff", pid%256, pid)},
	} {
		t.Run(tc.cidr, func(t *testing.T) {
			name := uniqueName()
			t.Cleanup(func() { runTool(t, context.Background(), "-c", uri, "rm", name) })
			if code, out, stderr := runTool(t, ctx, "-c", uri, "add", name, "--dhcp", "--network-cidr", tc.cidr); code != 0 || out != "" || stderr != "" {
				t.Fatalf("add --dhcp --network-cidr %s: exit %d, stdout %q, stderr %q", tc.cidr, code, out, stderr)
			}
			if info := l.Virsh(t, uri, "net-info", name); !strings.Contains(info, "Active:         yes") {
				t.Errorf("virsh net-info %s:\n%s", name, info)
			}
			want := virshRow(t, l, uri, name)
			if want["DHCP"] != tc.start+"-"+tc.end {
				t.Errorf("virsh net-dumpxml %s: DHCP range %s, want %s-%s", name, want["DHCP"], tc.start, tc.end)
			}
			if diff := cmp.Diff(want, lsTable(t, ctx, uri).Row("Name", name)); diff != "" {
				t.Errorf("ls row differs from virsh net-dumpxml (-virsh +ls):\n%s", diff)
			}
		})
	}
	// The limit is in the help text.
	_, _, stderr := runTool(t, ctx, "-h")
	if !strings.Contains(stderr, "at most 65536") {
		t.Errorf("the usage does not say the DHCP range limit:\n%s", stderr)
	}
}

// rm of a network that does not exist is done already: exit 0, a note on
// stderr, as virter scripts expect.
func TestRmMissingNetworkSucceeds(t *testing.T) {
	l := lab.Require(t)
	uri := l.URI(lab.UnixRW)
	ctx, _ := dial(t, uri)
	name := uniqueName() + "-gone"
	code, out, stderr := runTool(t, ctx, "-c", uri, "rm", name)
	if code != 0 || out != "" {
		t.Fatalf("rm of a missing network: exit %d, stdout %q, stderr %q; want exit 0", code, out, stderr)
	}
	if want := fmt.Sprintf("network: network %q does not exist; nothing to remove\n", name); stderr != want {
		t.Errorf("stderr %q, want %q", stderr, want)
	}
	if _, err := l.RunVirsh(ctx, uri, "net-info", name); err == nil {
		t.Errorf("virsh net-info finds %s", name)
	}
	// Other failures still fail.
	if code, _, stderr := runTool(t, ctx, "-c", "test+unix:///default?socket=/nonexistent/sock", "rm", name); code != 1 || !strings.Contains(stderr, "/nonexistent/sock") {
		t.Errorf("rm on an unreachable daemon: exit %d, stderr %q", code, stderr)
	}
}
