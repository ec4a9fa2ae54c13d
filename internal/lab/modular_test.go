//go:build linux

package lab

import (
	"strings"
	"testing"
)

func TestModularLayout(t *testing.T) {
	m := newModular("/r", "/l/modular", "virtwire-mod-x")
	want := map[string][3]string{ // name -> socket, admin socket, log
		VirtProxyd:   {"/l/modular/state/run/libvirt-sock", "/l/modular/state/run/libvirt-admin-sock", "/l/modular/state/log/virtproxyd.log"},
		VirtQEMUd:    {"/l/modular/state/run/virtqemud-sock", "/l/modular/state/run/virtqemud-admin-sock", "/l/modular/state/log/virtqemud.log"},
		VirtNetworkd: {"/l/modular/state/run/virtnetworkd-sock", "/l/modular/state/run/virtnetworkd-admin-sock", "/l/modular/state/log/virtnetworkd.log"},
		VirtStoraged: {"/l/modular/state/run/virtstoraged-sock", "/l/modular/state/run/virtstoraged-admin-sock", "/l/modular/state/log/virtstoraged.log"},
	}
	for _, d := range m.Daemons() {
		w, ok := want[d.Name]
		if !ok {
			t.Fatalf("unexpected daemon %s", d.Name)
		}
		if d.Socket != w[0] || d.ROSocket != w[0]+"-ro" || d.AdminSocket != w[1] || d.Log != w[2] {
			t.Errorf("%s: %+v, want %q", d.Name, d, w)
		}
		delete(want, d.Name)
	}
	if len(want) != 0 {
		t.Errorf("missing daemons %v", want)
	}
	if _, ok := m.Daemon("virtnodedevd"); ok {
		t.Error("the set has no virtnodedevd")
	}
	m.ProxyTCPAddr = "127.0.0.1:16720"
	for got, want := range map[string]string{
		m.Proxy.URI("qemu"):      "qemu+unix:///system?socket=/l/modular/state/run/libvirt-sock",
		m.QEMU.ROURI("qemu"):     "qemu+unix:///system?socket=/l/modular/state/run/virtqemud-sock-ro",
		m.ProxyTCPURI("network"): "network+tcp://127.0.0.1:16720/system",
		m.Proxy.AdminURI():       "virtproxyd:///system?socket=/l/modular/state/run/libvirt-admin-sock",
		m.Network.AdminURI():     "virtnetworkd:///system?socket=/l/modular/state/run/virtnetworkd-admin-sock",
	} {
		if got != want {
			t.Errorf("URI %q, want %q", got, want)
		}
	}
}

func TestDaemonConf(t *testing.T) {
	proxy := daemonConf(VirtProxyd, 16720)
	for _, want := range []string{`tcp_port = "16720"`, "listen_tcp = 1", "listen_tls = 0", `auth_tcp = "none"`,
		`log_outputs = "3:file:/var/log/libvirt/virtproxyd.log"`, `auth_unix_rw = "none"`} {
		if !strings.Contains(proxy, want+"\n") {
			t.Errorf("virtproxyd.conf lacks %s:\n%s", want, proxy)
		}
	}
	qemu := daemonConf(VirtQEMUd, 0)
	if strings.Contains(qemu, "listen_tcp") || !strings.Contains(qemu, `log_outputs = "3:file:/var/log/libvirt/virtqemud.log"`) {
		t.Errorf("virtqemud.conf:\n%s", qemu)
	}
}
