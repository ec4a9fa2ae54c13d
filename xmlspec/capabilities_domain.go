package xmlspec

import "encoding/xml"

// DomainCapabilities is the <domainCapabilities> document of
// formatdomaincaps.rst (domaincaps.rng), what
// virConnectGetDomainCapabilities returns for one emulator, architecture,
// machine type and domain type: the CPU modes and models, firmware, devices
// and features a domain may use there, mostly as enums of the values
// libvirt accepts.
type DomainCapabilities struct {
	XMLName xml.Name `xml:"domainCapabilities"`

	Path    string `xml:"path"`    // the emulator binary
	Domain  string `xml:"domain"`  // the domain type: kvm, qemu, bhyve...
	Machine string `xml:"machine"` // the machine type, canonical: pc-q35-9.2
	Arch    string `xml:"arch"`

	VCPU          *DomainCapsVCPU     `xml:"vcpu"`
	IOThreads     *DomainCapsSupport  `xml:"iothreads"`
	OS            *DomainCapsOS       `xml:"os"`
	CPU           *DomainCapsCPU      `xml:"cpu"`
	MemoryBacking *DomainCapsSupport  `xml:"memoryBacking"` // enum sourceType
	Devices       *DomainCapsDevices  `xml:"devices"`
	Features      *DomainCapsFeatures `xml:"features"`

	Extra Extra `xml:"-"`
}

// DomainCapsVCPU is <vcpu max='...'/>: the most vCPUs a domain may have.
type DomainCapsVCPU struct {
	Max   uint  `xml:"max,attr"`
	Extra Extra `xml:"-"`
}

// DomainCapsSupport is an element of the domain capabilities that says
// whether something is supported and, in enums, which values its settings
// may take: a device (<disk supported='yes'><enum name='bus'>...), a feature
// (<gic supported='no'/>), <iothreads>, <memoryBacking>.
type DomainCapsSupport struct {
	Supported string     `xml:"supported,attr"` // yes, no
	Enums     []CapsEnum `xml:"enum"`
	Extra     Extra      `xml:"-"`
}

// DomainCapsOS is <os>: the firmware kinds (enum firmware: bios, efi) and
// the loaders.
type DomainCapsOS struct {
	Supported string            `xml:"supported,attr"`
	Enums     []CapsEnum        `xml:"enum"`
	Loader    *DomainCapsLoader `xml:"loader"`
	Extra     Extra             `xml:"-"`
}

// DomainCapsLoader is <loader> in <os>: the firmware images libvirt knows
// (Values) and enums of the loader's type, readonly and secure settings.
type DomainCapsLoader struct {
	Supported string     `xml:"supported,attr"`
	Values    []string   `xml:"value"` // paths of firmware images
	Enums     []CapsEnum `xml:"enum"`
	Extra     Extra      `xml:"-"`
}

// DomainCapsCPU is <cpu>: one <mode> for each CPU mode (host-passthrough,
// maximum, host-model, custom).
type DomainCapsCPU struct {
	Modes []DomainCapsCPUMode `xml:"mode"`
	Extra Extra               `xml:"-"`
}

// DomainCapsCPUMode is one CPU <mode>. host-passthrough and maximum have
// enums (migratable); host-model has the CPU libvirt would give a
// host-model domain (one model, Vendor, MaxPhysAddr, Features); custom has
// the named models with, for those not usable, the features that block
// them.
type DomainCapsCPUMode struct {
	Name        string                  `xml:"name,attr"` // host-passthrough, maximum, host-model, custom
	Supported   string                  `xml:"supported,attr"`
	Enums       []CapsEnum              `xml:"enum"`
	Models      []DomainCapsCPUModel    `xml:"model"`
	Vendor      string                  `xml:"vendor"`
	MaxPhysAddr *CPUMaxPhysAddr         `xml:"maxphysaddr"`
	Features    []CPUFeature            `xml:"feature"`
	Blockers    []DomainCapsCPUBlockers `xml:"blockers"`
	Extra       Extra                   `xml:"-"`
}

// DomainCapsCPUModel is a CPU <model>: in the custom mode, a model the
// emulator offers and whether this host can run it; in host-model, the
// model with its fallback.
type DomainCapsCPUModel struct {
	Name       string `xml:",chardata"`
	Usable     string `xml:"usable,attr"`     // custom: yes, no, unknown
	Deprecated string `xml:"deprecated,attr"` // custom: yes, no
	Vendor     string `xml:"vendor,attr"`     // custom: Intel, AMD, unknown...
	Canonical  string `xml:"canonical,attr"`  // custom: the versioned model it is an alias of
	Fallback   string `xml:"fallback,attr"`   // host-model: allow, forbid
	VendorID   string `xml:"vendor_id,attr"`  // host-model
	Extra      Extra  `xml:"-"`
}

// DomainCapsCPUBlockers is <blockers model='...'>: the host CPU features a
// custom model needs and the host lacks.
type DomainCapsCPUBlockers struct {
	Model    string       `xml:"model,attr"`
	Features []CPUFeature `xml:"feature"` // names only
	Extra    Extra        `xml:"-"`
}

// DomainCapsDevices is <devices>: for each device kind, whether it is
// supported and enums of its settings (disk: diskDevice, bus, model;
// graphics: type; video: modelType; hostdev: mode, subsysType...).
type DomainCapsDevices struct {
	Disk       *DomainCapsSupport `xml:"disk"`
	Graphics   *DomainCapsSupport `xml:"graphics"`
	Video      *DomainCapsSupport `xml:"video"`
	Hostdev    *DomainCapsSupport `xml:"hostdev"`
	RNG        *DomainCapsSupport `xml:"rng"`
	Filesystem *DomainCapsSupport `xml:"filesystem"`
	TPM        *DomainCapsSupport `xml:"tpm"`
	Redirdev   *DomainCapsSupport `xml:"redirdev"`
	Channel    *DomainCapsSupport `xml:"channel"`
	Crypto     *DomainCapsSupport `xml:"crypto"`
	Interface  *DomainCapsSupport `xml:"interface"`
	Panic      *DomainCapsSupport `xml:"panic"`
	Extra      Extra              `xml:"-"`
}

// DomainCapsFeatures is <features>: the domain features the emulator
// supports.
type DomainCapsFeatures struct {
	GIC               *DomainCapsSupport `xml:"gic"` // enum version
	VMCoreInfo        *DomainCapsSupport `xml:"vmcoreinfo"`
	GenID             *DomainCapsSupport `xml:"genid"`
	BackingStoreInput *DomainCapsSupport `xml:"backingStoreInput"`
	Backup            *DomainCapsSupport `xml:"backup"`
	AsyncTeardown     *DomainCapsSupport `xml:"async-teardown"`
	S390PV            *DomainCapsSupport `xml:"s390-pv"`
	PS2               *DomainCapsSupport `xml:"ps2"`
	SEV               *DomainCapsSEV     `xml:"sev"`
	SGX               *DomainCapsSGX     `xml:"sgx"`
	HyperV            *DomainCapsSupport `xml:"hyperv"`         // enum features
	LaunchSecurity    *DomainCapsSupport `xml:"launchSecurity"` // enum sectype
	Extra             Extra              `xml:"-"`
}

// DomainCapsSEV is <sev>: AMD SEV support and the values a
// <launchSecurity> needs.
type DomainCapsSEV struct {
	Supported       string `xml:"supported,attr"`
	CBitPos         *uint  `xml:"cbitpos"`
	ReducedPhysBits *uint  `xml:"reducedPhysBits"`
	MaxGuests       *uint  `xml:"maxGuests"`
	MaxESGuests     *uint  `xml:"maxESGuests"`
	CPU0ID          string `xml:"cpu0Id"`
	Extra           Extra  `xml:"-"`
}

// DomainCapsSGX is <sgx>: Intel SGX support and its EPC sections.
type DomainCapsSGX struct {
	Supported   string                 `xml:"supported,attr"`
	FLC         string                 `xml:"flc"`  // yes, no
	SGX1        string                 `xml:"sgx1"` // yes, no
	SGX2        string                 `xml:"sgx2"` // yes, no
	SectionSize *Size                  `xml:"section_size"`
	Sections    *DomainCapsSGXSections `xml:"sections"`
	Extra       Extra                  `xml:"-"`
}

// DomainCapsSGXSections is <sections>: the EPC sections per NUMA node.
type DomainCapsSGXSections struct {
	Sections []DomainCapsSGXSection `xml:"section"`
	Extra    Extra                  `xml:"-"`
}

// DomainCapsSGXSection is one EPC <section>.
type DomainCapsSGXSection struct {
	Node  *uint  `xml:"node,attr"`
	Size  uint64 `xml:"size,attr"`
	Unit  string `xml:"unit,attr"` // KiB
	Extra Extra  `xml:"-"`
}

// ParseDomainCapabilities reads a <domainCapabilities> document.
func ParseDomainCapabilities(data []byte) (*DomainCapabilities, error) {
	return parseAs[DomainCapabilities](data, "domainCapabilities")
}

// Marshal writes c as an indented XML document.
func (c *DomainCapabilities) Marshal() ([]byte, error) { return marshalIndent(c) }
