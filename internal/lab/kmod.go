package lab

import (
	"bytes"
	"debug/elf"
	"fmt"
	"io"
	"sort"
	"strings"
)

// kmod is what the guest build needs to know of one kernel module: its
// name and the modules it needs loaded first, from its .modinfo section
// (Debian's kernel packages ship no modules.dep; depmod makes it at install).
type kmod struct {
	name    string
	path    string // relative to lib/modules/RELEASE
	depends []string
}

// readModinfo reads the name and depends entries of a module's .modinfo
// section: NUL-separated key=value strings.
func readModinfo(r io.ReaderAt) (name string, depends []string, err error) {
	f, err := elf.NewFile(r)
	if err != nil {
		return "", nil, fmt.Errorf("not an ELF file: %w", err)
	}
	defer f.Close()
	sec := f.Section(".modinfo")
	if sec == nil {
		return "", nil, fmt.Errorf("no .modinfo section")
	}
	data, err := sec.Data()
	if err != nil {
		return "", nil, err
	}
	for _, kv := range bytes.Split(data, []byte{0}) {
		k, v, ok := strings.Cut(string(kv), "=")
		if !ok {
			continue
		}
		switch k {
		case "name":
			name = v
		case "depends":
			for _, d := range strings.Split(v, ",") {
				if d != "" {
					depends = append(depends, d)
				}
			}
		}
	}
	if name == "" {
		return "", nil, fmt.Errorf("no name in .modinfo")
	}
	return name, depends, nil
}

// modName is a module's name as the kernel compares them: '-' and '_' are
// the same character.
func modName(s string) string {
	return strings.ReplaceAll(s, "-", "_")
}

// loadOrder returns the modules to insmod, dependencies first, so that
// every module in want is loaded. lookup returns a module by its modName,
// or nil when there is no such module file. A module in builtin (the
// kernel's modules.builtin, by name) needs nothing; one that is neither a
// module nor built in is an error, and so is a dependency cycle.
func loadOrder(lookup func(name string) (*kmod, error), builtin map[string]bool, want []string) ([]*kmod, error) {
	var order []*kmod
	state := make(map[string]int) // 1: visiting, 2: done
	var visit func(name, from string) error
	visit = func(name, from string) error {
		name = modName(name)
		switch state[name] {
		case 1:
			return fmt.Errorf("lab: kernel modules: dependency cycle through %s", name)
		case 2:
			return nil
		}
		m, err := lookup(name)
		if err != nil {
			return fmt.Errorf("lab: kernel module %s: %w", name, err)
		}
		if m == nil {
			if builtin[name] {
				state[name] = 2
				return nil
			}
			if from == "" {
				return fmt.Errorf("lab: kernel module %s is neither in the package nor built in", name)
			}
			return fmt.Errorf("lab: kernel module %s (needed by %s) is neither in the package nor built in", name, from)
		}
		state[name] = 1
		deps := append([]string(nil), m.depends...)
		sort.Strings(deps)
		for _, d := range deps {
			if err := visit(d, name); err != nil {
				return err
			}
		}
		state[name] = 2
		order = append(order, m)
		return nil
	}
	for _, w := range want {
		if err := visit(w, ""); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// parseBuiltin reads modules.builtin: one path per line, such as
// kernel/drivers/virtio/virtio_anchor.ko, and returns the module names.
func parseBuiltin(data []byte) map[string]bool {
	names := make(map[string]bool)
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		base := line[strings.LastIndexByte(line, '/')+1:]
		names[modName(strings.TrimSuffix(base, ".ko"))] = true
	}
	return names
}
