package domain_test

import (
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/domain"
	"github.com/virtwire/virtwire/xmlspec"
)

func writeFile(t *testing.T, path string) {
	t.Helper()
	if err := os.WriteFile(path, []byte("nvram"), 0o600); err != nil {
		t.Fatal(err)
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// domiflist is virsh domiflist as rows of Interface, Type, Source, Model,
// MAC.
func domiflist(t *testing.T, e *env, name string, args ...string) [][]string {
	t.Helper()
	return table(e.virsh(t, append([]string{"domiflist", name}, args...)...))
}

// nicRows turns NICs into domiflist's rows.
func nicRows(nics []*xmlspec.Interface) [][]string {
	var rows [][]string
	for _, n := range nics {
		target, model := n.TargetDev(), "-"
		if target == "" {
			target = "-"
		}
		if n.Model != nil && n.Model.Type != "" {
			model = n.Model.Type
		}
		rows = append(rows, []string{target, n.Type, n.SourceName(), model, n.MACAddress().String()})
	}
	return rows
}

// NICs lists what virsh domiflist lists, live and inactive; NIC and LinkUp
// find one by MAC in either spelling.
func TestNICs(t *testing.T) {
	e := testEnv(t)
	ctx := ctxT(t)
	d, err := domain.LookupByName(ctx, e.conn, "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		flags virtwire.DomainXMLFlags
		virsh []string
	}{{0, nil}, {virtwire.DomainXMLInactive, []string{"--inactive"}}} {
		nics, err := d.NICs(ctx, tc.flags)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(domiflist(t, e, "test", tc.virsh...), nicRows(nics)); diff != "" {
			t.Errorf("NICs(%v) differ from virsh domiflist (-virsh +got):\n%s", tc.flags, diff)
		}
	}
	nic, err := d.NIC(ctx, mustMAC(t, "AA:BB:CC:DD:EE:FF"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if nic.TargetDev() != "testnet0" || nic.SourceName() != "default" {
		t.Fatalf("NIC: target %q source %q", nic.TargetDev(), nic.SourceName())
	}
	up, err := d.LinkUp(ctx, nic.MACAddress(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := e.virsh(t, "domif-getlink", "test", "aa:bb:cc:dd:ee:ff"); !strings.HasSuffix(want, map[bool]string{true: " up", false: " down"}[up]) {
		t.Fatalf("LinkUp = %v, virsh domif-getlink says %q", up, want)
	}
	_, err = d.NIC(ctx, mustMAC(t, "52:54:00:00:00:00"), 0)
	wantErr(t, err, domain.ErrNoNIC, "test")
}

// Interface stats are the counters virsh domifstat reports. The test
// driver's counters grow with the clock, so ours, read between two virsh
// calls, lie between their values.
func TestInterfaceStats(t *testing.T) {
	e := testEnv(t)
	ctx := ctxT(t)
	d, err := domain.LookupByName(ctx, e.conn, "test")
	if err != nil {
		t.Fatal(err)
	}
	read := func() map[string]int64 {
		m := map[string]int64{}
		for _, line := range strings.Split(e.virsh(t, "domifstat", "test", "testnet0"), "\n") {
			f := strings.Fields(line)
			if len(f) != 3 || f[0] != "testnet0" {
				t.Fatalf("virsh domifstat line %q", line)
			}
			v, err := strconv.ParseInt(f[2], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			m[f[1]] = v
		}
		return m
	}
	for _, device := range []string{"testnet0", "aa:bb:cc:dd:ee:ff"} {
		before := read()
		s, err := d.InterfaceStats(ctx, device)
		if err != nil {
			t.Fatal(err)
		}
		after := read()
		got := map[string]int64{
			"rx_bytes": s.RxBytes, "rx_packets": s.RxPackets, "rx_errs": s.RxErrs, "rx_drop": s.RxDrop,
			"tx_bytes": s.TxBytes, "tx_packets": s.TxPackets, "tx_errs": s.TxErrs, "tx_drop": s.TxDrop,
		}
		if len(before) != len(got) {
			t.Fatalf("virsh domifstat reports %v", before)
		}
		for k, v := range got {
			if v < before[k] || v > after[k] || v <= 0 {
				t.Errorf("%s %s = %d, virsh says %d before and %d after", device, k, v, before[k], after[k])
			}
		}
	}
	_, err = d.InterfaceStats(ctx, "nosuch0")
	var verr *virtwire.Error
	if !errors.As(err, &verr) || !strings.Contains(err.Error(), "nosuch0") {
		t.Fatalf("stats of an unknown device: %v", err)
	}
}

// Attach and detach in the persistent definition of a stopped QEMU domain,
// compared with virsh domiflist --inactive; every kind of bad request
// leaves the definition exactly as it was.
func TestAttachDetachConfig(t *testing.T) {
	e := qemuEnv(t)
	ctx := ctxT(t)
	network := defineNetwork(t, e)
	first := randomMAC(t)
	name := uniqueName(t, "vwdp-nic")
	d := define(t, e, qemuDomain(name, network, first))
	dumpxml := func() string { return e.virsh(t, "dumpxml", "--inactive", name) }

	mac, err := d.AttachNIC(ctx, xmlspec.NewNetworkInterface(network, nil), virtwire.DomainDeviceModifyConfig)
	if err != nil {
		t.Fatal(err)
	}
	if len(mac) != 6 || mac[0] != 0x52 || mac[1] != 0x54 || mac[2] != 0 || mac.String() == first.String() {
		t.Fatalf("AttachNIC picked MAC %s", mac)
	}
	rows := domiflist(t, e, name, "--inactive")
	want := [][]string{
		{"-", "network", network, "virtio", first.String()},
		{"-", "network", network, "virtio", mac.String()},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Fatalf("virsh domiflist after attach (-want +got):\n%s", diff)
	}
	nics, err := d.NICs(ctx, virtwire.DomainXMLInactive)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(rows, nicRows(nics)); diff != "" {
		t.Fatalf("NICs differ from virsh domiflist --inactive (-virsh +got):\n%s", diff)
	}

	// Bad requests: each fails with a clear error and changes nothing.
	before := dumpxml()
	other := randomMAC(t)
	bad := []struct {
		name   string
		do     func() error
		target error
		text   string
	}{
		{"duplicate MAC", func() error {
			_, err := d.AttachNIC(ctx, xmlspec.NewNetworkInterface(network, mac), virtwire.DomainDeviceModifyConfig)
			return err
		}, domain.ErrDuplicateMAC, mac.String()},
		{"unknown network", func() error {
			_, err := d.AttachNIC(ctx, xmlspec.NewNetworkInterface("vwdp-nosuch-net", nil), virtwire.DomainDeviceModifyConfig)
			return err
		}, virtwire.ErrNoNetwork, "vwdp-nosuch-net"},
		{"live attach on a stopped domain", func() error {
			_, err := d.AttachNIC(ctx, xmlspec.NewNetworkInterface(network, other), virtwire.DomainDeviceModifyLive)
			return err
		}, virtwire.ErrOperationInvalid, "not running"},
		{"live and config attach on a stopped domain", func() error {
			_, err := d.AttachNIC(ctx, xmlspec.NewNetworkInterface(network, other),
				virtwire.DomainDeviceModifyLive|virtwire.DomainDeviceModifyConfig)
			return err
		}, virtwire.ErrOperationInvalid, "not running"},
		{"malformed MAC", func() error {
			_, err := d.AttachNIC(ctx, xmlspec.NewNetworkInterface(network, net.HardwareAddr{1, 2, 3}), virtwire.DomainDeviceModifyConfig)
			return err
		}, nil, "six bytes"},
		{"detach unknown MAC", func() error {
			_, err := d.DetachNIC(ctx, other, virtwire.DomainDeviceModifyConfig)
			return err
		}, domain.ErrNoNIC, other.String()},
		{"live detach on a stopped domain", func() error {
			_, err := d.DetachNIC(ctx, mac, virtwire.DomainDeviceModifyLive)
			return err
		}, virtwire.ErrOperationInvalid, "not running"},
		{"link state of unknown MAC", func() error {
			return d.SetLinkState(ctx, other, false, virtwire.DomainDeviceModifyConfig)
		}, domain.ErrNoNIC, other.String()},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			if err == nil {
				t.Fatal("no error")
			}
			if tc.target != nil {
				wantErr(t, err, tc.target, name)
			}
			if !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("error %q does not say %q", err, tc.text)
			}
			if diff := cmp.Diff(before, dumpxml()); diff != "" {
				t.Fatalf("the definition changed:\n%s", diff)
			}
		})
	}

	// Link state, in the persistent definition, as virsh domif-getlink sees it.
	for _, up := range []bool{false, true} {
		if err := d.SetLinkState(ctx, first, up, virtwire.DomainDeviceModifyConfig); err != nil {
			t.Fatal(err)
		}
		state := map[bool]string{true: "up", false: "down"}[up]
		if got := e.virsh(t, "domif-getlink", name, first.String(), "--config"); got != first.String()+" "+state {
			t.Fatalf("virsh domif-getlink after SetLinkState(%v): %q", up, got)
		}
		if got, err := d.LinkUp(ctx, first, virtwire.DomainXMLInactive); err != nil || got != up {
			t.Fatalf("LinkUp = %v, %v; want %v", got, err, up)
		}
	}

	// Detach by MAC, then with the current (= persistent) definition.
	old, err := d.DetachNIC(ctx, mac, virtwire.DomainDeviceModifyConfig)
	if err != nil {
		t.Fatal(err)
	}
	if old.MACAddress().String() != mac.String() || old.SourceName() != network {
		t.Fatalf("DetachNIC returned NIC %s on %s", old.MACAddress(), old.SourceName())
	}
	if diff := cmp.Diff(want[:1], domiflist(t, e, name, "--inactive")); diff != "" {
		t.Fatalf("virsh domiflist after detach (-want +got):\n%s", diff)
	}
	if _, err := d.DetachNIC(ctx, first, 0); err != nil {
		t.Fatal(err)
	}
	if rows := domiflist(t, e, name, "--inactive"); len(rows) != 0 {
		t.Fatalf("virsh domiflist after detaching all: %v", rows)
	}
	if _, err := d.AttachNIC(ctx, xmlspec.NewNetworkInterface(network, first), 0); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want[:1], domiflist(t, e, name, "--inactive")); diff != "" {
		t.Fatalf("virsh domiflist after attach with current flags (-want +got):\n%s", diff)
	}
}

// Two NICs with one MAC (libvirt accepts it in a definition): detaching or
// changing "the" NIC with that MAC is refused, and nothing changes.
func TestDuplicateMACRefused(t *testing.T) {
	e := qemuEnv(t)
	ctx := ctxT(t)
	network := defineNetwork(t, e)
	mac := randomMAC(t)
	def := qemuDomain(uniqueName(t, "vwdp-dup"), network, mac)
	def.AddInterface(*xmlspec.NewNetworkInterface(network, mac))
	d := define(t, e, def)
	before := e.virsh(t, "dumpxml", "--inactive", d.Name())
	_, err := d.DetachNIC(ctx, mac, virtwire.DomainDeviceModifyConfig)
	wantErr(t, err, domain.ErrDuplicateMAC, d.Name())
	wantErr(t, d.SetLinkState(ctx, mac, false, virtwire.DomainDeviceModifyConfig), domain.ErrDuplicateMAC, d.Name())
	_, err = d.NIC(ctx, mac, virtwire.DomainXMLInactive)
	wantErr(t, err, domain.ErrDuplicateMAC, d.Name())
	if after := e.virsh(t, "dumpxml", "--inactive", d.Name()); after != before {
		t.Fatal("the definition changed")
	}
}

// The test driver cannot hotplug: a live attach is the daemon's
// "unsupported" error and the running domain is unchanged.
func TestAttachLiveUnsupportedByTestDriver(t *testing.T) {
	e := testEnv(t)
	ctx := ctxT(t)
	d, err := domain.LookupByName(ctx, e.conn, "test")
	if err != nil {
		t.Fatal(err)
	}
	before := e.virsh(t, "dumpxml", "test")
	_, err = d.AttachNIC(ctx, xmlspec.NewNetworkInterface("default", nil), virtwire.DomainDeviceModifyLive)
	if !virtwire.IsUnsupported(err) {
		t.Fatalf("live attach on the test driver: %v, want unsupported", err)
	}
	if e.virsh(t, "dumpxml", "test") != before {
		t.Fatal("the domain changed")
	}
}

// UpdateNIC changes a NIC in place: network and model in the persistent
// definition, as virsh domiflist --inactive shows them; a change of the MAC
// address is refused and nothing changes.
func TestUpdateNIC(t *testing.T) {
	e := qemuEnv(t)
	ctx := ctxT(t)
	first, second := defineNetwork(t, e), defineNetwork(t, e)
	mac := randomMAC(t)
	d := define(t, e, qemuDomain(uniqueName(t, "vwdp-upd"), first, mac))
	err := d.UpdateNIC(ctx, mac, func(nic *xmlspec.Interface) error {
		nic.Source = &xmlspec.InterfaceSource{Network: second}
		nic.Model = &xmlspec.InterfaceModel{Type: "e1000"}
		return nil
	}, virtwire.DomainDeviceModifyConfig)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"-", "network", second, "e1000", mac.String()}}
	if diff := cmp.Diff(want, domiflist(t, e, d.Name(), "--inactive")); diff != "" {
		t.Fatalf("virsh domiflist --inactive after UpdateNIC (-want +got):\n%s", diff)
	}
	before := e.virsh(t, "dumpxml", "--inactive", d.Name())
	err = d.UpdateNIC(ctx, mac, func(nic *xmlspec.Interface) error {
		nic.SetMAC(randomMAC(t))
		return nil
	}, virtwire.DomainDeviceModifyConfig)
	if err == nil || !strings.Contains(err.Error(), "attach a new one") {
		t.Fatalf("changing the MAC: %v", err)
	}
	err = d.UpdateNIC(ctx, mac, func(*xmlspec.Interface) error { return errors.New("no thanks") }, virtwire.DomainDeviceModifyConfig)
	if err == nil || !strings.Contains(err.Error(), "no thanks") {
		t.Fatalf("an edit that fails: %v", err)
	}
	if after := e.virsh(t, "dumpxml", "--inactive", d.Name()); after != before {
		t.Fatalf("a refused change changed the definition:\n%s", cmp.Diff(before, after))
	}
}

// When the daemon refuses the persistent half of a live and persistent
// change (a transient domain has no persistent definition), the live half
// is put back: the running guest's link stays up.
func TestUpdateNICPutsBackHalfAChange(t *testing.T) {
	e := qemuEnv(t)
	ctx := ctxT(t)
	mac := randomMAC(t)
	def := &xmlspec.Domain{
		Type:   "qemu",
		Name:   uniqueName(t, "vwdp-half"),
		Memory: &xmlspec.DomainMemory{Value: 32, Unit: "MiB"},
		OS:     &xmlspec.OS{Type: &xmlspec.OSType{Arch: "x86_64", Value: "hvm"}},
		Devices: &xmlspec.Devices{Interfaces: []xmlspec.Interface{{Type: "user",
			MAC: &xmlspec.InterfaceMAC{Address: mac}, Model: &xmlspec.InterfaceModel{Type: "virtio"}}}},
	}
	d, err := domain.Create(ctx, e.conn, def, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { remove(t, d) })
	err = d.SetLinkState(ctx, mac, false, virtwire.DomainDeviceModifyLive|virtwire.DomainDeviceModifyConfig)
	if err == nil || !errors.Is(err, virtwire.ErrOperationInvalid) {
		t.Fatalf("a persistent change of a transient domain: %v, want libvirt's refusal", err)
	}
	if got := e.virsh(t, "domif-getlink", d.Name(), mac.String()); got != mac.String()+" up" {
		t.Fatalf("virsh domif-getlink after the refused change: %q, want the link up again", got)
	}
	// The live half alone goes through.
	if err := d.SetLinkState(ctx, mac, false, virtwire.DomainDeviceModifyLive); err != nil {
		t.Fatal(err)
	}
	if got := e.virsh(t, "domif-getlink", d.Name(), mac.String()); got != mac.String()+" down" {
		t.Fatalf("virsh domif-getlink after a live change: %q", got)
	}
}
