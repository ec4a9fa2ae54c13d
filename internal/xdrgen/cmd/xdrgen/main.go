// Command xdrgen generates virtwire's protocol packages and typed constants
// from libvirt's .x files and headers. Run it from the module root, usually
// through `go generate ./...`. It reads the pinned libvirt release that
// internal/libvirtsrc fetches and caches; LIBVIRT_SOURCE or -source
// overrides it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/virtwire/virtwire/internal/xdrgen"
)

func main() {
	src := flag.String("source", "", "libvirt source tree (default: $LIBVIRT_SOURCE, else the pinned release, fetched and cached)")
	out := flag.String("out", "", "module root to write under (default: the module root above the working directory)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if *src == "" {
		dir, err := xdrgen.DefaultSource(ctx)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		*src = dir
	}
	if *out == "" {
		root, err := xdrgen.ModuleRoot()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		*out = root
	}
	if err := xdrgen.Generate(xdrgen.Config{Source: *src, Out: *out}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
