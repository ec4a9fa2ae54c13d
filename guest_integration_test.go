package virtwire_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/domain"
	"github.com/virtwire/virtwire/internal/lab"
	"github.com/virtwire/virtwire/network"
	"github.com/virtwire/virtwire/xmlspec"
)

// The guest tier: a real QEMU guest (software emulation) with DHCP and the
// QEMU guest agent, on isolated networks in the lab's network namespace.

func guestConn(t *testing.T, g *lab.Guest) *virtwire.Conn {
	t.Helper()
	return labConn(t, g.URI())
}

func guestDomain(t *testing.T, c *virtwire.Conn, name string) *domain.Domain {
	t.Helper()
	d, err := domain.LookupByName(context.Background(), c, name)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func prefixes(addrs []domain.Address) []netip.Prefix {
	var out []netip.Prefix
	for _, a := range addrs {
		out = append(out, netip.PrefixFrom(a.Addr, a.Prefix))
	}
	slices.SortFunc(out, func(a, b netip.Prefix) int { return strings.Compare(a.String(), b.String()) })
	return out
}

func TestGuestInterfaceAddresses(t *testing.T) {
	g := lab.RequireGuest(t)
	ip := g.WaitReady(t, g.VM)
	c := guestConn(t, g)
	d := guestDomain(t, c, g.VM.Name)
	ctx := context.Background()
	mac, _ := net.ParseMAC(g.VM.MAC)

	t.Run("lease", func(t *testing.T) {
		ifs, err := d.Interfaces(ctx, virtwire.DomainInterfaceAddressesSrcLease)
		if err != nil {
			t.Fatal(err)
		}
		if len(ifs) != 1 || ifs[0].HWAddr.String() != mac.String() || len(ifs[0].Addrs) != 1 {
			t.Fatalf("lease interfaces %+v", ifs)
		}
		got := ifs[0].Addrs[0]
		if got.Addr != ip || got.Prefix != 24 || got.Type != virtwire.IPAddrTypeIPv4 {
			t.Fatalf("lease address %+v, want %s/24 IPv4", got, ip)
		}
		// virsh net-dhcp-leases shows the same lease.
		leases, err := g.Leases(ctx, g.VM.Network)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, l := range leases {
			if l.MAC == g.VM.MAC && l.Addr == netip.PrefixFrom(ip, 24) && l.Hostname == g.VM.Name {
				found = true
			}
		}
		if !found {
			t.Fatalf("virsh net-dhcp-leases %+v has no lease %s for %s", leases, ip, g.VM.MAC)
		}
		// And virsh domifaddr prints the same interface name and address.
		out := g.Virsh(t, "domifaddr", g.VM.Name, "--source", "lease")
		if !strings.Contains(out, ifs[0].Name) || !strings.Contains(out, netip.PrefixFrom(ip, 24).String()) {
			t.Fatalf("virsh domifaddr:\n%s\nvirtwire: %+v", out, ifs)
		}
	})

	t.Run("agent", func(t *testing.T) {
		ifs, err := d.Interfaces(ctx, virtwire.DomainInterfaceAddressesSrcAgent)
		if err != nil {
			t.Fatal(err)
		}
		byName := map[string]domain.Interface{}
		for _, i := range ifs {
			byName[i.Name] = i
		}
		lo, eth0 := byName["lo"], byName["eth0"]
		if !slices.Contains(prefixes(lo.Addrs), netip.MustParsePrefix("127.0.0.1/8")) || !slices.Contains(prefixes(lo.Addrs), netip.MustParsePrefix("::1/128")) {
			t.Errorf("lo: %+v", lo)
		}
		if eth0.HWAddr.String() != mac.String() || !slices.Contains(prefixes(eth0.Addrs), netip.PrefixFrom(ip, 24)) {
			t.Errorf("eth0: %+v, want %s with %s/24", eth0, mac, ip)
		}
		var v6 bool
		for _, a := range eth0.Addrs {
			if a.Type == virtwire.IPAddrTypeIPv6 && a.Addr.IsLinkLocalUnicast() && a.Prefix == 64 {
				v6 = true
			}
		}
		if !v6 {
			t.Errorf("eth0 has no link-local IPv6 /64: %+v", eth0.Addrs)
		}
		// Exactly what virsh domifaddr --source agent shows.
		want, err := g.AgentInterfaces(ctx, g.VM.Name)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			got, ok := byName[w.Name]
			wp := slices.Clone(w.Addrs)
			slices.SortFunc(wp, func(a, b netip.Prefix) int { return strings.Compare(a.String(), b.String()) })
			if !ok || !slices.Equal(prefixes(got.Addrs), wp) {
				t.Errorf("virsh says %s has %v; virtwire %v", w.Name, wp, prefixes(got.Addrs))
			}
		}
	})

	// libvirt 9.0's ARP source fails with "wrong nlmsg len" (a daemon bug,
	// see the lab's RECIPES); newer daemons return the guest's address with
	// prefix 0. Either must come back cleanly.
	t.Run("arp", func(t *testing.T) {
		ifs, err := d.Interfaces(ctx, virtwire.DomainInterfaceAddressesSrcARP)
		if err != nil {
			var e *virtwire.Error
			if !errors.As(err, &e) || !strings.Contains(e.Message, "wrong nlmsg len") {
				t.Fatalf("arp: %v, want libvirt 9.0's 'wrong nlmsg len' error or addresses", err)
			}
			if !errors.Is(err, virtwire.ErrInternalError) {
				t.Errorf("arp error %v is not libvirt's internal error", err)
			}
			return
		}
		for _, i := range ifs {
			for _, a := range i.Addrs {
				if a.Addr == ip && a.Prefix == 0 {
					return
				}
			}
		}
		t.Fatalf("arp: %+v lacks %s", ifs, ip)
	})
}

// nextDeviceEvent waits for a device-added or device-removed event of dom.
func nextDeviceEvent(t *testing.T, sub *virtwire.Subscription, dom string) virtwire.Event {
	t.Helper()
	timeout := time.After(time.Minute)
	for {
		select {
		case ev, ok := <-sub.Events():
			if !ok {
				t.Fatalf("subscription ended: %v", sub.Err())
			}
			switch e := ev.(type) {
			case *virtwire.DomainEventDeviceAdded:
				if e.Dom.Name == dom {
					return e
				}
			case *virtwire.DomainEventDeviceRemoved:
				if e.Dom.Name == dom {
					return e
				}
			}
		case <-timeout:
			t.Fatal("no device event")
		}
	}
}

func attachmentFor(t *testing.T, list []network.Attachment, mac string) network.Attachment {
	t.Helper()
	for _, a := range list {
		if a.MAC.String() == mac {
			return a
		}
	}
	t.Fatalf("no attachment with MAC %s in %+v", mac, list)
	return network.Attachment{}
}

func TestGuestNICHotplug(t *testing.T) {
	g := lab.RequireGuest(t)
	vm := g.StartVM(t)
	ip1 := g.WaitReady(t, vm)
	c := guestConn(t, g)
	d := guestDomain(t, c, vm.Name)
	ref := d.Ref()
	ctx := context.Background()
	sub, err := c.SubscribeDomainEvents(ctx, &ref, virtwire.DomainEventIDDeviceAdded, virtwire.DomainEventIDDeviceRemoved)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()

	mac, _ := xmlspec.RandomMAC()
	net2 := g.Networks[1]
	if _, err := d.AttachNIC(ctx, xmlspec.NewNetworkInterface(net2.Name, mac), virtwire.DomainDeviceModifyLive); err != nil {
		t.Fatal(err)
	}
	added, ok := nextDeviceEvent(t, sub, vm.Name).(*virtwire.DomainEventDeviceAdded)
	if !ok || !strings.HasPrefix(added.DevAlias, "net") {
		t.Fatalf("want a device-added event for the NIC, got %+v", added)
	}
	lctx, cancel := context.WithTimeout(ctx, time.Minute)
	ip2, err := g.WaitLease(lctx, net2.Name, mac.String())
	cancel()
	if err != nil {
		t.Fatalf("no lease for the hot-plugged NIC: %v", err)
	}
	if !net2.Subnet.Contains(ip2) {
		t.Fatalf("lease %s outside %s", ip2, net2.Subnet)
	}
	// Live only: the persistent definition does not have the NIC.
	inactive, err := d.XML(ctx, virtwire.DomainXMLInactive)
	if err != nil {
		t.Fatal(err)
	}
	if inactive.InterfaceByMAC(mac) != nil {
		t.Fatal("a live attach changed the persistent definition")
	}

	// Both networks list the guest with the right MAC, IP and host device.
	domiflist := g.Virsh(t, "domiflist", vm.Name)
	for _, tc := range []struct {
		net string
		mac string
		ip  netip.Addr
	}{{g.Networks[0].Name, vm.MAC, ip1}, {net2.Name, mac.String(), ip2}} {
		n, err := network.Lookup(ctx, c, tc.net)
		if err != nil {
			t.Fatal(err)
		}
		list, err := n.ListAttached(ctx)
		if err != nil {
			t.Fatal(err)
		}
		a := attachmentFor(t, list, tc.mac)
		if a.Domain != vm.Name || !slices.Contains(a.IPs, tc.ip) || a.Hostname != vm.Name || !a.Active {
			t.Errorf("%s: %+v, want %s with %s named %s", tc.net, a, vm.Name, tc.ip, vm.Name)
		}
		if !strings.HasPrefix(a.HostDevice, "vnet") || !strings.Contains(domiflist, a.HostDevice+" ") {
			t.Errorf("%s: host device %q not in virsh domiflist:\n%s", tc.net, a.HostDevice, domiflist)
		}
	}

	// Detach by MAC: the device-removed event arrives and the NIC is gone.
	if _, err := d.DetachNIC(ctx, mac, virtwire.DomainDeviceModifyLive); err != nil {
		t.Fatal(err)
	}
	removed, ok := nextDeviceEvent(t, sub, vm.Name).(*virtwire.DomainEventDeviceRemoved)
	if !ok || removed.DevAlias != added.DevAlias {
		t.Fatalf("want device-removed for %s, got %+v", added.DevAlias, removed)
	}
	live, err := d.XML(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if live.InterfaceByMAC(mac) != nil {
		t.Fatal("the NIC is still in the running definition after detach")
	}

	// Config only: the persistent definition changes, the running guest not.
	mac3, _ := xmlspec.RandomMAC()
	if _, err := d.AttachNIC(ctx, xmlspec.NewNetworkInterface(net2.Name, mac3), virtwire.DomainDeviceModifyConfig); err != nil {
		t.Fatal(err)
	}
	if x, _ := d.XML(ctx, virtwire.DomainXMLInactive); x == nil || x.InterfaceByMAC(mac3) == nil {
		t.Fatal("a config attach did not change the persistent definition")
	}
	if x, _ := d.XML(ctx, 0); x == nil || x.InterfaceByMAC(mac3) != nil {
		t.Fatal("a config attach changed the running guest")
	}
	if _, err := d.DetachNIC(ctx, mac3, virtwire.DomainDeviceModifyConfig); err != nil {
		t.Fatal(err)
	}
	if x, _ := d.XML(ctx, virtwire.DomainXMLInactive); x == nil || x.InterfaceByMAC(mac3) != nil {
		t.Fatal("a config detach left the NIC in the persistent definition")
	}
}

// The console stream reads what the guest writes to its serial console.
func TestGuestConsoleStream(t *testing.T) {
	g := lab.RequireGuest(t)
	g.WaitReady(t, g.VM)
	c := guestConn(t, g)
	d := guestDomain(t, c, g.VM.Name)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dev := g.VM.ConsoleDevice
	st, err := c.DomainOpenConsole(ctx, d.Ref(), &dev, virtwire.DomainConsoleForce)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Abort()
	sc := bufio.NewScanner(st)
	want := lab.ConsoleAlive + " " + g.VM.Name
	for sc.Scan() {
		if strings.Contains(sc.Text(), want) {
			return
		}
	}
	t.Fatalf("no %q line on the console: %v", want, sc.Err())
}
