package lab

import (
	"encoding/xml"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Outputs of virsh 9.0 against the lab's guest.
const (
	leasesOut = ` Expiry Time           MAC address         Protocol   IP address        Hostname           Client ID or DUID
-----------------------------------------------------------------------------------------------------------------
 2026-11-22 17:11:43   52:54:00:DE:a5:4f   ipv4       10.166.1.158/24   vwguest-40c7a9b2   01:52:54:00:de:a5:4f
 2026-11-22 17:11:58   52:54:00:11:22:33   ipv4       10.166.2.136/24   -                  01:52:54:00:11:22:33

`
	agentOut = ` Name       MAC address          Protocol     Address
-------------------------------------------------------------------------------
 lo         00:00:00:00:00:00    ipv4         127.0.0.1/8
 lo         00:00:00:00:00:00    ipv6         ::1/128
 eth0       52:54:00:de:a5:4f    ipv4         10.166.1.158/24
 eth0       52:54:00:de:a5:4f    ipv6         fe80::5054:ff:fede:a54f/64
 eth1       52:54:00:11:22:33    N/A          N/A
`
)

func TestParseLeases(t *testing.T) {
	got, err := parseLeases(leasesOut)
	if err != nil {
		t.Fatal(err)
	}
	want := []Lease{
		{MAC: "52:54:00:de:a5:4f", Addr: netip.MustParsePrefix("10.166.1.158/24"), Hostname: "vwguest-40c7a9b2"},
		{MAC: "52:54:00:11:22:33", Addr: netip.MustParsePrefix("10.166.2.136/24"), Hostname: "-"},
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
		t.Errorf("parseLeases (-want +got):\n%s", diff)
	}
	empty, err := parseLeases(" Expiry Time   MAC address   Protocol   IP address   Hostname   Client ID or DUID\n---------\n\n")
	if err != nil || len(empty) != 0 {
		t.Errorf("no leases: %v, %v", empty, err)
	}
	for _, bad := range []string{"---\n 2026-11-22 17:11:43 52:54:00:de:a5:4f ipv4\n", "---\n a b c d not-an-address e f\n"} {
		if _, err := parseLeases(bad); err == nil {
			t.Errorf("parseLeases(%q) succeeded", bad)
		}
	}
}

func TestParseDomifaddr(t *testing.T) {
	got, err := parseDomifaddr(agentOut)
	if err != nil {
		t.Fatal(err)
	}
	p := netip.MustParsePrefix
	want := []AgentInterface{
		{Name: "lo", MAC: "00:00:00:00:00:00", Addrs: []netip.Prefix{p("127.0.0.1/8"), p("::1/128")}},
		{Name: "eth0", MAC: "52:54:00:de:a5:4f", Addrs: []netip.Prefix{p("10.166.1.158/24"), p("fe80::5054:ff:fede:a54f/64")}},
		{Name: "eth1", MAC: "52:54:00:11:22:33"},
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
		t.Errorf("parseDomifaddr (-want +got):\n%s", diff)
	}
	if _, err := parseDomifaddr("---\n eth0 52:54:00:de:a5:4f ipv4 10.166.1.300/24\n"); err == nil {
		t.Error("a bad address parsed")
	}
}

func TestGuestDefinitions(t *testing.T) {
	g := &Guest{
		Dir:      "/l/guest",
		Socket:   "/l/guest/sock/libvirt-sock",
		Networks: []GuestNetwork{{Name: "vwnet1", Bridge: "vwbr1", Subnet: netip.MustParsePrefix("10.166.1.0/24"), Gateway: netip.MustParseAddr("10.166.1.1"), DHCPStart: netip.MustParseAddr("10.166.1.2"), DHCPEnd: netip.MustParseAddr("10.166.1.254")}},
		Image:    GuestImage{Kernel: "/c/vmlinuz", Initrd: "/c/initrd&.gz"},
	}
	if got, want := g.URI(), "qemu+unix:///system?socket=/l/guest/sock/libvirt-sock"; got != want {
		t.Errorf("URI = %q, want %q", got, want)
	}
	vm, err := g.newVM("vwvm", "vwnet1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(vm.Name, "vwvm-") || len(vm.Name) != len("vwvm-")+8 || !strings.HasPrefix(vm.MAC, "52:54:00:") ||
		vm.ConsoleLog != "/l/guest/consoles/"+vm.Name+".log" || vm.ConsoleDevice != "serial0" || vm.Network != "vwnet1" {
		t.Errorf("newVM = %+v", vm)
	}
	if other, _ := g.newVM("vwvm", "vwnet1"); other.Name == vm.Name || other.MAC == vm.MAC {
		t.Errorf("two VMs share a name or MAC: %+v, %+v", vm, other)
	}

	var dom struct {
		Type    string    `xml:"type,attr"`
		Name    string    `xml:"name"`
		Kernel  string    `xml:"os>kernel"`
		Initrd  string    `xml:"os>initrd"`
		Cmdline string    `xml:"os>cmdline"`
		ACPI    *struct{} `xml:"features>acpi"`
		NIC     struct {
			MAC struct {
				Address string `xml:"address,attr"`
			} `xml:"mac"`
			Source struct {
				Network string `xml:"network,attr"`
			} `xml:"source"`
			Model struct {
				Type string `xml:"type,attr"`
			} `xml:"model"`
		} `xml:"devices>interface"`
		Serial struct {
			Type string `xml:"type,attr"`
			Log  struct {
				File string `xml:"file,attr"`
			} `xml:"log"`
		} `xml:"devices>serial"`
		Channel struct {
			Target struct {
				Name string `xml:"name,attr"`
			} `xml:"target"`
		} `xml:"devices>channel"`
	}
	if err := xml.Unmarshal([]byte(g.DomainXML(vm)), &dom); err != nil {
		t.Fatal(err)
	}
	checks := []struct{ what, got, want string }{
		{"type", dom.Type, "qemu"},
		{"name", dom.Name, vm.Name},
		{"kernel", dom.Kernel, "/c/vmlinuz"},
		{"initrd (escaped)", dom.Initrd, "/c/initrd&.gz"},
		{"cmdline", dom.Cmdline, "console=ttyS0 quiet virtwire.name=" + vm.Name},
		{"mac", dom.NIC.MAC.Address, vm.MAC},
		{"network", dom.NIC.Source.Network, "vwnet1"},
		{"model", dom.NIC.Model.Type, "virtio"},
		{"serial", dom.Serial.Type, "pty"},
		{"console log", dom.Serial.Log.File, vm.ConsoleLog},
		{"agent channel", dom.Channel.Target.Name, GuestAgentChannel},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("domain %s = %q, want %q", c.what, c.got, c.want)
		}
	}
	if dom.ACPI == nil {
		t.Error("domain without ACPI: PCI hotplug would not work")
	}

	var net struct {
		Name    string    `xml:"name"`
		Forward *struct{} `xml:"forward"`
		Bridge  struct {
			Name string `xml:"name,attr"`
		} `xml:"bridge"`
		IP struct {
			Address string `xml:"address,attr"`
			Prefix  string `xml:"prefix,attr"`
			Range   struct {
				Start string `xml:"start,attr"`
				End   string `xml:"end,attr"`
				Lease struct {
					Expiry string `xml:"expiry,attr"`
					Unit   string `xml:"unit,attr"`
				} `xml:"lease"`
			} `xml:"dhcp>range"`
		} `xml:"ip"`
		Options []struct {
			Value string `xml:"value,attr"`
		} `xml:"http://libvirt.org/schemas/network/dnsmasq/1.0 options>option"`
	}
	if err := xml.Unmarshal([]byte(g.Networks[0].NetworkXML()), &net); err != nil {
		t.Fatal(err)
	}
	if net.Forward != nil {
		t.Error("network has a <forward>: it must be isolated")
	}
	got := []string{net.Name, net.Bridge.Name, net.IP.Address, net.IP.Prefix, net.IP.Range.Start, net.IP.Range.End,
		net.IP.Range.Lease.Expiry + " " + net.IP.Range.Lease.Unit}
	if diff := cmp.Diff([]string{"vwnet1", "vwbr1", "10.166.1.1", "24", "10.166.1.2", "10.166.1.254", "10 minutes"}, got); diff != "" {
		t.Errorf("network (-want +got):\n%s", diff)
	}
	if len(net.Options) != 1 || net.Options[0].Value != "no-ping" {
		t.Errorf("dnsmasq options = %+v, want no-ping", net.Options)
	}
}
