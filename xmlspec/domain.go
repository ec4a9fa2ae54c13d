package xmlspec

import (
	"encoding/xml"
	"slices"
)

// Domain is a libvirt domain (virtual machine) definition, the <domain>
// document of formatdomain.rst.
type Domain struct {
	XMLName xml.Name `xml:"domain"`
	// Type is the hypervisor: "kvm", "qemu", "xen", "lxc", "test"...
	Type string `xml:"type,attr"`
	// ID is the running domain's number, absent in a persistent definition.
	ID *int `xml:"id,attr"`

	Name        string    `xml:"name"`
	UUID        *UUID     `xml:"uuid"`
	GenID       *Text     `xml:"genid"` // empty asks libvirt to generate one
	Title       string    `xml:"title"`
	Description string    `xml:"description"`
	Metadata    *Metadata `xml:"metadata"`

	MaxMemory       *MaxMemory       `xml:"maxMemory"`
	Memory          *DomainMemory    `xml:"memory"`
	CurrentMemory   *Size            `xml:"currentMemory"` // KiB without a unit
	BlkioTune       *BlkioTune       `xml:"blkiotune"`
	MemTune         *MemTune         `xml:"memtune"`
	MemoryBacking   *MemoryBacking   `xml:"memoryBacking"`
	VCPU            *VCPU            `xml:"vcpu"`
	VCPUs           *VCPUs           `xml:"vcpus"`
	IOThreads       *uint            `xml:"iothreads"`
	IOThreadIDs     *IOThreadIDs     `xml:"iothreadids"`
	DefaultIOThread *DefaultIOThread `xml:"defaultiothread"`
	CPUTune         *CPUTune         `xml:"cputune"`
	NUMATune        *NUMATune        `xml:"numatune"`
	Resource        *Resource        `xml:"resource"`
	ThrottleGroups  *ThrottleGroups  `xml:"throttlegroups"`
	SysInfo         []SysInfo        `xml:"sysinfo"`

	Bootloader     *string   `xml:"bootloader"` // may be empty: <bootloader/>
	BootloaderArgs string    `xml:"bootloader_args"`
	OS             *OS       `xml:"os"`
	IDMap          *IDMap    `xml:"idmap"`
	Features       *Features `xml:"features"`
	CPU            *CPU      `xml:"cpu"`
	Clock          *Clock    `xml:"clock"`

	OnPoweroff    string `xml:"on_poweroff"`    // destroy, restart, preserve, rename-restart
	OnReboot      string `xml:"on_reboot"`      // as OnPoweroff
	OnCrash       string `xml:"on_crash"`       // also coredump-destroy, coredump-restart
	OnLockFailure string `xml:"on_lockfailure"` // poweroff, restart, pause, ignore

	PM             *PM             `xml:"pm"`
	Perf           *Perf           `xml:"perf"`
	Devices        *Devices        `xml:"devices"`
	SecLabels      []SecLabel      `xml:"seclabel"`
	KeyWrap        *KeyWrap        `xml:"keywrap"`
	LaunchSecurity *LaunchSecurity `xml:"launchSecurity"`

	QEMUCommandline      *QEMUCommandline  `xml:"http://libvirt.org/schemas/domain/qemu/1.0 commandline"`
	QEMUCapabilities     *QEMUCapabilities `xml:"http://libvirt.org/schemas/domain/qemu/1.0 capabilities"`
	QEMUDeprecation      *QEMUDeprecation  `xml:"http://libvirt.org/schemas/domain/qemu/1.0 deprecation"`
	QEMUOverride         *QEMUOverride     `xml:"http://libvirt.org/schemas/domain/qemu/1.0 override"`
	LXCNamespace         *LXCNamespace     `xml:"http://libvirt.org/schemas/domain/lxc/1.0 namespace"`
	BhyveCommandline     *BhyveCommandline `xml:"http://libvirt.org/schemas/domain/bhyve/1.0 commandline"`
	XenCommandline       *XenCommandline   `xml:"http://libvirt.org/schemas/domain/xen/1.0 commandline"`
	VMwareDatacenterPath *string           `xml:"http://libvirt.org/schemas/domain/vmware/1.0 datacenterpath"`

	Extra Extra `xml:"-"`
}

// Metadata is the <metadata> element: applications' own XML, each in its own
// namespace. Its children are kept as nodes in Extra.Nodes; see Element and
// SetElement.
type Metadata struct {
	Extra Extra `xml:"-"`
}

// Element returns the metadata element in namespace url, or nil. libvirt
// keeps at most one element per namespace.
func (m *Metadata) Element(url string) *Node {
	if m == nil {
		return nil
	}
	if els := m.Extra.Elements(url, ""); len(els) > 0 {
		return els[0]
	}
	return nil
}

// SetElement replaces the metadata element in n's namespace with n, or adds
// it, as virDomainSetMetadata does. A replacement that declares no
// namespace keeps the declarations of the element it replaces, and so its
// prefix.
func (m *Metadata) SetElement(n Node) {
	for i := range m.Extra.Nodes {
		c := &m.Extra.Nodes[i]
		if c.Kind == ElementNode && c.Name.Space == n.Name.Space {
			if decls, _ := splitDecls(n.Attrs); decls == nil {
				old, _ := splitDecls(c.Attrs)
				n.Attrs = append(slices.Clip(old), n.Attrs...)
			}
			*c = n
			return
		}
	}
	m.Extra.Nodes = append(m.Extra.Nodes, n)
}

// RemoveElement removes the metadata element in namespace url and reports
// whether there was one.
func (m *Metadata) RemoveElement(url string) bool {
	for i, c := range m.Extra.Nodes {
		if c.Kind == ElementNode && c.Name.Space == url {
			m.Extra.Nodes = append(m.Extra.Nodes[:i], m.Extra.Nodes[i+1:]...)
			m.Extra.seq = nil // order record no longer matches; keep field order
			return true
		}
	}
	return false
}

// DomainMemory is the domain's <memory>: the maximum allocation at boot.
type DomainMemory struct {
	Unit     string `xml:"unit,attr"`
	DumpCore string `xml:"dumpCore,attr"` // "on" or "off"
	Value    uint64 `xml:",chardata"`
	Extra    Extra  `xml:"-"`
}

// Bytes returns the memory size in bytes (a missing unit is KiB).
func (m *DomainMemory) Bytes() (uint64, error) { return UnitBytes(m.Value, m.Unit, "KiB") }

// MaxMemory is <maxMemory>: the run-time maximum with memory hotplug.
type MaxMemory struct {
	Unit  string `xml:"unit,attr"`
	Slots *uint  `xml:"slots,attr"`
	Value uint64 `xml:",chardata"`
	Extra Extra  `xml:"-"`
}

// Bytes returns the maximum in bytes (a missing unit is KiB).
func (m *MaxMemory) Bytes() (uint64, error) { return UnitBytes(m.Value, m.Unit, "KiB") }

// MemoryBacking is <memoryBacking>: how guest memory is backed on the host.
type MemoryBacking struct {
	HugePages    *HugePages         `xml:"hugepages"`
	NoSharePages *Flag              `xml:"nosharepages"`
	Locked       *Flag              `xml:"locked"`
	Source       *MemoryBackingMode `xml:"source"`
	Access       *MemoryBackingMode `xml:"access"`
	Allocation   *MemoryAllocation  `xml:"allocation"`
	Discard      *Flag              `xml:"discard"`
	Extra        Extra              `xml:"-"`
}

// HugePages lists the huge page sizes backing guest memory.
type HugePages struct {
	Pages []HugePage `xml:"page"`
	Extra Extra      `xml:"-"`
}

// HugePage is one huge page size, optionally for some guest NUMA nodes.
type HugePage struct {
	Size    uint64 `xml:"size,attr"`
	Unit    string `xml:"unit,attr"` // KiB without a unit
	NodeSet string `xml:"nodeset,attr"`
	Extra   Extra  `xml:"-"`
}

// MemoryBackingMode is <source type='...'/> or <access mode='...'/> in
// <memoryBacking>.
type MemoryBackingMode struct {
	Type  string `xml:"type,attr"` // source: file, anonymous, memfd
	Mode  string `xml:"mode,attr"` // access: shared, private
	Extra Extra  `xml:"-"`
}

// MemoryAllocation is <allocation> in <memoryBacking>.
type MemoryAllocation struct {
	Mode    string `xml:"mode,attr"` // immediate, ondemand
	Threads *uint  `xml:"threads,attr"`
	Extra   Extra  `xml:"-"`
}

// VCPU is <vcpu>: the maximum number of virtual CPUs.
type VCPU struct {
	Placement string `xml:"placement,attr"` // static, auto
	CPUSet    string `xml:"cpuset,attr"`
	Current   *uint  `xml:"current,attr"`
	Value     uint   `xml:",chardata"`
	Extra     Extra  `xml:"-"`
}

// VCPUs is <vcpus>: the state of each virtual CPU.
type VCPUs struct {
	VCPUs []VCPUState `xml:"vcpu"`
	Extra Extra       `xml:"-"`
}

// VCPUState is one <vcpu> in <vcpus>.
type VCPUState struct {
	ID           *uint  `xml:"id,attr"`
	Enabled      string `xml:"enabled,attr"`
	Hotpluggable string `xml:"hotpluggable,attr"`
	Order        *uint  `xml:"order,attr"`
	Extra        Extra  `xml:"-"`
}

// IOThreadIDs is <iothreadids>.
type IOThreadIDs struct {
	IOThreads []IOThread `xml:"iothread"`
	Extra     Extra      `xml:"-"`
}

// IOThread is one <iothread> in <iothreadids>.
type IOThread struct {
	ID            uint          `xml:"id,attr"`
	ThreadPoolMin *uint         `xml:"thread_pool_min,attr"`
	ThreadPoolMax *uint         `xml:"thread_pool_max,attr"`
	Poll          *IOThreadPoll `xml:"poll"`
	Extra         Extra         `xml:"-"`
}

// IOThreadPoll is an I/O thread's polling settings.
type IOThreadPoll struct {
	Max    *uint64 `xml:"max,attr"`
	Grow   *uint64 `xml:"grow,attr"`
	Shrink *uint64 `xml:"shrink,attr"`
	Extra  Extra   `xml:"-"`
}

// DefaultIOThread is <defaultiothread>.
type DefaultIOThread struct {
	ThreadPoolMin *uint `xml:"thread_pool_min,attr"`
	ThreadPoolMax *uint `xml:"thread_pool_max,attr"`
	Extra         Extra `xml:"-"`
}

// BlkioTune is <blkiotune>: block I/O cgroup tuning.
type BlkioTune struct {
	Weight  *uint         `xml:"weight"`
	Devices []BlkioDevice `xml:"device"`
	Extra   Extra         `xml:"-"`
}

// BlkioDevice is per-device block I/O tuning.
type BlkioDevice struct {
	Path          string  `xml:"path"`
	Weight        *uint   `xml:"weight"`
	ReadIOPSSec   *uint   `xml:"read_iops_sec"`
	WriteIOPSSec  *uint   `xml:"write_iops_sec"`
	ReadBytesSec  *uint64 `xml:"read_bytes_sec"`
	WriteBytesSec *uint64 `xml:"write_bytes_sec"`
	Extra         Extra   `xml:"-"`
}

// MemTune is <memtune>: memory cgroup limits (KiB without a unit).
type MemTune struct {
	HardLimit     *Size `xml:"hard_limit"`
	SoftLimit     *Size `xml:"soft_limit"`
	MinGuarantee  *Size `xml:"min_guarantee"`
	SwapHardLimit *Size `xml:"swap_hard_limit"`
	Extra         Extra `xml:"-"`
}

// CPUTune is <cputune>: CPU scheduling, pinning and cache tuning.
type CPUTune struct {
	Shares         *uint         `xml:"shares"`
	GlobalPeriod   *uint64       `xml:"global_period"`
	GlobalQuota    *int64        `xml:"global_quota"`
	Period         *uint64       `xml:"period"`
	Quota          *int64        `xml:"quota"`
	EmulatorPeriod *uint64       `xml:"emulator_period"`
	EmulatorQuota  *int64        `xml:"emulator_quota"`
	IOThreadPeriod *uint64       `xml:"iothread_period"`
	IOThreadQuota  *int64        `xml:"iothread_quota"`
	VCPUPins       []VCPUPin     `xml:"vcpupin"`
	EmulatorPin    *CPUPin       `xml:"emulatorpin"`
	IOThreadPins   []IOThreadPin `xml:"iothreadpin"`
	VCPUScheds     []Sched       `xml:"vcpusched"`
	IOThreadScheds []Sched       `xml:"iothreadsched"`
	EmulatorSched  *Sched        `xml:"emulatorsched"`
	CacheTunes     []CacheTune   `xml:"cachetune"`
	MemoryTunes    []MemoryTune  `xml:"memorytune"`
	Extra          Extra         `xml:"-"`
}

// VCPUPin pins one virtual CPU to host CPUs.
type VCPUPin struct {
	VCPU   *uint  `xml:"vcpu,attr"`
	CPUSet string `xml:"cpuset,attr"`
	Extra  Extra  `xml:"-"`
}

// CPUPin pins emulator threads to host CPUs.
type CPUPin struct {
	CPUSet string `xml:"cpuset,attr"`
	Extra  Extra  `xml:"-"`
}

// IOThreadPin pins one I/O thread to host CPUs.
type IOThreadPin struct {
	IOThread *uint  `xml:"iothread,attr"`
	CPUSet   string `xml:"cpuset,attr"`
	Extra    Extra  `xml:"-"`
}

// Sched is a scheduler setting for vCPUs, I/O threads or the emulator.
type Sched struct {
	VCPUs     string `xml:"vcpus,attr"`
	IOThreads string `xml:"iothreads,attr"`
	Scheduler string `xml:"scheduler,attr"` // batch, idle, fifo, rr
	Priority  *int   `xml:"priority,attr"`
	Extra     Extra  `xml:"-"`
}

// CacheTune is a <cachetune>: cache allocation for some vCPUs.
type CacheTune struct {
	VCPUs    string         `xml:"vcpus,attr"`
	ID       string         `xml:"id,attr"`
	Caches   []CacheBank    `xml:"cache"`
	Monitors []CacheMonitor `xml:"monitor"`
	Extra    Extra          `xml:"-"`
}

// CacheBank is one <cache> allocation in a <cachetune>.
type CacheBank struct {
	ID    *uint   `xml:"id,attr"`
	Level *uint   `xml:"level,attr"`
	Type  string  `xml:"type,attr"` // both, code, data
	Size  *uint64 `xml:"size,attr"`
	Unit  string  `xml:"unit,attr"`
	Extra Extra   `xml:"-"`
}

// CacheMonitor is a <monitor> in a <cachetune> or <memorytune>.
type CacheMonitor struct {
	Level *uint  `xml:"level,attr"`
	VCPUs string `xml:"vcpus,attr"`
	Extra Extra  `xml:"-"`
}

// MemoryTune is a <memorytune>: memory bandwidth allocation.
type MemoryTune struct {
	VCPUs    string           `xml:"vcpus,attr"`
	Nodes    []MemoryTuneNode `xml:"node"`
	Monitors []CacheMonitor   `xml:"monitor"`
	Extra    Extra            `xml:"-"`
}

// MemoryTuneNode is a <node> in a <memorytune>.
type MemoryTuneNode struct {
	ID        *uint `xml:"id,attr"`
	Bandwidth *uint `xml:"bandwidth,attr"`
	Extra     Extra `xml:"-"`
}

// NUMATune is <numatune>: host NUMA placement of guest memory.
type NUMATune struct {
	Memory   *NUMATuneMemory `xml:"memory"`
	MemNodes []MemNode       `xml:"memnode"`
	Extra    Extra           `xml:"-"`
}

// NUMATuneMemory is <memory> in <numatune>.
type NUMATuneMemory struct {
	Mode      string `xml:"mode,attr"` // strict, preferred, interleave, restrictive
	Placement string `xml:"placement,attr"`
	NodeSet   string `xml:"nodeset,attr"`
	Extra     Extra  `xml:"-"`
}

// MemNode places one guest NUMA cell's memory.
type MemNode struct {
	CellID  *uint  `xml:"cellid,attr"`
	Mode    string `xml:"mode,attr"`
	NodeSet string `xml:"nodeset,attr"`
	Extra   Extra  `xml:"-"`
}

// Resource is <resource>: the cgroup partition and fibre channel app id.
type Resource struct {
	Partition    string        `xml:"partition"`
	FibreChannel *FibreChannel `xml:"fibrechannel"`
	Extra        Extra         `xml:"-"`
}

// FibreChannel is <fibrechannel appid='...'/>.
type FibreChannel struct {
	AppID string `xml:"appid,attr"`
	Extra Extra  `xml:"-"`
}

// ThrottleGroups is <throttlegroups>: named I/O limits disks can share.
type ThrottleGroups struct {
	Groups []IOTune `xml:"throttlegroup"`
	Extra  Extra    `xml:"-"`
}

// IDMap is <idmap>: user and group ID mapping for containers.
type IDMap struct {
	UIDs  []IDMapRange `xml:"uid"`
	GIDs  []IDMapRange `xml:"gid"`
	Extra Extra        `xml:"-"`
}

// IDMapRange maps Count IDs from Start in the guest to Target on the host.
type IDMapRange struct {
	Start  *uint `xml:"start,attr"`
	Target *uint `xml:"target,attr"`
	Count  *uint `xml:"count,attr"`
	Extra  Extra `xml:"-"`
}

// Clock is <clock>: how the guest clock is set and its timers.
type Clock struct {
	Offset     string  `xml:"offset,attr"` // utc, localtime, timezone, variable, absolute
	Adjustment string  `xml:"adjustment,attr"`
	TimeZone   string  `xml:"timezone,attr"`
	Basis      string  `xml:"basis,attr"`
	Start      *uint64 `xml:"start,attr"`
	Timers     []Timer `xml:"timer"`
	Extra      Extra   `xml:"-"`
}

// Timer is one <timer> of the guest clock.
type Timer struct {
	Name       string        `xml:"name,attr"`
	Track      string        `xml:"track,attr"`
	TickPolicy string        `xml:"tickpolicy,attr"`
	Frequency  *uint64       `xml:"frequency,attr"`
	Mode       string        `xml:"mode,attr"`
	Present    string        `xml:"present,attr"`
	CatchUp    *TimerCatchUp `xml:"catchup"`
	Extra      Extra         `xml:"-"`
}

// TimerCatchUp tunes the catchup tick policy.
type TimerCatchUp struct {
	Threshold *uint `xml:"threshold,attr"`
	Slew      *uint `xml:"slew,attr"`
	Limit     *uint `xml:"limit,attr"`
	Extra     Extra `xml:"-"`
}

// PM is <pm>: which ACPI sleep states the guest may use.
type PM struct {
	SuspendToMem  *Toggle `xml:"suspend-to-mem"`
	SuspendToDisk *Toggle `xml:"suspend-to-disk"`
	Extra         Extra   `xml:"-"`
}

// Perf is <perf>: host perf events collected for the domain.
type Perf struct {
	Events []PerfEvent `xml:"event"`
	Extra  Extra       `xml:"-"`
}

// PerfEvent enables or disables one perf event.
type PerfEvent struct {
	Name    string `xml:"name,attr"`
	Enabled string `xml:"enabled,attr"`
	Extra   Extra  `xml:"-"`
}

// SecLabel is a <seclabel>, for the domain or for one device's source.
type SecLabel struct {
	Type       string `xml:"type,attr"` // dynamic, static, none
	Model      string `xml:"model,attr"`
	Relabel    string `xml:"relabel,attr"`
	LabelSkip  string `xml:"labelskip,attr"`
	Label      string `xml:"label"`
	ImageLabel string `xml:"imagelabel"`
	BaseLabel  string `xml:"baselabel"`
	Extra      Extra  `xml:"-"`
}

// KeyWrap is <keywrap>: s390 key wrapping ciphers.
type KeyWrap struct {
	Ciphers []KeyWrapCipher `xml:"cipher"`
	Extra   Extra           `xml:"-"`
}

// KeyWrapCipher switches one key wrapping cipher.
type KeyWrapCipher struct {
	Name  string `xml:"name,attr"` // aes, dea
	State string `xml:"state,attr"`
	Extra Extra  `xml:"-"`
}

// LaunchSecurity is <launchSecurity>: AMD SEV, SEV-SNP or s390 protected
// virtualization.
type LaunchSecurity struct {
	Type                    string `xml:"type,attr"` // sev, sev-snp, s390-pv
	KernelHashes            string `xml:"kernelHashes,attr"`
	AuthorKey               string `xml:"authorKey,attr"`
	VCEK                    string `xml:"vcek,attr"`
	CBitPos                 *uint  `xml:"cbitpos"`
	ReducedPhysBits         *uint  `xml:"reducedPhysBits"`
	Policy                  string `xml:"policy"` // hex
	Handle                  *uint  `xml:"handle"`
	DHCert                  string `xml:"dhCert"`
	Session                 string `xml:"session"`
	GuestVisibleWorkarounds string `xml:"guestVisibleWorkarounds"`
	IDBlock                 string `xml:"idBlock"`
	IDAuth                  string `xml:"idAuth"`
	HostData                string `xml:"hostData"`
	Extra                   Extra  `xml:"-"`
}

// SysInfo is a <sysinfo>: SMBIOS strings or fw_cfg entries for the guest.
type SysInfo struct {
	Type       string         `xml:"type,attr"` // smbios, fwcfg
	BIOS       *SysInfoGroup  `xml:"bios"`
	System     *SysInfoGroup  `xml:"system"`
	BaseBoards []SysInfoGroup `xml:"baseBoard"`
	Chassis    *SysInfoGroup  `xml:"chassis"`
	OEMStrings *SysInfoGroup  `xml:"oemStrings"`
	Entries    []SysInfoEntry `xml:"entry"` // fwcfg
	Extra      Extra          `xml:"-"`
}

// SysInfoGroup is one SMBIOS table's entries.
type SysInfoGroup struct {
	Entries []SysInfoEntry `xml:"entry"`
	Extra   Extra          `xml:"-"`
}

// SysInfoEntry is one <entry name='...'>value</entry>.
type SysInfoEntry struct {
	Name  string `xml:"name,attr"`
	File  string `xml:"file,attr"` // fwcfg only
	Value string `xml:",chardata"`
	Extra Extra  `xml:"-"`
}

// QEMUCommandline is <qemu:commandline>: extra QEMU arguments and
// environment, in libvirt's QEMU namespace.
type QEMUCommandline struct {
	Args  []CommandlineArg `xml:"http://libvirt.org/schemas/domain/qemu/1.0 arg"`
	Envs  []QEMUEnv        `xml:"http://libvirt.org/schemas/domain/qemu/1.0 env"`
	Extra Extra            `xml:"-"`
}

// CommandlineArg is one <arg value='...'/> of a hypervisor command line.
type CommandlineArg struct {
	Value string `xml:"value,attr"`
	Extra Extra  `xml:"-"`
}

// QEMUEnv is one <qemu:env name='...' value='...'/>.
type QEMUEnv struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
	Extra Extra  `xml:"-"`
}

// QEMUCapabilities is <qemu:capabilities>: QEMU capabilities to add or
// remove.
type QEMUCapabilities struct {
	Add   []QEMUCapability `xml:"http://libvirt.org/schemas/domain/qemu/1.0 add"`
	Del   []QEMUCapability `xml:"http://libvirt.org/schemas/domain/qemu/1.0 del"`
	Extra Extra            `xml:"-"`
}

// QEMUCapability names one QEMU capability.
type QEMUCapability struct {
	Capability string `xml:"capability,attr"`
	Extra      Extra  `xml:"-"`
}

// QEMUDeprecation is <qemu:deprecation behavior='...'/>.
type QEMUDeprecation struct {
	Behavior string `xml:"behavior,attr"`
	Extra    Extra  `xml:"-"`
}

// QEMUOverride is <qemu:override>: device property overrides.
type QEMUOverride struct {
	Devices []QEMUOverrideDevice `xml:"http://libvirt.org/schemas/domain/qemu/1.0 device"`
	Extra   Extra                `xml:"-"`
}

// QEMUOverrideDevice overrides properties of the device with Alias.
type QEMUOverrideDevice struct {
	Alias    string        `xml:"alias,attr"`
	Frontend *QEMUFrontend `xml:"http://libvirt.org/schemas/domain/qemu/1.0 frontend"`
	Extra    Extra         `xml:"-"`
}

// QEMUFrontend lists the overridden frontend properties.
type QEMUFrontend struct {
	Properties []QEMUProperty `xml:"http://libvirt.org/schemas/domain/qemu/1.0 property"`
	Extra      Extra          `xml:"-"`
}

// QEMUProperty is one overridden property.
type QEMUProperty struct {
	Name  string `xml:"name,attr"`
	Type  string `xml:"type,attr"` // string, signed, unsigned, bool, remove
	Value string `xml:"value,attr"`
	Extra Extra  `xml:"-"`
}

// LXCNamespace is <lxc:namespace>: namespaces an LXC container shares.
type LXCNamespace struct {
	ShareNet *LXCShare `xml:"http://libvirt.org/schemas/domain/lxc/1.0 sharenet"`
	ShareIPC *LXCShare `xml:"http://libvirt.org/schemas/domain/lxc/1.0 shareipc"`
	ShareUTS *LXCShare `xml:"http://libvirt.org/schemas/domain/lxc/1.0 shareuts"`
	Extra    Extra     `xml:"-"`
}

// LXCShare names the namespace to share.
type LXCShare struct {
	Type  string `xml:"type,attr"` // netns, name, pid
	Value string `xml:"value,attr"`
	Extra Extra  `xml:"-"`
}

// BhyveCommandline is <bhyve:commandline>: extra bhyve arguments.
type BhyveCommandline struct {
	Args  []CommandlineArg `xml:"http://libvirt.org/schemas/domain/bhyve/1.0 arg"`
	Extra Extra            `xml:"-"`
}

// XenCommandline is <xen:commandline>: extra Xen device model arguments.
type XenCommandline struct {
	Args  []CommandlineArg `xml:"http://libvirt.org/schemas/domain/xen/1.0 arg"`
	Extra Extra            `xml:"-"`
}
