// Package xdrgen generates virtwire's protocol packages and typed constants
// from libvirt's XDR protocol definitions (.x files) and public C headers.
//
// It parses the XDR language as libvirt uses it (const, enum, typedef,
// struct, union, fixed and variable arrays, optional data, and libvirt's
// @generate/@priority/@readstream/@writestream/@sparseflag annotations),
// resolves constants that the .x files take from the C headers, and writes Go
// code that encodes and decodes every type without reflection.
//
// Run it through go generate from the module root:
//
//	go run ./internal/xdrgen/cmd/xdrgen
package xdrgen

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Config says where the generator reads and writes.
type Config struct {
	// Source is a libvirt source tree: the .x files are read from
	// src/remote, src/rpc and src/admin, the headers from include/libvirt.
	Source string
	// Out is the module root the generated files are written under.
	Out string
}

// headerFiles are read in this order, so that later headers may use the
// constants of earlier ones.
var headerFiles = []string{
	"libvirt-common.h.in", "libvirt-host.h", "libvirt-domain.h", "libvirt-domain-checkpoint.h",
	"libvirt-domain-snapshot.h", "libvirt-event.h", "libvirt-interface.h", "libvirt-network.h",
	"libvirt-nodedev.h", "libvirt-nwfilter.h", "libvirt-secret.h", "libvirt-storage.h",
	"libvirt-stream.h", "virterror.h", "libvirt-qemu.h", "libvirt-lxc.h", "libvirt-admin.h",
}

// find locates a file of libvirt's tree.
func find(src, rel string) (string, error) {
	p := filepath.Join(src, rel)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("xdrgen: %s not found in the libvirt tree %s", rel, src)
	}
	return p, nil
}

func readXDR(src, name, treeDir string) (*File, error) {
	path, err := find(src, filepath.Join("src", treeDir, name))
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(name, string(b))
}

// Load reads and parses every input.
func Load(src string) (*model, map[string]*File, error) {
	var names, contents []string
	for _, n := range headerFiles {
		path, err := find(src, filepath.Join("include", "libvirt", n))
		if err != nil {
			return nil, nil, err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, nil, err
		}
		names = append(names, n)
		contents = append(contents, string(b))
	}
	h, err := ParseHeaders(names, contents)
	if err != nil {
		return nil, nil, err
	}
	files := map[string]*File{}
	for _, x := range []struct{ name, dir string }{
		{"virnetprotocol.x", "rpc"}, {"virkeepaliveprotocol.x", "rpc"},
		{"remote_protocol.x", "remote"}, {"qemu_protocol.x", "remote"},
		{"lxc_protocol.x", "remote"}, {"admin_protocol.x", "admin"},
	} {
		f, err := readXDR(src, x.name, x.dir)
		if err != nil {
			return nil, nil, err
		}
		files[x.name] = f
	}
	progs := []*program{
		{pkg: "keepalive", prefix: "keepalive_", file: files["virkeepaliveprotocol.x"], procEnum: "keepalive_procedure"},
		{pkg: "remote", prefix: "remote_", file: files["remote_protocol.x"], procEnum: "remote_procedure"},
		{pkg: "qemu", prefix: "qemu_", file: files["qemu_protocol.x"], procEnum: "qemu_procedure", imports: []string{"remote"}},
		{pkg: "lxc", prefix: "lxc_", file: files["lxc_protocol.x"], procEnum: "lxc_procedure", imports: []string{"remote"}},
		{pkg: "admin", prefix: "admin_", file: files["admin_protocol.x"], procEnum: "admin_procedure"},
	}
	m, err := newModel(h, progs, files["virnetprotocol.x"])
	if err != nil {
		return nil, nil, err
	}
	return m, files, nil
}

// Generate writes every generated file under cfg.Out.
func Generate(cfg Config) error {
	if cfg.Source == "" || cfg.Out == "" {
		return errors.New("xdrgen: Source and Out must be set")
	}
	m, _, err := Load(cfg.Source)
	if err != nil {
		return err
	}
	srcNames := map[string]string{
		"keepalive": "virkeepaliveprotocol.x", "remote": "remote_protocol.x",
		"qemu": "qemu_protocol.x", "lxc": "lxc_protocol.x", "admin": "admin_protocol.x",
	}
	for _, p := range m.progs {
		src, err := m.genProgram(p, srcNames[p.pkg])
		if err != nil {
			return fmt.Errorf("xdrgen: %s: %w", p.pkg, err)
		}
		if err := write(filepath.Join(cfg.Out, "protocol", p.pkg, p.pkg+".gen.go"), src); err != nil {
			return err
		}
	}
	src, err := m.genConstants()
	if err != nil {
		return err
	}
	if err := write(filepath.Join(cfg.Out, "constants.gen.go"), src); err != nil {
		return err
	}
	src, test, err := m.genMethods()
	if err != nil {
		return err
	}
	if err := write(filepath.Join(cfg.Out, "methods.gen.go"), src); err != nil {
		return err
	}
	if err := write(filepath.Join(cfg.Out, "methods.gen_test.go"), test); err != nil {
		return err
	}
	if src, err = m.genEvents(); err != nil {
		return err
	}
	if err := write(filepath.Join(cfg.Out, "events.gen.go"), src); err != nil {
		return err
	}
	if src, err = m.genAliases(); err != nil {
		return err
	}
	if err := write(filepath.Join(cfg.Out, "types.gen.go"), src); err != nil {
		return err
	}
	if src, err = m.genAdminMethods(); err != nil {
		return err
	}
	if err := write(filepath.Join(cfg.Out, "admin", "methods.gen.go"), src); err != nil {
		return err
	}
	if src, err = m.genAdminConstants(); err != nil {
		return err
	}
	return write(filepath.Join(cfg.Out, "admin", "constants.gen.go"), src)
}

// write replaces path only when its content changes, so that go generate
// does not touch file times needlessly.
func write(path string, content []byte) error {
	if old, err := os.ReadFile(path); err == nil && string(old) == string(content) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, content, 0o644)
}
