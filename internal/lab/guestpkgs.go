package lab

import (
	"fmt"
	"strings"
)

// The Debian packages the guest is made of. The kernel is the one the
// metapackage names; qemu-guest-agent's shared libraries come from the
// library packages it depends on, directly or not.
const (
	kernelMetapackage = "linux-image-cloud-amd64"
	busyboxPackage    = "busybox-static"
	agentPackage      = "qemu-guest-agent"
	multiarch         = "x86_64-linux-gnu"
)

// debPackage is one package at the version apt offers.
type debPackage struct {
	name, version string
	depends       []string // first alternative of each Depends and Pre-Depends entry
}

func (p debPackage) String() string { return p.name + "=" + p.version }

// agentLibraries seeds the first apt query with the library packages
// qemu-guest-agent needs on Debian 12, so that resolving usually takes two
// apt-cache calls (each reads all package lists, about a second without
// apt's binary cache). A wrong or missing name here only costs a call.
var agentLibraries = []string{
	"libc6", "libglib2.0-0", "libnuma1", "libudev1", "liburing2", "libgcc-s1",
	"libffi8", "libmount1", "libpcre2-8-0", "libselinux1", "libblkid1",
}

// guestPackageSet walks the dependencies in known: it returns the packages
// of the guest (kernel, busybox, agent, then libraries) when all are known,
// else the names still to ask apt about.
func guestPackageSet(known map[string]debPackage) (pkgs []debPackage, missing []string, err error) {
	need := func(name string) (debPackage, bool) {
		p, ok := known[name]
		if !ok {
			missing = append(missing, name)
			return p, false
		}
		if p.version == "" {
			err = fmt.Errorf("lab: apt offers no version of %s", name)
			return p, false
		}
		return p, true
	}
	meta, ok1 := need(kernelMetapackage)
	bb, ok2 := need(busyboxPackage)
	agent, ok3 := need(agentPackage)
	if err != nil || !ok1 || !ok2 || !ok3 {
		return nil, missing, err
	}
	var kernelName string
	for _, d := range meta.depends {
		if strings.HasPrefix(d, "linux-image-") {
			kernelName = d
			break
		}
	}
	if kernelName == "" {
		return nil, nil, fmt.Errorf("lab: %s %s depends on no linux-image-* package", kernelMetapackage, meta.version)
	}
	kernel, ok := need(kernelName)
	pkgs = []debPackage{kernel, bb, agent}
	seen := map[string]bool{agentPackage: true}
	queue := append([]string(nil), agent.depends...)
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if seen[n] || !strings.HasPrefix(n, "lib") {
			continue
		}
		seen[n] = true
		if p, ok := need(n); ok {
			pkgs = append(pkgs, p)
			queue = append(queue, p.depends...)
		}
	}
	if err != nil {
		return nil, nil, err
	}
	if !ok || len(missing) > 0 {
		return nil, missing, nil
	}
	return pkgs, nil, nil
}

// parseStanza reads Package, Version, Depends and Pre-Depends from one
// package record (folded continuation lines are joined).
func parseStanza(stanza string) debPackage {
	var p debPackage
	fields := make(map[string]string)
	var last string
	for _, line := range strings.Split(stanza, "\n") {
		if line == "" {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if last != "" {
				fields[last] += " " + strings.TrimSpace(line)
			}
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		last = k
		fields[k] = strings.TrimSpace(v)
	}
	p.name, p.version = fields["Package"], fields["Version"]
	for _, f := range []string{"Pre-Depends", "Depends"} {
		if fields[f] == "" {
			continue
		}
		for _, entry := range strings.Split(fields[f], ",") {
			alt, _, _ := strings.Cut(entry, "|")
			name := strings.Fields(alt)
			if len(name) == 0 {
				continue
			}
			n, _, _ := strings.Cut(name[0], ":") // libc6:any
			p.depends = append(p.depends, n)
		}
	}
	return p
}
