package xmlspec

import (
	"encoding/xml"
	"reflect"
	"slices"
)

// HostArch returns the host CPU's architecture (x86_64, aarch64...), or "".
func (c *HostCapabilities) HostArch() string {
	if c.Host == nil || c.Host.CPU == nil {
		return ""
	}
	return c.Host.CPU.Arch
}

// Arches returns the guest architectures the hypervisor offers, each once,
// in document order.
func (c *HostCapabilities) Arches() []string {
	var out []string
	for _, g := range c.Guests {
		if g.Arch != nil && !slices.Contains(out, g.Arch.Name) {
			out = append(out, g.Arch.Name)
		}
	}
	return out
}

// Guest returns the guest of OS type osType (hvm, exe...; "" for any) on
// architecture arch, or nil.
func (c *HostCapabilities) Guest(osType, arch string) *CapsGuest {
	for i := range c.Guests {
		g := &c.Guests[i]
		if g.Arch != nil && g.Arch.Name == arch && (osType == "" || g.OSType == osType) {
			return g
		}
	}
	return nil
}

// DomainTypes returns the domain types (qemu, kvm...) that can run guests
// of architecture arch, each once, in document order.
func (c *HostCapabilities) DomainTypes(arch string) []string {
	var out []string
	for _, g := range c.Guests {
		if g.Arch == nil || g.Arch.Name != arch {
			continue
		}
		for _, d := range g.Arch.Domains {
			if !slices.Contains(out, d.Type) {
				out = append(out, d.Type)
			}
		}
	}
	return out
}

// guestDomain finds the first guest of arch that domain type domainType
// ("" for any) can run, and the domain entry.
func (c *HostCapabilities) guestDomain(arch, domainType string) (*CapsGuestArch, *CapsGuestDomain) {
	for i := range c.Guests {
		a := c.Guests[i].Arch
		if a == nil || a.Name != arch {
			continue
		}
		if domainType == "" {
			return a, nil
		}
		for j := range a.Domains {
			if a.Domains[j].Type == domainType {
				return a, &a.Domains[j]
			}
		}
	}
	return nil, nil
}

// MachineTypes returns the machine types for guests of architecture arch
// run by domain type domainType (kvm, qemu; "" for the architecture's
// default emulator): the domain type's own list when it has one, since it
// then uses another emulator, else the architecture's. Each machine's
// Canonical names the versioned type an alias (pc, q35, virt) stands for.
func (c *HostCapabilities) MachineTypes(arch, domainType string) []CapsMachine {
	a, d := c.guestDomain(arch, domainType)
	switch {
	case d != nil && len(d.Machines) > 0:
		return d.Machines
	case a != nil && (d != nil || domainType == ""):
		return a.Machines
	}
	return nil
}

// Emulator returns the emulator binary for guests of architecture arch run
// by domain type domainType ("" for the default), or "".
func (c *HostCapabilities) Emulator(arch, domainType string) string {
	a, d := c.guestDomain(arch, domainType)
	switch {
	case d != nil && d.Emulator != "":
		return d.Emulator
	case a != nil && (d != nil || domainType == ""):
		return a.Emulator
	}
	return ""
}

// NUMACells returns the host's NUMA nodes, or nil when the document has no
// topology.
func (c *HostCapabilities) NUMACells() []CapsCell {
	if c.Host == nil || c.Host.Topology == nil || c.Host.Topology.Cells == nil {
		return nil
	}
	return c.Host.Topology.Cells.Cells
}

// MemoryBytes returns the NUMA node's memory in bytes; 0 when the document
// does not say.
func (c *CapsCell) MemoryBytes() (uint64, error) {
	if c.Memory == nil {
		return 0, nil
	}
	return c.Memory.Bytes("KiB")
}

// CPUIDs returns the IDs of the NUMA node's host CPUs.
func (c *CapsCell) CPUIDs() []uint {
	if c.CPUs == nil {
		return nil
	}
	out := make([]uint, 0, len(c.CPUs.CPUs))
	for _, cpu := range c.CPUs.CPUs {
		if cpu.ID != nil {
			out = append(out, *cpu.ID)
		}
	}
	return out
}

// Has reports whether v is one of the enum's values; a nil enum has none.
func (e *CapsEnum) Has(v string) bool { return e != nil && slices.Contains(e.Values, v) }

func (e *CapsEnum) values() []string {
	if e == nil {
		return nil
	}
	return e.Values
}

func findEnum(enums []CapsEnum, name string) *CapsEnum {
	for i := range enums {
		if enums[i].Name == name {
			return &enums[i]
		}
	}
	return nil
}

// IsSupported reports whether s says supported='yes'; a nil s is not.
func (s *DomainCapsSupport) IsSupported() bool { return s != nil && s.Supported == "yes" }

// Enum returns the enum named name, or nil.
func (s *DomainCapsSupport) Enum(name string) *CapsEnum {
	if s == nil {
		return nil
	}
	return findEnum(s.Enums, name)
}

// Values returns the values of the enum named name, or nil.
func (s *DomainCapsSupport) Values(name string) []string { return s.Enum(name).values() }

// MaxVCPUs returns the most vCPUs a domain may have, or 0 when the
// document does not say.
func (c *DomainCapabilities) MaxVCPUs() uint {
	if c.VCPU == nil {
		return 0
	}
	return c.VCPU.Max
}

// CPU modes, the values of DomainCapsCPUMode.Name and CPU.Mode.
const (
	CPUModeHostPassthrough = "host-passthrough"
	CPUModeMaximum         = "maximum"
	CPUModeHostModel       = "host-model"
	CPUModeCustom          = "custom"
)

// CPUMode returns the CPU mode named name (CPUModeHostModel...), or nil.
func (c *DomainCapabilities) CPUMode(name string) *DomainCapsCPUMode {
	if c.CPU == nil {
		return nil
	}
	for i := range c.CPU.Modes {
		if c.CPU.Modes[i].Name == name {
			return &c.CPU.Modes[i]
		}
	}
	return nil
}

// SupportsCPUMode reports whether a domain may use CPU mode name.
func (c *DomainCapabilities) SupportsCPUMode(name string) bool {
	m := c.CPUMode(name)
	return m != nil && m.Supported == "yes"
}

// CPUModels returns the named CPU models of the custom mode, in document
// order; with usableOnly, only those this host can run as they are.
func (c *DomainCapabilities) CPUModels(usableOnly bool) []string {
	m := c.CPUMode(CPUModeCustom)
	if m == nil || m.Supported != "yes" {
		return nil
	}
	var out []string
	for _, model := range m.Models {
		if !usableOnly || model.Usable == "yes" {
			out = append(out, model.Name)
		}
	}
	return out
}

// CPUBlockers returns the host CPU features that model lacks to be usable
// here, or nil if nothing blocks it (or libvirt does not say).
func (c *DomainCapabilities) CPUBlockers(model string) []string {
	m := c.CPUMode(CPUModeCustom)
	if m == nil {
		return nil
	}
	for _, b := range m.Blockers {
		if b.Model == model {
			out := make([]string, len(b.Features))
			for i, f := range b.Features {
				out[i] = f.Name
			}
			return out
		}
	}
	return nil
}

// HostModelCPU returns the guest CPU that mode host-model stands for here,
// spelled out as a custom CPU (model, vendor, features), as libvirt
// expands host-model when a domain starts: a definition that migrates to
// hosts with the same capabilities. It is nil when host-model is not
// supported or libvirt does not say which model it is.
func (c *DomainCapabilities) HostModelCPU() *CPU {
	m := c.CPUMode(CPUModeHostModel)
	if m == nil || m.Supported != "yes" || len(m.Models) == 0 {
		return nil
	}
	// A new definition, sharing nothing with c.
	model := m.Models[0]
	cpu := &CPU{
		Mode:   CPUModeCustom,
		Match:  "exact",
		Model:  &CPUModel{Name: model.Name, Fallback: model.Fallback, VendorID: model.VendorID},
		Vendor: m.Vendor,
	}
	if mp := m.MaxPhysAddr; mp != nil {
		cpu.MaxPhysAddr = &CPUMaxPhysAddr{Mode: mp.Mode, Bits: cloneUint(mp.Bits), Limit: cloneUint(mp.Limit)}
	}
	for _, f := range m.Features {
		cpu.Features = append(cpu.Features, CPUFeature{Policy: f.Policy, Name: f.Name})
	}
	return cpu
}

func cloneUint(p *uint) *uint {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// Firmwares returns the firmware kinds a domain's <os firmware='...'> may
// name here (bios, efi), or nil.
func (c *DomainCapabilities) Firmwares() []string {
	if c.OS == nil {
		return nil
	}
	return findEnum(c.OS.Enums, "firmware").values()
}

// LoaderPaths returns the firmware images libvirt knows for a domain's
// <loader>, or nil.
func (c *DomainCapabilities) LoaderPaths() []string {
	if c.OS == nil || c.OS.Loader == nil {
		return nil
	}
	return c.OS.Loader.Values
}

// LoaderEnum returns the values the loader's setting name (type, readonly,
// secure) may take, or nil.
func (c *DomainCapabilities) LoaderEnum(name string) []string {
	if c.OS == nil || c.OS.Loader == nil {
		return nil
	}
	return findEnum(c.OS.Loader.Enums, name).values()
}

// Device returns the capabilities of device kind name, the element name of
// the device in a domain (disk, graphics, video, hostdev, rng, filesystem,
// tpm, redirdev, channel, crypto, interface, panic), or nil. The result's
// Values gives an enum: dc.Device("disk").Values("bus").
func (c *DomainCapabilities) Device(name string) *DomainCapsSupport {
	if c.Devices == nil {
		return nil
	}
	return supportField(c.Devices, name)
}

// Feature returns the capabilities of the domain feature name as it is
// spelled in the document (gic, vmcoreinfo, genid, backingStoreInput,
// backup, async-teardown, s390-pv, ps2, hyperv, launchSecurity), or nil.
// For sev and sgx, which say more, see Features.SEV and Features.SGX, or
// SupportsFeature.
func (c *DomainCapabilities) Feature(name string) *DomainCapsSupport {
	if c.Features == nil {
		return nil
	}
	return supportField(c.Features, name)
}

// SupportsFeature reports whether the domain feature name (as Feature, or
// sev or sgx) is supported.
func (c *DomainCapabilities) SupportsFeature(name string) bool {
	if c.Features == nil {
		return false
	}
	switch name {
	case "sev":
		return c.Features.SEV != nil && c.Features.SEV.Supported == "yes"
	case "sgx":
		return c.Features.SGX != nil && c.Features.SGX.Supported == "yes"
	}
	return c.Feature(name).IsSupported()
}

var supportType = reflect.TypeOf(DomainCapsSupport{})

// supportField returns the *DomainCapsSupport field of struct *v for
// element name, found through the codec's view of the struct's tags so
// that it follows the struct as it grows.
func supportField(v any, name string) *DomainCapsSupport {
	sv := reflect.ValueOf(v).Elem()
	ti, err := typeOf(sv.Type())
	if err != nil {
		return nil
	}
	fi := ti.byElem[xml.Name{Local: name}]
	if fi == nil || !fi.ptr || fi.typ != supportType {
		return nil
	}
	s, _ := sv.Field(fi.index).Interface().(*DomainCapsSupport)
	return s
}
