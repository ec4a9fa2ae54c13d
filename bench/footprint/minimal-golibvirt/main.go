// Command minimal-golibvirt is minimal-virtwire written with go-libvirt,
// for scenario S8 of `make bench`: over a unix socket it prints the
// daemon's libvirt version and its domains' names.
//
//	minimal-golibvirt -socket /run/libvirt/libvirt-sock -name test:///default
package main

import (
	"flag"
	"fmt"
	"os"

	libvirt "github.com/digitalocean/go-libvirt"
	"github.com/digitalocean/go-libvirt/socket/dialers"
)

func main() {
	socket := flag.String("socket", "/run/libvirt/libvirt-sock", "the daemon's unix socket")
	name := flag.String("name", "qemu:///system", "the URI the daemon opens")
	flag.Parse()
	if err := run(*socket, *name); err != nil {
		fmt.Fprintln(os.Stderr, "minimal-golibvirt:", err)
		os.Exit(1)
	}
}

func run(socket, name string) error {
	l := libvirt.NewWithDialer(dialers.NewLocal(dialers.WithSocket(socket)))
	if err := l.ConnectToURI(libvirt.ConnectURI(name)); err != nil {
		return err
	}
	defer l.Disconnect()
	v, err := l.ConnectGetLibVersion()
	if err != nil {
		return err
	}
	fmt.Printf("libvirt %d.%d.%d\n", v/1000000, v/1000%1000, v%1000)
	doms, _, err := l.ConnectListAllDomains(1, 0)
	if err != nil {
		return err
	}
	for _, d := range doms {
		fmt.Println(d.Name)
	}
	return nil
}
