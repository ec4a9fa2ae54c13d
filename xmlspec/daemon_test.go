package xmlspec_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/internal/lab"
	"github.com/virtwire/virtwire/xmlspec"
)

func labConn(t *testing.T) *virtwire.Conn {
	t.Helper()
	return labDriverConn(t, lab.Require(t).URI(lab.UnixRW))
}

func suffix(t *testing.T) string {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b[:])
}

// A domain built from structs is defined on the lab's test driver, read
// back, and holds what was put in; libvirt's own output parses and writes
// back unchanged.
func TestDomainThroughDaemon(t *testing.T) {
	c := labConn(t)
	ctx := context.Background()
	name := "xmlspec-" + suffix(t)
	mac, err := xmlspec.RandomMAC()
	if err != nil {
		t.Fatal(err)
	}
	vcpus := uint(2)
	d := &xmlspec.Domain{
		Type:        "test",
		Name:        name,
		Description: "built from Go structs",
		Memory:      &xmlspec.DomainMemory{Unit: "MiB", Value: 256},
		VCPU:        &xmlspec.VCPU{Value: vcpus},
		OS:          &xmlspec.OS{Type: &xmlspec.OSType{Value: "hvm"}},
		OnPoweroff:  "destroy",
	}
	d.AddInterface(*xmlspec.NewNetworkInterface("default", mac))
	doc, err := d.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	ref, err := c.DomainDefineXML(ctx, string(doc))
	if err != nil {
		t.Fatalf("defining %s: %v", doc, err)
	}
	t.Cleanup(func() { _ = c.DomainUndefine(context.Background(), ref) })

	back, err := c.DomainGetXMLDesc(ctx, ref, virtwire.DomainXMLInactive)
	if err != nil {
		t.Fatal(err)
	}
	got, err := xmlspec.ParseDomain([]byte(back))
	if err != nil {
		t.Fatalf("parsing libvirt's XML: %v\n%s", err, back)
	}
	if got.Name != name || got.Description != d.Description || got.OnPoweroff != "destroy" {
		t.Errorf("name/description/on_poweroff: %q %q %q", got.Name, got.Description, got.OnPoweroff)
	}
	if got.Memory == nil {
		t.Fatal("no memory read back")
	}
	if b, err := got.Memory.Bytes(); err != nil || b != 256<<20 || got.VCPU == nil || got.VCPU.Value != vcpus {
		t.Errorf("memory %+v (%d bytes, %v) vcpu %+v", got.Memory, b, err, got.VCPU)
	}
	nic := got.InterfaceByMAC(mac)
	if nic == nil || nic.SourceName() != "default" || nic.Model == nil || nic.Model.Type != "virtio" {
		t.Fatalf("NIC %s not read back: %+v", mac, got.Interfaces())
	}

	// libvirt's own document survives a round trip through the structs, and
	// the daemon accepts it again unchanged.
	again, err := got.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.DomainDefineXML(ctx, string(again)); err != nil {
		t.Fatalf("redefining from the round-tripped XML: %v", err)
	}
	back2, err := c.DomainGetXMLDesc(ctx, ref, virtwire.DomainXMLInactive)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(back, back2); diff != "" {
		t.Errorf("redefining from the structs changed libvirt's XML (-before +after):\n%s", diff)
	}
}

func TestNetworkThroughDaemon(t *testing.T) {
	c := labConn(t)
	ctx := context.Background()
	s := suffix(t)
	prefix := uint(24)
	n := &xmlspec.Network{
		Name:   "xmlspec-" + s,
		Bridge: &xmlspec.NetworkBridge{Name: "vwx" + s[:6], STP: "on"},
		IPs: []xmlspec.NetworkIP{{
			Address: "10.77.3.1",
			Prefix:  &prefix,
			DHCP:    &xmlspec.DHCP{Ranges: []xmlspec.DHCPRange{{Start: "10.77.3.100", End: "10.77.3.199"}}},
		}},
	}
	mac, _ := xmlspec.RandomMAC()
	if _, err := n.AddDHCPHost(xmlspec.DHCPHost{MAC: mac, Name: "web", IP: "10.77.3.10"}); err != nil {
		t.Fatal(err)
	}
	doc, err := n.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	ref, err := c.NetworkDefineXML(ctx, string(doc))
	if err != nil {
		t.Fatalf("defining %s: %v", doc, err)
	}
	t.Cleanup(func() { _ = c.NetworkUndefine(context.Background(), ref) })
	back, err := c.NetworkGetXMLDesc(ctx, ref, 0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := xmlspec.ParseNetwork([]byte(back))
	if err != nil {
		t.Fatalf("parsing libvirt's XML: %v\n%s", err, back)
	}
	if got.Name != n.Name || got.Bridge == nil || got.Bridge.Name != n.Bridge.Name || len(got.IPs) != 1 {
		t.Fatalf("read back %+v", got)
	}
	ip := got.IPs[0]
	if ip.Address != "10.77.3.1" || ip.DHCP == nil || len(ip.DHCP.Ranges) != 1 || ip.DHCP.Ranges[0].Start != "10.77.3.100" {
		t.Errorf("ip %+v", ip)
	}
	h := got.DHCPHostByMAC(mac)
	if h == nil || h.Name != "web" || h.IP != "10.77.3.10" {
		t.Errorf("DHCP host %s: %+v", mac, h)
	}
	again, err := got.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.NetworkDefineXML(ctx, string(again)); err != nil {
		t.Fatalf("redefining from the round-tripped XML: %v", err)
	}
	back2, err := c.NetworkGetXMLDesc(ctx, ref, 0)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(back, back2); diff != "" {
		t.Errorf("redefining from the structs changed libvirt's XML (-before +after):\n%s", diff)
	}
}
