package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/domain"
	"github.com/virtwire/virtwire/internal/lab"
	"github.com/virtwire/virtwire/xmlspec"
)

// api is a nic-api server (httptest) on a lab connection.
type api struct {
	t    *testing.T
	lab  *lab.Lab
	uri  string
	conn *virtwire.Conn
	srv  *httptest.Server
}

func newAPI(t *testing.T, uri func(*lab.Lab) string) *api {
	t.Helper()
	l := lab.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	u := uri(l)
	conn, err := virtwire.Dial(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	srv := httptest.NewServer(newHandler(conn, slog.New(slog.NewTextHandler(io.Discard, nil))))
	t.Cleanup(srv.Close)
	return &api{t: t, lab: l, uri: u, conn: conn, srv: srv}
}

// do sends a request and returns the status, the Location header and the
// body; it checks that every body is JSON.
func (a *api) do(method, path, body string) (int, string, string) {
	a.t.Helper()
	req, err := http.NewRequest(method, a.srv.URL+path, strings.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	resp, err := a.srv.Client().Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	if len(b) > 0 && resp.StatusCode != http.StatusMethodNotAllowed && !json.Valid(b) {
		a.t.Fatalf("%s %s: body %q is not JSON", method, path, b)
	}
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

func (a *api) nics(path string) []nicJSON {
	a.t.Helper()
	code, _, body := a.do("GET", path, "")
	if code != http.StatusOK {
		a.t.Fatalf("GET %s: %d %s", path, code, body)
	}
	var out []nicJSON
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		a.t.Fatal(err)
	}
	return out
}

// domiflist is virsh domiflist's rows (Interface, Type, Source, Model, MAC).
func (a *api) domiflist(name string, args ...string) [][]string {
	a.t.Helper()
	var rows [][]string
	for i, line := range strings.Split(a.lab.Virsh(a.t, a.uri, append([]string{"domiflist", name}, args...)...), "\n") {
		if i >= 2 {
			rows = append(rows, strings.Fields(line))
		}
	}
	return rows
}

func rows(nics []nicJSON) [][]string {
	var out [][]string
	for _, n := range nics {
		model := n.Model
		if model == "" {
			model = "-"
		}
		source := n.Network + n.Bridge + n.Source
		if source == "" {
			source = "-"
		}
		out = append(out, []string{n.Type, source, model, n.MAC})
	}
	return out
}

// without drops virsh's first column (the host device, which the API does
// not show).
func without(rows [][]string) [][]string {
	var out [][]string
	for _, r := range rows {
		out = append(out, r[1:])
	}
	return out
}

func unique(t *testing.T, prefix string) string {
	t.Helper()
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return prefix + "-" + hex.EncodeToString(b)
}

// Reading the test driver's running domain: what virsh domiflist shows;
// errors with their status codes; the test driver cannot change the
// persistent definition (501 on libvirt 9.0, 400 on 10.0 and later) and
// nothing changes.
func TestReadTestDomain(t *testing.T) {
	a := newAPI(t, func(l *lab.Lab) string { return l.URI(lab.UnixRW) })
	got := a.nics("/vms/test/ifaces")
	if diff := cmp.Diff(without(a.domiflist("test")), rows(got)); diff != "" {
		t.Fatalf("GET ifaces differs from virsh domiflist (-virsh +api):\n%s", diff)
	}
	code, _, body := a.do("GET", "/vms/test/ifaces/AA:BB:CC:DD:EE:FF", "")
	if code != 200 || !cmp.Equal(got[0], decodeNIC(t, body)) {
		t.Fatalf("GET one iface: %d %s, want %+v", code, body, got[0])
	}
	before := a.lab.Virsh(t, a.uri, "dumpxml", "test")
	// libvirt 9.0's test driver cannot attach devices at all (501);
	// 10.0's attaches to the live domain only, and refuses the persistent
	// definition the API changes too (400).
	attachCode, attachErr := 501, "not supported"
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if v, err := a.conn.ConnectGetLibVersion(ctx); err != nil {
		t.Fatal(err)
	} else if v >= 10000000 {
		attachCode, attachErr = 400, "unsupported flags (0x2)"
	}
	for _, tc := range []struct {
		method, path, body string
		code               int
		want               string
	}{
		{"GET", "/vms/vwdp-no-such-vm/ifaces", "", 404, `vwdp-no-such-vm`},
		{"GET", "/vms/vwdp-no-such-vm/ifaces/52:54:00:00:00:01", "", 404, `vwdp-no-such-vm`},
		{"GET", "/vms/test/ifaces/52:54:00:00:00:01", "", 404, "no NIC with that MAC address"},
		{"GET", "/vms/test/ifaces/not:a:mac", "", 400, "not:a:mac"},
		{"GET", "/vms/test/ifaces/not-a-guest-nic", "", 404, `no interface named \"not-a-guest-nic\"`},
		{"DELETE", "/vms/test/ifaces/52:54:00:00:00:01", "", 404, "no NIC with that MAC address"},
		{"POST", "/vms/test/ifaces", `{"type":"network","network":"default"}`, attachCode, attachErr},
		{"POST", "/vms/vwdp-no-such-vm/ifaces", `{"type":"network","network":"default"}`, 404, "vwdp-no-such-vm"},
		{"PUT", "/vms/test/ifaces/aa:bb:cc:dd:ee:ff", "{}", 400, "nothing to change"},
		{"PATCH", "/vms/test/ifaces/aa:bb:cc:dd:ee:ff", "{}", 405, ""},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			code, _, body := a.do(tc.method, tc.path, tc.body)
			if code != tc.code || !strings.Contains(body, tc.want) {
				t.Fatalf("%d %s; want %d and %q", code, body, tc.code, tc.want)
			}
			if tc.code != 405 && !strings.HasPrefix(body, `{"error":`) {
				t.Fatalf("error body %s", body)
			}
		})
	}
	if a.lab.Virsh(t, a.uri, "dumpxml", "test") != before {
		t.Fatal("the test domain changed")
	}
}

// The whole cycle on a stopped, persistent QEMU domain (where Kimchi's
// rule changes the persistent definition), followed with virsh; every bad
// request gets its status code and changes nothing.
func TestAttachDetach(t *testing.T) {
	a := newAPI(t, func(l *lab.Lab) string { return l.DriverURI(lab.UnixRW, "qemu", "/system") })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	network := unique(t, "vwdp-apinet")
	netDoc, _ := (&xmlspec.Network{Name: network}).Marshal()
	netRef, err := a.conn.NetworkDefineXML(ctx, string(netDoc))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.conn.NetworkUndefine(context.Background(), netRef) })
	name := unique(t, "vwdp-api")
	d, err := domain.Define(ctx, a.conn, &xmlspec.Domain{Type: "qemu", Name: name,
		Memory: &xmlspec.DomainMemory{Value: 64, Unit: "MiB"},
		OS:     &xmlspec.OS{Type: &xmlspec.OSType{Arch: "x86_64", Value: "hvm"}}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Undefine(context.Background(), 0) })
	base := "/vms/" + name + "/ifaces"

	if got := a.nics(base); len(got) != 0 {
		t.Fatalf("a domain without NICs: %v", got)
	}
	code, loc, body := a.do("POST", base, `{"type":"network","network":"`+network+`"}`)
	var created nicJSON
	if code != http.StatusCreated || json.Unmarshal([]byte(body), &created) != nil {
		t.Fatalf("POST: %d %s", code, body)
	}
	if !regexp.MustCompile(`^52:54:00(:[0-9a-f]{2}){3}$`).MatchString(created.MAC) ||
		created.Type != "network" || created.Network != network || created.Model != "virtio" {
		t.Fatalf("POST created %+v", created)
	}
	if loc != base+"/"+created.MAC {
		t.Fatalf("Location %q", loc)
	}
	fixed := "52:54:00:0a:0b:0c"
	code, _, body = a.do("POST", base, `{"type":"network","network":"`+network+`","model":"e1000","mac":"52:54:00:0A:0B:0C"}`)
	if code != http.StatusCreated {
		t.Fatalf("POST with mac and model: %d %s", code, body)
	}
	list := a.nics(base)
	if diff := cmp.Diff(without(a.domiflist(name, "--inactive")), rows(list)); diff != "" {
		t.Fatalf("GET ifaces differs from virsh domiflist --inactive (-virsh +api):\n%s", diff)
	}
	if len(list) != 2 || !cmp.Equal(list[0], created) || list[1].MAC != fixed || list[1].Model != "e1000" {
		t.Fatalf("GET ifaces: %+v", list)
	}
	code, _, body = a.do("GET", loc, "")
	if code != 200 || body != mustJSON(t, created) {
		t.Fatalf("GET %s: %d %s", loc, code, body)
	}

	before := a.lab.Virsh(t, a.uri, "dumpxml", "--inactive", name)
	for _, tc := range []struct {
		name, method, path, body string
		code                     int
		want                     string
	}{
		{"MAC in use", "POST", base, `{"type":"network","network":"` + network + `","mac":"` + fixed + `"}`, 409, "MAC address used by another NIC"},
		{"unknown network", "POST", base, `{"type":"network","network":"vwdp-no-such-net"}`, 400, "vwdp-no-such-net"},
		{"malformed JSON", "POST", base, `{"type":`, 400, "reading the request body"},
		{"two JSON values", "POST", base, `{"type":"network","network":"x"} {}`, 400, "more than one JSON value"},
		{"unknown field", "POST", base, `{"type":"network","network":"x","vlan":3}`, 400, "vlan"},
		{"no type", "POST", base, `{"network":"x"}`, 400, `\"type\" is required`},
		{"unsupported type", "POST", base, `{"type":"ethernet","network":"x"}`, 400, `unsupported NIC type \"ethernet\"`},
		{"network without name", "POST", base, `{"type":"network"}`, 400, `needs \"network\"`},
		{"malformed MAC", "POST", base, `{"type":"network","network":"x","mac":"52:54"}`, 400, "52:54"},
		{"huge body", "POST", base, `{"type":"` + strings.Repeat("x", maxBody) + `"}`, 400, "too large"},
		{"delete unknown MAC", "DELETE", base + "/52:54:00:ff:ff:ff", "", 404, "no NIC with that MAC address"},
		{"delete malformed MAC", "DELETE", base + "/52:54", "", 400, "52:54"},
		{"delete on unknown VM", "DELETE", "/vms/vwdp-no-such-vm/ifaces/" + fixed, "", 404, "vwdp-no-such-vm"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, body := a.do(tc.method, tc.path, tc.body)
			if code != tc.code || !strings.Contains(body, tc.want) {
				t.Fatalf("%d %s; want %d and %q", code, body, tc.code, tc.want)
			}
			if after := a.lab.Virsh(t, a.uri, "dumpxml", "--inactive", name); after != before {
				t.Fatalf("the definition changed:\n%s", cmp.Diff(before, after))
			}
		})
	}

	for _, mac := range []string{created.MAC, strings.ToUpper(fixed)} {
		if code, _, body := a.do("DELETE", base+"/"+mac, ""); code != http.StatusNoContent || body != "" {
			t.Fatalf("DELETE %s: %d %q", mac, code, body)
		}
		if code, _, _ := a.do("GET", base+"/"+mac, ""); code != http.StatusNotFound {
			t.Fatalf("GET after DELETE %s: %d", mac, code)
		}
	}
	if rows := a.domiflist(name, "--inactive"); len(rows) != 0 {
		t.Fatalf("virsh domiflist after deleting both: %v", rows)
	}
	if code, _, _ := a.do("DELETE", base+"/"+fixed, ""); code != http.StatusNotFound {
		t.Fatalf("second DELETE: %d", code)
	}
}

func decodeNIC(t *testing.T, body string) nicJSON {
	t.Helper()
	var n nicJSON
	if err := json.Unmarshal([]byte(body), &n); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	return n
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b) + "\n"
}

// The program serves until its context ends, then stops cleanly.
func TestRun(t *testing.T) {
	l := lab.Require(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-c", l.URI(lab.UnixRW), "-listen", "127.0.0.1:0"}, pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "serving on ")
	if !ok {
		t.Fatalf("first line %q", line)
	}
	go io.Copy(io.Discard, pr)
	resp, err := http.Get(url + "/vms/test/ifaces")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	http.DefaultClient.CloseIdleConnections()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "aa:bb:cc:dd:ee:ff") {
		t.Fatalf("GET: %d %s", resp.StatusCode, body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop")
	}
	if err := run(context.Background(), []string{"extra"}, io.Discard, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "unexpected arguments") {
		t.Fatalf("run with an argument: %v", err)
	}
}
