package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/internal/lab"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func quickstart(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	code = run(ctx, args, &out, &errOut)
	return out.String(), errOut.String(), code
}

// virshField returns the value after "key:" in virsh's output.
func virshField(t *testing.T, out, key string) string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("no %q in virsh's output:\n%s", key, out)
	return ""
}

// TestGolden runs quickstart on a private test-driver instance
// (testdata/node.xml). The daemon's version and host name come from virsh
// on the same daemon and stand as placeholders in the golden file.
func TestGolden(t *testing.T) {
	l := lab.Require(t)
	abs, err := filepath.Abs(filepath.Join("testdata", "node.xml"))
	if err != nil {
		t.Fatal(err)
	}
	uri := l.DriverURI(lab.UnixRW, "test", abs)
	out, errOut, code := quickstart(t, "-c", uri)
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	ver := l.Virsh(t, uri, "version")
	lib := strings.TrimPrefix(virshField(t, ver, "Using library"), "libvirt ")
	host := l.Virsh(t, uri, "hostname")
	got := strings.Replace(out, "libvirt "+lib+"\n", "libvirt LIBVERSION\n", 1)
	got = strings.Replace(got, "Host name:   "+host+"\n", "Host name:   HOSTNAME\n", 1)
	path := filepath.Join("testdata", "quickstart.golden")
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
		t.Errorf("quickstart output (-want +got):\n%s", diff)
	}
}

// row finds the table row whose first field is first.
func row(out, first string) []string { return rowWith(out, 0, first) }

// rowWith finds the table row whose field i is v.
func rowWith(out string, i int, v string) []string {
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > i && f[i] == v {
			return f
		}
	}
	return nil
}

// TestAgainstVirsh runs quickstart on the lab's shared test:///default and
// checks each part against virsh on the same daemon.
func TestAgainstVirsh(t *testing.T) {
	l := lab.Require(t)
	uri := l.URI(lab.UnixRW)
	// Keep the shared test driver's state for the duration.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := virtwire.Dial(ctx, uri)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	out, errOut, code := quickstart(t, "-c", uri)
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	ver := l.Virsh(t, uri, "version")
	if want := virshField(t, ver, "Using library"); !strings.Contains(out, "Library:     "+want+"\n") {
		t.Errorf("virsh version says library %q:\n%s", want, out)
	}
	if want := virshField(t, ver, "Running hypervisor"); !strings.Contains(out, "Hypervisor:  "+want+"\n") {
		t.Errorf("virsh version says hypervisor %q:\n%s", want, out)
	}
	if want := l.Virsh(t, uri, "hostname"); !strings.Contains(out, "Host name:   "+want+"\n") {
		t.Errorf("virsh hostname says %q:\n%s", want, out)
	}
	// The domain test: virsh list's row (Id Name State).
	if want, got := rowWith(l.Virsh(t, uri, "list", "--all"), 1, "test"), rowWith(out, 1, "test"); len(want) != 3 || !slices.Equal(got, want) {
		t.Errorf("domain row %q, virsh list says %q", got, want)
	}
	// The network default: state from virsh net-list, bridge from net-info.
	info := l.Virsh(t, uri, "net-info", "default")
	wantNet := []string{"default", "active", virshField(t, info, "Bridge"), "192.168.122.2-192.168.122.254"}
	if virshField(t, info, "Active") != "yes" || !slices.Equal(row(out, "default"), wantNet) {
		t.Errorf("network row %q, virsh net-info says %q", row(out, "default"), info)
	}
	// The test domain's NIC: domiflist's device, type, source and MAC,
	// domifaddr's addresses.
	iflist := row(l.Virsh(t, uri, "domiflist", "test"), "testnet0")
	ifaddr := row(l.Virsh(t, uri, "domifaddr", "test"), "testnet0")
	if len(iflist) != 5 || len(ifaddr) != 4 {
		t.Fatalf("virsh domiflist %q, domifaddr %q", iflist, ifaddr)
	}
	want := []string{iflist[0], iflist[1], iflist[2], iflist[4], ifaddr[3]}
	if got := row(out, "testnet0"); !slices.Equal(got, want) {
		t.Errorf("interface row %q, virsh says %q", got, want)
	}
}

func TestBadInput(t *testing.T) {
	l := lab.Require(t)
	uri := l.URI(lab.UnixRW)
	tests := []struct {
		name string
		args []string
		code int
		msg  *regexp.Regexp
		out  string
	}{
		{"unknown flag", []string{"-frob"}, 2, regexp.MustCompile("flag provided but not defined: -frob"), ""},
		{"argument", []string{"-c", uri, "extra"}, 2, regexp.MustCompile(`unexpected arguments \["extra"\]`), ""},
		{"unreachable daemon", []string{"-c", "test+unix:///default?socket=/nonexistent/sock"}, 1,
			regexp.MustCompile(`^quickstart: .*/nonexistent/sock`), ""},
		{"unknown domain", []string{"-c", uri, "-domain", "no-such-domain"}, 0, nil, `no domain "no-such-domain" here (choose one with -domain)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := quickstart(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tt.code, errOut)
			}
			if tt.msg != nil && !tt.msg.MatchString(errOut) {
				t.Errorf("stderr %q, want %s", errOut, tt.msg)
			}
			if tt.msg == nil && errOut != "" {
				t.Errorf("stderr %q", errOut)
			}
			if !strings.Contains(out, tt.out) {
				t.Errorf("stdout %q lacks %q", out, tt.out)
			}
		})
	}
}
