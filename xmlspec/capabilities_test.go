package xmlspec

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// readLibvirtDoc parses one of libvirt's own test documents (tests/rel in
// its release tree).
func readLibvirtDoc[T any](t *testing.T, rel string, parse func([]byte) (*T, error)) *T {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(libvirtTree(t), "tests", rel))
	if err != nil {
		t.Fatal(err)
	}
	d, err := parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func machineNames(ms []CapsMachine) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Name)
	}
	return out
}

func TestHostCapabilities(t *testing.T) {
	c := readLibvirtDoc(t, "capabilityschemadata/caps-qemu-kvm.xml", ParseHostCapabilities)
	if c.HostArch() != "x86_64" {
		t.Errorf("HostArch = %q", c.HostArch())
	}
	wantArches := []string{"i686", "x86_64", "armv6l", "armv7l", "aarch64", "microblaze", "microblazeel",
		"mips", "mipsel", "sparc", "ppc", "riscv32", "riscv64"}
	if got := c.Arches(); !slices.Equal(got, wantArches) {
		t.Errorf("Arches = %v", got)
	}
	if got := c.DomainTypes("i686"); !slices.Equal(got, []string{"qemu", "kvm"}) {
		t.Errorf("DomainTypes(i686) = %v", got)
	}
	archMachines := []string{"pc-0.11", "pc", "pc-0.10", "isapc"}
	tests := []struct {
		arch, domainType string
		machines         []string
		emulator         string
	}{
		{"i686", "", archMachines, "/usr/bin/qemu-system-i386"},
		{"i686", "qemu", archMachines, "/usr/bin/qemu-system-i386"},
		{"i686", "kvm", archMachines, "/usr/bin/qemu-system-i386"}, // its own list, the same names
		{"i686", "xen", nil, ""},
		{"s390x", "", nil, ""},
		{"aarch64", "kvm", nil, ""},
	}
	for _, tt := range tests {
		if got := machineNames(c.MachineTypes(tt.arch, tt.domainType)); !slices.Equal(got, tt.machines) {
			t.Errorf("MachineTypes(%s, %s) = %v, want %v", tt.arch, tt.domainType, got, tt.machines)
		}
		if got := c.Emulator(tt.arch, tt.domainType); got != tt.emulator {
			t.Errorf("Emulator(%s, %s) = %q, want %q", tt.arch, tt.domainType, got, tt.emulator)
		}
	}
	// The kvm list is the domain's own, not the architecture's.
	kvm := c.MachineTypes("i686", "kvm")
	if len(kvm) == 0 || &kvm[0] != &c.Guests[0].Arch.Domains[1].Machines[0] {
		t.Error("MachineTypes(i686, kvm) is not the kvm domain's list")
	}
	if pc := kvm[1]; pc.Name != "pc" || pc.Canonical != "pc-0.11" || pc.MaxCPUs == nil || *pc.MaxCPUs != 255 {
		t.Errorf("machine pc = %+v", pc)
	}
	if xen := c.Guest("xen", "i686"); xen == nil || xen.Arch.Emulator != "/usr/bin/xenner" {
		t.Errorf("Guest(xen, i686) = %+v", xen)
	}
	if hvm := c.Guest("", "i686"); hvm == nil || hvm.OSType != "hvm" || hvm.Features.ACPI.Default != "on" {
		t.Errorf("Guest(\"\", i686) = %+v", hvm)
	}

	cells := c.NUMACells()
	if len(cells) != 2 {
		t.Fatalf("%d NUMA cells", len(cells))
	}
	if b, err := cells[0].MemoryBytes(); err != nil || b != 16175540*1024 {
		t.Errorf("cell 0 memory %d, %v", b, err)
	}
	if got := cells[1].CPUIDs(); !slices.Equal(got, []uint{1, 3, 5, 7, 9, 11, 13, 15}) {
		t.Errorf("cell 1 CPUs %v", got)
	}
	if d := cells[0].Distances; d == nil || len(d.Siblings) != 2 || d.Siblings[1].Value != 21 {
		t.Errorf("cell 0 distances %+v", d)
	}
	if p := cells[0].Pages; len(p) != 3 || p[0].Count != 4043885 || p[1].Size != 2048 {
		t.Errorf("cell 0 pages %+v", p)
	}

	cpu := c.Host.CPU
	if cpu.Model.Name != "Haswell-noTSX" || cpu.Vendor != "Intel" || cpu.Microcode.Version != 45 ||
		cpu.Counter.Frequency != 2596991000 || cpu.Topology.Cores != 8 || len(cpu.Features) != 26 || len(cpu.Pages) != 3 {
		t.Errorf("host CPU %+v", cpu)
	}
	if b, err := cpu.Pages[2].SizeBytes(); err != nil || b != 1<<30 {
		t.Errorf("largest page %d, %v", b, err)
	}
	if len(c.Host.SecModels) != 2 || c.Host.SecModels[0].BaseLabels[1].Label != "system_u:system_r:svirt_tcg_t:s0" {
		t.Errorf("secmodels %+v", c.Host.SecModels)
	}
	if bank := c.Host.Cache.Banks[0]; bank.CPUs != "0,2,4,6,8,10,12,14" {
		t.Errorf("cache bank %+v", bank)
	} else if b, err := bank.SizeBytes(); err != nil || b != 20<<20 {
		t.Errorf("cache bank size %d, %v", b, err)
	}

	var empty HostCapabilities
	if empty.HostArch() != "" || empty.Arches() != nil || empty.NUMACells() != nil || empty.MachineTypes("x86_64", "") != nil {
		t.Error("the zero capabilities have content")
	}
	var cell CapsCell
	if b, err := cell.MemoryBytes(); b != 0 || err != nil || cell.CPUIDs() != nil {
		t.Error("the zero cell has content")
	}
}

func TestDomainCapabilities(t *testing.T) {
	c := readLibvirtDoc(t, "domaincapsdata/qemu_9.2.0-q35.x86_64.xml", ParseDomainCapabilities)
	if c.MaxVCPUs() != 4096 || c.Machine != "pc-q35-9.2" || c.Domain != "kvm" {
		t.Errorf("vcpu %d, machine %q, domain %q", c.MaxVCPUs(), c.Machine, c.Domain)
	}
	all, usable := c.CPUModels(false), c.CPUModels(true)
	if len(all) != 145 || len(usable) != 38 || !slices.Contains(usable, "486") || slices.Contains(usable, "Broadwell") {
		t.Errorf("%d models, %d usable: %v", len(all), len(usable), usable)
	}
	if got := c.CPUBlockers("Broadwell"); !slices.Equal(got, []string{"erms", "hle", "invpcid", "pcid", "rtm"}) {
		t.Errorf("CPUBlockers(Broadwell) = %v", got)
	}
	if got := c.CPUBlockers("486"); got != nil {
		t.Errorf("CPUBlockers(486) = %v", got)
	}
	for _, m := range []string{CPUModeHostPassthrough, CPUModeMaximum, CPUModeHostModel, CPUModeCustom} {
		if !c.SupportsCPUMode(m) {
			t.Errorf("mode %s not supported", m)
		}
	}
	if got := c.CPUMode(CPUModeHostPassthrough).Enums[0].Values; !slices.Equal(got, []string{"on", "off"}) {
		t.Errorf("hostPassthroughMigratable %v", got)
	}

	cpu := c.HostModelCPU()
	if cpu == nil || cpu.Mode != CPUModeCustom || cpu.Model.Name != "EPYC-Rome" || cpu.Model.Fallback != "forbid" ||
		cpu.Vendor != "AMD" || len(cpu.Features) != 32 || cpu.Features[31].Policy != "disable" || cpu.MaxPhysAddr.Mode != "passthrough" {
		t.Fatalf("HostModelCPU = %+v", cpu)
	}
	cpu.Features[0].Name = "changed"
	*cpu.MaxPhysAddr.Limit = 1
	if m := c.CPUMode(CPUModeHostModel); m.Features[0].Name == "changed" || *m.MaxPhysAddr.Limit == 1 {
		t.Error("HostModelCPU shares its features with the capabilities")
	}
	// The CPU goes into a domain as it is.
	dom := &Domain{Type: "kvm", Name: "n", Memory: &DomainMemory{Value: 1024},
		OS: &OS{Type: &OSType{Arch: c.Arch, Machine: c.Machine, Value: "hvm"}}, CPU: c.HostModelCPU()}
	validate(t, "domain.rng", map[string][]byte{"host-model": mustMarshal(t, dom)})

	if got := c.Firmwares(); !slices.Equal(got, []string{"bios", "efi"}) {
		t.Errorf("Firmwares = %v", got)
	}
	if got := c.LoaderPaths(); len(got) != 2 || !strings.HasPrefix(got[0], "/obviously/fake/") {
		t.Errorf("LoaderPaths = %v", got)
	}
	if got := c.LoaderEnum("type"); !slices.Equal(got, []string{"rom", "pflash"}) {
		t.Errorf("LoaderEnum(type) = %v", got)
	}
	tests := []struct {
		device, enum string
		has          string
		supported    bool
	}{
		{"disk", "bus", "virtio", true},
		{"disk", "diskDevice", "lun", true},
		{"video", "modelType", "cirrus", true},
		{"tpm", "model", "tpm-crb", true},
		{"interface", "backendType", "passt", true},
		{"nosuch", "bus", "", false},
	}
	for _, tt := range tests {
		d := c.Device(tt.device)
		if d.IsSupported() != tt.supported || (tt.has != "" && !slices.Contains(d.Values(tt.enum), tt.has)) {
			t.Errorf("Device(%s): supported %v, %s %v", tt.device, d.IsSupported(), tt.enum, d.Values(tt.enum))
		}
	}
	if !c.Device("disk").Enum("bus").Has("sata") {
		t.Error("disk bus sata")
	}
	features := []struct {
		name      string
		supported bool
	}{
		{"gic", false}, {"vmcoreinfo", true}, {"genid", true}, {"backup", true}, {"async-teardown", true},
		{"ps2", true}, {"sev", false}, {"sgx", false}, {"hyperv", true}, {"nosuch", false},
	}
	for _, tt := range features {
		if got := c.SupportsFeature(tt.name); got != tt.supported {
			t.Errorf("SupportsFeature(%s) = %v", tt.name, got)
		}
	}
	if !slices.Contains(c.Feature("hyperv").Values("features"), "tlbflush") {
		t.Errorf("hyperv features %v", c.Feature("hyperv").Values("features"))
	}
	if c.Feature("sev") != nil {
		t.Error("Feature(sev) is not a DomainCapsSupport")
	}

	var empty DomainCapabilities
	if empty.MaxVCPUs() != 0 || empty.CPUModels(false) != nil || empty.HostModelCPU() != nil || empty.Firmwares() != nil ||
		empty.LoaderPaths() != nil || empty.Device("disk") != nil || empty.Feature("gic") != nil || empty.SupportsFeature("sev") ||
		empty.Device("disk").Values("bus") != nil || empty.CPUBlockers("x") != nil || empty.LoaderEnum("type") != nil {
		t.Error("the zero domain capabilities have content")
	}
}

func TestDomainCapabilitiesSEVAndSGX(t *testing.T) {
	sev := readLibvirtDoc(t, "domaincapsdata/qemu_10.0.0-q35.x86_64+amdsev.xml", ParseDomainCapabilities)
	if s := sev.Features.SEV; !sev.SupportsFeature("sev") || s.CBitPos == nil || *s.CBitPos != 51 || *s.MaxESGuests != 450 || s.CPU0ID == "" {
		t.Errorf("sev %+v", s)
	}
	var sgx *DomainCapabilities
	for _, f := range corpusDocuments(t, "domainCapabilities") {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), "<sgx supported='yes'>") {
			if sgx, err = ParseDomainCapabilities(data); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	if sgx == nil {
		t.Fatal("no domain capabilities with SGX in libvirt's tests")
	}
	s := sgx.Features.SGX
	if !sgx.SupportsFeature("sgx") || s.SGX1 != "yes" || s.SectionSize.Value != 524288 || len(s.Sections.Sections) != 2 {
		t.Errorf("sgx %+v", s)
	}
	if b, err := s.SectionSize.Bytes("KiB"); err != nil || b != 512<<20 {
		t.Errorf("section size %d, %v", b, err)
	}
}

// The capabilities documents work inside a program's own structs too.
func TestCapabilitiesInUserStruct(t *testing.T) {
	type snapshot struct {
		XMLName xml.Name           `xml:"snapshot"`
		Host    HostCapabilities   `xml:"capabilities"`
		Domain  DomainCapabilities `xml:"domainCapabilities"`
	}
	in := `<snapshot><capabilities><host><cpu><arch>aarch64</arch><future/></cpu></host></capabilities>` +
		`<domainCapabilities><domain>kvm</domain><arch>aarch64</arch><vcpu max="512"></vcpu></domainCapabilities></snapshot>`
	var s snapshot
	if err := xml.Unmarshal([]byte(in), &s); err != nil {
		t.Fatal(err)
	}
	if s.Host.HostArch() != "aarch64" || s.Domain.MaxVCPUs() != 512 || len(s.Host.Host.CPU.Extra.Nodes) != 1 {
		t.Fatalf("decoded %+v", s)
	}
	out, err := xml.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	want := `<snapshot><capabilities><host><cpu><arch>aarch64</arch><future></future></cpu></host></capabilities>` +
		`<domainCapabilities><domain>kvm</domain><arch>aarch64</arch><vcpu max="512"></vcpu></domainCapabilities></snapshot>`
	if string(out) != want {
		t.Errorf("got  %s\nwant %s", out, want)
	}
}
