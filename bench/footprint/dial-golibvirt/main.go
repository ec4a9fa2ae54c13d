// Command dial-golibvirt is dial-virtwire written with go-libvirt, for
// scenario S8 of `make bench`: it dials a URI with libvirt.ConnectToURI
// (by default qemu:///system), prints "connected" and disconnects.
//
//	dial-golibvirt -c qemu:///system
package main

import (
	"flag"
	"fmt"
	"net/url"
	"os"

	"github.com/digitalocean/go-libvirt"
)

func main() {
	uri := flag.String("c", string(libvirt.QEMUSystem), "the libvirt URI to dial")
	flag.Parse()
	if err := run(*uri); err != nil {
		fmt.Fprintln(os.Stderr, "dial-golibvirt:", err)
		os.Exit(1)
	}
}

func run(uri string) error {
	u, err := url.Parse(uri)
	if err != nil {
		return err
	}
	l, err := libvirt.ConnectToURI(u)
	if err != nil {
		return err
	}
	fmt.Println("connected")
	return l.Disconnect()
}
