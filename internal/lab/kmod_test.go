package lab

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// moduleELF returns a minimal relocatable x86-64 ELF file with one section,
// named section, holding data, as a kernel module carries its .modinfo.
func moduleELF(t *testing.T, section string, data []byte) []byte {
	t.Helper()
	shstrtab := []byte("\x00" + section + "\x00.shstrtab\x00")
	dataOff := uint64(64)
	strOff := dataOff + uint64(len(data))
	shOff := (strOff + uint64(len(shstrtab)) + 7) &^ 7
	var b bytes.Buffer
	h := elf.Header64{
		Type: uint16(elf.ET_REL), Machine: uint16(elf.EM_X86_64), Version: uint32(elf.EV_CURRENT),
		Shoff: shOff, Ehsize: 64, Shentsize: 64, Shnum: 3, Shstrndx: 2,
	}
	copy(h.Ident[:], elf.ELFMAG)
	h.Ident[elf.EI_CLASS], h.Ident[elf.EI_DATA], h.Ident[elf.EI_VERSION] = byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), byte(elf.EV_CURRENT)
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(binary.Write(&b, binary.LittleEndian, h))
	b.Write(data)
	b.Write(shstrtab)
	b.Write(make([]byte, int(shOff)-b.Len()))
	for _, s := range []elf.Section64{
		{},
		{Name: 1, Type: uint32(elf.SHT_PROGBITS), Off: dataOff, Size: uint64(len(data)), Addralign: 1},
		{Name: uint32(2 + len(section)), Type: uint32(elf.SHT_STRTAB), Off: strOff, Size: uint64(len(shstrtab)), Addralign: 1},
	} {
		must(binary.Write(&b, binary.LittleEndian, s))
	}
	return b.Bytes()
}

func TestReadModinfo(t *testing.T) {
	tests := []struct {
		name     string
		file     []byte
		wantName string
		wantDeps []string
		wantErr  string
	}{
		{"with depends", moduleELF(t, ".modinfo", []byte("license=GPL\x00depends=net_failover,virtio,virtio_ring\x00retpoline=Y\x00name=virtio_net\x00vermagic=6.1.0\x00")),
			"virtio_net", []string{"net_failover", "virtio", "virtio_ring"}, ""},
		{"empty depends", moduleELF(t, ".modinfo", []byte("depends=\x00name=virtio_ring\x00")), "virtio_ring", nil, ""},
		{"no name", moduleELF(t, ".modinfo", []byte("depends=virtio\x00")), "", nil, "no name"},
		{"no modinfo", moduleELF(t, ".text", []byte("\x90\x90")), "", nil, "no .modinfo section"},
		{"not ELF", []byte("#!/bin/sh\n"), "", nil, "not an ELF file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name, deps, err := readModinfo(bytes.NewReader(tt.file))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if name != tt.wantName {
				t.Errorf("name = %q, want %q", name, tt.wantName)
			}
			if diff := cmp.Diff(tt.wantDeps, deps); diff != "" {
				t.Errorf("depends (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadOrder(t *testing.T) {
	// The real shape of virtio_net's dependencies on Debian's 6.1 cloud kernel.
	virtio := map[string][]string{
		"virtio_ring": nil, "virtio": nil,
		"virtio_pci_legacy_dev": nil, "virtio_pci_modern_dev": nil,
		"virtio_pci":    {"virtio_pci_modern_dev", "virtio_pci_legacy_dev", "virtio", "virtio_ring"},
		"failover":      nil,
		"net_failover":  {"failover"},
		"virtio_net":    {"net_failover", "virtio", "virtio_ring"},
		"with-dash":     {"virtio"},
		"uses_dash":     {"with_dash"},
		"needs_builtin": {"virtio_anchor"},
		"needs_missing": {"nowhere"},
		"cycle_a":       {"cycle_b"},
		"cycle_b":       {"cycle_a"},
	}
	lookup := func(name string) (*kmod, error) {
		for n, deps := range virtio {
			if modName(n) == name {
				return &kmod{name: name, depends: deps}, nil
			}
		}
		if name == "unreadable" {
			return nil, fmt.Errorf("bad ELF")
		}
		return nil, nil
	}
	builtin := parseBuiltin([]byte("kernel/drivers/virtio/virtio_anchor.ko\nkernel/lib/crc-t10dif.ko\n\n"))
	if !builtin["virtio_anchor"] || !builtin["crc_t10dif"] || len(builtin) != 2 {
		t.Fatalf("parseBuiltin = %v", builtin)
	}
	tests := []struct {
		want    []string
		order   []string
		wantErr string
	}{
		{[]string{"virtio_pci", "virtio_net"},
			[]string{"virtio", "virtio_pci_legacy_dev", "virtio_pci_modern_dev", "virtio_ring", "virtio_pci", "failover", "net_failover", "virtio_net"}, ""},
		{[]string{"uses-dash"}, []string{"virtio", "with_dash", "uses_dash"}, ""},
		{[]string{"virtio_anchor", "needs_builtin"}, []string{"needs_builtin"}, ""},
		{[]string{"needs_missing"}, nil, "nowhere (needed by needs_missing) is neither"},
		{[]string{"absent"}, nil, "absent is neither in the package nor built in"},
		{[]string{"cycle_a"}, nil, "dependency cycle"},
		{[]string{"unreadable"}, nil, "bad ELF"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.want, ","), func(t *testing.T) {
			order, err := loadOrder(lookup, builtin, tt.want)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range order {
				got = append(got, m.name)
			}
			if diff := cmp.Diff(tt.order, got); diff != "" {
				t.Errorf("order (-want +got):\n%s", diff)
			}
		})
	}
}
