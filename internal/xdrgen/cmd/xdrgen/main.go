// Command xdrgen generates virtwire's protocol packages and typed constants
// from libvirt's .x files and headers. Run it from the module root, usually
// through `go generate ./...`. The libvirt folder defaults to
// ../shared/libvirt; LIBVIRT_SOURCE or -source overrides it.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/virtwire/virtwire/internal/xdrgen"
)

func main() {
	def, _ := xdrgen.DefaultSource()
	src := flag.String("source", def, "libvirt folder with protocol/ and include/, or a libvirt source tree")
	out := flag.String("out", "", "module root to write under (default: the module root above the working directory)")
	flag.Parse()
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
