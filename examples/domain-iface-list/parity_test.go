package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/domain"
	"github.com/virtwire/virtwire/internal/fakeserver"
	"github.com/virtwire/virtwire/internal/lab"
	"github.com/virtwire/virtwire/protocol/remote"
	"github.com/virtwire/virtwire/xmlspec"
)

// The differences from virtomate's domain-iface-list that its users meet.

// jsonValue decodes a JSON document for structural comparison.
func jsonValue(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("output %q is not JSON: %v", s, err)
	}
	return v
}

// virshError is the message virsh prints for a failed command, without its
// "error: " and the line before it that names the command.
func virshError(t *testing.T, virsh func(context.Context, ...string) (string, error), args ...string) string {
	t.Helper()
	out, err := virsh(context.Background(), args...)
	if err == nil {
		t.Fatalf("virsh %v succeeded: %s", args, out)
	}
	var msg string
	for _, line := range strings.Split(err.Error()+"\n"+out, "\n") {
		if m, ok := strings.CutPrefix(strings.TrimSpace(line), "error: "); ok {
			msg = m // the last error line is libvirt's message
		}
	}
	if msg == "" {
		t.Fatalf("virsh %v: no error line in %q / %v", args, out, err)
	}
	return msg
}

// Failures are virtomate's {"message", "type"} on stdout with exit 1 and
// nothing on stderr, compact or (-p) indented; libvirt's own errors carry
// the message virsh prints for the same request.
func TestErrorsAsJSON(t *testing.T) {
	l := lab.Require(t)
	uri := l.URI(lab.UnixRW)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := virtwire.Dial(ctx, uri)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	stopped := "vwdp-ifl-" + time.Now().Format("150405.000000")
	d, err := domain.Define(ctx, conn, &xmlspec.Domain{Type: "test", Name: stopped,
		Memory: &xmlspec.DomainMemory{Value: 64, Unit: "MiB"}, OS: &xmlspec.OS{Type: &xmlspec.OSType{Value: "hvm"}}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Undefine(context.Background(), 0)

	ro := l.URI(lab.UnixRO)
	readOnly := virshError(t, func(ctx context.Context, args ...string) (string, error) { return l.RunVirsh(ctx, ro, args...) },
		"domifaddr", "test", "--source", "agent")
	for _, tc := range []struct {
		name string
		args []string
		want map[string]any
	}{
		{"unknown domain", []string{"-c", uri, "vwdp-no-such-domain"},
			map[string]any{"type": "NotFoundError", "message": "Domain 'vwdp-no-such-domain' does not exist"}},
		{"stopped domain", []string{"-c", uri, stopped},
			map[string]any{"type": "IllegalStateError", "message": "Domain '" + stopped + "' is not running"}},
		{"libvirt's error", []string{"-c", ro, "--source", "agent", "test"},
			map[string]any{"type": "libvirtError", "message": readOnly}},
		{"unreachable daemon", []string{"-c", "test+unix:///default?socket=/nonexistent/sock", "test"}, nil},
	} {
		for _, pretty := range []bool{false, true} {
			args := tc.args
			if pretty {
				args = append([]string{"-p"}, args...)
			}
			r := runCmd(t, args...)
			if r.code != 1 || r.stderr != "" {
				t.Fatalf("%s: exit %d, stderr %q; want exit 1 and nothing on stderr", tc.name, r.code, r.stderr)
			}
			got := jsonValue(t, r.stdout)
			want := any(tc.want)
			if tc.want == nil {
				m, _ := got.(map[string]any)
				if msg, _ := m["message"].(string); m["type"] != "ConnectionError" || !strings.Contains(msg, "/nonexistent/sock") {
					t.Fatalf("%s: %s", tc.name, r.stdout)
				}
				want = got
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s (-p %v): (-want +got):\n%s", tc.name, pretty, diff)
			}
			if lines := strings.Count(r.stdout, "\n"); pretty && lines != 4 || !pretty && lines != 1 {
				t.Errorf("%s (-p %v): %d lines:\n%s", tc.name, pretty, lines, r.stdout)
			}
		}
	}
	if !strings.Contains(readOnly, "read only") {
		t.Errorf("virsh's error on a read-only connection: %q", readOnly)
	}
}

// --connection, virtomate's spelling of the URI flag, works beside -c and
// --connect.
func TestConnectionFlag(t *testing.T) {
	l := lab.Require(t)
	uri := l.URI(lab.UnixRW)
	want := runCmd(t, "-c", uri, "test")
	if want.code != 0 {
		t.Fatalf("-c: exit %d: %s%s", want.code, want.stderr, want.stdout)
	}
	for _, args := range [][]string{{"--connection", uri, "test"}, {"--connection=" + uri, "test"}, {"test", "--connect", uri}} {
		r := runCmd(t, args...)
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("%q: exit %d, stderr %q", args, r.code, r.stderr)
		}
		if diff := cmp.Diff(jsonValue(t, want.stdout), jsonValue(t, r.stdout)); diff != "" {
			t.Errorf("%q differs from -c (-c +got):\n%s", args, diff)
		}
	}
}

// A value from the guest agent that does not parse leaves out that value
// only: the other interfaces and addresses are printed, a warning naming
// the bad one goes to stderr, and the exit status is 0. No real guest
// agent can be made to report garbage, so a fake daemon does.
func TestUnparsableAgentValue(t *testing.T) {
	str := func(s string) *string { return &s }
	ifaces := []remote.DomainInterface{
		{Name: "lo", Hwaddr: str("00:00:00:00:00:00"), Addrs: []remote.DomainIPAddr{{Type: 0, Addr: "127.0.0.1", Prefix: 8}, {Type: 1, Addr: "::1", Prefix: 128}}},
		{Name: "eth0", Hwaddr: str("52:54:00:12:34:56"), Addrs: []remote.DomainIPAddr{{Type: 0, Addr: "10.0.0.300", Prefix: 24}, {Type: 0, Addr: "10.0.0.5", Prefix: 24}}},
		{Name: "eth1", Hwaddr: str("not-a-mac"), Addrs: []remote.DomainIPAddr{{Type: 1, Addr: "fd00::5", Prefix: 64}}},
	}
	srv := &fakeserver.Server{Handle: func(c *fakeserver.Conn, req *fakeserver.Request) bool {
		switch remote.Procedure(req.Header.Procedure) {
		case remote.ProcDomainLookupByName:
			var args remote.DomainLookupByNameArgs
			if err := req.Decode(&args); err != nil {
				return false
			}
			if args.Name != "guest" {
				return c.ReplyError(req, int32(virtwire.ErrNoDomain), "Domain not found") == nil
			}
			return c.Reply(req, &remote.DomainLookupByNameRet{Dom: remote.Domain{Name: "guest", ID: 1}}) == nil
		case remote.ProcDomainIsActive:
			return c.Reply(req, &remote.DomainIsActiveRet{Active: 1}) == nil
		case remote.ProcDomainInterfaceAddresses:
			return c.Reply(req, &remote.DomainInterfaceAddressesRet{Ifaces: ifaces}) == nil
		}
		return false
	}}
	uri := "test+unix:///default?socket=" + srv.ListenUnix(t)
	r := runCmd(t, "-c", uri, "--source", "agent", "guest")
	if r.code != 0 {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	want := jsonValue(t, `[
		{"addresses": [{"address": "fd00::5", "prefix": 64, "type": "IPv6"}], "hwaddr": null, "name": "eth1"},
		{"addresses": [{"address": "127.0.0.1", "prefix": 8, "type": "IPv4"}, {"address": "::1", "prefix": 128, "type": "IPv6"}], "hwaddr": "00:00:00:00:00:00", "name": "lo"},
		{"addresses": [{"address": "10.0.0.5", "prefix": 24, "type": "IPv4"}], "hwaddr": "52:54:00:12:34:56", "name": "eth0"}
	]`)
	if diff := cmp.Diff(want, jsonValue(t, r.stdout)); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"eth0"`) || !strings.Contains(lines[0], "10.0.0.300") ||
		!strings.Contains(lines[1], `"eth1"`) || !strings.Contains(lines[1], "not-a-mac") {
		t.Errorf("stderr should warn about each left-out value:\n%s", r.stderr)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "domain-iface-list: warning: ") {
			t.Errorf("warning %q", l)
		}
	}
	if r.err != nil {
		t.Errorf("run returned %v", r.err)
	}
}
