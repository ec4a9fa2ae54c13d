package lab_test

import (
	"fmt"

	"github.com/virtwire/virtwire/internal/lab"
)

// A test gets its Lab from lab.Require(t); the URIs are what a user would
// give virsh -c.
func ExampleLab_URI() {
	l := &lab.Lab{
		UnixSocket: "/tmp/lab/main/sock/libvirt-sock",
		TLSAddr:    "127.0.0.1:16514",
		PKIDir:     "/tmp/lab/pki/client",
	}
	fmt.Println(l.URI(lab.UnixRW))
	fmt.Println(l.URI(lab.TLS))
	fmt.Println(l.DriverURI(lab.UnixRW, "qemu", "/system"))
	// Output:
	// test+unix:///default?socket=/tmp/lab/main/sock/libvirt-sock
	// test+tls://127.0.0.1:16514/default?pkipath=/tmp/lab/pki/client
	// qemu+unix:///system?socket=/tmp/lab/main/sock/libvirt-sock
}

// A test gets its Guest from lab.RequireGuest(t), waits for the shared
// guest with WaitReady, and reaches its daemon at URI.
func ExampleGuest_URI() {
	g := &lab.Guest{
		Socket: "/tmp/lab/guest/sock/libvirt-sock",
		VM:     lab.VM{Name: "vwguest-0a1b2c3d", Network: "vwnet1", ConsoleDevice: "serial0"},
	}
	fmt.Println(g.URI())
	fmt.Printf("virsh -c %s console %s %s\n", g.URI(), g.VM.Name, g.VM.ConsoleDevice)
	// Output:
	// qemu+unix:///system?socket=/tmp/lab/guest/sock/libvirt-sock
	// virsh -c qemu+unix:///system?socket=/tmp/lab/guest/sock/libvirt-sock console vwguest-0a1b2c3d serial0
}
