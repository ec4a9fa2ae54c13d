package domain_test

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/domain"
	"github.com/virtwire/virtwire/xmlspec"
)

// Every lookup finds the test driver's domain "test" as virsh does, and an
// unknown domain is virtwire.ErrNoDomain, named.
func TestLookup(t *testing.T) {
	e := testEnv(t)
	ctx := ctxT(t)
	uuid := e.virsh(t, "domuuid", "test")
	id := e.virsh(t, "domid", "test")
	idNum, err := strconv.Atoi(id)
	if err != nil {
		t.Fatalf("virsh domid: %q", id)
	}
	u, err := xmlspec.ParseUUID(uuid)
	if err != nil {
		t.Fatal(err)
	}
	lookups := []struct {
		name string
		find func() (*domain.Domain, error)
	}{
		{"name", func() (*domain.Domain, error) { return domain.LookupByName(ctx, e.conn, "test") }},
		{"UUID", func() (*domain.Domain, error) { return domain.LookupByUUID(ctx, e.conn, u) }},
		{"ID", func() (*domain.Domain, error) { return domain.LookupByID(ctx, e.conn, idNum) }},
		{"Lookup name", func() (*domain.Domain, error) { return domain.Lookup(ctx, e.conn, "test") }},
		{"Lookup UUID", func() (*domain.Domain, error) { return domain.Lookup(ctx, e.conn, uuid) }},
		{"Lookup ID", func() (*domain.Domain, error) { return domain.Lookup(ctx, e.conn, id) }},
	}
	for _, tc := range lookups {
		t.Run(tc.name, func(t *testing.T) {
			d, err := tc.find()
			if err != nil {
				t.Fatal(err)
			}
			if d.Name() != "test" || d.UUID().String() != uuid {
				t.Fatalf("found %s %s, virsh says test %s", d.Name(), d.UUID(), uuid)
			}
			gotID, err := d.ID(ctx)
			if err != nil || gotID != idNum {
				t.Fatalf("ID() = %d, %v; virsh domid says %d", gotID, err, idNum)
			}
		})
	}

	missing := uniqueName(t, "vwdp-missing")
	e.virshFails(t, "dominfo", missing)
	fails := []struct {
		name, want string
		find       func() (*domain.Domain, error)
	}{
		{"name", missing, func() (*domain.Domain, error) { return domain.LookupByName(ctx, e.conn, missing) }},
		{"Lookup", missing, func() (*domain.Domain, error) { return domain.Lookup(ctx, e.conn, missing) }},
		{"UUID", "00000000-0000-0000-0000-000000000001", func() (*domain.Domain, error) {
			return domain.LookupByUUID(ctx, e.conn, xmlspec.UUID{15: 1})
		}},
		{"ID", "99999", func() (*domain.Domain, error) { return domain.LookupByID(ctx, e.conn, 99999) }},
	}
	for _, tc := range fails {
		t.Run("unknown "+tc.name, func(t *testing.T) {
			_, err := tc.find()
			wantErr(t, err, virtwire.ErrNoDomain, tc.want)
		})
	}
	if _, err := domain.LookupByID(ctx, e.conn, -1); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Fatalf("LookupByID(-1) = %v, want an out of range error", err)
	}
}

// List with each of libvirt's filters returns what virsh list returns with
// the same filter, over domains in every state: running, paused, shut off
// (one with autostart), transient.
func TestList(t *testing.T) {
	e := testEnv(t)
	ctx := ctxT(t)
	prefix := uniqueName(t, "vwdp-list")
	mk := func(suffix string) *domain.Domain {
		return define(t, e, testDomain(prefix+"-"+suffix, randomMAC(t)))
	}
	running, paused, off, auto := mk("running"), mk("paused"), mk("off"), mk("auto")
	for _, d := range []*domain.Domain{running, paused} {
		if err := d.Start(ctx, 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := paused.Suspend(ctx); err != nil {
		t.Fatal(err)
	}
	if err := auto.SetAutostart(ctx, true); err != nil {
		t.Fatal(err)
	}
	transient, err := domain.Create(ctx, e.conn, testDomain(prefix+"-transient", randomMAC(t)), 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { remove(t, transient) })
	_ = off

	all := []string{"auto", "off", "paused", "running", "transient"}
	cases := []struct {
		name  string
		flags virtwire.ConnectListAllDomainsFlags
		virsh []string
		want  []string
	}{
		{"all", 0, []string{"--all"}, all},
		{"active", virtwire.ConnectListDomainsActive, nil, []string{"paused", "running", "transient"}},
		{"inactive", virtwire.ConnectListDomainsInactive, []string{"--inactive"}, []string{"auto", "off"}},
		{"persistent", virtwire.ConnectListDomainsPersistent, []string{"--all", "--persistent"}, []string{"auto", "off", "paused", "running"}},
		{"transient", virtwire.ConnectListDomainsTransient, []string{"--all", "--transient"}, []string{"transient"}},
		{"running", virtwire.ConnectListDomainsRunning, []string{"--all", "--state-running"}, []string{"running", "transient"}},
		{"paused", virtwire.ConnectListDomainsPaused, []string{"--all", "--state-paused"}, []string{"paused"}},
		{"shut off", virtwire.ConnectListDomainsShutoff, []string{"--all", "--state-shutoff"}, []string{"auto", "off"}},
		{"autostart", virtwire.ConnectListDomainsAutostart, []string{"--all", "--autostart"}, []string{"auto"}},
		{"no autostart", virtwire.ConnectListDomainsNoAutostart, []string{"--all", "--no-autostart"}, []string{"off", "paused", "running", "transient"}},
		{"active persistent", virtwire.ConnectListDomainsActive | virtwire.ConnectListDomainsPersistent, []string{"--persistent"}, []string{"paused", "running"}},
		{"running or paused", virtwire.ConnectListDomainsRunning | virtwire.ConnectListDomainsPaused, []string{"--all", "--state-running", "--state-paused"}, []string{"paused", "running", "transient"}},
	}
	// Other tests share the daemon: compare only this test's domains.
	mine := func(names []string) []string {
		var out []string
		for _, n := range names {
			if s, ok := strings.CutPrefix(n, prefix+"-"); ok {
				out = append(out, s)
			}
		}
		slices.Sort(out)
		return out
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doms, err := domain.List(ctx, e.conn, tc.flags)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, d := range doms {
				names = append(names, d.Name())
			}
			got := mine(names)
			virsh := mine(strings.Fields(e.virsh(t, append([]string{"list", "--name"}, tc.virsh...)...)))
			if diff := cmp.Diff(virsh, got); diff != "" {
				t.Errorf("List(%v) differs from virsh list %s (-virsh +got):\n%s", tc.flags, strings.Join(tc.virsh, " "), diff)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("List(%v) (-want +got):\n%s", tc.flags, diff)
			}
		})
	}
}

// state compares State with virsh domstate --reason and Info with virsh
// dominfo, and returns the state.
func checkState(t *testing.T, e *env, d *domain.Domain) domain.State {
	t.Helper()
	ctx := ctxT(t)
	st, err := d.State(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := e.virsh(t, "domstate", "--reason", d.Name()); st.String() != want {
		t.Fatalf("State() = %q, virsh domstate --reason says %q", st, want)
	}
	info, err := d.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	vi := fields(e.virsh(t, "dominfo", d.Name()))
	got := map[string]string{
		"State":       domain.StateName(info.State),
		"CPU(s)":      strconv.Itoa(info.VCPUs),
		"Max memory":  strconv.FormatUint(info.MaxMemoryKiB, 10) + " KiB",
		"Used memory": strconv.FormatUint(info.MemoryKiB, 10) + " KiB",
		"UUID":        d.UUID().String(),
		"Name":        d.Name(),
	}
	persistent, err := d.IsPersistent(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got["Persistent"] = map[bool]string{true: "yes", false: "no"}[persistent]
	auto, err := d.Autostart(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got["Autostart"] = map[bool]string{true: "enable", false: "disable"}[auto]
	for k, v := range got {
		if vi[k] != v {
			t.Errorf("%s: got %q, virsh dominfo says %q", k, v, vi[k])
		}
	}
	active, err := d.IsActive(ctx)
	if err != nil {
		t.Fatal(err)
	}
	id, err := d.ID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := e.virsh(t, "domid", d.Name()); strconv.Itoa(id) != want && !(id == -1 && want == "-") {
		t.Errorf("ID() = %d, virsh domid says %q", id, want)
	}
	if wantActive := st.State != virtwire.DomainShutoff; active != wantActive {
		t.Errorf("IsActive() = %v in state %v", active, st)
	}
	return st
}

// A domain defined from Go goes through start, suspend, resume, reboot,
// shutdown, start, destroy and undefine; after each step State and Info
// match virsh.
func TestLifecycle(t *testing.T) {
	e := testEnv(t)
	ctx := ctxT(t)
	name := uniqueName(t, "vwdp-life")
	d := define(t, e, testDomain(name, randomMAC(t)))
	steps := []struct {
		name string
		do   func() error
		want string
	}{
		{"defined", func() error { return nil }, "shut off (unknown)"},
		{"start", func() error { return d.Start(ctx, 0) }, "running (booted)"},
		{"suspend", func() error { return d.Suspend(ctx) }, "paused (user)"},
		{"resume", func() error { return d.Resume(ctx) }, "running (unpaused)"},
		{"reboot", func() error { return d.Reboot(ctx, 0) }, ""},
		{"shutdown", func() error { return d.Shutdown(ctx, 0) }, "shut off (shutdown)"},
		{"start", func() error { return d.Start(ctx, 0) }, "running (booted)"},
		{"destroy", func() error { return d.Destroy(ctx, 0) }, "shut off (destroyed)"},
		{"autostart", func() error { return d.SetAutostart(ctx, true) }, "shut off (destroyed)"},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		st := checkState(t, e, d)
		if s.want != "" && st.String() != s.want {
			t.Fatalf("after %s: state %q, want %q", s.name, st, s.want)
		}
	}
	// Destroying a domain that is not running is libvirt's error, named.
	wantErr(t, d.Destroy(ctx, 0), virtwire.ErrOperationInvalid, name)

	if err := d.Undefine(ctx, 0); err != nil {
		t.Fatal(err)
	}
	e.virshFails(t, "dominfo", name)
	_, err := domain.LookupByName(ctx, e.conn, name)
	wantErr(t, err, virtwire.ErrNoDomain, name)
	wantErr(t, d.Start(ctx, 0), virtwire.ErrNoDomain, name)
}

// A transient domain is not persistent and disappears when destroyed.
func TestCreateTransient(t *testing.T) {
	e := testEnv(t)
	ctx := ctxT(t)
	name := uniqueName(t, "vwdp-transient")
	d, err := domain.Create(ctx, e.conn, testDomain(name, randomMAC(t)), 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { remove(t, d) })
	if st := checkState(t, e, d); st.State != virtwire.DomainRunning {
		t.Fatalf("state %v", st)
	}
	if err := d.Destroy(ctx, 0); err != nil {
		t.Fatal(err)
	}
	_, err = domain.LookupByName(ctx, e.conn, name)
	wantErr(t, err, virtwire.ErrNoDomain, name)
	e.virshFails(t, "dominfo", name)

	if _, err := domain.Define(ctx, e.conn, nil, 0); err == nil {
		t.Fatal("Define(nil) succeeded")
	}
	if _, err := domain.Create(ctx, e.conn, nil, 0); err == nil {
		t.Fatal("Create(nil) succeeded")
	}

	// A definition the daemon refuses is its error, named.
	bad := testDomain(uniqueName(t, "vwdp-bad"), randomMAC(t))
	bad.Memory = nil
	_, err = domain.Define(ctx, e.conn, bad, 0)
	var verr *virtwire.Error
	if !errors.As(err, &verr) || !strings.Contains(err.Error(), bad.Name) {
		t.Fatalf("Define without memory: %v, want the daemon's error naming %s", err, bad.Name)
	}
}

// XML returns what virsh dumpxml returns, live and inactive, and a
// definition changed in Go and defined again is what virsh then shows.
func TestXML(t *testing.T) {
	e := testEnv(t)
	ctx := ctxT(t)
	name := uniqueName(t, "vwdp-xml")
	d := define(t, e, testDomain(name, randomMAC(t)))
	if err := d.Start(ctx, 0); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		flags virtwire.DomainXMLFlags
		virsh []string
	}{
		{0, nil},
		{virtwire.DomainXMLInactive, []string{"--inactive"}},
	} {
		got, err := d.XML(ctx, tc.flags)
		if err != nil {
			t.Fatal(err)
		}
		want, err := xmlspec.ParseDomain([]byte(e.virsh(t, append([]string{"dumpxml", name}, tc.virsh...)...)))
		if err != nil {
			t.Fatal(err)
		}
		gotDoc, _ := got.Marshal()
		wantDoc, _ := want.Marshal()
		if diff := cmp.Diff(string(wantDoc), string(gotDoc)); diff != "" {
			t.Errorf("XML(%v) differs from virsh dumpxml %v (-virsh +got):\n%s", tc.flags, tc.virsh, diff)
		}
		if live := got.ID != nil; live != (tc.flags == 0) {
			t.Errorf("XML(%v): id present = %v", tc.flags, live)
		}
	}

	def, err := d.XML(ctx, virtwire.DomainXMLInactive)
	if err != nil {
		t.Fatal(err)
	}
	def.Description = "changed by virtwire"
	if _, err := domain.Define(ctx, e.conn, def, virtwire.DomainDefineValidate); err != nil {
		t.Fatal(err)
	}
	if got := e.virsh(t, "desc", name, "--config"); got != def.Description {
		t.Fatalf("virsh desc --config = %q after Define", got)
	}
	if got := e.virsh(t, "desc", name, "--live"); got == def.Description {
		t.Fatalf("the running domain's description changed too")
	}
}

// Undefine keeps or removes the UEFI variable store as its flags say, and
// without either refuses to undefine (QEMU driver; nothing is started).
func TestUndefineNVRAM(t *testing.T) {
	e := qemuEnv(t)
	ctx := ctxT(t)
	dir := t.TempDir()
	vars := dir + "/vars.fd"
	mkDomain := func() *domain.Domain {
		def := qemuDomain(uniqueName(t, "vwdp-nvram"), "unused", randomMAC(t))
		def.Devices = nil
		def.OS.Type.Machine = "pc"
		def.OS.Loader = &xmlspec.Loader{ReadOnly: "yes", Type: "pflash", Path: dir + "/code.fd"}
		def.OS.NVRAM = &xmlspec.NVRAM{Path: vars}
		def.Features = &xmlspec.Features{ACPI: &xmlspec.Flag{}}
		d := define(t, e, def)
		writeFile(t, vars)
		return d
	}
	d := mkDomain()
	wantErr(t, d.Undefine(ctx, 0), virtwire.ErrOperationInvalid, d.Name())
	e.virsh(t, "dominfo", d.Name()) // still defined

	if err := d.Undefine(ctx, virtwire.DomainUndefineKeepNVRAM); err != nil {
		t.Fatal(err)
	}
	e.virshFails(t, "dominfo", d.Name())
	if !exists(vars) {
		t.Fatal("DomainUndefineKeepNVRAM removed the NVRAM file")
	}

	d = mkDomain()
	if err := d.Undefine(ctx, virtwire.DomainUndefineNVRAM); err != nil {
		t.Fatal(err)
	}
	e.virshFails(t, "dominfo", d.Name())
	if exists(vars) {
		t.Fatal("DomainUndefineNVRAM kept the NVRAM file")
	}
}
