package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/examples/internal/cli"
	"github.com/virtwire/virtwire/internal/lab"
)

// adminURI is the lab's main admin socket as virt-admin takes it.
func adminURI(t *testing.T) (*lab.Lab, string) {
	t.Helper()
	l := lab.Require(t)
	if l.AdminSocket == "" {
		t.Fatalf("the lab in %s records no admin socket (restart it: make lab-down lab-up)", l.Dir)
	}
	return l, "libvirtd:///system?socket=" + l.AdminSocket
}

func runAdmin(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	code = cli.Exit("admin", run(ctx, args, &out, &errOut), &errOut)
	return out.String(), errOut.String(), code
}

func virtAdmin(t *testing.T, uri string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "virt-admin", append([]string{"-c", uri}, args...)...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("%w: %s", err, strings.TrimSpace(errOut.String()))
	}
	return string(out), nil
}

// Every command prints exactly what virt-admin prints on the same daemon,
// under each of the names virt-admin gives it. The libvirtd server's
// clients include a Conn of the test's own, so the list has a row.
func TestLikeVirtAdmin(t *testing.T) {
	l, uri := adminURI(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	vc, err := virtwire.Dial(ctx, l.URI(lab.UnixRW))
	if err != nil {
		t.Fatal(err)
	}
	defer vc.Close()
	for _, tt := range []struct {
		virtAdmin []string // virt-admin's command line
		names     []string // the example's names for the command
	}{
		{[]string{"srv-list"}, []string{"srv-list", "server-list"}},
		{[]string{"srv-threadpool-info", "libvirtd"}, []string{"srv-threadpool-info", "server-threadpool-info"}},
		{[]string{"srv-clients-list", "libvirtd"}, []string{"srv-clients-list", "client-list"}},
		{[]string{"daemon-log-filters"}, []string{"dmn-log-filters", "daemon-log-filters"}},
	} {
		want, err := virtAdmin(t, uri, tt.virtAdmin...)
		if err != nil {
			t.Fatalf("virt-admin %v: %v", tt.virtAdmin, err)
		}
		if tt.virtAdmin[0] == "srv-clients-list" && strings.Count(want, "\n") < 4 {
			t.Fatalf("virt-admin lists no client:\n%s", want)
		}
		for _, name := range tt.names {
			args := append([]string{"-c", uri, name}, tt.virtAdmin[1:]...)
			out, errOut, code := runAdmin(t, args...)
			if code != 0 || errOut != "" {
				t.Fatalf("admin %v: exit %d, stderr %q", args, code, errOut)
			}
			if diff := cmp.Diff(want, out); diff != "" {
				t.Errorf("admin %v (-virt-admin +ours):\n%s", args, diff)
			}
		}
	}
}

// Without -c the example uses virt-admin's default URI.
func TestDefaultURI(t *testing.T) {
	_, uri := adminURI(t)
	t.Setenv("LIBVIRT_ADMIN_DEFAULT_URI", uri)
	want, err := virtAdmin(t, uri, "srv-list")
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runAdmin(t, "srv-list")
	if code != 0 || out != want {
		t.Errorf("exit %d, stderr %q, output %q, want %q", code, errOut, out, want)
	}
}

// Mistakes: a usage error (exit 2) names what is wrong; the daemon's
// error (exit 1) says what virt-admin says.
func TestErrors(t *testing.T) {
	_, uri := adminURI(t)
	for _, tt := range []struct {
		args []string
		code int
		text string
	}{
		{[]string{"-c", uri}, 2, "missing command"},
		{[]string{"-c", uri, "srv-frobnicate"}, 2, `unknown command "srv-frobnicate"`},
		{[]string{"-c", uri, "srv-threadpool-info"}, 2, "takes 1 argument"},
		{[]string{"-c", uri, "srv-threadpool-info", "nosuch"}, 1, "No server named 'nosuch'"},
		{[]string{"-c", "libvirtd+tcp://host/system", "srv-list"}, 1, "unix socket only"},
	} {
		out, errOut, code := runAdmin(t, tt.args...)
		if code != tt.code || !strings.Contains(errOut, tt.text) || out != "" {
			t.Errorf("admin %v: exit %d, stdout %q, stderr %q; want exit %d saying %q", tt.args, code, out, errOut, tt.code, tt.text)
		}
	}
}
