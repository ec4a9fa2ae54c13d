// Package lab starts and stops private libvirt daemons for virtwire's tests and
// demo, and hands tests typed endpoints to reach them.
//
// A lab is one folder (by default <module root>/.lab) holding everything: three
// root libvirtd daemons, each in its own mount namespace with private
// /run/libvirt, /var/lib/libvirt, /var/cache/libvirt, /var/log/libvirt and
// /etc/libvirt (so they never meet the host's own libvirtd), a private sshd,
// certificates, SASL and SSH credentials, logs, and lab.json, which describes
// every endpoint. Nothing outside that folder changes, and Down removes it.
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
// The daemons run only on Linux, as root, with Debian's libvirt-daemon,
// openssh-server and sasl2-bin installed (`make deps`). On other systems Up and
// StartDaemon report that, and Require skips (or fails when CI is set).
package lab
