package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/virtwire/virtwire/internal/lab"
)

// nic attach and detach on a running guest: the NIC appears in the guest
// (it gets a lease on the second network) and goes again.
func TestGuestAttachDetach(t *testing.T) {
	g := lab.RequireGuest(t)
	vm := g.StartVM(t)
	g.WaitReady(t, vm)
	uri := g.URI()
	net2 := g.Networks[1].Name
	mac := strings.TrimSpace(ok(t, "-c", uri, "attach", vm.Name, "--network", net2, "--live"))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := g.WaitLease(ctx, net2, mac); err != nil {
		t.Fatalf("the attached NIC %s got no lease: %v", mac, err)
	}
	list := ok(t, "-c", uri, "list", vm.Name)
	if !strings.Contains(list, mac) || !strings.Contains(list, net2) {
		t.Fatalf("nic list lacks %s on %s:\n%s", mac, net2, list)
	}
	if want := g.Virsh(t, "domiflist", vm.Name); strings.TrimSpace(list) != strings.TrimSpace(want) {
		t.Errorf("nic list:\n%s\nvirsh domiflist:\n%s", list, want)
	}
	if inactive := ok(t, "-c", uri, "list", vm.Name, "--inactive"); strings.Contains(inactive, mac) {
		t.Fatalf("--live changed the persistent definition:\n%s", inactive)
	}
	ok(t, "-c", uri, "detach", vm.Name, mac, "--live")
	// Detach returns once libvirt has the guest's confirmation (nic waits
	// for the device-removed event), so the NIC is gone now.
	if list := ok(t, "-c", uri, "list", vm.Name); strings.Contains(list, mac) {
		t.Fatalf("still attached after detach:\n%s", list)
	}
	r := nic(t, "-c", uri, "detach", vm.Name, mac, "--live")
	if r.code == 0 || !strings.Contains(r.stderr, mac) {
		t.Fatalf("detaching it again: exit %d, %q", r.code, r.stderr)
	}
}
