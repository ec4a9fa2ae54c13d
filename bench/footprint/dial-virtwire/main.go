// Command dial-virtwire is the first program a new user writes, for
// scenario S8 of `make bench`: it dials a URI (by default qemu:///system,
// over the unix socket), prints "connected" and closes. dial-golibvirt does
// the same with go-libvirt, so the two static binaries show what Dial alone
// costs.
//
//	dial-virtwire -c qemu:///system
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/virtwire/virtwire"
)

func main() {
	uri := flag.String("c", "qemu:///system", "the libvirt URI to dial")
	flag.Parse()
	c, err := virtwire.Dial(context.Background(), *uri)
	if err != nil {
		fmt.Fprintln(os.Stderr, "dial-virtwire:", err)
		os.Exit(1)
	}
	fmt.Println("connected")
	if err := c.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "dial-virtwire:", err)
		os.Exit(1)
	}
}
