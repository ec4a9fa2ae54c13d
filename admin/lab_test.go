package admin_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/admin"
	"github.com/virtwire/virtwire/internal/lab"
)

// daemonSocket is one admin socket of the lab: the daemon's admin URI name
// (libvirtd, virtqemud...) and the socket's path.
type daemonSocket struct {
	daemon, path string
}

func (d daemonSocket) uri() string { return adminURI(d.daemon, d.path) }

// labSockets returns the running lab and every admin socket it records:
// the main daemon's (Lab.AdminSocket), and every other "admin_socket" in
// its description next to the daemon's "name" (the modular daemons, in
// labs that have them), so that the tests cover each without depending on
// the fields that describe them.
func labSockets(t *testing.T) (*lab.Lab, []daemonSocket) {
	t.Helper()
	l := lab.Require(t)
	if l.AdminSocket == "" {
		t.Fatalf("the lab in %s records no admin socket (restart it: make lab-down lab-up)", l.Dir)
	}
	socks := []daemonSocket{{"libvirtd", l.AdminSocket}}
	path, err := lab.StatePath()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if p, ok := v["admin_socket"].(string); ok && p != "" && p != l.AdminSocket {
				name, _ := v["name"].(string)
				if !strings.HasPrefix(name, "virt") {
					t.Fatalf("lab.json: admin socket %s belongs to no modular daemon (name %q)", p, name)
				}
				socks = append(socks, daemonSocket{name, p})
			}
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(doc)
	return l, socks
}

// eachSocket runs f as a subtest for every admin socket of the lab.
func eachSocket(t *testing.T, f func(t *testing.T, l *lab.Lab, s daemonSocket, c *admin.Conn)) {
	l, socks := labSockets(t)
	for _, s := range socks {
		t.Run(s.daemon, func(t *testing.T) {
			f(t, l, s, dialAdmin(t, s.uri()))
		})
	}
}

func dialAdmin(t *testing.T, uri string) *admin.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := admin.Dial(ctx, uri)
	if err != nil {
		t.Fatalf("admin.Dial(%s): %v", uri, err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return c
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// runVirtAdmin runs `virt-admin -c uri args...` in the C locale and
// returns its standard output, or an error holding its standard error.
func runVirtAdmin(ctx context.Context, uri string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "virt-admin", append([]string{"-c", uri}, args...)...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("virt-admin %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}

func virtAdmin(t *testing.T, uri string, args ...string) string {
	t.Helper()
	out, err := runVirtAdmin(testCtx(t), uri, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// tableRows returns the rows of a virt-admin table, split into fields.
func tableRows(out string) [][]string {
	var rows [][]string
	lines := strings.Split(out, "\n")
	for i, line := range lines {
		if i < 2 || strings.TrimSpace(line) == "" {
			continue // the header and its dashes
		}
		rows = append(rows, strings.Fields(line))
	}
	return rows
}

// fields parses virt-admin's "name : value" lines.
func fields(out string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			m[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return m
}

func uintField(t *testing.T, m map[string]string, name string) uint32 {
	t.Helper()
	v, err := strconv.ParseUint(m[name], 10, 32)
	if err != nil {
		t.Fatalf("virt-admin's %s: %v (all: %v)", name, err, m)
	}
	return uint32(v)
}

func servers(t *testing.T, c *admin.Conn) []admin.Server {
	t.Helper()
	srvs, n, err := c.ConnectListServers(testCtx(t), 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if int(n) != len(srvs) || len(srvs) == 0 {
		t.Fatalf("ConnectListServers: %d servers, count %d", len(srvs), n)
	}
	return srvs
}

// The servers, as virt-admin srv-list lists them.
func TestServerList(t *testing.T) {
	eachSocket(t, func(t *testing.T, l *lab.Lab, s daemonSocket, c *admin.Conn) {
		if c.Socket() != s.path {
			t.Errorf("Socket() = %q, want %q", c.Socket(), s.path)
		}
		var got, want []string
		for _, srv := range servers(t, c) {
			got = append(got, srv.Name)
		}
		for i, row := range tableRows(virtAdmin(t, s.uri(), "srv-list")) {
			if row[0] != strconv.Itoa(i) {
				t.Fatalf("virt-admin srv-list row %d: %v", i, row)
			}
			want = append(want, row[1])
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("servers (-virt-admin +ours):\n%s", diff)
		}
		if !slices.Contains(got, "admin") {
			t.Errorf("no admin server among %v", got)
		}
	})
}

// The daemon's version, as virt-admin version shows it.
func TestLibVersion(t *testing.T) {
	eachSocket(t, func(t *testing.T, l *lab.Lab, s daemonSocket, c *admin.Conn) {
		v, err := c.ConnectGetLibVersion(testCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		want := fields(virtAdmin(t, s.uri(), "version"))["Running against daemon"]
		got := fmt.Sprintf("%d.%d.%d", v/1000000, v/1000%1000, v%1000)
		if got != want {
			t.Errorf("ConnectGetLibVersion = %d (%s), virt-admin says %q", v, got, want)
		}
	})
}

// Every server's worker pool, as virt-admin srv-threadpool-info shows it.
func TestThreadPoolInfo(t *testing.T) {
	eachSocket(t, func(t *testing.T, l *lab.Lab, s daemonSocket, c *admin.Conn) {
		for _, srv := range servers(t, c) {
			out := virtAdmin(t, s.uri(), "srv-threadpool-info", srv.Name)
			want := fields(out)
			raw, err := c.ServerGetThreadpoolParameters(testCtx(t), srv, 0)
			if err != nil {
				t.Fatal(err)
			}
			var names, wantNames []string
			for _, p := range raw {
				names = append(names, p.Field)
			}
			for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
				k, _, _ := strings.Cut(line, ":")
				wantNames = append(wantNames, strings.TrimSpace(k))
			}
			if diff := cmp.Diff(wantNames, names); diff != "" {
				t.Errorf("%s: parameters (-virt-admin +ours):\n%s", srv.Name, diff)
			}
			p, err := c.ServerThreadPool(testCtx(t), srv)
			if err != nil {
				t.Fatal(err)
			}
			// The sizes are settings; the counts may move between two
			// readers' calls, so they are checked for sense.
			for name, got := range map[string]uint32{"minWorkers": p.MinWorkers, "maxWorkers": p.MaxWorkers, "prioWorkers": p.PrioWorkers} {
				if w := uintField(t, want, name); got != w {
					t.Errorf("%s: %s = %d, virt-admin says %d", srv.Name, name, got, w)
				}
			}
			if p.FreeWorkers > p.NWorkers || p.NWorkers > p.MaxWorkers || p.NWorkers < p.MinWorkers {
				t.Errorf("%s: %+v makes no sense", srv.Name, p)
			}
		}
	})
}

// Setting a server's worker pool shows in virt-admin; the old sizes are
// restored.
func TestThreadPoolSet(t *testing.T) {
	eachSocket(t, func(t *testing.T, l *lab.Lab, s daemonSocket, c *admin.Conn) {
		srv := servers(t, c)[0]
		ctx := testCtx(t)
		old, err := c.ServerThreadPool(ctx, srv)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			restore := admin.ThreadPoolSettings{MaxWorkers: &old.MaxWorkers, PrioWorkers: &old.PrioWorkers}
			if err := c.SetServerThreadPool(context.Background(), srv, restore); err != nil {
				t.Errorf("restoring the pool: %v", err)
			}
			w := fields(virtAdmin(t, s.uri(), "srv-threadpool-info", srv.Name))
			if uintField(t, w, "maxWorkers") != old.MaxWorkers || uintField(t, w, "prioWorkers") != old.PrioWorkers {
				t.Errorf("after restoring, virt-admin says %v, want max %d prio %d", w, old.MaxWorkers, old.PrioWorkers)
			}
		})
		max, prio := old.MaxWorkers+3, old.PrioWorkers+1
		if err := c.SetServerThreadPool(ctx, srv, admin.ThreadPoolSettings{MaxWorkers: &max, PrioWorkers: &prio}); err != nil {
			t.Fatal(err)
		}
		got, err := c.ServerThreadPool(ctx, srv)
		if err != nil {
			t.Fatal(err)
		}
		if got.MaxWorkers != max || got.PrioWorkers != prio || got.MinWorkers != old.MinWorkers {
			t.Errorf("read back %+v, want max %d prio %d min %d", got, max, prio, old.MinWorkers)
		}
		w := fields(virtAdmin(t, s.uri(), "srv-threadpool-info", srv.Name))
		if uintField(t, w, "maxWorkers") != max || uintField(t, w, "prioWorkers") != prio {
			t.Errorf("virt-admin says %v, want max %d prio %d", w, max, prio)
		}
		// The daemon refuses what makes no sense, and says why.
		zero := uint32(0)
		err = c.SetServerThreadPool(ctx, srv, admin.ThreadPoolSettings{MaxWorkers: &zero})
		var e *admin.Error
		if !errors.As(err, &e) || e.Message == "" {
			t.Errorf("maxWorkers 0: %v, want the daemon's *Error", err)
		}
		if err := c.SetServerThreadPool(ctx, srv, admin.ThreadPoolSettings{}); err == nil {
			t.Error("SetServerThreadPool with no setting succeeded")
		}
	})
}

// A server's client limits, as virt-admin srv-clients-info shows them, and
// set and restored.
func TestClientLimits(t *testing.T) {
	eachSocket(t, func(t *testing.T, l *lab.Lab, s daemonSocket, c *admin.Conn) {
		srv := servers(t, c)[0]
		ctx := testCtx(t)
		old, err := c.ServerClientLimits(ctx, srv)
		if err != nil {
			t.Fatal(err)
		}
		w := fields(virtAdmin(t, s.uri(), "srv-clients-info", srv.Name))
		if uintField(t, w, "nclients_max") != old.NClientsMax || uintField(t, w, "nclients_unauth_max") != old.NClientsUnauthMax {
			t.Errorf("ServerClientLimits = %+v, virt-admin says %v", old, w)
		}
		if old.NClients > old.NClientsMax || old.NClientsUnauth > old.NClients {
			t.Errorf("%+v makes no sense", old)
		}
		t.Cleanup(func() {
			restore := admin.ClientLimitsSettings{NClientsMax: &old.NClientsMax, NClientsUnauthMax: &old.NClientsUnauthMax}
			if err := c.SetServerClientLimits(context.Background(), srv, restore); err != nil {
				t.Errorf("restoring the limits: %v", err)
			}
			w := fields(virtAdmin(t, s.uri(), "srv-clients-info", srv.Name))
			if uintField(t, w, "nclients_max") != old.NClientsMax || uintField(t, w, "nclients_unauth_max") != old.NClientsUnauthMax {
				t.Errorf("after restoring, virt-admin says %v, want %+v", w, old)
			}
		})
		max, unauth := old.NClientsMax+7, old.NClientsUnauthMax+2
		if err := c.SetServerClientLimits(ctx, srv, admin.ClientLimitsSettings{NClientsMax: &max, NClientsUnauthMax: &unauth}); err != nil {
			t.Fatal(err)
		}
		w = fields(virtAdmin(t, s.uri(), "srv-clients-info", srv.Name))
		if uintField(t, w, "nclients_max") != max || uintField(t, w, "nclients_unauth_max") != unauth {
			t.Errorf("virt-admin says %v, want nclients_max %d nclients_unauth_max %d", w, max, unauth)
		}
		got, err := c.ServerClientLimits(ctx, srv)
		if err != nil || got.NClientsMax != max || got.NClientsUnauthMax != unauth {
			t.Errorf("read back %+v, %v", got, err)
		}
	})
}

// The daemon's log filters and outputs, as virt-admin shows them, set and
// restored.
func TestLogging(t *testing.T) {
	eachSocket(t, func(t *testing.T, l *lab.Lab, s daemonSocket, c *admin.Conn) {
		ctx := testCtx(t)
		logged := func(what string) string {
			t.Helper()
			out := virtAdmin(t, s.uri(), "daemon-log-"+what)
			_, v, ok := strings.Cut(out, ":")
			if !ok {
				t.Fatalf("virt-admin daemon-log-%s: %q", what, out)
			}
			return strings.TrimSpace(v)
		}
		filters := func() string {
			t.Helper()
			f, n, err := c.ConnectGetLoggingFilters(ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			if f == nil {
				if n != 0 {
					t.Errorf("no filters, count %d", n)
				}
				return ""
			}
			return strings.TrimSpace(*f)
		}
		outputs := func() string {
			t.Helper()
			o, n, err := c.ConnectGetLoggingOutputs(ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 && o != "" {
				t.Errorf("outputs %q, count 0", o)
			}
			return strings.TrimSpace(o)
		}
		oldFilters, oldOutputs := filters(), outputs()
		if want := logged("filters"); oldFilters != want {
			t.Errorf("filters %q, virt-admin says %q", oldFilters, want)
		}
		if want := logged("outputs"); oldOutputs != want {
			t.Errorf("outputs %q, virt-admin says %q", oldOutputs, want)
		}
		t.Cleanup(func() {
			ctx := context.Background()
			if err := c.ConnectSetLoggingFilters(ctx, &oldFilters, 0); err != nil {
				t.Errorf("restoring the filters: %v", err)
			}
			if err := c.ConnectSetLoggingOutputs(ctx, &oldOutputs, 0); err != nil {
				t.Errorf("restoring the outputs: %v", err)
			}
			if f, o := logged("filters"), logged("outputs"); f != oldFilters || o != oldOutputs {
				t.Errorf("after restoring, virt-admin says filters %q outputs %q, want %q and %q", f, o, oldFilters, oldOutputs)
			}
		})
		newFilters := "3:rpc 4:util"
		if err := c.ConnectSetLoggingFilters(ctx, &newFilters, 0); err != nil {
			t.Fatal(err)
		}
		got := filters()
		if want := logged("filters"); got != want || !strings.Contains(got, "rpc") || !strings.Contains(got, "util") {
			t.Errorf("after setting %q: filters %q, virt-admin says %q", newFilters, got, want)
		}
		// The same destination at another level: the daemon's log stays
		// where the lab looks for it.
		_, dest, ok := strings.Cut(oldOutputs, ":")
		if !ok {
			dest = "stderr"
		}
		newOutputs := "2:" + dest
		if err := c.ConnectSetLoggingOutputs(ctx, &newOutputs, 0); err != nil {
			t.Fatal(err)
		}
		if got, want := outputs(), logged("outputs"); got != newOutputs || want != newOutputs {
			t.Errorf("after setting %q: outputs %q, virt-admin says %q", newOutputs, got, want)
		}
		bad := "9:nowhere"
		var e *admin.Error
		if err := c.ConnectSetLoggingOutputs(ctx, &bad, 0); !errors.As(err, &e) {
			t.Errorf("outputs %q: %v, want the daemon's *Error", bad, err)
		}
	})
}

// A root-package Conn shows among the main server's clients as virt-admin
// lists them, with its identity as virt-admin client-info shows it; once
// an admin disconnects it, the Conn ends with a reason and the client is
// gone.
func TestClients(t *testing.T) {
	l, socks := labSockets(t)
	s := socks[0] // the main daemon, whose hypervisor socket the lab records
	c := dialAdmin(t, s.uri())
	ctx := testCtx(t)
	srv, err := c.ConnectLookupServer(ctx, "libvirtd", 0)
	if err != nil {
		t.Fatal(err)
	}
	ids := func() []uint64 {
		t.Helper()
		clients, n, err := c.ServerListClients(ctx, srv, 1, 0)
		if err != nil {
			t.Fatal(err)
		}
		if int(n) != len(clients) {
			t.Fatalf("%d clients, count %d", len(clients), n)
		}
		var out []uint64
		for _, cl := range clients {
			out = append(out, cl.ID)
		}
		return out
	}
	before := ids()
	vc, err := virtwire.Dial(ctx, l.URI(lab.UnixRW))
	if err != nil {
		t.Fatal(err)
	}
	defer vc.Close()
	var mine *admin.Client
	clients, _, err := c.ServerListClients(ctx, srv, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, cl := range clients {
		if !slices.Contains(before, cl.ID) {
			if mine != nil {
				t.Fatalf("two new clients: %d and %d", mine.ID, cl.ID)
			}
			mine = &clients[i]
		}
	}
	if mine == nil {
		t.Fatalf("the new Conn is not among the clients %v (before: %v)", clients, before)
	}
	if tr := admin.ClientTransport(mine.Transport); tr != admin.ClientTransUnix || mine.Srv.Name != "libvirtd" {
		t.Errorf("client %+v: transport %v", *mine, tr)
	}
	if ago := time.Since(time.Unix(mine.Timestamp, 0)); ago < -time.Minute || ago > 5*time.Minute {
		t.Errorf("client connected %v ago", ago)
	}

	// The list, as virt-admin srv-clients-list prints it.
	var got, want [][]string
	for _, cl := range clients {
		since := time.Unix(cl.Timestamp, 0).Local().Format("2006-01-02 15:04:05-0700")
		got = append(got, append([]string{strconv.FormatUint(cl.ID, 10), admin.ClientTransport(cl.Transport).Name()}, strings.Fields(since)...))
	}
	want = tableRows(virtAdmin(t, s.uri(), "srv-clients-list", "libvirtd"))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("clients (-virt-admin +ours):\n%s", diff)
	}

	looked, err := c.ServerLookupClient(ctx, srv, mine.ID, 0)
	if err != nil || looked != *mine {
		t.Errorf("ServerLookupClient(%d) = %+v, %v; want %+v", mine.ID, looked, err, *mine)
	}

	// Its identity, as virt-admin client-info shows it.
	info, err := c.ClientInfo(ctx, *mine)
	if err != nil {
		t.Fatal(err)
	}
	if info.Readonly || info.UnixUserID != int32(os.Geteuid()) || info.UnixProcessID != int32(os.Getpid()) || info.UnixUserName == "" {
		t.Errorf("ClientInfo = %+v; want read-write, uid %d, pid %d", info, os.Geteuid(), os.Getpid())
	}
	wantInfo := fields(virtAdmin(t, s.uri(), "client-info", "libvirtd", strconv.FormatUint(mine.ID, 10)))
	for _, k := range []string{"id", "connection_time", "transport"} {
		delete(wantInfo, k)
	}
	gotInfo := map[string]string{}
	for _, p := range info.Params {
		gotInfo[p.Field] = paramText(p)
	}
	if diff := cmp.Diff(wantInfo, gotInfo); diff != "" {
		t.Errorf("client info (-virt-admin +ours):\n%s", diff)
	}

	// Disconnected by the admin: the Conn ends, with the daemon's EOF.
	if err := c.ClientClose(ctx, *mine, 0); err != nil {
		t.Fatal(err)
	}
	select {
	case <-vc.Done():
	case <-ctx.Done():
		t.Fatal("the disconnected Conn did not end")
	}
	if reason, ok := vc.CloseReason(); !ok || reason != virtwire.CloseReasonEOF || !errors.Is(vc.Err(), virtwire.ErrDisconnected) {
		t.Errorf("disconnected Conn: reason %v (%v), Err %v", reason, ok, vc.Err())
	}
	if _, err := vc.ConnectGetLibVersion(ctx); !errors.Is(err, virtwire.ErrDisconnected) {
		t.Errorf("a call on the disconnected Conn: %v", err)
	}
	if slices.Contains(ids(), mine.ID) {
		t.Errorf("client %d still listed after ClientClose", mine.ID)
	}
	_, err = c.ServerLookupClient(ctx, srv, mine.ID, 0)
	if !errors.Is(err, virtwire.ErrNoClient) {
		t.Errorf("looking up the closed client: %v, want ErrNoClient", err)
	}
	if _, err := runVirtAdmin(ctx, s.uri(), "client-info", "libvirtd", strconv.FormatUint(mine.ID, 10)); err == nil || !strings.Contains(err.Error(), "Client not found") {
		t.Errorf("virt-admin client-info of the closed client: %v", err)
	}
}

// paramText formats a typed parameter as virt-admin prints it
// (virTypedParameterToString).
func paramText(p admin.TypedParam) string {
	v := p.Value
	switch virtwire.TypedParameterType(v.Type) {
	case virtwire.TypedParamInt:
		return strconv.FormatInt(int64(v.I), 10)
	case virtwire.TypedParamUint:
		return strconv.FormatUint(uint64(v.Ui), 10)
	case virtwire.TypedParamLlong:
		return strconv.FormatInt(v.L, 10)
	case virtwire.TypedParamUllong:
		return strconv.FormatUint(v.Ul, 10)
	case virtwire.TypedParamDouble:
		return strconv.FormatFloat(v.D, 'f', 6, 64)
	case virtwire.TypedParamBoolean:
		if v.B != 0 {
			return "yes"
		}
		return "no"
	}
	return v.S
}

// Errors the daemon reports are the root package's, with its sentinels,
// and say what virt-admin says.
func TestDaemonErrors(t *testing.T) {
	eachSocket(t, func(t *testing.T, l *lab.Lab, s daemonSocket, c *admin.Conn) {
		ctx := testCtx(t)
		_, err := c.ConnectLookupServer(ctx, "nosuch", 0)
		var e *admin.Error
		if !errors.Is(err, virtwire.ErrNoServer) || !errors.As(err, &e) {
			t.Fatalf("ConnectLookupServer(nosuch): %v, want ErrNoServer", err)
		}
		_, vaErr := runVirtAdmin(ctx, s.uri(), "srv-threadpool-info", "nosuch")
		if vaErr == nil || !strings.Contains(vaErr.Error(), e.Message) {
			t.Errorf("our message %q is not virt-admin's: %v", e.Message, vaErr)
		}
		srv := servers(t, c)[0]
		if _, err := c.ServerLookupClient(ctx, srv, 1<<62, 0); !errors.Is(err, virtwire.ErrNoClient) {
			t.Errorf("ServerLookupClient of no client: %v, want ErrNoClient", err)
		}
		// The connection survives the errors.
		if _, err := c.ConnectGetLibVersion(ctx); err != nil {
			t.Errorf("after the errors: %v", err)
		}
	})
}

// ServerUpdateTLSFiles answers as virt-admin srv-update-tls does. The
// lab's TLS daemon (the main one) keeps its certificates where its
// configuration says, and libvirt reloads only from the default places, so
// both fail with the same error there; the admin server has no TLS at all.
func TestUpdateTLSFiles(t *testing.T) {
	l, socks := labSockets(t)
	s := socks[0]
	c := dialAdmin(t, s.uri())
	ctx := testCtx(t)
	for _, name := range []string{"libvirtd", "admin"} {
		srv, err := c.ConnectLookupServer(ctx, name, 0)
		if err != nil {
			t.Fatal(err)
		}
		err = c.ServerUpdateTLSFiles(ctx, srv, 0)
		_, vaErr := runVirtAdmin(ctx, s.uri(), "srv-update-tls", name)
		switch {
		case err == nil && vaErr == nil:
		case err != nil && vaErr != nil:
			var e *admin.Error
			if !errors.As(err, &e) || !strings.Contains(vaErr.Error(), e.Message) {
				t.Errorf("%s: ours %v, virt-admin %v", name, err, vaErr)
			}
		default:
			t.Errorf("%s: ours %v, virt-admin %v", name, err, vaErr)
		}
	}
	// Whatever the reload did, the TLS listener still serves.
	vc, err := virtwire.Dial(ctx, l.URI(lab.TLS))
	if err != nil {
		t.Fatalf("TLS after the reload: %v", err)
	}
	vc.Close()
}

// The daemon-wide calls libvirt 9.0 lacks or that end the daemon, on a
// throwaway daemon of the test's own.
func TestDaemonTimeoutAndShutdown(t *testing.T) {
	d := lab.StartDaemon(t)
	sock := strings.TrimSuffix(d.Socket, "libvirt-sock") + "libvirt-admin-sock"
	c := dialAdmin(t, adminURI("libvirtd", sock))
	ctx := testCtx(t)
	if err := c.ConnectSetDaemonTimeout(ctx, 0, 0); err != nil {
		t.Errorf("ConnectSetDaemonTimeout(0): %v", err)
	}
	if _, err := runVirtAdmin(ctx, adminURI("libvirtd", sock), "daemon-timeout", "--timeout", "0"); err != nil {
		t.Errorf("virt-admin daemon-timeout: %v", err)
	}
	v, err := c.ConnectGetLibVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	err = c.ConnectDaemonShutdown(ctx, 0)
	if v < 11002000 {
		// ADMIN_PROC_CONNECT_DAEMON_SHUTDOWN came with libvirt 11.2.
		if !virtwire.IsUnsupported(err) {
			t.Errorf("ConnectDaemonShutdown on libvirt %d: %v, want unsupported", v, err)
		}
		return
	}
	// libvirt 11.3's daemon may shut down before its reply is sent; then
	// the call ends with the connection, as libvirt's client's does.
	if err != nil && !errors.Is(err, virtwire.ErrDisconnected) {
		t.Fatal(err)
	}
	select {
	case <-c.Done():
	case <-ctx.Done():
		t.Fatal("the daemon did not shut down")
	}
}

// Dial refuses what libvirt's admin library refuses, naming the problem,
// before connecting anywhere.
func TestDialRefuses(t *testing.T) {
	ctx := testCtx(t)
	for _, uri := range []string{
		"libvirtd+tcp://host/system",
		"virtqemud+ssh://root@host/system",
		"libvirtd://host/system",
		"qemu:///system",
		"libvirtd:///default",
		"libvirtd:///system?mode=direct",
		"::",
	} {
		c, err := admin.Dial(ctx, uri)
		if err == nil {
			c.Close()
			t.Errorf("Dial(%q) succeeded", uri)
			continue
		}
		if !strings.Contains(err.Error(), "admin:") {
			t.Errorf("Dial(%q): %v", uri, err)
		}
	}
	// A socket nobody listens on: the error names it.
	path := t.TempDir() + "/none"
	_, err := admin.Dial(ctx, adminURI("virtqemud", path))
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("Dial to no socket: %v", err)
	}
}
