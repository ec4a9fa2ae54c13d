// Command minimal-virtwire is the smallest useful virtwire program, for
// scenario S8 of `make bench`: over a unix socket it prints the daemon's
// libvirt version and its domains' names. minimal-golibvirt does the same
// with go-libvirt, so the two static binaries show each library's floor.
//
//	minimal-virtwire -socket /run/libvirt/libvirt-sock -name test:///default
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"

	"github.com/virtwire/virtwire"
)

func main() {
	socket := flag.String("socket", "/run/libvirt/libvirt-sock", "the daemon's unix socket")
	name := flag.String("name", "qemu:///system", "the URI the daemon opens")
	flag.Parse()
	if err := run(*socket, *name); err != nil {
		fmt.Fprintln(os.Stderr, "minimal-virtwire:", err)
		os.Exit(1)
	}
}

func run(socket, name string) error {
	ctx := context.Background()
	nc, err := net.Dial("unix", socket)
	if err != nil {
		return err
	}
	c, err := virtwire.NewConn(ctx, nc, virtwire.WithName(name))
	if err != nil {
		return err
	}
	defer c.Close()
	v, err := c.ConnectGetLibVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("libvirt %d.%d.%d\n", v/1000000, v/1000%1000, v%1000)
	doms, _, err := c.ConnectListAllDomains(ctx, 1, 0)
	if err != nil {
		return err
	}
	for _, d := range doms {
		fmt.Println(d.Name)
	}
	return nil
}
