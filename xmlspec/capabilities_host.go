package xmlspec

import "encoding/xml"

// HostCapabilities is the <capabilities> document of formatcaps.rst
// (capability.rng), what virConnectGetCapabilities returns: the host (its
// CPU, NUMA topology, caches, security models) and, for each guest
// architecture and OS type, the emulators, machine types and domain types
// the hypervisor offers.
//
// It is not the domain feature <capabilities> (Capabilities), nor the
// per-emulator document of virConnectGetDomainCapabilities
// (DomainCapabilities).
type HostCapabilities struct {
	XMLName xml.Name    `xml:"capabilities"`
	Host    *CapsHost   `xml:"host"`
	Guests  []CapsGuest `xml:"guest"`
	Extra   Extra       `xml:"-"`
}

// CapsHost is the <host> of the host capabilities.
type CapsHost struct {
	UUID            *UUID                `xml:"uuid"`
	CPU             *CPU                 `xml:"cpu"` // a host CPU: Arch, Model, Vendor, Topology, Features, Pages...
	PowerManagement *CapsPowerManagement `xml:"power_management"`
	IOMMU           *CapsIOMMU           `xml:"iommu"`
	Migration       *CapsMigration       `xml:"migration_features"`
	Topology        *CapsTopology        `xml:"topology"`
	Cache           *CapsCache           `xml:"cache"`
	MemoryBandwidth *CapsMemoryBandwidth `xml:"memory_bandwidth"`
	SecModels       []CapsSecModel       `xml:"secmodel"`
	Extra           Extra                `xml:"-"`
}

// CPUHostFeatures is the <features> of a host CPU: flags libvirt reports
// beside the named features.
type CPUHostFeatures struct {
	PAE    *Flag `xml:"pae"`
	NonPAE *Flag `xml:"nonpae"`
	VMX    *Flag `xml:"vmx"`
	SVM    *Flag `xml:"svm"`
	Extra  Extra `xml:"-"`
}

// CPUMicrocode is a host CPU's <microcode version='...'/>.
type CPUMicrocode struct {
	Version uint64 `xml:"version,attr"`
	Extra   Extra  `xml:"-"`
}

// CPUSignature is a host CPU's <signature family='...' model='...'
// stepping='...'/>.
type CPUSignature struct {
	Family   uint  `xml:"family,attr"`
	Model    *uint `xml:"model,attr"`
	Stepping *uint `xml:"stepping,attr"`
	Extra    Extra `xml:"-"`
}

// CPUCounter is a host CPU's <counter>: the TSC's frequency in Hz and
// whether it can be scaled.
type CPUCounter struct {
	Name      string `xml:"name,attr"` // tsc
	Frequency uint64 `xml:"frequency,attr"`
	Scaling   string `xml:"scaling,attr"` // yes, no
	Extra     Extra  `xml:"-"`
}

// MemoryPages is <pages>: a memory page size the host supports (in a host
// CPU) and, in a NUMA cell, how many pages of that size the cell has.
type MemoryPages struct {
	Size  uint64 `xml:"size,attr"`
	Unit  string `xml:"unit,attr"` // KiB without a unit
	Count uint64 `xml:",chardata"` // NUMA cells only
	Extra Extra  `xml:"-"`
}

// SizeBytes returns the page size in bytes.
func (p *MemoryPages) SizeBytes() (uint64, error) { return UnitBytes(p.Size, p.Unit, "KiB") }

// CapsPowerManagement is <power_management>: the sleep states the host
// supports. An empty element means none.
type CapsPowerManagement struct {
	SuspendMem    *Flag `xml:"suspend_mem"`
	SuspendDisk   *Flag `xml:"suspend_disk"`
	SuspendHybrid *Flag `xml:"suspend_hybrid"`
	Extra         Extra `xml:"-"`
}

// CapsIOMMU is <iommu support='yes|no'/>: whether device assignment can
// use an IOMMU.
type CapsIOMMU struct {
	Support string `xml:"support,attr"`
	Extra   Extra  `xml:"-"`
}

// CapsMigration is <migration_features>.
type CapsMigration struct {
	Live          *Flag              `xml:"live"`
	URITransports *CapsURITransports `xml:"uri_transports"`
	Extra         Extra              `xml:"-"`
}

// CapsURITransports lists the migration URI schemes the host accepts:
// tcp, rdma...
type CapsURITransports struct {
	Transports []string `xml:"uri_transport"`
	Extra      Extra    `xml:"-"`
}

// CapsTopology is the host's NUMA <topology>.
type CapsTopology struct {
	Cells         *CapsCells         `xml:"cells"`
	Interconnects *NUMAInterconnects `xml:"interconnects"`
	Extra         Extra              `xml:"-"`
}

// CapsCells is <cells num='...'>: the host's NUMA nodes.
type CapsCells struct {
	Num   uint       `xml:"num,attr"`
	Cells []CapsCell `xml:"cell"`
	Extra Extra      `xml:"-"`
}

// CapsCell is one host NUMA node: its memory, free pages per size, distances
// to the other nodes, memory-side caches and CPUs.
type CapsCell struct {
	ID        *uint          `xml:"id,attr"`
	Memory    *Size          `xml:"memory"` // KiB without a unit
	Pages     []MemoryPages  `xml:"pages"`
	Distances *NUMADistances `xml:"distances"`
	Caches    []NUMACache    `xml:"cache"`
	CPUs      *CapsCellCPUs  `xml:"cpus"`
	Extra     Extra          `xml:"-"`
}

// CapsCellCPUs is <cpus num='...'> of a NUMA cell.
type CapsCellCPUs struct {
	Num   uint          `xml:"num,attr"`
	CPUs  []CapsCellCPU `xml:"cpu"`
	Extra Extra         `xml:"-"`
}

// CapsCellCPU is one host CPU of a NUMA cell and where it sits.
type CapsCellCPU struct {
	ID        *uint  `xml:"id,attr"`
	SocketID  *uint  `xml:"socket_id,attr"`
	DieID     *uint  `xml:"die_id,attr"`
	ClusterID *uint  `xml:"cluster_id,attr"`
	CoreID    *uint  `xml:"core_id,attr"`
	Siblings  string `xml:"siblings,attr"` // the CPUs sharing its core, as a cpuset: 0,8
	Extra     Extra  `xml:"-"`
}

// CapsCache is the host's <cache>: its CPU cache banks and what resctrl can
// allocate and monitor in them.
type CapsCache struct {
	Banks   []CapsCacheBank `xml:"bank"`
	Monitor *CapsMonitor    `xml:"monitor"`
	Extra   Extra           `xml:"-"`
}

// CapsCacheBank is one cache <bank>.
type CapsCacheBank struct {
	ID       *uint              `xml:"id,attr"`
	Level    uint               `xml:"level,attr"`
	Type     string             `xml:"type,attr"` // both, code, data
	Size     uint64             `xml:"size,attr"`
	Unit     string             `xml:"unit,attr"`
	CPUs     string             `xml:"cpus,attr"` // a cpuset
	Controls []CapsCacheControl `xml:"control"`
	Extra    Extra              `xml:"-"`
}

// SizeBytes returns the bank's size in bytes.
func (b *CapsCacheBank) SizeBytes() (uint64, error) { return UnitBytes(b.Size, b.Unit, "B") }

// CapsCacheControl is a <control> of a cache bank or memory bandwidth node:
// the granularity of allocations and how many there can be.
type CapsCacheControl struct {
	Granularity uint   `xml:"granularity,attr"`
	Min         *uint  `xml:"min,attr"`
	Unit        string `xml:"unit,attr"` // cache only
	Type        string `xml:"type,attr"` // cache only: both, code, data
	MaxAllocs   uint   `xml:"maxAllocs,attr"`
	Extra       Extra  `xml:"-"`
}

// CapsMonitor is a resctrl <monitor> of the cache or memory bandwidth.
type CapsMonitor struct {
	Level          *uint                `xml:"level,attr"`
	ReuseThreshold *uint                `xml:"reuseThreshold,attr"`
	MaxMonitors    uint                 `xml:"maxMonitors,attr"`
	Features       []CapsMonitorFeature `xml:"feature"`
	Extra          Extra                `xml:"-"`
}

// CapsMonitorFeature is one <feature name='...'/> of a monitor:
// llc_occupancy, mbm_total_bytes...
type CapsMonitorFeature struct {
	Name  string `xml:"name,attr"`
	Extra Extra  `xml:"-"`
}

// CapsMemoryBandwidth is <memory_bandwidth>: what resctrl can allocate of
// each node's memory bandwidth.
type CapsMemoryBandwidth struct {
	Nodes   []CapsMemoryBandwidthNode `xml:"node"`
	Monitor *CapsMonitor              `xml:"monitor"`
	Extra   Extra                     `xml:"-"`
}

// CapsMemoryBandwidthNode is one <node> of the memory bandwidth.
type CapsMemoryBandwidthNode struct {
	ID       *uint              `xml:"id,attr"`
	CPUs     string             `xml:"cpus,attr"`
	Controls []CapsCacheControl `xml:"control"`
	Extra    Extra              `xml:"-"`
}

// CapsSecModel is a <secmodel>: a security driver (selinux, apparmor, dac)
// and the labels it gives domains of each type.
type CapsSecModel struct {
	Model      string          `xml:"model"`
	DOI        string          `xml:"doi"`
	BaseLabels []CapsBaseLabel `xml:"baselabel"`
	Extra      Extra           `xml:"-"`
}

// CapsBaseLabel is <baselabel type='kvm'>label</baselabel>.
type CapsBaseLabel struct {
	Type  string `xml:"type,attr"`
	Label string `xml:",chardata"`
	Extra Extra  `xml:"-"`
}

// CapsGuest is a <guest>: one OS type on one architecture.
type CapsGuest struct {
	OSType   string             `xml:"os_type"` // hvm, xen, linux, exe
	Arch     *CapsGuestArch     `xml:"arch"`
	Features *CapsGuestFeatures `xml:"features"`
	Extra    Extra              `xml:"-"`
}

// CapsGuestArch is a guest's <arch>: the default emulator and machine
// types, and the domain types (qemu, kvm...) that can run it, each with
// its own emulator and machines if they differ.
type CapsGuestArch struct {
	Name     string            `xml:"name,attr"` // x86_64, aarch64...
	WordSize uint              `xml:"wordsize"`
	Emulator string            `xml:"emulator"`
	Loader   string            `xml:"loader"`
	Machines []CapsMachine     `xml:"machine"`
	Domains  []CapsGuestDomain `xml:"domain"`
	Extra    Extra             `xml:"-"`
}

// CapsMachine is a <machine>: a machine type, and the versioned type it is
// an alias of (Canonical).
type CapsMachine struct {
	Name       string `xml:",chardata"`
	Canonical  string `xml:"canonical,attr"`
	MaxCPUs    *uint  `xml:"maxCpus,attr"`
	Deprecated string `xml:"deprecated,attr"` // yes, no
	Extra      Extra  `xml:"-"`
}

// CapsGuestDomain is a <domain type='...'> of a guest architecture.
type CapsGuestDomain struct {
	Type     string        `xml:"type,attr"` // qemu, kvm, xen, lxc, hvf...
	Emulator string        `xml:"emulator"`
	Machines []CapsMachine `xml:"machine"`
	Extra    Extra         `xml:"-"`
}

// CapsGuestFeatures is a guest's <features>.
type CapsGuestFeatures struct {
	PAE              *Flag              `xml:"pae"`
	NonPAE           *Flag              `xml:"nonpae"`
	IA64BE           *Flag              `xml:"ia64_be"`
	ACPI             *CapsFeatureToggle `xml:"acpi"`
	APIC             *CapsFeatureToggle `xml:"apic"`
	CPUSelection     *Flag              `xml:"cpuselection"`
	DeviceBoot       *Flag              `xml:"deviceboot"`
	DiskSnapshot     *CapsFeatureToggle `xml:"disksnapshot"`
	HAP              *CapsFeatureToggle `xml:"hap"`
	ExternalSnapshot *Flag              `xml:"externalSnapshot"`
	Extra            Extra              `xml:"-"`
}

// CapsFeatureToggle is a guest feature that is on or off by default and
// may or may not be changed: <acpi default='on' toggle='yes'/>.
type CapsFeatureToggle struct {
	Default string `xml:"default,attr"` // on, off
	Toggle  string `xml:"toggle,attr"`  // yes, no
	Extra   Extra  `xml:"-"`
}

// ParseHostCapabilities reads a <capabilities> document.
func ParseHostCapabilities(data []byte) (*HostCapabilities, error) {
	return parseAs[HostCapabilities](data, "capabilities")
}

// Marshal writes c as an indented XML document.
func (c *HostCapabilities) Marshal() ([]byte, error) { return marshalIndent(c) }
