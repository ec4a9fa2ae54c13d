package virtwire_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/internal/lab"
)

// virshComparison is one row of TestVirshAgrees: what virtwire says, and
// what virsh prints for the same question on the same daemon, both made
// into the same Go value.
type virshComparison struct {
	name     string
	virtwire func(ctx context.Context, c *virtwire.Conn) (any, error)
	virsh    []string                      // virsh's arguments
	parse    func(out string) (any, error) // virsh's output as the same value
	// shows, when set, checks that the value agreed on shows the objects
	// the test made, so that the comparison covers every state.
	shows func(v any) error
}

// listRow is a row of virsh list --all.
type listRow struct{ ID, Name, State string }

// netRow is a row of virsh net-list --all.
type netRow struct{ Name, State, Autostart, Persistent string }

// poolRow is the start of a row of virsh pool-list --all --details.
type poolRow struct{ Name, State, Autostart, Persistent string }

func (r listRow) key() string { return r.Name }
func (r netRow) key() string  { return r.Name }
func (r poolRow) key() string { return r.Name }

// nodeInfo is what virsh nodeinfo prints.
type nodeInfo struct {
	Model                                     string
	CPUs, MHz, Sockets, Cores, Threads, Nodes int64
	MemoryKiB                                 uint64
}

// domInfo is what virsh dominfo prints of a domain's reference and its
// security model and label: a UUID as libvirt formats it, and C strings
// (char arrays on the wire).
type domInfo struct {
	ID, Name, UUID                            string
	SecurityModel, SecurityDOI, SecurityLabel string
}

// versions is what virsh version --daemon prints that the daemon tells.
type versions struct {
	HypervisorType, Hypervisor, Daemon string
}

// TestVirshAgrees compares what virtwire returns with what virsh prints
// on the same daemon, over unix and tcp, for listings, XML documents and
// host facts. The test keeps its Conn open while virsh runs, so that the
// objects it made stay in the shared test driver for virsh to see.
func TestVirshAgrees(t *testing.T) {
	l := lab.Require(t)
	for _, kind := range []labTransport{viaUnix, viaTCP} {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			c := dialLab(t, l, kind)
			ctx := callCtx(t)
			objs := makeVirshObjects(t, ctx, c)
			rows := []virshComparison{
				{"list", listDomains, []string{"list", "--all"},
					parseTable(3, func(f []string) listRow { return listRow{f[0], f[1], f[2]} }, listRow.key),
					func(v any) error {
						return hasRows(v.([]listRow), func(r listRow) string { return r.Name + " " + r.State },
							objs.running+" running", objs.paused+" paused", objs.inactive+" shut off", "test running")
					}},
				{"net-list", listNetworks, []string{"net-list", "--all"},
					parseTable(4, func(f []string) netRow { return netRow{f[0], f[1], f[2], f[3]} }, netRow.key),
					func(v any) error {
						return hasRows(v.([]netRow), func(r netRow) string { return fmt.Sprint(r) },
							fmt.Sprint(netRow{objs.network, "inactive", "yes", "yes"}),
							fmt.Sprint(netRow{objs.transientNetwork, "active", "no", "no"}))
					}},
				{"pool-list", listPools, []string{"pool-list", "--all", "--details"},
					parseTable(4, func(f []string) poolRow { return poolRow{f[0], f[1], f[2], f[3]} }, poolRow.key),
					func(v any) error {
						return hasRows(v.([]poolRow), func(r poolRow) string { return fmt.Sprint(r) },
							fmt.Sprint(poolRow{objs.pool, "inactive", "yes", "yes"}),
							fmt.Sprint(poolRow{objs.transientPool, "running", "no", "no"}))
					}},
				{"nodeinfo", getNodeInfo, []string{"nodeinfo"}, parseNodeInfo, nil},
				{"hostname", func(ctx context.Context, c *virtwire.Conn) (any, error) { return c.ConnectGetHostname(ctx) },
					[]string{"hostname"}, func(out string) (any, error) { return strings.TrimSpace(out), nil }, nil},
				{"version", getVersions, []string{"version", "--daemon"}, parseVersions, nil},
				{"capabilities", func(ctx context.Context, c *virtwire.Conn) (any, error) {
					doc, err := c.ConnectGetCapabilities(ctx)
					return strings.TrimSpace(doc), err
				},
					[]string{"capabilities"}, sameText, nil},
			}
			for _, dom := range [][2]string{{"test", "test"}, {"running", objs.running}, {"paused", objs.paused}, {"inactive", objs.inactive}} {
				rows = append(rows,
					virshComparison{name: "dumpxml/" + dom[0], virtwire: domainXMLOf(dom[1], 0),
						virsh: []string{"dumpxml", dom[1]}, parse: sameText},
					virshComparison{name: "dumpxml-inactive/" + dom[0], virtwire: domainXMLOf(dom[1], virtwire.DomainXMLInactive),
						virsh: []string{"dumpxml", "--inactive", dom[1]}, parse: sameText},
					virshComparison{name: "dominfo/" + dom[0], virtwire: domInfoOf(dom[1]),
						virsh: []string{"dominfo", dom[1]}, parse: parseDomInfo})
			}
			for _, net := range [][2]string{{"default", "default"}, {"defined", objs.network}, {"transient", objs.transientNetwork}} {
				rows = append(rows, virshComparison{name: "net-dumpxml/" + net[0], virtwire: networkXMLOf(net[1]),
					virsh: []string{"net-dumpxml", net[1]}, parse: sameText})
			}
			for _, row := range rows {
				t.Run(row.name, func(t *testing.T) {
					compareWithVirsh(t, callCtx(t), l, labURI(l, kind), c, row)
				})
			}
		})
	}
}

// compareWithVirsh runs virsh between two virtwire readings and compares.
// Other tests change the shared driver meanwhile, so a comparison counts
// only when both readings agree; it is retried until they do.
func compareWithVirsh(t *testing.T, ctx context.Context, l *lab.Lab, uri string, c *virtwire.Conn, row virshComparison) {
	t.Helper()
	var diff string
	for attempt := 0; attempt < 10; attempt++ {
		before, err := row.virtwire(ctx, c)
		if vanished(err) {
			// Another test removed an object between listing and reading it.
			diff = err.Error()
			continue
		}
		if err != nil {
			t.Fatalf("virtwire: %v", err)
		}
		out, err := l.RunVirsh(ctx, uri, row.virsh...)
		if err != nil && strings.Contains(err.Error(), "not found") {
			diff = err.Error()
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		fromVirsh, err := row.parse(out)
		if err != nil {
			t.Fatalf("parsing virsh %s: %v\n%s", strings.Join(row.virsh, " "), err, out)
		}
		after, err := row.virtwire(ctx, c)
		if vanished(err) {
			diff = err.Error()
			continue
		}
		if err != nil {
			t.Fatalf("virtwire: %v", err)
		}
		if !cmp.Equal(before, after) {
			diff = "virtwire's two readings differ (-before +after):\n" + cmp.Diff(before, after)
			continue
		}
		if diff = cmp.Diff(fromVirsh, before); diff == "" {
			if row.shows != nil {
				if err := row.shows(before); err != nil {
					t.Errorf("virsh and virtwire agree, but: %v\n%+v", err, before)
				}
			}
			return
		}
	}
	t.Errorf("virsh %s and virtwire disagree (-virsh +virtwire):\n%s", strings.Join(row.virsh, " "), diff)
}

// vanished reports whether err says an object other tests may remove at
// any time is gone.
func vanished(err error) bool {
	return errors.Is(err, virtwire.ErrNoDomain) || errors.Is(err, virtwire.ErrNoNetwork) || errors.Is(err, virtwire.ErrNoStoragePool)
}

// virshObjects are the objects the comparisons make so that the listings
// show every state.
type virshObjects struct {
	running, paused, inactive string // domains
	network, transientNetwork string
	pool, transientPool       string
}

func makeVirshObjects(t *testing.T, ctx context.Context, c *virtwire.Conn) virshObjects {
	t.Helper()
	e := &procEnv{t: t, c: c}
	base := uniqueName(t)
	o := virshObjects{running: base + "-run", paused: base + "-paused", inactive: base + "-off",
		network: base + "-net", transientNetwork: base + "-tnet", pool: base + "-pool", transientPool: base + "-tpool"}
	for _, name := range []string{o.running, o.paused, o.inactive} {
		dom := e.defineDomain(t, ctx, name)
		switch name {
		case o.inactive:
			if err := c.DomainSetAutostart(ctx, dom, 1); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := c.DomainCreate(ctx, &dom); err != nil {
			t.Fatal(err)
		}
		if name == o.paused {
			if err := c.DomainSuspend(ctx, dom); err != nil {
				t.Fatal(err)
			}
		}
	}
	net, err := c.NetworkDefineXML(ctx, newNetworkXML(o.network, bridgeName(o.network), 203))
	if err != nil {
		t.Fatal(err)
	}
	e.cleanup(func(ctx context.Context) error { return c.NetworkUndefine(ctx, net) })
	if err := c.NetworkSetAutostart(ctx, net, 1); err != nil {
		t.Fatal(err)
	}
	tnet, err := c.NetworkCreateXML(ctx, newNetworkXML(o.transientNetwork, bridgeName(o.transientNetwork), 204))
	if err != nil {
		t.Fatal(err)
	}
	e.cleanup(func(ctx context.Context) error { return c.NetworkDestroy(ctx, tnet) })
	pool, err := c.StoragePoolDefineXML(ctx, fmt.Sprintf(
		"<pool type='dir'><name>%s</name><target><path>/virtwire-test/%s</path></target></pool>", o.pool, o.pool), 0)
	if err != nil {
		t.Fatal(err)
	}
	e.cleanup(func(ctx context.Context) error { return c.StoragePoolUndefine(ctx, pool) })
	if err := c.StoragePoolSetAutostart(ctx, pool, 1); err != nil {
		t.Fatal(err)
	}
	tpool, err := c.StoragePoolCreateXML(ctx, fmt.Sprintf(
		"<pool type='dir'><name>%s</name><target><path>/virtwire-test/%s</path></target></pool>", o.transientPool, o.transientPool), 0)
	if err != nil {
		t.Fatal(err)
	}
	e.cleanup(func(ctx context.Context) error { return c.StoragePoolDestroy(ctx, tpool) })
	return o
}

// ---- virtwire's side -----------------------------------------------------------

// virshStates are the words virsh prints for domain states.
var virshStates = map[virtwire.DomainState]string{
	virtwire.DomainNostate: "no state", virtwire.DomainRunning: "running", virtwire.DomainBlocked: "idle",
	virtwire.DomainPaused: "paused", virtwire.DomainShutdown: "in shutdown", virtwire.DomainShutoff: "shut off",
	virtwire.DomainCrashed: "crashed", virtwire.DomainPmsuspended: "pmsuspended",
}

func yesNo(b int32) string {
	if b != 0 {
		return "yes"
	}
	return "no"
}

func listDomains(ctx context.Context, c *virtwire.Conn) (any, error) {
	doms, _, err := c.ConnectListAllDomains(ctx, 1, 0)
	if err != nil {
		return nil, err
	}
	var rows []listRow
	for _, d := range doms {
		st, _, err := c.DomainGetState(ctx, d, 0)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", d.Name, err)
		}
		id := "-"
		if d.ID > 0 {
			id = strconv.Itoa(int(d.ID))
		}
		rows = append(rows, listRow{id, d.Name, virshStates[st]})
	}
	return sortRows(rows, listRow.key), nil
}

func listNetworks(ctx context.Context, c *virtwire.Conn) (any, error) {
	nets, _, err := c.ConnectListAllNetworks(ctx, 1, 0)
	if err != nil {
		return nil, err
	}
	var rows []netRow
	for _, n := range nets {
		active, err1 := c.NetworkIsActive(ctx, n)
		auto, err2 := c.NetworkGetAutostart(ctx, n)
		persistent, err3 := c.NetworkIsPersistent(ctx, n)
		if err := firstErr(err1, err2, err3); err != nil {
			return nil, fmt.Errorf("%s: %w", n.Name, err)
		}
		state := "inactive"
		if active != 0 {
			state = "active"
		}
		rows = append(rows, netRow{n.Name, state, yesNo(auto), yesNo(persistent)})
	}
	return sortRows(rows, netRow.key), nil
}

func listPools(ctx context.Context, c *virtwire.Conn) (any, error) {
	pools, _, err := c.ConnectListAllStoragePools(ctx, 1, 0)
	if err != nil {
		return nil, err
	}
	poolStates := map[virtwire.StoragePoolState]string{
		virtwire.StoragePoolInactive: "inactive", virtwire.StoragePoolBuilding: "building",
		virtwire.StoragePoolRunning: "running", virtwire.StoragePoolDegraded: "degraded",
		virtwire.StoragePoolInaccessible: "inaccessible",
	}
	var rows []poolRow
	for _, p := range pools {
		state, _, _, _, err1 := c.StoragePoolGetInfo(ctx, p)
		auto, err2 := c.StoragePoolGetAutostart(ctx, p)
		persistent, err3 := c.StoragePoolIsPersistent(ctx, p)
		if err := firstErr(err1, err2, err3); err != nil {
			return nil, fmt.Errorf("%s: %w", p.Name, err)
		}
		rows = append(rows, poolRow{p.Name, poolStates[virtwire.StoragePoolState(state)], yesNo(auto), yesNo(persistent)})
	}
	return sortRows(rows, poolRow.key), nil
}

func getNodeInfo(ctx context.Context, c *virtwire.Conn) (any, error) {
	model, mem, cpus, mhz, nodes, sockets, cores, threads, err := c.NodeGetInfo(ctx)
	if err != nil {
		return nil, err
	}
	return nodeInfo{Model: model, CPUs: int64(cpus), MHz: int64(mhz), Sockets: int64(sockets),
		Cores: int64(cores), Threads: int64(threads), Nodes: int64(nodes), MemoryKiB: mem}, nil
}

func getVersions(ctx context.Context, c *virtwire.Conn) (any, error) {
	typ, err1 := c.ConnectGetType(ctx)
	hv, err2 := c.ConnectGetVersion(ctx)
	lib, err3 := c.ConnectGetLibVersion(ctx)
	if err := firstErr(err1, err2, err3); err != nil {
		return nil, err
	}
	return versions{HypervisorType: typ, Hypervisor: dotted(hv), Daemon: dotted(lib)}, nil
}

// dotted writes a libvirt version number (major*1e6 + minor*1e3 + micro)
// the way virsh does.
func dotted(v uint64) string {
	return fmt.Sprintf("%d.%d.%d", v/1000000, v/1000%1000, v%1000)
}

func domainXMLOf(name string, flags virtwire.DomainXMLFlags) func(context.Context, *virtwire.Conn) (any, error) {
	return func(ctx context.Context, c *virtwire.Conn) (any, error) {
		dom, err := c.DomainLookupByName(ctx, name)
		if err != nil {
			return nil, err
		}
		doc, err := c.DomainGetXMLDesc(ctx, dom, flags)
		return strings.TrimSpace(doc), err
	}
}

// domInfoOf reads what virsh dominfo shows of the domain's reference and
// security, as virsh gets it: the security label only when the model is set
// and the label is not empty.
func domInfoOf(name string) func(context.Context, *virtwire.Conn) (any, error) {
	return func(ctx context.Context, c *virtwire.Conn) (any, error) {
		dom, err := c.DomainLookupByName(ctx, name)
		if err != nil {
			return nil, err
		}
		model, doi, err := c.NodeGetSecurityModel(ctx)
		if err != nil {
			return nil, err
		}
		info := domInfo{ID: "-", Name: dom.Name, UUID: dom.UUID.String(), SecurityModel: model, SecurityDOI: doi}
		if dom.ID != -1 {
			info.ID = fmt.Sprint(dom.ID)
		}
		if model == "" {
			return info, nil
		}
		label, enforcing, err := c.DomainGetSecurityLabel(ctx, dom)
		if err != nil {
			return nil, err
		}
		if label != "" {
			info.SecurityLabel = label + map[bool]string{true: " (enforcing)", false: " (permissive)"}[enforcing == 1]
		}
		return info, nil
	}
}

func networkXMLOf(name string) func(context.Context, *virtwire.Conn) (any, error) {
	return func(ctx context.Context, c *virtwire.Conn) (any, error) {
		net, err := c.NetworkLookupByName(ctx, name)
		if err != nil {
			return nil, err
		}
		doc, err := c.NetworkGetXMLDesc(ctx, net, 0)
		return strings.TrimSpace(doc), err
	}
}

// hasRows reports an error unless rows, described by desc, include each of
// want.
func hasRows[T any](rows []T, desc func(T) string, want ...string) error {
	have := make([]string, len(rows))
	for i, r := range rows {
		have[i] = desc(r)
	}
	for _, w := range want {
		if !slices.Contains(have, w) {
			return fmt.Errorf("no row %q", w)
		}
	}
	return nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func sortRows[T any](rows []T, key func(T) string) []T {
	slices.SortFunc(rows, func(a, b T) int { return strings.Compare(key(a), key(b)) })
	return rows
}

// ---- virsh's side ----------------------------------------------------------------

// sameText is virsh's output of an XML document: virsh prints it as the
// daemon sent it, plus a newline.
func sameText(out string) (any, error) { return strings.TrimSpace(out), nil }

// columnGap splits a virsh table row: columns are separated by two or more
// spaces ("shut off" is one column).
var columnGap = regexp.MustCompile(`\s{2,}`)

// parseTable reads a virsh table (a header, a rule of dashes, rows) into
// values made by row from each row's first n columns, sorted by key.
func parseTable[T any](n int, row func(columns []string) T, key func(T) string) func(string) (any, error) {
	return func(out string) (any, error) {
		lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
		if len(lines) < 2 || !strings.HasPrefix(strings.TrimSpace(lines[1]), "---") {
			return nil, fmt.Errorf("no table header")
		}
		var rows []T
		for _, line := range lines[2:] {
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			f := columnGap.Split(line, -1)
			if len(f) < n {
				return nil, fmt.Errorf("row %q has %d columns, want %d", line, len(f), n)
			}
			rows = append(rows, row(f[:n]))
		}
		return sortRows(rows, key), nil
	}
}

// parseNodeInfo reads virsh nodeinfo's "Label:   value" lines.
func parseNodeInfo(out string) (any, error) {
	fields := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok {
			fields[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	num := func(key string) int64 {
		n, _ := strconv.ParseInt(strings.Fields(fields[key] + " x")[0], 10, 64)
		return n
	}
	ni := nodeInfo{
		Model: fields["CPU model"], CPUs: num("CPU(s)"), MHz: num("CPU frequency"), Sockets: num("CPU socket(s)"),
		Cores: num("Core(s) per socket"), Threads: num("Thread(s) per core"), Nodes: num("NUMA cell(s)"),
		MemoryKiB: uint64(num("Memory size")),
	}
	if ni.Model == "" || ni.CPUs == 0 || ni.MemoryKiB == 0 || !strings.HasSuffix(fields["Memory size"], " KiB") {
		return nil, fmt.Errorf("missing fields in %v", fields)
	}
	return ni, nil
}

// parseDomInfo reads virsh dominfo's "Label:   value" lines.
func parseDomInfo(out string) (any, error) {
	fields := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok {
			fields[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	if fields["Name"] == "" || fields["UUID"] == "" || fields["Id"] == "" {
		return nil, fmt.Errorf("missing fields in %v", fields)
	}
	return domInfo{ID: fields["Id"], Name: fields["Name"], UUID: fields["UUID"], SecurityModel: fields["Security model"],
		SecurityDOI: fields["Security DOI"], SecurityLabel: fields["Security label"]}, nil
}

// parseVersions reads virsh version --daemon: "Running hypervisor: TEST
// 0.0.2" and "Running against daemon: 9.0.0".
func parseVersions(out string) (any, error) {
	var v versions
	for _, line := range strings.Split(out, "\n") {
		k, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(val)
		switch strings.TrimSpace(k) {
		case "Running hypervisor":
			if len(f) != 2 {
				return nil, fmt.Errorf("hypervisor line %q", line)
			}
			v.HypervisorType, v.Hypervisor = f[0], f[1]
		case "Running against daemon":
			if len(f) != 1 {
				return nil, fmt.Errorf("daemon line %q", line)
			}
			v.Daemon = f[0]
		}
	}
	if v.Hypervisor == "" || v.Daemon == "" {
		return nil, fmt.Errorf("no hypervisor or daemon version")
	}
	return v, nil
}
