package domain_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/domain"
)

// addrRows turns Interfaces into virsh domifaddr's rows: Name, MAC
// address, Protocol, Address, with "-" for the name and MAC of an
// interface's second and later addresses.
func addrRows(ifaces []domain.Interface) [][]string {
	var rows [][]string
	for _, i := range ifaces {
		for j, a := range i.Addrs {
			name, mac := i.Name, i.HWAddr.String()
			if j > 0 {
				name, mac = "-", "-"
			}
			proto := map[virtwire.IPAddrType]string{virtwire.IPAddrTypeIPv4: "ipv4", virtwire.IPAddrTypeIPv6: "ipv6"}[a.Type]
			rows = append(rows, []string{name, mac, proto, a.String()})
		}
	}
	return rows
}

// Interfaces reports, for every source, what virsh domifaddr reports.
func TestInterfaces(t *testing.T) {
	e := testEnv(t)
	ctx := ctxT(t)
	d, err := domain.LookupByName(ctx, e.conn, "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range []string{"lease", "agent", "arp"} {
		t.Run(src, func(t *testing.T) {
			source, err := domain.ParseSource(src)
			if err != nil {
				t.Fatal(err)
			}
			ifaces, err := d.Interfaces(ctx, source)
			if err != nil {
				t.Fatal(err)
			}
			want := table(e.virsh(t, "domifaddr", "test", "--source", src))
			if len(want) == 0 {
				t.Fatal("virsh domifaddr reports nothing")
			}
			if diff := cmp.Diff(want, addrRows(ifaces)); diff != "" {
				t.Errorf("Interfaces(%s) differ from virsh domifaddr (-virsh +got):\n%s", src, diff)
			}
			for _, i := range ifaces {
				for _, a := range i.Addrs {
					if a.Addr.Is4() != (a.Type == virtwire.IPAddrTypeIPv4) {
						t.Errorf("%s: address %s has type %v", i.Name, a.Addr, a.Type)
					}
				}
			}
		})
	}

	// A domain that is not running has no addresses: libvirt's error, named.
	name := uniqueName(t, "vwdp-addr")
	off := define(t, e, testDomain(name, randomMAC(t)))
	e.virshFails(t, "domifaddr", name)
	_, err = off.Interfaces(ctx, virtwire.DomainInterfaceAddressesSrcLease)
	wantErr(t, err, virtwire.ErrOperationInvalid, name)
}
