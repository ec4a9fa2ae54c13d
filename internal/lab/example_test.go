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
