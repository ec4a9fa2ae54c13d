package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/virtwire/virtwire/internal/lab"
)

// On the lab's real guest: its NIC named as the guest names it (eth0),
// with the addresses virsh domifaddr reports from each source.
func TestGuestNICByGuestName(t *testing.T) {
	g := lab.RequireGuest(t)
	ip := g.WaitReady(t, g.VM)
	a := newAPI(t, func(*lab.Lab) string { return g.URI() })
	code, _, body := a.do("GET", "/vms/"+g.VM.Name+"/ifaces/eth0", "")
	if code != 200 {
		t.Fatalf("GET eth0: %d %s", code, body)
	}
	got := decodeNIC(t, body)
	if got.MAC != g.VM.MAC || got.Network != g.VM.Network || !contains(got.IPs, ip.String()) {
		t.Fatalf("GET eth0: %+v, want MAC %s on %s with %s", got, g.VM.MAC, g.VM.Network, ip)
	}
	agent := g.Virsh(t, "domifaddr", g.VM.Name, "--source", "agent")
	if !strings.Contains(agent, "eth0") || !strings.Contains(agent, g.VM.MAC) {
		t.Fatalf("virsh domifaddr --source agent:\n%s", agent)
	}
	want := domifaddrIPs(t, g.RunVirsh, g.VM.Name)[g.VM.MAC]
	if diff := cmp.Diff(want, got.IPs); diff != "" {
		t.Errorf("ips differ from virsh domifaddr (-virsh +api):\n%s", diff)
	}
}

// PUT moves a running guest's NIC to another network, in the guest and in
// its persistent definition, as virsh domiflist shows both.
func TestGuestPutMovesANICLive(t *testing.T) {
	g := lab.RequireGuest(t)
	vm := g.StartVM(t) // a throwaway: the move disturbs no other test
	a := newAPI(t, func(*lab.Lab) string { return g.URI() })
	path := "/vms/" + vm.Name + "/ifaces/" + vm.MAC
	to := g.Networks[1].Name
	code, _, body := a.do("PUT", path, `{"network":"`+to+`"}`)
	if code != http.StatusOK || decodeNIC(t, body).Network != to {
		t.Fatalf("PUT network: %d %s", code, body)
	}
	for _, args := range [][]string{{"domiflist", vm.Name}, {"domiflist", vm.Name, "--inactive"}} {
		rows := strings.Split(g.Virsh(t, args...), "\n")
		if len(rows) != 3 || !strings.Contains(rows[2], " "+to+" ") || !strings.Contains(rows[2], vm.MAC) {
			t.Errorf("virsh %s after PUT:\n%s", strings.Join(args, " "), strings.Join(rows, "\n"))
		}
	}
}
