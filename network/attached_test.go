package network

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/virtwire/virtwire/internal/fakeserver"
	"github.com/virtwire/virtwire/protocol/remote"
)

// TestListAttachedJoinsLeases covers what the lab's test driver cannot
// show: a daemon with DHCP leases. The fake daemon holds virter's example
// (seed 003): alma-8-8 with a NIC on default and one on net1.
func TestListAttachedJoinsLeases(t *testing.T) {
	str := func(s string) *string { return &s }
	leases := []remote.NetworkDHCPLease{
		{Iface: "virbr0", Expirytime: 1700000000, Type: 0, MAC: str("52:54:00:00:00:08"), Ipaddr: "192.168.122.8", Prefix: 24,
			Hostname: str("alma-8-8"), Clientid: str("01:52:54:00:00:00:08")},
		{Iface: "virbr0", Type: 1, MAC: str("52:54:00:00:00:08"), Ipaddr: "fd00::8", Prefix: 64, Iaid: str("7")},
		{Iface: "virbr0", MAC: str("52:54:00:99:99:99"), Ipaddr: "192.168.122.99", Prefix: 24}, // a guest libvirt does not manage
	}
	const netXML = `<network><name>default</name><bridge name='virbr0'/>
<ip address='192.168.122.1' prefix='24'><dhcp><host mac='52:54:00:00:00:09' name='static' ip='192.168.122.9'/></dhcp></ip></network>`
	const domXML = `<domain type='kvm'><name>alma-8-8</name><devices>
<interface type='network'><mac address='52:54:00:00:00:08'/><source network='default' bridge='virbr0'/><target dev='vnet1'/></interface>
<interface type='network'><mac address='52:54:00:b3:72:d7'/><source network='net1'/><target dev='vnet2'/></interface>
<interface type='bridge'><mac address='52:54:00:00:00:09'/><source bridge='virbr0'/><target dev='vnet3'/></interface>
<interface type='network'><mac address='52:54:00:00:00:0a'/><source network='default'/><target dev='vnet4'/></interface>
</devices></domain>`
	dom := remote.Domain{Name: "alma-8-8", ID: 8}
	var askedMAC *string
	srv := &fakeserver.Server{Handle: func(c *fakeserver.Conn, req *fakeserver.Request) bool {
		switch remote.Procedure(req.Header.Procedure) {
		case remote.ProcNetworkGetXMLDesc:
			return c.Reply(req, &remote.NetworkGetXMLDescRet{XML: netXML}) == nil
		case remote.ProcNetworkGetDHCPLeases:
			var a remote.NetworkGetDHCPLeasesArgs
			if err := req.Decode(&a); err != nil {
				t.Error(err)
			}
			askedMAC = a.MAC
			return c.Reply(req, &remote.NetworkGetDHCPLeasesRet{Leases: leases, Ret: uint32(len(leases))}) == nil
		case remote.ProcConnectListAllDomains:
			return c.Reply(req, &remote.ConnectListAllDomainsRet{Domains: []remote.Domain{dom}, Ret: 1}) == nil
		case remote.ProcDomainGetXMLDesc:
			return c.Reply(req, &remote.DomainGetXMLDescRet{XML: domXML}) == nil
		case remote.ProcDomainInterfaceAddresses:
			t.Error("ListAttached asked the domain although the network has leases")
		}
		return false
	}}
	ctx, n := fakeNetwork(t, srv, "default")
	got, err := n.ListAttached(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if askedMAC != nil {
		t.Errorf("ListAttached asked for the leases of %s only", *askedMAC)
	}
	type row struct {
		mac, ips, host, dev string
		src                 AddressSource
	}
	var rows []row
	for _, a := range got {
		if a.Domain != "alma-8-8" || !a.Active {
			t.Errorf("attachment %+v", a)
		}
		var ips []string
		for _, ip := range a.IPs {
			ips = append(ips, ip.String())
		}
		rows = append(rows, row{a.MAC.String(), strings.Join(ips, " "), a.Hostname, a.HostDevice, a.Source})
	}
	want := []row{
		{"52:54:00:00:00:08", "192.168.122.8 fd00::8", "alma-8-8", "vnet1", FromLease},
		{"52:54:00:00:00:09", "192.168.122.9", "static", "vnet3", FromDHCPHost},
		{"52:54:00:00:00:0a", "", "", "vnet4", FromNone},
	}
	if !slices.Equal(rows, want) {
		t.Errorf("ListAttached:\n got %+v\nwant %+v", rows, want)
	}

	ls, err := n.DHCPLeases(ctx, got[0].MAC)
	if err != nil {
		t.Fatal(err)
	}
	if askedMAC == nil || *askedMAC != "52:54:00:00:00:08" {
		t.Errorf("DHCPLeases(mac) asked for %v", askedMAC)
	}
	l := ls[0]
	if l.IP != netip.MustParseAddr("192.168.122.8") || l.Subnet() != netip.MustParsePrefix("192.168.122.8/24") ||
		!l.Expiry.Equal(time.Unix(1700000000, 0)) || l.ClientID != "01:52:54:00:00:00:08" || l.Hostname != "alma-8-8" || l.Interface != "virbr0" {
		t.Errorf("lease = %+v", l)
	}
	if !ls[1].Expiry.IsZero() || ls[1].IAID != "7" || ls[1].Prefix != 64 {
		t.Errorf("IPv6 lease = %+v", ls[1])
	}
}

// TestDHCPLeasesRejectsGarbage checks that a lease the daemon garbles is
// an error, not a zero address.
func TestDHCPLeasesRejectsGarbage(t *testing.T) {
	str := func(s string) *string { return &s }
	tests := []struct {
		name  string
		lease remote.NetworkDHCPLease
	}{
		{"bad address", remote.NetworkDHCPLease{Ipaddr: "192.168.122.300", Prefix: 24}},
		{"bad prefix", remote.NetworkDHCPLease{Ipaddr: "192.168.122.3", Prefix: 33}},
		{"bad MAC", remote.NetworkDHCPLease{Ipaddr: "192.168.122.3", Prefix: 24, MAC: str("52:54:00")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := &fakeserver.Server{Handle: func(c *fakeserver.Conn, req *fakeserver.Request) bool {
				if req.Header.Procedure == int32(remote.ProcNetworkGetDHCPLeases) {
					return c.Reply(req, &remote.NetworkGetDHCPLeasesRet{Leases: []remote.NetworkDHCPLease{tt.lease}, Ret: 1}) == nil
				}
				return false
			}}
			ctx, n := fakeNetwork(t, srv, "default")
			if ls, err := n.DHCPLeases(ctx, nil); err == nil {
				t.Errorf("DHCPLeases = %+v, want an error", ls)
			}
		})
	}
}
