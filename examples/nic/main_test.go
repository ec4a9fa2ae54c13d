package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/domain"
	"github.com/virtwire/virtwire/examples/internal/cli"
	"github.com/virtwire/virtwire/internal/lab"
	"github.com/virtwire/virtwire/xmlspec"
)

type result struct {
	stdout, stderr string
	code           int
}

func nic(t *testing.T, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := cli.Exit("nic", run(ctx, args, &stdout, &stderr), &stderr)
	return result{stdout.String(), stderr.String(), code}
}

func ok(t *testing.T, args ...string) string {
	t.Helper()
	r := nic(t, args...)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("nic %s: exit %d: %s", strings.Join(args, " "), r.code, r.stderr)
	}
	return r.stdout
}

func unique(t *testing.T, prefix string) string {
	t.Helper()
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return prefix + "-" + hex.EncodeToString(b)
}

// virshOut is virsh's output without the blank line it ends tables with.
func virshOut(t *testing.T, l *lab.Lab, uri string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := l.RunVirsh(ctx, uri, args...)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimRight(out, "\n") + "\n"
}

// nic list prints exactly what virsh domiflist prints, live and inactive.
func TestListLikeVirsh(t *testing.T) {
	l := lab.Require(t)
	uri := l.URI(lab.UnixRW)
	for _, args := range [][]string{nil, {"--inactive"}} {
		got := ok(t, append([]string{"-c", uri, "list", "test"}, args...)...)
		want := virshOut(t, l, uri, append([]string{"domiflist", "test"}, args...)...)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("nic list %v differs from virsh domiflist (-virsh +nic):\n%s", args, diff)
		}
	}
	// The domain by UUID, as virsh takes it.
	uuid := l.Virsh(t, uri, "domuuid", "test")
	if got, want := ok(t, "list", uuid, "-c", uri), virshOut(t, l, uri, "domiflist", uuid); got != want {
		t.Errorf("nic list by UUID:\n%s\nvirsh:\n%s", got, want)
	}
}

// attach and detach on a stopped QEMU domain's persistent definition,
// followed with virsh domiflist --inactive; bad requests exit non-zero,
// say why on stderr and change nothing.
func TestAttachDetach(t *testing.T) {
	l := lab.Require(t)
	uri := l.DriverURI(lab.UnixRW, "qemu", "/system")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := virtwire.Dial(ctx, uri)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	network := unique(t, "vwdp-nicnet")
	netDoc, _ := (&xmlspec.Network{Name: network}).Marshal()
	netRef, err := conn.NetworkDefineXML(ctx, string(netDoc))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.NetworkUndefine(context.Background(), netRef)
	name := unique(t, "vwdp-nic")
	d, err := domain.Define(ctx, conn, &xmlspec.Domain{Type: "qemu", Name: name,
		Memory: &xmlspec.DomainMemory{Value: 64, Unit: "MiB"},
		OS:     &xmlspec.OS{Type: &xmlspec.OSType{Arch: "x86_64", Value: "hvm"}}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Undefine(context.Background(), 0)

	mac := strings.TrimSpace(ok(t, "-c", uri, "attach", name, "--network", network, "--config"))
	if _, err := xmlspec.ParseMAC(mac); err != nil || !strings.HasPrefix(mac, "52:54:00:") {
		t.Fatalf("attach printed %q", mac)
	}
	fixed := "52:54:00:0a:0b:0c"
	if got := ok(t, "-c", uri, "attach", name, "--network", network, "--mac", strings.ToUpper(fixed), "--model", "e1000", "--config"); got != fixed+"\n" {
		t.Fatalf("attach with --mac printed %q", got)
	}
	want := " Interface   Type      Source" + strings.Repeat(" ", len(network)-6+3) + "Model    MAC\n"
	list := ok(t, "-c", uri, "list", name, "--inactive")
	if diff := cmp.Diff(virshOut(t, l, uri, "domiflist", name, "--inactive"), list); diff != "" {
		t.Fatalf("nic list differs from virsh domiflist (-virsh +nic):\n%s", diff)
	}
	if !strings.HasPrefix(list, want) || !strings.Contains(list, network+"   virtio   "+mac) ||
		!strings.Contains(list, network+"   e1000    "+fixed) {
		t.Fatalf("nic list after attaching:\n%s", list)
	}

	dumpxml := func() string { return l.Virsh(t, uri, "dumpxml", "--inactive", name) }
	before := dumpxml()
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"duplicate MAC", []string{"attach", name, "--network", network, "--mac", fixed, "--config"}, 1, "MAC address used by another NIC"},
		{"unknown network", []string{"attach", name, "--network", "vwdp-no-such-net", "--config"}, 1, `network "vwdp-no-such-net"`},
		{"live on a stopped domain", []string{"attach", name, "--network", network, "--live"}, 1, "domain is not running"},
		{"detach live on a stopped domain", []string{"detach", name, fixed, "--live", "--config"}, 1, "domain is not running"},
		{"detach unknown MAC", []string{"detach", name, "52:54:00:ff:ff:ff", "--config"}, 1, "no NIC with that MAC address"},
		{"malformed MAC", []string{"detach", name, "52:54:00:ff:ff", "--config"}, 2, "52:54:00:ff:ff"},
		{"malformed --mac", []string{"attach", name, "--network", network, "--mac", "nope"}, 2, "--mac"},
		{"no --network", []string{"attach", name, "--config"}, 2, "--network is required"},
		{"list takes no --live", []string{"list", name, "--live"}, 2, "list does not take --live"},
		{"unknown command", []string{"plug", name}, 2, `unknown command "plug"`},
		{"no command", nil, 2, "want a command"},
		{"too many arguments", []string{"detach", name, fixed, "extra"}, 2, "want 2 arguments, got 3"},
		{"unknown domain", []string{"list", "vwdp-no-such-domain"}, 1, `domain "vwdp-no-such-domain"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := nic(t, append([]string{"-c", uri}, tc.args...)...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.want) || r.stdout != "" {
				t.Fatalf("exit %d, stderr %q, stdout %q; want exit %d and %q", r.code, r.stderr, r.stdout, tc.code, tc.want)
			}
			if after := dumpxml(); after != before {
				t.Fatalf("the definition changed:\n%s", cmp.Diff(before, after))
			}
		})
	}

	if got := ok(t, "detach", name, mac, "--config", "-c", uri); got != "" {
		t.Fatalf("detach printed %q", got)
	}
	ok(t, "-c", uri, "detach", name, fixed) // current = persistent for a stopped domain
	if got := ok(t, "-c", uri, "list", name, "--inactive"); strings.Count(got, "\n") != 2 {
		t.Fatalf("NICs left after detaching both:\n%s", got)
	}
}
