package virtwire_test

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/internal/lab"
	"github.com/virtwire/virtwire/protocol/remote"
)

// release is libvirt's number for a release: 11.3.0 is 11003000.
func release(major, minor, micro uint64) uint64 { return major*1000000 + minor*1000 + micro }

// libVersion asks the daemon behind c for its libvirt release.
func libVersion(t *testing.T, ctx context.Context, c *virtwire.Conn) uint64 {
	t.Helper()
	v, err := c.ConnectGetLibVersion(ctx)
	if err != nil {
		t.Fatalf("ConnectGetLibVersion: %v", err)
	}
	return v
}

// wantUnknownProcedure fails the test unless err is a daemon's answer to a
// procedure it does not know. The daemon says so with VIR_ERR_RPC
// "unknown procedure: N"; virtwire.IsUnsupported recognises it.
// (libvirt's C client rewrites that error to VIR_ERR_NO_SUPPORT;
// virtwire keeps the daemon's code.)
func wantUnknownProcedure(t *testing.T, err error, proc remote.Procedure) {
	t.Helper()
	if !virtwire.IsUnsupported(err) || !strings.Contains(err.Error(), "unknown procedure: "+strconv.Itoa(int(proc))) {
		t.Fatalf("got error %v, want the daemon's unknown procedure %d", err, proc)
	}
}

// virshRelease is the libvirt release of the virsh the tests run (the
// lab's libvirt: Debian's 9.0, or 11.3 inside the libvirt root).
func virshRelease(t *testing.T) uint64 {
	t.Helper()
	out, err := exec.Command("virsh", "--version").Output()
	if err != nil {
		t.Fatalf("virsh --version: %v", err)
	}
	var major, minor, micro uint64
	if _, err := fmt.Sscanf(strings.TrimSpace(string(out)), "%d.%d.%d", &major, &minor, &micro); err != nil {
		t.Fatalf("virsh --version printed %q: %v", out, err)
	}
	return release(major, minor, micro)
}

// after9Target is one daemon TestProceduresAfter9 calls: the lab's
// libvirtd (libvirt 9.0, or 11.3 in the libvirt root) or the modular
// daemons (always 11.3).
type after9Target struct {
	name    string
	version uint64
	test    *virtwire.Conn // test:///default, nil where there is none
	net     *virtwire.Conn // a connection with a network driver
	netURI  string         // virsh's URI for net
	qemu    *virtwire.Conn // qemu:///system
	qemuURI string         // virsh's URI for qemu
	virsh   func(t *testing.T, uri string, args ...string) string
}

// after9Step calls procedures added in release since on a daemon of that
// release or later (run), or on an older one (old), where each must fail
// as a procedure the daemon does not know.
type after9Step struct {
	name       string
	since      uint64
	testDriver bool // calls tg.test: not on the modular daemons
	run        func(t *testing.T, ctx context.Context, tg *after9Target)
	old        func(t *testing.T, ctx context.Context, tg *after9Target)
}

// TestProceduresAfter9 calls every procedure of the remote program added
// after libvirt 9.0.0 (444 to 453: network metadata and its event, node
// device update, graphics reload, autostart once, throttle groups, and the
// NIC MAC change event) on the lab's libvirtd and on the modular daemons:
// on libvirt 11.3 each does what it is for, checked against the daemon's
// XML and virsh; on 9.0 each fails as unknown to the daemon, and the
// connection goes on working.
func TestProceduresAfter9(t *testing.T) {
	l := lab.Require(t)
	m := lab.RequireModular(t)
	if !l.QEMU {
		t.Fatal("the lab's QEMU driver does not work (qemu-system-x86; `make deps`)")
	}
	ctx := modularCtx(t)
	main := &after9Target{
		name:    "libvirtd " + l.Libvirt,
		test:    dialLab(t, l, viaUnix),
		qemu:    labConn(t, l.DriverURI(lab.UnixRW, "qemu", "/system")),
		qemuURI: l.DriverURI(lab.UnixRW, "qemu", "/system"),
		netURI:  l.URI(lab.UnixRW),
		virsh:   func(t *testing.T, uri string, args ...string) string { return l.Virsh(t, uri, args...) },
	}
	main.net = main.test
	modular := &after9Target{
		name:    "modular daemons " + m.Version,
		net:     dialModular(t, m.Network.URI("network")),
		netURI:  m.Network.URI("network"),
		qemu:    dialModular(t, m.QEMU.URI("qemu")),
		qemuURI: m.QEMU.URI("qemu"),
		virsh:   func(t *testing.T, uri string, args ...string) string { return m.Virsh(t, uri, args...) },
	}
	for _, tg := range []*after9Target{main, modular} {
		tg.version = libVersion(t, ctx, tg.qemu)
		t.Run(tg.name, func(t *testing.T) {
			for _, s := range after9Steps {
				if s.testDriver && tg.test == nil {
					continue
				}
				t.Run(s.name, func(t *testing.T) {
					ctx := modularCtx(t)
					if tg.version >= s.since {
						s.run(t, ctx, tg)
					} else {
						s.old(t, ctx, tg)
					}
					// Whatever happened, the connections still work.
					for _, c := range []*virtwire.Conn{tg.net, tg.qemu} {
						if _, err := c.ConnectGetLibVersion(ctx); err != nil {
							t.Fatalf("after %s: %v", s.name, err)
						}
					}
				})
			}
		})
	}
}

var after9Steps = []after9Step{
	{"network-metadata", release(9, 7, 0), false, func(t *testing.T, ctx context.Context, tg *after9Target) {
		net := defineAfter9Network(t, ctx, tg)
		sub, err := tg.net.SubscribeNetworkEvents(ctx, &net, virtwire.NetworkEventIDMetadataChange) // 9.8.0
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Close()
		const ns = "http://virtwire.example/after9"
		sets := []struct {
			typ       virtwire.NetworkMetadataType
			value     string
			key, uri  *string
			want, xml string
		}{
			{virtwire.NetworkMetadataDescription, "described by virtwire", nil, nil, "described by virtwire", "<description>described by virtwire</description>"},
			{virtwire.NetworkMetadataTitle, "virtwire title", nil, nil, "virtwire title", "<title>virtwire title</title>"},
			{virtwire.NetworkMetadataElement, "<probe n='1'/>", str("vw"), str(ns), `<probe n="1"/>`, `<vw:probe xmlns:vw="` + ns + `" n="1"/>`},
		}
		for _, s := range sets {
			err := tg.net.NetworkSetMetadata(ctx, net, int32(s.typ), &s.value, s.key, s.uri, virtwire.NetworkUpdateAffectConfig)
			if err != nil {
				t.Fatalf("NetworkSetMetadata(%v): %v", s.typ, err)
			}
			got, err := tg.net.NetworkGetMetadata(ctx, net, int32(s.typ), s.uri, virtwire.NetworkUpdateAffectConfig)
			if err != nil || got != s.want {
				t.Errorf("NetworkGetMetadata(%v) = %q, %v; want %q", s.typ, got, err, s.want)
			}
			select {
			case ev, ok := <-sub.Events():
				mc, isMC := ev.(*virtwire.NetworkEventMetadataChange)
				if !ok || !isMC || mc.Net.Name != net.Name || mc.Type != s.typ {
					t.Errorf("event after setting %v: %#v (open %v); want a metadata change of %s", s.typ, ev, ok, net.Name)
				}
			case <-ctx.Done():
				t.Fatalf("no metadata change event after setting %v", s.typ)
			}
		}
		// The daemon's own XML, as virsh shows it, holds all three.
		dump := tg.virsh(t, tg.netURI, "net-dumpxml", net.Name) // inactive: its persistent definition
		for _, s := range sets {
			mustContain(t, "virsh net-dumpxml", dump, s.xml)
		}
	}, func(t *testing.T, ctx context.Context, tg *after9Target) {
		net := defineAfter9Network(t, ctx, tg)
		v := "x"
		err := tg.net.NetworkSetMetadata(ctx, net, int32(virtwire.NetworkMetadataDescription), &v, nil, nil, virtwire.NetworkUpdateAffectConfig)
		wantUnknownProcedure(t, err, remote.ProcNetworkSetMetadata)
		_, err = tg.net.NetworkGetMetadata(ctx, net, int32(virtwire.NetworkMetadataDescription), nil, 0)
		wantUnknownProcedure(t, err, remote.ProcNetworkGetMetadata)
		_, err = tg.net.SubscribeNetworkEvents(ctx, &net, virtwire.NetworkEventIDMetadataChange)
		if !virtwire.IsUnsupportedEvent(err) {
			t.Errorf("subscribing to network metadata changes: %v, want the unsupported event error", err)
		}
	}},
	// Node devices are the test driver's: the lab runs no virtnodedevd.
	{"node-device-update", release(10, 1, 0), true, func(t *testing.T, ctx context.Context, tg *after9Target) {
		// Only mediated devices can be updated, and the test driver has
		// none: the daemon decodes the call and its driver refuses it by
		// name, where an older daemon does not know the procedure.
		err := tg.test.NodeDeviceUpdate(ctx, "computer", "<device><name>computer</name></device>", 0)
		wantCode(t, err, virtwire.ErrNoSupport)
		mustContain(t, "the update error", err.Error(), "virNodeDeviceUpdate")
	}, func(t *testing.T, ctx context.Context, tg *after9Target) {
		err := tg.test.NodeDeviceUpdate(ctx, "computer", "<device><name>computer</name></device>", 0)
		wantUnknownProcedure(t, err, remote.ProcNodeDeviceUpdate)
	}},
	{"graphics-reload", release(10, 2, 0), false, func(t *testing.T, ctx context.Context, tg *after9Target) {
		plain := defineAfter9Domain(t, ctx, tg, "")
		vnc := defineAfter9Domain(t, ctx, tg, "<devices><graphics type='vnc' autoport='yes' listen='127.0.0.1'/></devices>")
		// Nothing to reload on a domain without VNC: done.
		if err := tg.qemu.DomainGraphicsReload(ctx, plain, uint32(virtwire.DomainGraphicsReloadTypeAny), 0); err != nil {
			t.Errorf("DomainGraphicsReload(any) without graphics: %v", err)
		}
		// VNC asked for, or present: only a running domain has a display.
		for _, tc := range []struct {
			dom virtwire.Domain
			typ virtwire.DomainGraphicsReloadType
		}{{plain, virtwire.DomainGraphicsReloadTypeVNC}, {vnc, virtwire.DomainGraphicsReloadTypeAny}} {
			err := tg.qemu.DomainGraphicsReload(ctx, tc.dom, uint32(tc.typ), 0)
			wantCode(t, err, virtwire.ErrOperationInvalid)
			mustContain(t, "the reload error", err.Error(), "domain is not running")
		}
		err := tg.qemu.DomainGraphicsReload(ctx, plain, 7, 0)
		wantCode(t, err, virtwire.ErrInvalidArg)
	}, func(t *testing.T, ctx context.Context, tg *after9Target) {
		dom := defineAfter9Domain(t, ctx, tg, "")
		err := tg.qemu.DomainGraphicsReload(ctx, dom, uint32(virtwire.DomainGraphicsReloadTypeAny), 0)
		wantUnknownProcedure(t, err, remote.ProcDomainGraphicsReload)
	}},
	{"autostart-once", release(11, 2, 0), false, func(t *testing.T, ctx context.Context, tg *after9Target) {
		dom := defineAfter9Domain(t, ctx, tg, "")
		for _, want := range []int32{1, 0} {
			if err := tg.qemu.DomainSetAutostartOnce(ctx, dom, want); err != nil {
				t.Fatal(err)
			}
			got, err := tg.qemu.DomainGetAutostartOnce(ctx, dom)
			if err != nil || got != want {
				t.Errorf("DomainGetAutostartOnce = %d, %v after setting %d", got, err, want)
			}
			if virshRelease(t) >= release(11, 2, 0) {
				state := map[int32]string{0: "disable", 1: "enable"}[want]
				if info := tg.virsh(t, tg.qemuURI, "dominfo", dom.Name); !containsFields(info, "Autostart Once:", state) {
					t.Errorf("virsh dominfo after DomainSetAutostartOnce(%d):\n%s", want, info)
				}
			}
		}
		if err := tg.qemu.DomainSetAutostartOnce(ctx, virtwire.Domain{Name: "vw-no-such-domain"}, 1); !errors.Is(err, virtwire.ErrNoDomain) {
			t.Errorf("DomainSetAutostartOnce of a missing domain: %v, want ErrNoDomain", err)
		}
	}, func(t *testing.T, ctx context.Context, tg *after9Target) {
		dom := defineAfter9Domain(t, ctx, tg, "")
		wantUnknownProcedure(t, tg.qemu.DomainSetAutostartOnce(ctx, dom, 1), remote.ProcDomainSetAutostartOnce)
		_, err := tg.qemu.DomainGetAutostartOnce(ctx, dom)
		wantUnknownProcedure(t, err, remote.ProcDomainGetAutostartOnce)
	}},
	{"throttle-groups", release(11, 2, 0), false, func(t *testing.T, ctx context.Context, tg *after9Target) {
		dom := defineAfter9Domain(t, ctx, tg, "")
		// group_name must be among the parameters: without it libvirt
		// 11.3 stores a nameless group, and the next set crashes the daemon.
		params := []virtwire.TypedParam{paramString("group_name", "vwlimit"), paramUllong("total_bytes_sec", 1048576)}
		if err := tg.qemu.DomainSetThrottleGroup(ctx, dom, "vwlimit", params, uint32(virtwire.DomainAffectConfig)); err != nil {
			t.Fatal(err)
		}
		xml, err := tg.qemu.DomainGetXMLDesc(ctx, dom, virtwire.DomainXMLInactive)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"<throttlegroup>", "<total_bytes_sec>1048576</total_bytes_sec>", "<group_name>vwlimit</group_name>"} {
			mustContain(t, "the inactive XML", xml, want)
		}
		if dump := tg.virsh(t, tg.qemuURI, "dumpxml", "--inactive", dom.Name); dump != strings.TrimSpace(xml) {
			t.Errorf("virsh dumpxml --inactive differs from DomainGetXMLDesc:\n%s\n---\n%s", dump, xml)
		}
		if err := tg.qemu.DomainDelThrottleGroup(ctx, dom, str("vwlimit"), uint32(virtwire.DomainAffectConfig)); err != nil {
			t.Fatal(err)
		}
		if xml, err := tg.qemu.DomainGetXMLDesc(ctx, dom, virtwire.DomainXMLInactive); err != nil || strings.Contains(xml, "vwlimit") {
			t.Errorf("after DomainDelThrottleGroup the XML still names the group (err %v):\n%s", err, xml)
		}
	}, func(t *testing.T, ctx context.Context, tg *after9Target) {
		dom := defineAfter9Domain(t, ctx, tg, "")
		params := []virtwire.TypedParam{paramString("group_name", "vwlimit"), paramUllong("total_bytes_sec", 1048576)}
		err := tg.qemu.DomainSetThrottleGroup(ctx, dom, "vwlimit", params, uint32(virtwire.DomainAffectConfig))
		wantUnknownProcedure(t, err, remote.ProcDomainSetThrottleGroup)
		err = tg.qemu.DomainDelThrottleGroup(ctx, dom, str("vwlimit"), uint32(virtwire.DomainAffectConfig))
		wantUnknownProcedure(t, err, remote.ProcDomainDelThrottleGroup)
	}},
	{"nic-mac-change-event", release(11, 2, 0), false, func(t *testing.T, ctx context.Context, tg *after9Target) {
		// The daemon registers the callback.
		sub, err := tg.qemu.SubscribeDomainEvents(ctx, nil, virtwire.DomainEventIDNicMACChange)
		if err != nil {
			t.Fatal(err)
		}
		if err := sub.Close(); err != nil {
			t.Errorf("closing the subscription: %v", err)
		}
	}, func(t *testing.T, ctx context.Context, tg *after9Target) {
		_, err := tg.qemu.SubscribeDomainEvents(ctx, nil, virtwire.DomainEventIDNicMACChange)
		if !virtwire.IsUnsupportedEvent(err) {
			t.Errorf("subscribing to NIC MAC changes: %v, want the unsupported event error", err)
		}
	}},
}

// containsFields reports whether some line of s, split into fields, is
// the fields of want joined by blanks (virsh pads its columns).
func containsFields(s string, want ...string) bool {
	w := strings.Fields(strings.Join(want, " "))
	for _, line := range strings.Split(s, "\n") {
		if strings.Join(strings.Fields(line), " ") == strings.Join(w, " ") {
			return true
		}
	}
	return false
}

// defineAfter9Network defines an inactive network with a unique name on
// tg's network driver, undefined when the test ends.
func defineAfter9Network(t *testing.T, ctx context.Context, tg *after9Target) virtwire.Network {
	t.Helper()
	name := uniqueName(t)
	n, err := tg.net.NetworkDefineXML(ctx, fmt.Sprintf("<network><name>%s</name><bridge name='vwa9%s'/></network>", name, name[len(name)-6:]))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := tg.net.NetworkUndefine(ctx, n); err != nil {
			t.Errorf("undefining %s: %v", name, err)
		}
	})
	return n
}

// defineAfter9Domain defines an inactive QEMU domain with a unique name on
// tg's QEMU driver (devices inside <domain>, if any), undefined when the
// test ends.
func defineAfter9Domain(t *testing.T, ctx context.Context, tg *after9Target, devices string) virtwire.Domain {
	t.Helper()
	name := uniqueName(t)
	d, err := tg.qemu.DomainDefineXML(ctx, fmt.Sprintf(`<domain type='qemu'>
  <name>%s</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  %s
</domain>`, name, devices))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := tg.qemu.DomainUndefine(ctx, d); err != nil {
			t.Errorf("undefining %s: %v", name, err)
		}
	})
	return d
}
