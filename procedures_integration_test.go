package virtwire_test

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/internal/lab"
	"github.com/virtwire/virtwire/protocol/remote"
)

// minProcedures is how many distinct procedures TestProcedures must
// call successfully on each transport (besides those whose errors it
// asserts).
const minProcedures = 100

// procEnv is what the steps of TestProcedures share on one transport: the
// connections, and the objects earlier steps made.
type procEnv struct {
	t    *testing.T // the transport's test: cleanups registered here outlive the steps
	name string     // unique prefix of everything the steps create

	c       *virtwire.Conn // test:///default
	secure  bool           // c's channel is secure as libvirt counts it (unix, not tcp)
	secrets *virtwire.Conn // secret:///system: the test driver has no secret driver
	filters *virtwire.Conn // nwfilter:///system: nor an nwfilter driver

	dom      virtwire.Domain
	domMAC   string
	domIface string // the NIC's target dev
	snap1    virtwire.DomainSnapshot

	net       virtwire.Network
	netBridge string

	pool     virtwire.StoragePool
	poolPath string
	vol      virtwire.StorageVol

	iface virtwire.Interface

	secret virtwire.Secret

	filter virtwire.Nwfilter
}

// cleanup runs f when the transport's test ends, with a fresh context, and
// ignores the errors of objects already gone.
func (e *procEnv) cleanup(f func(ctx context.Context) error) { e.cleanupIn(e.t, f) }

// cleanupIn is cleanup when t ends, for a step whose undoing must happen
// before its own locks are released.
func (e *procEnv) cleanupIn(t testing.TB, f func(ctx context.Context) error) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := f(ctx); err != nil && !isGone(err) {
			t.Errorf("cleanup: %v", err)
		}
	})
}

// isGone reports whether err says that the object is not there (any more)
// or not in the state the cleanup undoes.
func isGone(err error) bool {
	for _, n := range []virtwire.ErrorNumber{virtwire.ErrNoDomain, virtwire.ErrNoNetwork,
		virtwire.ErrNoStoragePool, virtwire.ErrNoStorageVol, virtwire.ErrNoInterface,
		virtwire.ErrNoSecret, virtwire.ErrNoNwfilter, virtwire.ErrOperationInvalid, virtwire.ErrNoNodeDevice} {
		if errors.Is(err, n) {
			return true
		}
	}
	return false
}

// procStep is one row of TestProcedures: it calls some procedures and
// checks what they return, or that their effect shows through other calls.
type procStep struct {
	name string
	run  func(t *testing.T, ctx context.Context, e *procEnv)
}

// procGroup is a sequence of steps; each may rely on the ones before it.
type procGroup struct {
	name  string
	steps []procStep
}

// TestProcedures exercises well over a hundred procedures of the remote
// program against the test driver (and the secret and nwfilter drivers of
// the same daemon) over unix and tcp, and counts the distinct procedures
// whose replies arrived.
func TestProcedures(t *testing.T) {
	l := lab.Require(t)
	groups := []procGroup{
		{"host", hostSteps},
		{"domain", domainSteps},
		{"network", networkSteps},
		{"storage", storageSteps},
		{"nodedev", nodeDeviceSteps},
		{"interface", interfaceSteps},
		{"secret", secretSteps},
		{"nwfilter", nwfilterSteps},
	}
	for _, kind := range []labTransport{viaUnix, viaTCP} {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			recs := make([]*procRecorder, 3)
			for i := range recs {
				recs[i] = newProcRecorder()
			}
			e := &procEnv{t: t, name: uniqueName(t), secure: kind == viaUnix}
			e.c = dialLab(t, l, kind, virtwire.WithLogger(slog.New(recs[0])))
			e.secrets = dialLabURI(t, l, kind, "secret:///system", virtwire.WithLogger(slog.New(recs[1])))
			e.filters = dialLabURI(t, l, kind, "nwfilter:///system", virtwire.WithLogger(slog.New(recs[2])))
			for _, r := range recs {
				r.start()
			}
			for _, g := range groups {
				t.Run(g.name, func(t *testing.T) {
					for _, s := range g.steps {
						ok := t.Run(s.name, func(t *testing.T) { s.run(t, callCtx(t), e) })
						if !ok {
							t.Fatalf("step %s failed; the rest of %s depends on it", s.name, g.name)
						}
					}
				})
			}
			seen := map[string]bool{} // procedure -> some call of it succeeded
			for _, r := range recs {
				for _, p := range r.procedures() {
					seen[p] = seen[p] || r.succeeded(p)
				}
			}
			procs := make([]string, 0, len(seen))
			ok := 0
			for p, succeeded := range seen {
				procs = append(procs, p)
				if succeeded {
					ok++
				}
			}
			slices.Sort(procs)
			t.Logf("%d distinct procedures exercised over %s, %d of them successfully (the others answer the asserted errors):\n%s",
				len(procs), kind, ok, strings.Join(procs, "\n"))
			if ok < minProcedures {
				t.Errorf("%d distinct procedures succeeded over %s, want at least %d", ok, kind, minProcedures)
			}
		})
	}
}

// ---- typed parameters ------------------------------------------------------

func paramUint(field string, v uint32) virtwire.TypedParam {
	return virtwire.TypedParam{Field: field, Value: remote.TypedParamValue{Type: int32(virtwire.TypedParamUint), Ui: v}}
}

func paramUllong(field string, v uint64) virtwire.TypedParam {
	return virtwire.TypedParam{Field: field, Value: remote.TypedParamValue{Type: int32(virtwire.TypedParamUllong), Ul: v}}
}

func paramBool(field string, v bool) virtwire.TypedParam {
	b := int32(0)
	if v {
		b = 1
	}
	return virtwire.TypedParam{Field: field, Value: remote.TypedParamValue{Type: int32(virtwire.TypedParamBoolean), B: b}}
}

func paramString(field, v string) virtwire.TypedParam {
	return virtwire.TypedParam{Field: field, Value: remote.TypedParamValue{Type: int32(virtwire.TypedParamString), S: v}}
}

// param returns the parameter named field, failing the test without it.
func param(t *testing.T, params []virtwire.TypedParam, field string) remote.TypedParamValue {
	t.Helper()
	for _, p := range params {
		if p.Field == field {
			return p.Value
		}
	}
	names := make([]string, len(params))
	for i, p := range params {
		names[i] = p.Field
	}
	t.Fatalf("no parameter %q among %v", field, names)
	return remote.TypedParamValue{}
}

// ---- small helpers ---------------------------------------------------------

// wantListed checks a pair of old-style listing procedures: count says how
// many objects there are (at least min), and list, asked for that many
// and some more (other tests may add objects meanwhile), names want.
func wantListed(t *testing.T, what string, min int32, count func() (int32, error), list func(max int32) ([]string, error), want string) {
	t.Helper()
	n, err := count()
	if err != nil || n < min {
		t.Fatalf("counting %s: %d, %v; want at least %d", what, n, err, min)
	}
	names, err := list(n + 64)
	if err != nil || !slices.Contains(names, want) {
		t.Errorf("listing %s: %v, %v; want %s among them", what, names, err, want)
	}
}

func mustContain(t *testing.T, what, s, sub string) {
	t.Helper()
	if !strings.Contains(s, sub) {
		t.Fatalf("%s does not contain %q:\n%s", what, sub, s)
	}
}

func randomMAC(t *testing.T) string {
	t.Helper()
	n := uniqueName(t)
	h := n[len(n)-8:]
	return "52:54:00:" + h[0:2] + ":" + h[2:4] + ":" + h[4:6]
}

func domainState(t *testing.T, ctx context.Context, c *virtwire.Conn, dom virtwire.Domain) virtwire.DomainState {
	t.Helper()
	st, _, err := c.DomainGetState(ctx, dom, 0)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func wantState(t *testing.T, ctx context.Context, c *virtwire.Conn, dom virtwire.Domain, want virtwire.DomainState) {
	t.Helper()
	if got := domainState(t, ctx, c, dom); got != want {
		t.Fatalf("domain %s is %v, want %v", dom.Name, got, want)
	}
}

// nextEvent waits for the next event of sub.
func nextEvent(t *testing.T, sub *virtwire.Subscription) virtwire.Event {
	t.Helper()
	select {
	case ev, ok := <-sub.Events():
		if !ok {
			t.Fatalf("subscription ended: %v", sub.Err())
		}
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10 s")
	}
	return nil
}

// domainXML is the inactive XML of the domains the steps define.
type domainXML struct {
	Name          string `xml:"name"`
	UUID          string `xml:"uuid"`
	Memory        uint64 `xml:"memory"`
	CurrentMemory uint64 `xml:"currentMemory"`
	Description   string `xml:"description"`
	VCPU          struct {
		Current int `xml:"current,attr"`
		Max     int `xml:",chardata"`
	} `xml:"vcpu"`
	OnPoweroff string `xml:"on_poweroff"`
	Disks      []struct {
		Target struct {
			Dev string `xml:"dev,attr"`
		} `xml:"target"`
	} `xml:"devices>disk"`
	Interfaces []struct {
		MAC struct {
			Address string `xml:"address,attr"`
		} `xml:"mac"`
		Target struct {
			Dev string `xml:"dev,attr"`
		} `xml:"target"`
	} `xml:"devices>interface"`
}

func parseDomainXML(t *testing.T, doc string) domainXML {
	t.Helper()
	var d domainXML
	if err := xml.Unmarshal([]byte(doc), &d); err != nil {
		t.Fatalf("domain XML: %v\n%s", err, doc)
	}
	return d
}

func newDomainXML(name, mac, iface string) string {
	return fmt.Sprintf(`<domain type='test'>
  <name>%s</name>
  <memory unit='KiB'>524288</memory>
  <currentMemory unit='KiB'>262144</currentMemory>
  <vcpu placement='static' current='1'>2</vcpu>
  <os><type arch='i686'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <source file='/guest/%s.img'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <interface type='network'>
      <mac address='%s'/>
      <source network='default'/>
      <target dev='%s'/>
    </interface>
    <memballoon model='virtio'/>
  </devices>
</domain>`, name, name, mac, iface)
}

// defineDomain defines a domain that is removed when the transport's test
// ends.
func (e *procEnv) defineDomain(t *testing.T, ctx context.Context, name string) virtwire.Domain {
	t.Helper()
	dom, err := e.c.DomainDefineXML(ctx, newDomainXML(name, randomMAC(t), "vwtap0"))
	if err != nil {
		t.Fatal(err)
	}
	e.removeDomainLater(name)
	return dom
}

func (e *procEnv) removeDomainLater(name string) {
	e.cleanup(func(ctx context.Context) error {
		dom, err := e.c.DomainLookupByName(ctx, name)
		if err != nil {
			return err
		}
		if active, _ := e.c.DomainIsActive(ctx, dom); active == 1 {
			if err := e.c.DomainDestroy(ctx, &dom); err != nil {
				return err
			}
		}
		// The test driver refuses DomainUndefineCheckpointsMetadata.
		return e.c.DomainUndefineFlags(ctx, dom, virtwire.DomainUndefineManagedSave|virtwire.DomainUndefineSnapshotsMetadata)
	})
}

// ---- host --------------------------------------------------------------------

var hostSteps = []procStep{
	{"hostname", func(t *testing.T, ctx context.Context, e *procEnv) {
		got, err := e.c.ConnectGetHostname(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// The daemon runs on this machine, in a mount namespace of its own
		// but the same UTS namespace.
		want, err := os.Hostname()
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("ConnectGetHostname = %q, want %q", got, want)
		}
	}},
	{"versions", func(t *testing.T, ctx context.Context, e *procEnv) {
		hv, err := e.c.ConnectGetVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if hv != 2 { // the test driver calls itself 0.0.2
			t.Errorf("ConnectGetVersion = %d, want 2", hv)
		}
		lib, err := e.c.ConnectGetLibVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := daemonVersion(t); lib != want {
			t.Errorf("ConnectGetLibVersion = %d, want %d (libvirtd --version)", lib, want)
		}
	}},
	{"type-and-uri", func(t *testing.T, ctx context.Context, e *procEnv) {
		typ, err := e.c.ConnectGetType(ctx)
		if err != nil || typ != "TEST" {
			t.Errorf("ConnectGetType = %q, %v; want TEST", typ, err)
		}
		uri, err := e.c.ConnectGetURI(ctx)
		if err != nil || uri != testURI {
			t.Errorf("ConnectGetURI = %q, %v; want %s", uri, err, testURI)
		}
	}},
	{"max-vcpus", func(t *testing.T, ctx context.Context, e *procEnv) {
		n, err := e.c.ConnectGetMaxVcpus(ctx, nil)
		if err != nil || n != 32 {
			t.Errorf("ConnectGetMaxVcpus = %d, %v; want 32", n, err)
		}
	}},
	{"node-info", func(t *testing.T, ctx context.Context, e *procEnv) {
		model, mem, cpus, mhz, nodes, sockets, cores, threads, err := e.c.NodeGetInfo(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// drvtest.rst: the default node of the test driver.
		got := fmt.Sprintf("%s %d %d %d %d %d %d %d", model, mem, cpus, mhz, nodes, sockets, cores, threads)
		if want := "i686 3145728 16 1400 2 2 2 2"; got != want {
			t.Errorf("NodeGetInfo = %s, want %s", got, want)
		}
	}},
	{"capabilities", func(t *testing.T, ctx context.Context, e *procEnv) {
		doc, err := e.c.ConnectGetCapabilities(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var caps struct {
			Arch   string `xml:"host>cpu>arch"`
			Guests []struct {
				OSType string `xml:"os_type"`
				Arch   struct {
					Name    string `xml:"name,attr"`
					Domains []struct {
						Type string `xml:"type,attr"`
					} `xml:"domain"`
				} `xml:"arch"`
			} `xml:"guest"`
		}
		if err := xml.Unmarshal([]byte(doc), &caps); err != nil {
			t.Fatalf("capabilities: %v", err)
		}
		if caps.Arch != "i686" || len(caps.Guests) == 0 || caps.Guests[0].OSType != "hvm" ||
			len(caps.Guests[0].Arch.Domains) == 0 || caps.Guests[0].Arch.Domains[0].Type != "test" {
			t.Errorf("capabilities: host arch %q, guests %+v; want i686 and an hvm guest of type test", caps.Arch, caps.Guests)
		}
	}},
	{"sysinfo", func(t *testing.T, ctx context.Context, e *procEnv) {
		doc, err := e.c.ConnectGetSysinfo(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		var si struct {
			Type    string `xml:"type,attr"`
			Entries []struct {
				Name  string `xml:"name,attr"`
				Value string `xml:",chardata"`
			} `xml:"bios>entry"`
		}
		if err := xml.Unmarshal([]byte(doc), &si); err != nil {
			t.Fatal(err)
		}
		if si.Type != "smbios" || len(si.Entries) == 0 || si.Entries[0].Name != "vendor" {
			t.Errorf("sysinfo = %+v, want smbios with a bios vendor", si)
		}
	}},
	{"cpu-stats", func(t *testing.T, ctx context.Context, e *procEnv) {
		_, n, err := e.c.NodeGetCPUStats(ctx, -1, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		stats, _, err := e.c.NodeGetCPUStats(ctx, -1, n, 0)
		if err != nil {
			t.Fatal(err)
		}
		var fields []string
		for _, s := range stats {
			fields = append(fields, s.Field)
		}
		if want := []string{"user", "kernel", "idle", "iowait"}; !slices.Equal(fields, want) || int(n) != len(want) {
			t.Errorf("NodeGetCPUStats: %d fields %v, want %v", n, fields, want)
		}
	}},
	{"memory-stats-unsupported", func(t *testing.T, ctx context.Context, e *procEnv) {
		_, _, err := e.c.NodeGetMemoryStats(ctx, 0, -1, 0)
		wantUnsupported(t, err)
	}},
	{"free-memory", func(t *testing.T, ctx context.Context, e *procEnv) {
		free, err := e.c.NodeGetFreeMemory(ctx)
		if err != nil {
			t.Fatal(err)
		}
		cells, err := e.c.NodeGetCellsFreeMemory(ctx, 0, 8)
		if err != nil {
			t.Fatal(err)
		}
		_, mem, _, _, nodes, _, _, _, err := e.c.NodeGetInfo(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// The test driver reports all its memory free, split over its cells.
		if free != mem || len(cells) != int(nodes) || cells[0] == 0 {
			t.Errorf("free memory %d, cells %v; node memory %d in %d cells", free, cells, mem, nodes)
		}
	}},
	{"free-pages", func(t *testing.T, ctx context.Context, e *procEnv) {
		counts, err := e.c.NodeGetFreePages(ctx, []uint32{4}, 0, 1, 0)
		if libVersion(t, ctx, e.c) < release(9, 1, 0) {
			// libvirt 9.0's test driver returns 0 pages without setting an
			// error; the daemon reports that as an internal error (virsh
			// freepages shows the same message).
			var le *virtwire.Error
			if !errors.As(err, &le) || le.Code != virtwire.ErrInternalError || !strings.Contains(le.Message, "did not set virError") {
				t.Fatalf("NodeGetFreePages: %v; want libvirt 9.0's internal error", err)
			}
			return
		}
		// Later releases (11.3 in the lab) return the driver's made-up
		// count: for cell 0 and one page size, 0*2+7.
		if err != nil || !slices.Equal(counts, []uint64{7}) {
			t.Fatalf("NodeGetFreePages = %v, %v; want the test driver's [7]", counts, err)
		}
		l := lab.Require(t)
		if out := l.Virsh(t, l.URI(lab.UnixRW), "freepages", "--pagesize", "4", "--cellno", "0"); !strings.Contains(out, "4KiB: 7") {
			t.Errorf("virsh freepages: %q, want 4KiB: 7", out)
		}
	}},
	{"cpu-map", func(t *testing.T, ctx context.Context, e *procEnv) {
		cpumap, online, ret, err := e.c.NodeGetCPUMap(ctx, 1, 1, 0)
		if err != nil {
			t.Fatal(err)
		}
		// The test driver's map has 8 CPUs, some of them offline.
		var bits uint32
		for _, b := range cpumap {
			for ; b != 0; b &= b - 1 {
				bits++
			}
		}
		if ret != 8 || bits != online || online == 0 {
			t.Errorf("NodeGetCPUMap = %08b, %d online, %d CPUs; want 8 CPUs with the online count matching the map", cpumap, online, ret)
		}
	}},
	{"secure-and-features", func(t *testing.T, ctx context.Context, e *procEnv) {
		// The test driver always says its side is secure; as libvirt's
		// client, ConnectIsSecure factors in the transport.
		want := int32(0)
		if e.secure {
			want = 1
		}
		if sec, err := e.c.ConnectIsSecure(ctx); err != nil || sec != want {
			t.Errorf("ConnectIsSecure = %d, %v; want %d", sec, err, want)
		}
		for feature, want := range map[int32]int32{10: 1, 9999: 0} { // 10: VIR_DRV_FEATURE_PROGRAM_KEEPALIVE
			got, err := e.c.ConnectSupportsFeature(ctx, feature)
			if err != nil || got != want {
				t.Errorf("ConnectSupportsFeature(%d) = %d, %v; want %d", feature, got, err, want)
			}
		}
	}},
	{"cpu-models-and-baseline", func(t *testing.T, ctx context.Context, e *procEnv) {
		models, n, err := e.c.ConnectGetCPUModelNames(ctx, "x86_64", 1, 0)
		if err != nil {
			t.Fatal(err)
		}
		if int(n) != len(models) || !slices.Contains(models, "Penryn") {
			t.Errorf("ConnectGetCPUModelNames: %d models (ret %d), want Penryn among them", len(models), n)
		}
		cpu, err := e.c.ConnectBaselineCPU(ctx, []string{"<cpu><arch>x86_64</arch><model>Penryn</model></cpu>"}, 0)
		if err != nil {
			t.Fatal(err)
		}
		mustContain(t, "baseline CPU", cpu, ">Penryn</model>")
	}},
	{"security-model", func(t *testing.T, ctx context.Context, e *procEnv) {
		model, doi, err := e.c.NodeGetSecurityModel(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if model != "testSecurity" || doi != "" {
			t.Errorf("NodeGetSecurityModel = %q, %q; want testSecurity", model, doi)
		}
	}},
	{"all-domain-stats", func(t *testing.T, ctx context.Context, e *procEnv) {
		dom, err := e.c.DomainLookupByName(ctx, "test")
		if err != nil {
			t.Fatal(err)
		}
		recs, err := e.c.ConnectGetAllDomainStats(ctx, []virtwire.Domain{dom}, 1, 0) // 1: VIR_DOMAIN_STATS_STATE
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 1 || recs[0].Dom.Name != "test" {
			t.Fatalf("ConnectGetAllDomainStats = %+v, want the record of test", recs)
		}
		if st := param(t, recs[0].Params, "state.state"); st.I != int32(virtwire.DomainRunning) {
			t.Errorf("state.state = %d, want running", st.I)
		}
	}},
	{"unsupported-by-the-test-driver", func(t *testing.T, ctx context.Context, e *procEnv) {
		caps, err := e.c.ConnectGetDomainCapabilities(ctx, nil, nil, nil, nil, 0)
		if libVersion(t, ctx, e.c) < release(9, 8, 0) {
			wantUnsupported(t, err)
		} else if err != nil || !strings.Contains(caps, "<domainCapabilities>") { // the test driver's since 9.8.0
			t.Errorf("ConnectGetDomainCapabilities = %q, %v", caps, err)
		}
		_, err = e.c.ConnectCompareCPU(ctx, "<cpu><arch>x86_64</arch><model>Penryn</model></cpu>", 0)
		wantUnsupported(t, err)
		_, err = e.c.ConnectGetStoragePoolCapabilities(ctx, 0)
		wantUnsupported(t, err)
		_, _, err = e.c.NodeGetMemoryParameters(ctx, 0, 0)
		wantUnsupported(t, err)
		_, _, err = e.c.NodeGetSEVInfo(ctx, 0, 0)
		wantUnsupported(t, err)
		_, err = e.c.NodeAllocPages(ctx, []uint32{2048}, []uint64{1}, 0, 1, 0)
		wantUnsupported(t, err)
	}},
	{"unknown-to-libvirt-9.0", func(t *testing.T, ctx context.Context, e *procEnv) {
		// Procedures added after 9.0.0: a daemon older than their release
		// does not know them; a newer one decodes them and its driver
		// answers (TestProceduresAfter9 checks what each does).
		v := libVersion(t, ctx, e.c)
		dom, err := e.c.DomainLookupByName(ctx, "test")
		if err != nil {
			t.Fatal(err)
		}
		_, autostartErr := e.c.DomainGetAutostartOnce(ctx, dom)
		_, metadataErr := e.c.NetworkGetMetadata(ctx, virtwire.Network{Name: "default"}, 0, nil, 0)
		for _, tc := range []struct {
			proc  remote.Procedure
			since uint64
			err   error
		}{
			{remote.ProcDomainGetAutostartOnce, release(11, 2, 0), autostartErr},
			{remote.ProcNetworkGetMetadata, release(9, 7, 0), metadataErr},
		} {
			if v < tc.since {
				wantUnknownProcedure(t, tc.err, tc.proc)
			} else if tc.err != nil && strings.Contains(tc.err.Error(), "unknown procedure") {
				t.Errorf("procedure %d on libvirt %d: %v; the daemon should know it", tc.proc, v, tc.err)
			}
		}
		// The connection goes on working.
		if _, err := e.c.ConnectGetLibVersion(ctx); err != nil {
			t.Fatalf("after an unknown procedure: %v", err)
		}
	}},
}

// daemonVersion is the lab daemon's version as libvirt numbers it.
func daemonVersion(t *testing.T) uint64 {
	t.Helper()
	out, err := exec.Command("libvirtd", "--version").Output()
	if err != nil {
		t.Fatalf("libvirtd --version: %v", err)
	}
	fields := strings.Fields(string(out))
	var major, minor, micro uint64
	if _, err := fmt.Sscanf(fields[len(fields)-1], "%d.%d.%d", &major, &minor, &micro); err != nil {
		t.Fatalf("libvirtd --version printed %q: %v", out, err)
	}
	return major*1000000 + minor*1000 + micro
}
