package main

import (
	"strings"
	"testing"

	"github.com/virtwire/virtwire/internal/lab"
)

// network list-attached on the guest tier: the real guest's MAC, its
// leased IP, its host name from the lease, and its host device, as
// virter's columns show them.
func TestGuestListAttached(t *testing.T) {
	g := lab.RequireGuest(t)
	ip := g.WaitReady(t, g.VM)
	ctx, conn := dial(t, g.URI())
	out := exec(t, ctx, conn, "list-attached", g.VM.Network)
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "VM") || !strings.Contains(lines[0], "Host Device") {
		t.Fatalf("output:\n%s", out)
	}
	var row []string
	for _, l := range lines[1:] {
		if f := strings.Fields(l); len(f) == 5 && f[0] == g.VM.Name {
			row = f
		}
	}
	if row == nil {
		t.Fatalf("no row for %s:\n%s", g.VM.Name, out)
	}
	if row[1] != g.VM.MAC || row[2] != ip.String() || row[3] != g.VM.Name || !strings.HasPrefix(row[4], "vnet") {
		t.Fatalf("row %v, want %s %s %s vnetN", row, g.VM.MAC, ip, g.VM.Name)
	}
	if domiflist := g.Virsh(t, "domiflist", g.VM.Name); !strings.Contains(domiflist, row[4]+" ") {
		t.Fatalf("host device %s not in virsh domiflist:\n%s", row[4], domiflist)
	}
}
