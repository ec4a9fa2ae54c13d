package domain

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/protocol/remote"
	"github.com/virtwire/virtwire/xmlspec"
)

func strp(s string) *string { return &s }

func TestConvertInterfaces(t *testing.T) {
	raw := []virtwire.DomainInterface{
		{Name: "lo", Hwaddr: strp("00:00:00:00:00:00"), Addrs: []remote.DomainIPAddr{
			{Type: 0, Addr: "127.0.0.1", Prefix: 8}, {Type: 1, Addr: "::1", Prefix: 128}}},
		{Name: "tun0"},
		{Name: "ib0", Hwaddr: strp("80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:00:0f:ab")},
	}
	got, err := convertInterfaces(raw)
	if err != nil {
		t.Fatal(err)
	}
	var s []string
	for _, i := range got {
		s = append(s, i.Name+" "+i.HWAddr.String())
		for _, a := range i.Addrs {
			s = append(s, "  "+a.String()+" "+a.Type.String())
		}
	}
	want := []string{
		"lo 00:00:00:00:00:00",
		"  127.0.0.1/8 VIR_IP_ADDR_TYPE_IPV4",
		"  ::1/128 VIR_IP_ADDR_TYPE_IPV6",
		"tun0 ",
		"ib0 80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:00:0f:ab",
	}
	if diff := cmp.Diff(want, s); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	if got[1].HWAddr != nil || got[1].Addrs != nil {
		t.Fatalf("an interface without MAC or addresses: %+v", got[1])
	}
}

// What a guest agent reports is not trusted: garbage is an error naming
// the interface and wrapping ErrUnparsable, never a panic, and the values
// beside it are still returned.
func TestConvertInterfacesRejects(t *testing.T) {
	good := remote.DomainIPAddr{Type: 0, Addr: "10.0.0.7", Prefix: 24}
	for _, tc := range []struct {
		name  string
		iface virtwire.DomainInterface
		want  string
		hw    bool // the hardware address survives
		addrs int  // addresses that survive
	}{
		{"odd hex", virtwire.DomainInterface{Name: "eth0", Hwaddr: strp("5:54:00:00:00:01"), Addrs: []remote.DomainIPAddr{good}}, `"eth0"`, false, 1},
		{"not hex", virtwire.DomainInterface{Name: "eth1", Hwaddr: strp("zz:54:00:00:00:01")}, "colons", false, 0},
		{"dashes", virtwire.DomainInterface{Name: "eth2", Hwaddr: strp("52-54-00-00-00-01")}, "colons", false, 0},
		{"too long", virtwire.DomainInterface{Name: "eth3", Hwaddr: strp(strings.Repeat("00:", 40) + "00")}, "too long", false, 0},
		{"bad address", virtwire.DomainInterface{Name: "eth4", Hwaddr: strp("52:54:00:00:00:04"), Addrs: []remote.DomainIPAddr{good, {Addr: "10.0.0.300"}}}, "10.0.0.300", true, 1},
		{"empty address", virtwire.DomainInterface{Name: "eth5", Addrs: []remote.DomainIPAddr{{Addr: ""}, good}}, `"eth5"`, false, 1},
		{"prefix", virtwire.DomainInterface{Name: "eth6", Addrs: []remote.DomainIPAddr{{Addr: "::1", Prefix: 4000}}}, "4000", false, 0},
		{"IPv4 prefix", virtwire.DomainInterface{Name: "eth7", Addrs: []remote.DomainIPAddr{{Addr: "10.0.0.1", Prefix: 33}, good}}, "33", false, 1},
		{"type", virtwire.DomainInterface{Name: "eth8", Addrs: []remote.DomainIPAddr{good, {Type: 7, Addr: "10.0.0.8"}}}, "unknown address type 7", false, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok := virtwire.DomainInterface{Name: "lo", Hwaddr: strp("00:00:00:00:00:00"), Addrs: []remote.DomainIPAddr{{Addr: "127.0.0.1", Prefix: 8}}}
			out, err := convertInterfaces([]virtwire.DomainInterface{ok, tc.iface})
			if err == nil || !errors.Is(err, ErrUnparsable) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.iface.Name) {
				t.Fatalf("err = %v, want ErrUnparsable naming %s and saying %s", err, tc.iface.Name, tc.want)
			}
			if len(out) != 2 || out[0].Name != "lo" || len(out[0].Addrs) != 1 || out[1].Name != tc.iface.Name {
				t.Fatalf("the interfaces around the bad value: %+v", out)
			}
			if (out[1].HWAddr != nil) != tc.hw || len(out[1].Addrs) != tc.addrs {
				t.Fatalf("kept hwaddr %v and %d addresses, want hwaddr %v and %d", out[1].HWAddr, len(out[1].Addrs), tc.hw, tc.addrs)
			}
			for _, a := range out[1].Addrs {
				if a.String() != "10.0.0.7/24" {
					t.Fatalf("kept %s", a)
				}
			}
		})
	}
}

func FuzzConvertInterfaces(f *testing.F) {
	f.Add("eth0", "52:54:00:00:00:01", "192.168.1.2", uint32(24), int32(0))
	f.Add("lo", "", "::1", uint32(128), int32(1))
	f.Fuzz(func(t *testing.T, name, hw, addr string, prefix uint32, typ int32) {
		out, err := convertInterfaces([]virtwire.DomainInterface{{Name: name, Hwaddr: &hw,
			Addrs: []remote.DomainIPAddr{{Type: typ, Addr: addr, Prefix: prefix}}}})
		if err == nil && (len(out) != 1 || len(out[0].Addrs) != 1 || !out[0].Addrs[0].Addr.IsValid()) {
			t.Fatalf("no error but %+v", out)
		}
		if err != nil && (!errors.Is(err, ErrUnparsable) || len(out) != 1 || out[0].Name != name) {
			t.Fatalf("error %v with %+v", err, out)
		}
	})
}

func TestParseSource(t *testing.T) {
	for s, want := range map[string]virtwire.DomainInterfaceAddressesSource{
		"lease": virtwire.DomainInterfaceAddressesSrcLease,
		"agent": virtwire.DomainInterfaceAddressesSrcAgent,
		"arp":   virtwire.DomainInterfaceAddressesSrcARP,
	} {
		if got, err := ParseSource(s); err != nil || got != want {
			t.Errorf("ParseSource(%q) = %v, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "Lease", "dhcp"} {
		if _, err := ParseSource(s); err == nil || !strings.Contains(err.Error(), "lease, agent or arp") {
			t.Errorf("ParseSource(%q): %v", s, err)
		}
	}
}

func TestStateString(t *testing.T) {
	for _, tc := range []struct {
		s    State
		want string
	}{
		{State{virtwire.DomainRunning, int32(virtwire.DomainRunningBooted)}, "running (booted)"},
		{State{virtwire.DomainPaused, int32(virtwire.DomainPausedIoerror)}, "paused (I/O error)"},
		{State{virtwire.DomainShutoff, int32(virtwire.DomainShutoffDestroyed)}, "shut off (destroyed)"},
		{State{virtwire.DomainBlocked, 0}, "idle (unknown)"},
		{State{virtwire.DomainPmsuspended, 0}, "pmsuspended (unknown)"},
		{State{virtwire.DomainRunning, 99}, "running (unknown)"},
		{State{virtwire.DomainRunning, -1}, "running (unknown)"},
		{State{42, 0}, "no state (unknown)"},
		{State{-3, 0}, "no state (unknown)"},
	} {
		if got := tc.s.String(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.s, got, tc.want)
		}
	}
}

func TestLifecycleEventString(t *testing.T) {
	for _, tc := range []struct {
		e    LifecycleEvent
		want string
	}{
		{LifecycleEvent{Type: virtwire.DomainEventStopped, Detail: int32(virtwire.DomainEventStoppedCrashed)}, "stopped (crashed)"},
		{LifecycleEvent{Type: virtwire.DomainEventShutdown, Detail: int32(virtwire.DomainEventShutdownGuest)}, "shutdown (guest request)"},
		{LifecycleEvent{Type: virtwire.DomainEventCrashed, Detail: 7}, "crashed (detail 7)"},
		{LifecycleEvent{Type: 20, Detail: 0}, "event 20 (detail 0)"},
	} {
		if got := tc.e.String(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.e, got, tc.want)
		}
	}
}

func TestViewsOf(t *testing.T) {
	const (
		live   = virtwire.DomainDeviceModifyLive
		config = virtwire.DomainDeviceModifyConfig
		force  = virtwire.DomainDeviceModifyForce
	)
	for _, tc := range []struct {
		flags virtwire.DomainDeviceModifyFlags
		want  []view
	}{
		{0, []view{{0, 0}}},
		{live, []view{{0, live}}},
		{config, []view{{virtwire.DomainXMLInactive, config}}},
		{live | config | force, []view{{0, live | force}, {virtwire.DomainXMLInactive, config | force}}},
	} {
		if diff := cmp.Diff(tc.want, viewsOf(tc.flags), cmp.AllowUnexported(view{})); diff != "" {
			t.Errorf("viewsOf(%v) (-want +got):\n%s", tc.flags, diff)
		}
	}
}

// The document that finds a NIC to detach has its type, source and MAC,
// and none of what differs between the live and persistent definitions.
func TestMatchXML(t *testing.T) {
	nic, err := xmlspec.ParseInterface([]byte(`<interface type='network'>
  <mac address='52:54:00:AB:CD:EF'/>
  <source network='default' portid='9a1d5a3e-5b5c-4c3b-8b7d-0d1d0c5f6e7a' bridge='virbr0'/>
  <target dev='vnet3'/>
  <model type='virtio'/>
  <alias name='net0'/>
  <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
</interface>`))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := matchXML(nic)
	if err != nil {
		t.Fatal(err)
	}
	want := `<interface type="network">
  <mac address="52:54:00:ab:cd:ef"></mac>
  <source network="default" portid="9a1d5a3e-5b5c-4c3b-8b7d-0d1d0c5f6e7a" bridge="virbr0"></source>
</interface>`
	if diff := cmp.Diff(want, strings.TrimSpace(string(doc))); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
}
