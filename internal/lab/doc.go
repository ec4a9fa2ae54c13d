// Package lab starts and stops private libvirt daemons for virtwire's tests and
// demo, and hands tests typed endpoints to reach them.
//
// A lab is one folder (by default <module root>/.lab) holding everything: three
// root libvirtd daemons (four with the guest tier, below), each in its own
// mount namespace with private /run/libvirt, /var/lib/libvirt,
// /var/cache/libvirt, /var/log/libvirt and /etc/libvirt (so they never meet
// the host's own libvirtd), a private sshd,
// certificates, SASL and SSH credentials, logs, and lab.json, which describes
// every endpoint. Outside that folder the lab makes only its network
// namespaces (/run/netns/virtwire-*) and its cache of guest images and of
// the libvirt root (/var/cache/virtwire-lab, kept between labs); Down
// removes everything else.
//
// A developer starts one with `make lab-up` (or `go run ./internal/lab/cmd/lab up`);
// `make test` starts its own around the test run. Tests reach it through Require:
//
//	func TestList(t *testing.T) {
//		l := lab.Require(t)
//		out := l.Virsh(t, l.URI(lab.TLS), "list", "--all")
//		// ... dial l.URI(lab.TLS) with the client and compare with out
//	}
//
// Tests that kill or freeze a daemon start a throwaway one of their own with
// StartDaemon; it is removed by t.Cleanup and never disturbs the shared lab.
//
// The lab also has a guest tier (Guest): a fourth libvirtd inside a network
// namespace the lab creates, two isolated networks with DHCP, and a running
// QEMU guest (software emulation) booting a Debian cloud kernel and a busybox
// initramfs with qemu-guest-agent, built from Debian packages and cached by
// their versions. Tests that need a real guest use RequireGuest:
//
//	func TestLeases(t *testing.T) {
//		g := lab.RequireGuest(t)
//		ip := g.WaitReady(t, g.VM) // its DHCP lease, confirmed by its agent
//		// ... dial g.URI() and compare with g.Leases, g.AgentInterfaces
//	}
//
// A test that must stop or reconfigure a guest starts its own with
// Guest.StartVM.
//
// Every lab also has a modular tier (Modular): libvirt 11.3's virtproxyd in
// front of virtqemud, virtnetworkd and virtstoraged, built from libvirt's
// release source and run chrooted in a libvirt root (Root: Debian 12 with
// libvirt 11.3 from bookworm-backports), both cached as tarballs in
// /var/cache/virtwire-lab. Tests use RequireModular for the shared set and
// StartModular for one they may kill:
//
//	func TestProxy(t *testing.T) {
//		set := lab.StartModular(t)
//		// ... dial set.Proxy.URI("qemu")
//		set.Kill(t, lab.VirtQEMUd)
//		// ... what the client sees
//		set.Start(t, lab.VirtQEMUd)
//	}
//
// The same lab runs inside the libvirt root (`scripts/lab-run.sh --root`),
// where every daemon is libvirt 11.3's; Lab.Libvirt says which release a
// lab runs.
//
// The daemons run only on Linux, as root, with Debian's libvirt-daemon,
// openssh-server, sasl2-bin, qemu-system-x86 and dnsmasq-base installed
// (`make deps`). On other systems Up and StartDaemon report that, and Require
// and RequireGuest skip (or fail when CI is set).
package lab
