package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/domain"
	"github.com/virtwire/virtwire/examples/internal/cli"
	"github.com/virtwire/virtwire/internal/lab"
)

var update = flag.Bool("update", false, "rewrite the golden files from the lab's output")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("output differs from %s (-want +got):\n%s", path, diff)
	}
}

func mac(s string) net.HardwareAddr {
	hw, err := net.ParseMAC(s)
	if err != nil {
		panic(err)
	}
	return hw
}

func addr(s string, prefix int) domain.Address {
	a := netip.MustParseAddr(s)
	typ := virtwire.IPAddrTypeIPv4
	if a.Is6() {
		typ = virtwire.IPAddrTypeIPv6
	}
	return domain.Address{Addr: a, Prefix: prefix, Type: typ}
}

// The interfaces of seed 000's three examples, in an order libvirt could
// report them, print exactly as the seed shows (-p).
func TestSeedFormat(t *testing.T) {
	guest := mac("52:54:00:28:1c:8c")
	for _, tc := range []struct {
		source string
		ifaces []domain.Interface
	}{
		{"lease", []domain.Interface{{Name: "vnet0", HWAddr: guest, Addrs: []domain.Address{addr("192.168.124.151", 24)}}}},
		{"agent", []domain.Interface{
			{Name: "virbr0", HWAddr: mac("52:54:00:97:9b:5e"), Addrs: []domain.Address{addr("192.168.122.1", 24)}},
			{Name: "enp1s0", HWAddr: guest, Addrs: []domain.Address{addr("fe80::5054:ff:fe28:1c8c", 64), addr("192.168.124.151", 24)}},
			{Name: "lo", HWAddr: mac("00:00:00:00:00:00"), Addrs: []domain.Address{addr("::1", 128), addr("127.0.0.1", 8)}},
		}},
		{"arp", []domain.Interface{{Name: "vnet0", HWAddr: guest, Addrs: []domain.Address{addr("192.168.124.151", 0)}}}},
	} {
		t.Run(tc.source, func(t *testing.T) {
			var out bytes.Buffer
			if err := write(&out, tc.ifaces, true); err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(filepath.Join("testdata", "seed-"+tc.source+".json"))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), out.String()); diff != "" {
				t.Errorf("-p output differs from seed 000 (-seed +got):\n%s", diff)
			}
		})
	}
}

// An interface without a MAC address or addresses prints null and [],
// and it sorts first, as virtomate sorts a missing MAC as "".
func TestWriteEmpty(t *testing.T) {
	var out bytes.Buffer
	ifaces := []domain.Interface{
		{Name: "eth0", HWAddr: mac("52:54:00:00:00:01")},
		{Name: "tun0"},
	}
	if err := write(&out, ifaces, false); err != nil {
		t.Fatal(err)
	}
	want := `[{"addresses":[],"hwaddr":null,"name":"tun0"},{"addresses":[],"hwaddr":"52:54:00:00:00:01","name":"eth0"}]` + "\n"
	if out.String() != want {
		t.Fatalf("got %s want %s", out.String(), want)
	}
	out.Reset()
	if err := write(&out, nil, false); err != nil || out.String() != "[]\n" {
		t.Fatalf("no interfaces: %q, %v", out.String(), err)
	}
	bad := []domain.Interface{{Name: "x", Addrs: []domain.Address{{Addr: netip.MustParseAddr("10.0.0.1"), Type: 7}}}}
	if err := write(&out, bad, false); err == nil || !strings.Contains(err.Error(), "unknown type 7") {
		t.Fatalf("unknown address type: %v", err)
	}
}

type result struct {
	stdout, stderr string
	code           int
	err            error
}

func runCmd(t *testing.T, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	err := run(ctx, args, &stdout, &stderr)
	code := cli.Exit("domain-iface-list", err, &stderr)
	return result{stdout.String(), stderr.String(), code, err}
}

// The lab's test domain, from each source: the golden output, the same
// addresses virsh domifaddr lists, and the compact form is the same JSON.
func TestLab(t *testing.T) {
	l := lab.Require(t)
	uri := l.URI(lab.UnixRW)
	for _, src := range []string{"lease", "agent", "arp"} {
		t.Run(src, func(t *testing.T) {
			r := runCmd(t, "-c", uri, "-p", "--source", src, "test")
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			golden(t, "test-"+src+".json", []byte(r.stdout))

			var got []interfaceJSON
			if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
				t.Fatal(err)
			}
			var rows [][]string
			for _, i := range got {
				for _, a := range i.Addresses {
					rows = append(rows, []string{i.Name, *i.HWAddr, strings.ToLower(a.Type), a.Address + "/" + strconv.Itoa(a.Prefix)})
				}
			}
			if diff := cmp.Diff(virshRows(l.Virsh(t, uri, "domifaddr", "test", "--source", src)), rows); diff != "" {
				t.Errorf("differs from virsh domifaddr (-virsh +got):\n%s", diff)
			}

			compact := runCmd(t, "--connect", uri, "test", "--source="+src)
			var c []interfaceJSON
			if err := json.Unmarshal([]byte(compact.stdout), &c); err != nil {
				t.Fatalf("compact output %q: %v", compact.stdout, err)
			}
			if strings.Count(compact.stdout, "\n") != 1 || !cmp.Equal(got, c) {
				t.Errorf("compact output %q is not the one-line form of the -p output", compact.stdout)
			}
		})
	}
}

// virshRows reads virsh domifaddr's table, with "-" repeated names filled
// in from the row above.
func virshRows(out string) [][]string {
	var rows [][]string
	for i, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(line)
		if i < 2 || len(f) != 4 {
			continue
		}
		if f[0] == "-" && len(rows) > 0 {
			f[0], f[1] = rows[len(rows)-1][0], rows[len(rows)-1][1]
		}
		rows = append(rows, f)
	}
	return rows
}

// Bad command lines: a usage error on stderr (exit 2), nothing on stdout.
// (What the daemon refuses is JSON on stdout: TestErrorsAsJSON.)
func TestUsageErrors(t *testing.T) {
	l := lab.Require(t)
	uri := l.URI(lab.UnixRW)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no domain", []string{"-c", uri}, "want one DOMAIN"},
		{"two domains", []string{"-c", uri, "a", "b"}, "want one DOMAIN"},
		{"bad source", []string{"-c", uri, "--source", "dhcp", "test"}, `unknown address source "dhcp"`},
		{"unknown flag", []string{"-c", uri, "--pretty-please", "test"}, "pretty-please"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCmd(t, tc.args...)
			if r.code != 2 || !strings.Contains(r.stderr, tc.want) || r.stdout != "" {
				t.Fatalf("exit %d, stderr %q, stdout %q; want exit 2 and %q", r.code, r.stderr, r.stdout, tc.want)
			}
			if !strings.HasPrefix(r.stderr, "domain-iface-list: ") || !strings.Contains(r.stderr, usage) {
				t.Fatalf("stderr %q does not name the program and give the usage", r.stderr)
			}
		})
	}
}
