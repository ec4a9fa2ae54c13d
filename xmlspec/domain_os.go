package xmlspec

// OS is <os>: how the guest boots. Hardware-virtualized guests boot from
// firmware (BIOS or UEFI with Loader and NVRAM), from devices in Boot order,
// or directly from Kernel and Initrd; containers run Init.
type OS struct {
	Firmware     string      `xml:"firmware,attr"` // bios, efi: let libvirt pick the loader
	Type         *OSType     `xml:"type"`
	FirmwareInfo *OSFirmware `xml:"firmware"`
	Loader       *Loader     `xml:"loader"`
	NVRAM        *NVRAM      `xml:"nvram"`
	Kernel       string      `xml:"kernel"`
	Initrd       string      `xml:"initrd"`
	Root         string      `xml:"root"`
	Cmdline      string      `xml:"cmdline"`
	Shim         string      `xml:"shim"`
	DTB          string      `xml:"dtb"`
	Boot         []OSBoot    `xml:"boot"`
	BootMenu     *BootMenu   `xml:"bootmenu"`
	SMBIOS       *SMBIOS     `xml:"smbios"`
	BIOS         *BIOS       `xml:"bios"`
	ACPI         *OSACPI     `xml:"acpi"`
	Init         string      `xml:"init"`
	InitArgs     []string    `xml:"initarg"`
	InitEnv      []InitEnv   `xml:"initenv"`
	InitDir      string      `xml:"initdir"`
	InitUser     string      `xml:"inituser"`
	InitGroup    string      `xml:"initgroup"`
	Extra        Extra       `xml:"-"`
}

// OSType is <type>: hvm, xen, linux, exe..., with the guest architecture and
// machine type.
type OSType struct {
	Arch    string `xml:"arch,attr"`
	Machine string `xml:"machine,attr"`
	Value   string `xml:",chardata"`
	Extra   Extra  `xml:"-"`
}

// OSFirmware is <firmware> inside <os>: features the automatically chosen
// firmware must or must not have.
type OSFirmware struct {
	Features []FirmwareFeature `xml:"feature"`
	Extra    Extra             `xml:"-"`
}

// FirmwareFeature is one firmware feature: enrolled-keys, secure-boot.
type FirmwareFeature struct {
	Enabled string `xml:"enabled,attr"`
	Name    string `xml:"name,attr"`
	Extra   Extra  `xml:"-"`
}

// Loader is <loader>: the firmware image.
type Loader struct {
	ReadOnly  string `xml:"readonly,attr"`
	Secure    string `xml:"secure,attr"`
	Type      string `xml:"type,attr"` // rom, pflash
	Stateless string `xml:"stateless,attr"`
	Format    string `xml:"format,attr"` // raw, qcow2
	Path      string `xml:",chardata"`
	Extra     Extra  `xml:"-"`
}

// NVRAM is <nvram>: the UEFI variable store, a path or a disk-like source.
type NVRAM struct {
	Template       string      `xml:"template,attr"`
	TemplateFormat string      `xml:"templateFormat,attr"`
	Format         string      `xml:"format,attr"`
	Type           string      `xml:"type,attr"` // with Source: file, block, network
	Source         *DiskSource `xml:"source"`
	Path           string      `xml:",chardata"`
	Extra          Extra       `xml:"-"`
}

// OSBoot is one <boot dev='...'/>: hd, fd, cdrom, network.
type OSBoot struct {
	Dev   string `xml:"dev,attr"`
	Extra Extra  `xml:"-"`
}

// BootMenu is <bootmenu>.
type BootMenu struct {
	Enable  string `xml:"enable,attr"`
	Timeout *uint  `xml:"timeout,attr"` // milliseconds
	Extra   Extra  `xml:"-"`
}

// SMBIOS is <smbios mode='...'/>: emulate, host, sysinfo.
type SMBIOS struct {
	Mode  string `xml:"mode,attr"`
	Extra Extra  `xml:"-"`
}

// BIOS is <bios>.
type BIOS struct {
	UseSerial     string `xml:"useserial,attr"`
	RebootTimeout *int   `xml:"rebootTimeout,attr"`
	Extra         Extra  `xml:"-"`
}

// OSACPI is <acpi> inside <os>: ACPI tables to load.
type OSACPI struct {
	Tables []ACPITable `xml:"table"`
	Extra  Extra       `xml:"-"`
}

// ACPITable is one <table type='...'>path</table>.
type ACPITable struct {
	Type  string `xml:"type,attr"`
	Path  string `xml:",chardata"`
	Extra Extra  `xml:"-"`
}

// InitEnv is an environment variable for a container's init.
type InitEnv struct {
	Name  string `xml:"name,attr"`
	Value string `xml:",chardata"`
	Extra Extra  `xml:"-"`
}

// CPU is a <cpu>: the guest CPU of a domain (model, topology, features and
// NUMA layout), or the host CPU of the host capabilities (Arch, model,
// topology, Features with only names, Microcode, Signature, Counter and
// Pages), which libvirt reads and writes with the same code and which its
// CPU comparison and baseline calls take.
type CPU struct {
	Mode               string           `xml:"mode,attr"` // custom, host-model, host-passthrough, maximum
	Match              string           `xml:"match,attr"`
	Check              string           `xml:"check,attr"`
	DeprecatedFeatures string           `xml:"deprecated_features,attr"`
	Migratable         string           `xml:"migratable,attr"`
	Arch               string           `xml:"arch"`     // host CPU only
	HostFeatures       *CPUHostFeatures `xml:"features"` // host CPU only
	Model              *CPUModel        `xml:"model"`
	Vendor             string           `xml:"vendor"`
	Microcode          *CPUMicrocode    `xml:"microcode"` // host CPU only
	Signature          *CPUSignature    `xml:"signature"` // host CPU only
	Counter            *CPUCounter      `xml:"counter"`   // host CPU only
	Topology           *CPUTopology     `xml:"topology"`
	Cache              *CPUCache        `xml:"cache"`
	MaxPhysAddr        *CPUMaxPhysAddr  `xml:"maxphysaddr"`
	Features           []CPUFeature     `xml:"feature"`
	Pages              []MemoryPages    `xml:"pages"` // host CPU only: the page sizes it supports
	NUMA               *NUMA            `xml:"numa"`
	Extra              Extra            `xml:"-"`
}

// CPUModel is <model> in <cpu>.
type CPUModel struct {
	Fallback string `xml:"fallback,attr"`
	VendorID string `xml:"vendor_id,attr"`
	Name     string `xml:",chardata"`
	Extra    Extra  `xml:"-"`
}

// CPUTopology is <topology>.
type CPUTopology struct {
	Sockets  uint  `xml:"sockets,attr"`
	Dies     uint  `xml:"dies,attr"`
	Clusters uint  `xml:"clusters,attr"`
	Cores    uint  `xml:"cores,attr"`
	Threads  uint  `xml:"threads,attr"`
	Extra    Extra `xml:"-"`
}

// CPUCache is <cache> in <cpu>.
type CPUCache struct {
	Level *uint  `xml:"level,attr"`
	Mode  string `xml:"mode,attr"`
	Extra Extra  `xml:"-"`
}

// CPUMaxPhysAddr is <maxphysaddr>.
type CPUMaxPhysAddr struct {
	Mode  string `xml:"mode,attr"`
	Bits  *uint  `xml:"bits,attr"`
	Limit *uint  `xml:"limit,attr"`
	Extra Extra  `xml:"-"`
}

// CPUFeature is one <feature policy='...' name='...'/>; a host CPU's features
// have only a name.
type CPUFeature struct {
	Policy string `xml:"policy,attr"`
	Name   string `xml:"name,attr"`
	Extra  Extra  `xml:"-"`
}

// NUMA is <numa>: the guest's NUMA cells.
type NUMA struct {
	Cells         []NUMACell         `xml:"cell"`
	Interconnects *NUMAInterconnects `xml:"interconnects"`
	Extra         Extra              `xml:"-"`
}

// NUMACell is one guest NUMA <cell>.
type NUMACell struct {
	ID        *uint          `xml:"id,attr"`
	CPUs      string         `xml:"cpus,attr"`
	Memory    *uint64        `xml:"memory,attr"`
	Unit      string         `xml:"unit,attr"` // KiB without a unit
	MemAccess string         `xml:"memAccess,attr"`
	Discard   string         `xml:"discard,attr"`
	Distances *NUMADistances `xml:"distances"`
	Caches    []NUMACache    `xml:"cache"`
	Extra     Extra          `xml:"-"`
}

// NUMADistances lists a cell's distances to the others.
type NUMADistances struct {
	Siblings []NUMASibling `xml:"sibling"`
	Extra    Extra         `xml:"-"`
}

// NUMASibling is the distance to cell ID.
type NUMASibling struct {
	ID    *uint `xml:"id,attr"`
	Value uint  `xml:"value,attr"`
	Extra Extra `xml:"-"`
}

// NUMACache describes a memory-side cache of a cell.
type NUMACache struct {
	Level         *uint           `xml:"level,attr"`
	Associativity string          `xml:"associativity,attr"`
	Policy        string          `xml:"policy,attr"`
	Size          *NUMACacheValue `xml:"size"`
	Line          *NUMACacheValue `xml:"line"`
	Extra         Extra           `xml:"-"`
}

// NUMACacheValue is a value with a unit in attributes.
type NUMACacheValue struct {
	Value uint64 `xml:"value,attr"`
	Unit  string `xml:"unit,attr"`
	Extra Extra  `xml:"-"`
}

// NUMAInterconnects lists latencies and bandwidths between cells.
type NUMAInterconnects struct {
	Latencies  []NUMAInterconnect `xml:"latency"`
	Bandwidths []NUMAInterconnect `xml:"bandwidth"`
	Extra      Extra              `xml:"-"`
}

// NUMAInterconnect is one <latency> or <bandwidth> entry.
type NUMAInterconnect struct {
	Initiator *uint  `xml:"initiator,attr"`
	Target    *uint  `xml:"target,attr"`
	Cache     *uint  `xml:"cache,attr"`
	Type      string `xml:"type,attr"` // access, read, write
	Value     uint64 `xml:"value,attr"`
	Unit      string `xml:"unit,attr"` // bandwidth only
	Extra     Extra  `xml:"-"`
}
