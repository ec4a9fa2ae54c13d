//go:build linux

package main

import (
	"context"
	"debug/elf"
	"fmt"
	"os/exec"
	"strings"
)

// A part is a group of packages whose symbol bytes S8's byte table shows.
type part struct {
	key      string   // the part's value in result names (report.BytesParts names it)
	prefixes []string // package paths, or their prefixes ending in "/"
}

// parts are the groups that differ between the clients' programs, in the
// table's order; a symbol of no group counts as "rest".
var parts = []part{
	{"virtwire", []string{"github.com/virtwire/"}},
	{"go-libvirt", []string{"github.com/digitalocean/"}},
	{"tls", []string{"crypto/tls", "crypto/x509"}},
	{"crypto", []string{"crypto/", "vendor/golang.org/x/crypto/", "golang.org/x/crypto/chacha20", "golang.org/x/crypto/curve25519", "golang.org/x/crypto/internal/", "golang.org/x/crypto/blowfish", "math/big"}},
	{"ssh", []string{"golang.org/x/crypto/ssh"}},
	{"sasl", []string{"github.com/xdg-go/", "golang.org/x/text/"}},
	{"json", []string{"encoding/json", "log/slog"}},
	{"xml", []string{"encoding/xml"}},
	{"reflect", []string{"reflect", "internal/reflectlite"}},
	{"runtime", []string{"runtime", "internal/runtime/"}},
}

// symbolBytes builds pkg unstripped (the symbols' names are what it
// needs; their code and data are those of the stripped program) and sums
// the sizes of the symbols that take room in the file, by part.
func symbolBytes(ctx context.Context, pkg, bin string) (map[string]int64, error) {
	build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", bin, pkg)
	build.Env = staticEnv()
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building %s: %v\n%s", pkg, err, out)
	}
	f, err := elf.Open(bin)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		return nil, fmt.Errorf("symbols of %s: %w", bin, err)
	}
	sums := map[string]int64{}
	for _, sym := range syms {
		i := int(sym.Section)
		if sym.Section >= elf.SHN_LORESERVE || i >= len(f.Sections) || f.Sections[i].Type == elf.SHT_NOBITS {
			continue // zeroed data (.bss: crypto's 32 MiB DRBG buffer among it) takes no room
		}
		sums[partOf(symbolPackage(sym.Name))] += int64(sym.Size)
	}
	return sums, nil
}

// symbolPackage is the import path of the package that a linker symbol
// belongs to: "crypto/tls" for "crypto/tls.(*Conn).Read" and for
// "type:*crypto/tls.Conn".
func symbolPackage(sym string) string {
	for _, p := range []string{"type:", "go:itab.", "go:string.", "go:"} {
		sym = strings.TrimPrefix(sym, p)
	}
	sym = strings.TrimLeft(sym, "*[]")
	last := strings.LastIndexByte(sym, '/')
	if i := strings.IndexAny(sym[last+1:], ".,"); i >= 0 {
		return sym[:last+1+i]
	}
	return sym
}

func partOf(pkg string) string {
	for _, p := range parts {
		for _, pre := range p.prefixes {
			if pkg == pre || strings.HasSuffix(pre, "/") && strings.HasPrefix(pkg, pre) || strings.HasPrefix(pkg, pre+"/") {
				return p.key
			}
		}
	}
	return "rest"
}
