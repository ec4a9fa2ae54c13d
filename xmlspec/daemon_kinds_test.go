package xmlspec_test

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/internal/lab"
	"github.com/virtwire/virtwire/xmlspec"
)

func labDriverConn(t *testing.T, uri string) *virtwire.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := virtwire.Dial(ctx, uri)
	if err != nil {
		t.Fatalf("Dial(%s): %v", uri, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// reparse checks that a document read from libvirt comes back from Marshal
// holding the same (parse(Marshal(doc)) equals doc) and returns the output.
func reparse[T interface{ Marshal() ([]byte, error) }](t *testing.T, what string, doc T, parse func([]byte) (T, error)) []byte {
	t.Helper()
	out, err := doc.Marshal()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	again, err := parse(out)
	if err != nil {
		t.Fatalf("%s: output does not parse: %v\n%s", what, err, out)
	}
	if diff := cmp.Diff(doc, again); diff != "" {
		t.Errorf("%s: round trip changed the document (-libvirt's +ours):\n%s", what, diff)
	}
	return out
}

// testDomain defines a domain with one qcow2 disk on the test driver, for
// snapshots and checkpoints of its own.
func testDomain(t *testing.T, c *virtwire.Conn) virtwire.Domain {
	t.Helper()
	ctx := context.Background()
	d := &xmlspec.Domain{
		Type:   "test",
		Name:   "xmlspec-" + suffix(t),
		Memory: &xmlspec.DomainMemory{Unit: "MiB", Value: 256},
		VCPU:   &xmlspec.VCPU{Value: 1},
		OS:     &xmlspec.OS{Type: &xmlspec.OSType{Value: "hvm"}},
		Devices: &xmlspec.Devices{Disks: []xmlspec.Disk{{
			Type: "file", Device: "disk",
			Driver: &xmlspec.DiskDriver{Name: "qemu", Type: "qcow2"},
			Source: &xmlspec.DiskSource{File: "/var/lib/libvirt/images/xmlspec.qcow2"},
			Target: &xmlspec.DiskTarget{Dev: "vda", Bus: "virtio"},
		}}},
	}
	doc, err := d.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	dom, err := c.DomainDefineXML(ctx, string(doc))
	if err != nil {
		t.Fatalf("defining %s: %v", doc, err)
	}
	t.Cleanup(func() { _ = c.DomainUndefine(context.Background(), dom) })
	return dom
}

// A snapshot built from structs is created on the test driver; libvirt's
// description parses, holds what was asked and the domain as a Domain, and
// redefining it from the structs' output leaves libvirt's XML unchanged.
func TestSnapshotThroughDaemon(t *testing.T) {
	c := labConn(t)
	ctx := context.Background()
	dom := testDomain(t, c)
	name := "snap-" + suffix(t)

	snap := &xmlspec.DomainSnapshot{Name: name, Description: "built from Go structs"}
	doc, err := snap.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	ref, err := c.DomainSnapshotCreateXML(ctx, dom, string(doc), 0)
	if err != nil {
		t.Fatalf("creating %s: %v", doc, err)
	}
	t.Cleanup(func() { _ = c.DomainSnapshotDelete(context.Background(), ref, 0) })
	back, err := c.DomainSnapshotGetXMLDesc(ctx, ref, 0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := xmlspec.ParseDomainSnapshot([]byte(back))
	if err != nil {
		t.Fatalf("parsing libvirt's XML: %v\n%s", err, back)
	}
	if got.Name != name || got.Description != snap.Description || got.State != "shutoff" || got.Domain == nil || got.Domain.Name != dom.Name {
		t.Fatalf("read back %+v", got)
	}
	if _, ok := got.Created(); !ok || got.Disk("vda") == nil {
		t.Errorf("no creation time or vda in %s", back)
	}
	out := reparse(t, "snapshot", got, xmlspec.ParseDomainSnapshot)
	if _, err := c.DomainSnapshotCreateXML(ctx, dom, string(out), virtwire.DomainSnapshotCreateRedefine); err != nil {
		t.Fatalf("redefining from the round-tripped XML: %v\n%s", err, out)
	}
	back2, err := c.DomainSnapshotGetXMLDesc(ctx, ref, 0)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(back, back2); diff != "" {
		t.Errorf("redefining from the structs changed libvirt's XML (-before +after):\n%s", diff)
	}
}

// A checkpoint built with NewDomainCheckpoint is created on the test
// driver, tracks the disk with a bitmap of its name, and survives a
// redefinition from the structs' output unchanged.
func TestCheckpointThroughDaemon(t *testing.T) {
	c := labConn(t)
	ctx := context.Background()
	dom := testDomain(t, c)
	if err := c.DomainCreate(ctx, &dom); err != nil { // checkpoints are of running domains
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.DomainDestroy(context.Background(), &dom) })
	name := "cp-" + suffix(t)
	doc, err := xmlspec.NewDomainCheckpoint(name, "vda").Marshal()
	if err != nil {
		t.Fatal(err)
	}
	cref, err := c.DomainCheckpointCreateXML(ctx, dom, string(doc), 0)
	if err != nil {
		t.Fatalf("creating %s: %v", doc, err)
	}
	t.Cleanup(func() { _ = c.DomainCheckpointDelete(context.Background(), cref, 0) })
	cback, err := c.DomainCheckpointGetXMLDesc(ctx, cref, 0)
	if err != nil {
		t.Fatal(err)
	}
	cgot, err := xmlspec.ParseDomainCheckpoint([]byte(cback))
	if err != nil {
		t.Fatalf("parsing libvirt's XML: %v\n%s", err, cback)
	}
	if cgot.Name != name || cgot.Domain == nil || cgot.Domain.Name != dom.Name {
		t.Fatalf("read back %+v", cgot)
	}
	if d := cgot.Disk("vda"); d == nil || d.Checkpoint != "bitmap" || d.Bitmap != name {
		t.Errorf("vda: %+v, want a bitmap named after the checkpoint", d)
	}
	out := reparse(t, "checkpoint", cgot, xmlspec.ParseDomainCheckpoint)
	if _, err := c.DomainCheckpointCreateXML(ctx, dom, string(out), virtwire.DomainCheckpointCreateRedefine); err != nil {
		t.Fatalf("redefining from the round-tripped XML: %v\n%s", err, out)
	}
	cback2, err := c.DomainCheckpointGetXMLDesc(ctx, cref, 0)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(cback, cback2); diff != "" {
		t.Errorf("redefining from the structs changed libvirt's XML (-before +after):\n%s", diff)
	}
}

// The test driver's node devices read the same through the API and
// virsh; a vHBA built with NewVHBA is created on its Fibre Channel HBA.
func TestNodeDeviceThroughDaemon(t *testing.T) {
	l := lab.Require(t)
	c := labConn(t)
	ctx := context.Background()
	for _, name := range []string{"computer", "scsi_host1"} {
		doc, err := c.NodeDeviceGetXMLDesc(ctx, name, 0)
		if err != nil {
			t.Fatal(err)
		}
		got, err := xmlspec.ParseNodeDevice([]byte(doc))
		if err != nil {
			t.Fatalf("parsing libvirt's XML: %v\n%s", err, doc)
		}
		viaVirsh, err := xmlspec.ParseNodeDevice([]byte(l.Virsh(t, l.URI(lab.UnixRW), "nodedev-dumpxml", name)))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(viaVirsh, got); diff != "" {
			t.Errorf("%s: the API and virsh differ (-virsh +API):\n%s", name, diff)
		}
		reparse(t, name, got, xmlspec.ParseNodeDevice)
	}
	host, _ := c.NodeDeviceGetXMLDesc(ctx, "computer", 0)
	if d, _ := xmlspec.ParseNodeDevice([]byte(host)); d.Capability(xmlspec.NodeDeviceCapSystem) == nil ||
		d.Capabilities[0].System.Hardware == nil || d.Capabilities[0].System.Hardware.UUID == nil {
		t.Errorf("computer has no system capability with a hardware UUID:\n%s", host)
	}
	hbaXML, _ := c.NodeDeviceGetXMLDesc(ctx, "scsi_host1", 0)
	hba, _ := xmlspec.ParseNodeDevice([]byte(hbaXML))
	if h := hba.SCSIHost(); h == nil || len(h.Capabilities) == 0 || h.Capabilities[0].FCHost == nil {
		t.Fatalf("scsi_host1 is not a Fibre Channel HBA:\n%s", hbaXML)
	}

	// The root package's tests make the test driver's one vHBA too.
	lab.Require(t).Lock(t, "vhba")
	vhba := xmlspec.NewVHBA("scsi_host1", "2000000012341299", "1000000012341299")
	doc, err := vhba.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	ref, err := c.NodeDeviceCreateXML(ctx, string(doc), 0)
	if err != nil {
		t.Fatalf("creating %s: %v", doc, err)
	}
	t.Cleanup(func() { _ = c.NodeDeviceDestroy(context.Background(), ref.Name) })
	back, err := c.NodeDeviceGetXMLDesc(ctx, ref.Name, 0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := xmlspec.ParseNodeDevice([]byte(back))
	if err != nil {
		t.Fatalf("parsing libvirt's XML: %v\n%s", err, back)
	}
	h := got.SCSIHost()
	if got.ParentName() != "scsi_host1" || h == nil || len(h.Capabilities) == 0 || h.Capabilities[0].FCHost == nil ||
		h.Capabilities[0].FCHost.WWPN != "1000000012341299" {
		t.Errorf("vHBA read back as\n%s", back)
	}
	reparse(t, "vHBA", got, xmlspec.ParseNodeDevice)
}

// The test driver's host interface reads back and round-trips; a bridge
// built with NewHostBridge is defined, reads back with its port and is
// undefined again.
func TestHostInterfaceThroughDaemon(t *testing.T) {
	c := labConn(t)
	ctx := context.Background()
	eth, err := c.InterfaceLookupByName(ctx, "eth1")
	if err != nil {
		t.Fatal(err)
	}
	desc, err := c.InterfaceGetXMLDesc(ctx, eth, 0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := xmlspec.ParseHostInterface([]byte(desc))
	if err != nil {
		t.Fatalf("parsing libvirt's XML: %v\n%s", err, desc)
	}
	if got.Type != xmlspec.HostInterfaceEthernet || got.Name != "eth1" || got.MACAddress().String() != eth.MAC {
		t.Errorf("eth1 read back as %+v (MAC %s)", got, eth.MAC)
	}
	reparse(t, "eth1", got, xmlspec.ParseHostInterface)

	name := "vwbr" + suffix(t)[:6]
	br := xmlspec.NewHostBridge(name, "eth1")
	doc, err := br.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	ref, err := c.InterfaceDefineXML(ctx, string(doc), 0)
	if err != nil {
		t.Fatalf("defining %s: %v", doc, err)
	}
	t.Cleanup(func() { _ = c.InterfaceUndefine(context.Background(), ref) })
	back, err := c.InterfaceGetXMLDesc(ctx, ref, 0)
	if err != nil {
		t.Fatal(err)
	}
	bgot, err := xmlspec.ParseHostInterface([]byte(back))
	if err != nil {
		t.Fatalf("parsing libvirt's XML: %v\n%s", err, back)
	}
	if m := bgot.Members(); bgot.Type != xmlspec.HostInterfaceBridge || len(m) != 1 || m[0].Name != "eth1" {
		t.Errorf("bridge read back as\n%s", back)
	}
	reparse(t, "bridge", bgot, xmlspec.ParseHostInterface)
}

// A secret built with NewSecret is defined on the daemon's secret driver,
// found by the usage UsageID gives, and holds a value.
func TestSecretThroughDaemon(t *testing.T) {
	l := lab.Require(t)
	c := labDriverConn(t, l.DriverURI(lab.UnixRW, "secret", "/system"))
	ctx := context.Background()
	path := "/var/lib/libvirt/images/xmlspec-" + suffix(t) + ".img"
	s := xmlspec.NewSecret(xmlspec.SecretUsageVolume, path, "built from Go structs")
	s.Ephemeral, s.Private = "yes", "no"
	doc, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	ref, err := c.SecretDefineXML(ctx, string(doc), 0)
	if err != nil {
		t.Fatalf("defining %s: %v", doc, err)
	}
	t.Cleanup(func() { _ = c.SecretUndefine(context.Background(), ref) })
	back, err := c.SecretGetXMLDesc(ctx, ref, 0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := xmlspec.ParseSecret([]byte(back))
	if err != nil {
		t.Fatalf("parsing libvirt's XML: %v\n%s", err, back)
	}
	if got.UUID == nil || virtwire.UUID(*got.UUID) != ref.UUID || got.Description != s.Description {
		t.Errorf("read back %+v for %+v", got, ref)
	}
	typ, id := got.UsageID()
	if typ != xmlspec.SecretUsageVolume || id != path {
		t.Errorf("UsageID() = %q, %q", typ, id)
	}
	found, err := c.SecretLookupByUsage(ctx, int32(virtwire.SecretUsageTypeVolume), id)
	if err != nil || found.UUID != ref.UUID {
		t.Errorf("SecretLookupByUsage(volume, %q) = %+v, %v", id, found, err)
	}
	if err := c.SecretSetValue(ctx, ref, []byte("passphrase"), 0); err != nil {
		t.Fatal(err)
	}
	if v, err := c.SecretGetValue(ctx, ref, 0); err != nil || !bytes.Equal(v, []byte("passphrase")) {
		t.Errorf("SecretGetValue = %q, %v", v, err)
	}
	out := reparse(t, "secret", got, xmlspec.ParseSecret)
	if _, err := c.SecretDefineXML(ctx, string(out), 0); err != nil {
		t.Fatalf("redefining from the round-tripped XML: %v\n%s", err, out)
	}
	if back2, err := c.SecretGetXMLDesc(ctx, ref, 0); err != nil || back2 != back {
		t.Errorf("redefining from the structs changed libvirt's XML: %v\n%s\n---\n%s", err, back, back2)
	}
}

// A filter built from structs is defined on the daemon's nwfilter driver,
// reads back rule for rule and survives a redefinition from the structs'
// output unchanged.
func TestNWFilterThroughDaemon(t *testing.T) {
	l := lab.Require(t)
	c := labDriverConn(t, l.DriverURI(lab.UnixRW, "nwfilter", "/system"))
	ctx := context.Background()
	prio := 100
	f := &xmlspec.NWFilter{Name: "xmlspec-" + suffix(t), Chain: "ipv4"}
	f.AddRule(xmlspec.NWFilterRule{Action: xmlspec.NWFilterAccept, Direction: xmlspec.NWFilterIn, Priority: &prio,
		IP: &xmlspec.NWFilterIP{Protocol: "tcp", DstPortStart: "22", SrcIPAddr: "$IP"}})
	f.AddRule(xmlspec.NWFilterRule{Action: xmlspec.NWFilterDrop, Direction: xmlspec.NWFilterInOut,
		IP: &xmlspec.NWFilterIP{}})
	doc, err := f.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	ref, err := c.NwfilterDefineXML(ctx, string(doc))
	if err != nil {
		t.Fatalf("defining %s: %v", doc, err)
	}
	t.Cleanup(func() { _ = c.NwfilterUndefine(context.Background(), ref) })
	back, err := c.NwfilterGetXMLDesc(ctx, ref, 0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := xmlspec.ParseNWFilter([]byte(back))
	if err != nil {
		t.Fatalf("parsing libvirt's XML: %v\n%s", err, back)
	}
	if got.Name != f.Name || got.UUID == nil || len(got.Rules) != 2 {
		t.Fatalf("read back\n%s", back)
	}
	if r := got.Rules[0]; r.Protocol() != "ip" || r.IP.DstPortStart != "22" || r.IP.SrcIPAddr != "$IP" || r.Priority == nil || *r.Priority != prio {
		t.Errorf("first rule read back as %+v", r)
	}
	out := reparse(t, "filter", got, xmlspec.ParseNWFilter)
	if _, err := c.NwfilterDefineXML(ctx, string(out)); err != nil {
		t.Fatalf("redefining from the round-tripped XML: %v\n%s", err, out)
	}
	if back2, err := c.NwfilterGetXMLDesc(ctx, ref, 0); err != nil || back2 != back {
		t.Errorf("redefining from the structs changed libvirt's XML: %v\n%s\n---\n%s", err, back, back2)
	}
}

// A filter binding built from structs is created on the guest tier's
// daemon (its firewall is in a network namespace of its own) for a port
// device that does not exist, so that no traffic is filtered, and reads
// back as it was built.
func TestNWFilterBindingThroughDaemon(t *testing.T) {
	g := lab.RequireGuest(t)
	c := labDriverConn(t, "nwfilter+unix:///system?socket="+g.Socket)
	ctx := context.Background()
	s := suffix(t)
	f := &xmlspec.NWFilter{Name: "xmlspec-" + s, Chain: "root"}
	f.AddRule(xmlspec.NWFilterRule{Action: xmlspec.NWFilterAccept, Direction: xmlspec.NWFilterIn,
		TCP: &xmlspec.NWFilterTCP{DstPortStart: "22"}})
	doc, err := f.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	fref, err := c.NwfilterDefineXML(ctx, string(doc))
	if err != nil {
		t.Fatalf("defining %s: %v", doc, err)
	}
	t.Cleanup(func() { _ = c.NwfilterUndefine(context.Background(), fref) })

	uuid, err := xmlspec.NewUUID()
	if err != nil {
		t.Fatal(err)
	}
	mac, err := xmlspec.RandomMAC()
	if err != nil {
		t.Fatal(err)
	}
	b := &xmlspec.NWFilterBinding{
		Owner:     &xmlspec.NetworkPortOwner{Name: "xmlspec-owner", UUID: &uuid},
		PortDev:   &xmlspec.NWFilterBindingDev{Name: "vwx" + s[:8]},
		MAC:       &xmlspec.NetworkMAC{Address: mac},
		FilterRef: xmlspec.NewFilterRef(f.Name, xmlspec.FilterParam{Name: "IP", Value: "192.0.2.7"}),
	}
	doc, err = b.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	ref, err := c.NwfilterBindingCreateXML(ctx, string(doc), 0)
	if err != nil {
		t.Fatalf("creating %s: %v", doc, err)
	}
	t.Cleanup(func() { _ = c.NwfilterBindingDelete(context.Background(), ref) })
	back, err := c.NwfilterBindingGetXMLDesc(ctx, ref, 0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := xmlspec.ParseNWFilterBinding([]byte(back))
	if err != nil {
		t.Fatalf("parsing libvirt's XML: %v\n%s", err, back)
	}
	if got.Owner == nil || *got.Owner.UUID != uuid || got.PortDev.Name != b.PortDev.Name || !bytes.Equal(got.MAC.Address, mac) {
		t.Errorf("read back\n%s", back)
	}
	if got.FilterRef.Filter != f.Name || !slices.Equal(got.FilterRef.Values("IP"), []string{"192.0.2.7"}) {
		t.Errorf("filter reference read back as %+v", got.FilterRef)
	}
	reparse(t, "binding", got, xmlspec.ParseNWFilterBinding)
}
