// Command libvirtsrc prints the path of the libvirt release tree the
// project is built against, fetching, verifying and caching it first when
// need be (see package internal/libvirtsrc). With -tarball it prints the
// verified release tarball's path instead.
//
//	go run ./internal/libvirtsrc/cmd/libvirtsrc
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/virtwire/virtwire/internal/libvirtsrc"
)

func main() {
	tarball := flag.Bool("tarball", false, "print the release tarball's path, not the unpacked tree's")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	get := libvirtsrc.Dir
	if *tarball {
		get = libvirtsrc.Tarball
	}
	p, err := get(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(p)
}
