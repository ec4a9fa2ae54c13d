package main

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/internal/lab"
)

// domain-iface-list --source arp on the lab's real guest (seed 000's third
// source), compared with virsh domifaddr --source arp on the same daemon.
// libvirt 9.0's daemon cannot read the host's neighbour table on any host
// ("wrong nlmsg len"); there both fail alike.
func TestGuestARPLikeVirsh(t *testing.T) {
	g := lab.RequireGuest(t)
	ip := g.WaitReady(t, g.VM)
	ctx, cancel := context.WithTimeout(context.Background(), lab.ReadyTimeout)
	defer cancel()
	c, err := virtwire.Dial(ctx, g.URI())
	if err != nil {
		t.Fatal(err)
	}
	v, err := c.ConnectGetLibVersion(ctx)
	c.Close()
	if err != nil {
		t.Fatal(err)
	}
	if v < 9001000 { // libvirt 9.0.x
		r := runCmd(t, "-c", g.URI(), "--source", "arp", g.VM.Name)
		_, verr := g.RunVirsh(ctx, "domifaddr", g.VM.Name, "--source", "arp")
		// The tool reports failures as virtomate does: {"message","type"}
		// JSON on stdout, exit 1.
		var failure struct{ Message, Type string }
		jerr := json.Unmarshal([]byte(r.stdout), &failure)
		if r.code != 1 || jerr != nil || failure.Type != "libvirtError" || !strings.Contains(failure.Message, "wrong nlmsg len") || verr == nil || !strings.Contains(verr.Error(), "wrong nlmsg len") {
			t.Fatalf("on libvirt %d: domain-iface-list exit %d, stdout %q (%v); virsh %v; want both to fail with the daemon's \"wrong nlmsg len\", the tool as a libvirtError", v, r.code, r.stdout, jerr, verr)
		}
		return
	}
	if _, err := g.WaitARP(ctx, g.VM, ip); err != nil {
		t.Fatal(err)
	}
	r := runCmd(t, "-c", g.URI(), "--source", "arp", g.VM.Name)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var got []interfaceJSON
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	virsh, err := g.ARPInterfaces(ctx, g.VM.Name)
	if err != nil {
		t.Fatal(err)
	}
	// The shared guest's own NIC only: another test may hot-plug more.
	rows := func(name, mac string, addrs []string) []string {
		return append([]string{name, strings.ToLower(mac)}, addrs...)
	}
	var want, have [][]string
	for _, i := range virsh {
		if strings.EqualFold(i.MAC, g.VM.MAC) {
			var addrs []string
			for _, a := range i.Addrs {
				addrs = append(addrs, a.String())
			}
			want = append(want, rows(i.Name, i.MAC, addrs))
		}
	}
	for _, i := range got {
		if i.HWAddr == nil || !strings.EqualFold(*i.HWAddr, g.VM.MAC) {
			continue
		}
		var addrs []string
		for _, a := range i.Addresses {
			if a.Type != "IPv4" {
				t.Errorf("address %s has type %q; the neighbour table's are IPv4", a.Address, a.Type)
			}
			addrs = append(addrs, a.Address+"/"+strconv.Itoa(a.Prefix))
		}
		have = append(have, rows(i.Name, *i.HWAddr, addrs))
	}
	if diff := cmp.Diff(want, have); diff != "" || len(want) != 1 {
		t.Fatalf("domain-iface-list --source arp differs from virsh domifaddr --source arp (-virsh +tool):\n%s\n%s", diff, r.stdout)
	}
	if !strings.Contains(strings.Join(have[0], " "), ip.String()+"/0") {
		t.Errorf("the guest's NIC %v lacks its address %s/0", have[0], ip)
	}
}
