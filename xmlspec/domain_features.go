package xmlspec

// Features is <features>: hypervisor features turned on or off.
type Features struct {
	PAE           *Flag          `xml:"pae"`
	APIC          *FeatureAPIC   `xml:"apic"`
	ACPI          *Flag          `xml:"acpi"`
	HAP           *FeatureState  `xml:"hap"`
	HyperV        *HyperV        `xml:"hyperv"`
	Viridian      *Flag          `xml:"viridian"`
	KVM           *KVMFeatures   `xml:"kvm"`
	Xen           *XenFeatures   `xml:"xen"`
	PrivNet       *Flag          `xml:"privnet"`
	PVSpinlock    *FeatureState  `xml:"pvspinlock"`
	Capabilities  *Capabilities  `xml:"capabilities"`
	PMU           *FeatureState  `xml:"pmu"`
	VMPort        *FeatureState  `xml:"vmport"`
	GIC           *FeatureGIC    `xml:"gic"`
	SMM           *FeatureSMM    `xml:"smm"`
	IOAPIC        *FeatureIOAPIC `xml:"ioapic"`
	HPT           *FeatureHPT    `xml:"hpt"`
	VMCoreInfo    *FeatureState  `xml:"vmcoreinfo"`
	HTM           *FeatureState  `xml:"htm"`
	NestedHV      *FeatureState  `xml:"nested-hv"`
	MSRs          *FeatureMSRs   `xml:"msrs"`
	CCFAssist     *FeatureState  `xml:"ccf-assist"`
	CFPC          *FeatureValue  `xml:"cfpc"`
	SBBC          *FeatureValue  `xml:"sbbc"`
	IBS           *FeatureValue  `xml:"ibs"`
	TCG           *FeatureTCG    `xml:"tcg"`
	AsyncTeardown *Toggle        `xml:"async-teardown"`
	RAS           *FeatureState  `xml:"ras"`
	PS2           *FeatureState  `xml:"ps2"`
	AIA           *FeatureValue  `xml:"aia"`
	Extra         Extra          `xml:"-"`
}

// FeatureAPIC is <apic>.
type FeatureAPIC struct {
	EOI   string `xml:"eoi,attr"`
	Extra Extra  `xml:"-"`
}

// FeatureGIC is <gic>: the ARM interrupt controller version.
type FeatureGIC struct {
	Version string `xml:"version,attr"` // host, 2, 3
	Extra   Extra  `xml:"-"`
}

// FeatureSMM is <smm>: System Management Mode and its TSEG size (MiB
// without a unit).
type FeatureSMM struct {
	State string `xml:"state,attr"`
	TSeg  *Size  `xml:"tseg"`
	Extra Extra  `xml:"-"`
}

// FeatureIOAPIC is <ioapic driver='...'/>.
type FeatureIOAPIC struct {
	Driver string `xml:"driver,attr"` // qemu, kvm
	Extra  Extra  `xml:"-"`
}

// FeatureHPT is <hpt>: the pSeries hash page table.
type FeatureHPT struct {
	Resizing    string `xml:"resizing,attr"`
	MaxPageSize *Size  `xml:"maxpagesize"` // KiB without a unit
	Extra       Extra  `xml:"-"`
}

// FeatureMSRs is <msrs unknown='...'/>.
type FeatureMSRs struct {
	Unknown string `xml:"unknown,attr"` // ignore, fault
	Extra   Extra  `xml:"-"`
}

// FeatureValue is a feature set through a value attribute (cfpc, sbbc,
// ibs, aia).
type FeatureValue struct {
	Value string `xml:"value,attr"`
	Extra Extra  `xml:"-"`
}

// FeatureTCG is <tcg>: settings of QEMU's software emulation.
type FeatureTCG struct {
	TBCache *Size `xml:"tb-cache"` // MiB without a unit
	Extra   Extra `xml:"-"`
}

// HyperV is <hyperv>: Hyper-V enlightenments for Windows guests.
type HyperV struct {
	Mode            string           `xml:"mode,attr"` // custom, passthrough
	Relaxed         *FeatureState    `xml:"relaxed"`
	VAPIC           *FeatureState    `xml:"vapic"`
	Spinlocks       *HyperVSpinlocks `xml:"spinlocks"`
	VPIndex         *FeatureState    `xml:"vpindex"`
	Runtime         *FeatureState    `xml:"runtime"`
	Synic           *FeatureState    `xml:"synic"`
	STimer          *HyperVSTimer    `xml:"stimer"`
	Reset           *FeatureState    `xml:"reset"`
	VendorID        *HyperVVendorID  `xml:"vendor_id"`
	Frequencies     *FeatureState    `xml:"frequencies"`
	Reenlightenment *FeatureState    `xml:"reenlightenment"`
	TLBFlush        *HyperVTLBFlush  `xml:"tlbflush"`
	IPI             *FeatureState    `xml:"ipi"`
	EVMCS           *FeatureState    `xml:"evmcs"`
	AVIC            *FeatureState    `xml:"avic"`
	EMSRBitmap      *FeatureState    `xml:"emsr_bitmap"`
	XMMInput        *FeatureState    `xml:"xmm_input"`
	Extra           Extra            `xml:"-"`
}

// HyperVSpinlocks is <spinlocks>.
type HyperVSpinlocks struct {
	State   string `xml:"state,attr"`
	Retries *uint  `xml:"retries,attr"`
	Extra   Extra  `xml:"-"`
}

// HyperVSTimer is <stimer>.
type HyperVSTimer struct {
	State  string        `xml:"state,attr"`
	Direct *FeatureState `xml:"direct"`
	Extra  Extra         `xml:"-"`
}

// HyperVVendorID is <vendor_id>.
type HyperVVendorID struct {
	State string `xml:"state,attr"`
	Value string `xml:"value,attr"`
	Extra Extra  `xml:"-"`
}

// HyperVTLBFlush is <tlbflush>.
type HyperVTLBFlush struct {
	State    string        `xml:"state,attr"`
	Direct   *FeatureState `xml:"direct"`
	Extended *FeatureState `xml:"extended"`
	Extra    Extra         `xml:"-"`
}

// KVMFeatures is <kvm> in <features>.
type KVMFeatures struct {
	Hidden        *FeatureState `xml:"hidden"`
	HintDedicated *FeatureState `xml:"hint-dedicated"`
	PollControl   *FeatureState `xml:"poll-control"`
	PVIPI         *FeatureState `xml:"pv-ipi"`
	DirtyRing     *KVMDirtyRing `xml:"dirty-ring"`
	Extra         Extra         `xml:"-"`
}

// KVMDirtyRing is <dirty-ring>.
type KVMDirtyRing struct {
	State string `xml:"state,attr"`
	Size  *uint  `xml:"size,attr"`
	Extra Extra  `xml:"-"`
}

// XenFeatures is <xen> in <features>.
type XenFeatures struct {
	E820Host    *FeatureState   `xml:"e820_host"`
	Passthrough *XenPassthrough `xml:"passthrough"`
	Extra       Extra           `xml:"-"`
}

// XenPassthrough is <passthrough>.
type XenPassthrough struct {
	State string `xml:"state,attr"`
	Mode  string `xml:"mode,attr"` // sync_pt, share_pt
	Extra Extra  `xml:"-"`
}

// Capabilities is <capabilities> in <features>: the Linux capabilities of
// a container, each switched on or off against the default Policy.
type Capabilities struct {
	Policy         string        `xml:"policy,attr"` // default, allow, deny
	AuditControl   *FeatureState `xml:"audit_control"`
	AuditWrite     *FeatureState `xml:"audit_write"`
	BlockSuspend   *FeatureState `xml:"block_suspend"`
	Chown          *FeatureState `xml:"chown"`
	DACOverride    *FeatureState `xml:"dac_override"`
	DACReadSearch  *FeatureState `xml:"dac_read_search"`
	Fowner         *FeatureState `xml:"fowner"`
	Fsetid         *FeatureState `xml:"fsetid"`
	IPCLock        *FeatureState `xml:"ipc_lock"`
	IPCOwner       *FeatureState `xml:"ipc_owner"`
	Kill           *FeatureState `xml:"kill"`
	Lease          *FeatureState `xml:"lease"`
	LinuxImmutable *FeatureState `xml:"linux_immutable"`
	MACAdmin       *FeatureState `xml:"mac_admin"`
	MACOverride    *FeatureState `xml:"mac_override"`
	Mknod          *FeatureState `xml:"mknod"`
	NetAdmin       *FeatureState `xml:"net_admin"`
	NetBindService *FeatureState `xml:"net_bind_service"`
	NetBroadcast   *FeatureState `xml:"net_broadcast"`
	NetRaw         *FeatureState `xml:"net_raw"`
	Setgid         *FeatureState `xml:"setgid"`
	Setfcap        *FeatureState `xml:"setfcap"`
	Setpcap        *FeatureState `xml:"setpcap"`
	Setuid         *FeatureState `xml:"setuid"`
	SysAdmin       *FeatureState `xml:"sys_admin"`
	SysBoot        *FeatureState `xml:"sys_boot"`
	SysChroot      *FeatureState `xml:"sys_chroot"`
	SysModule      *FeatureState `xml:"sys_module"`
	SysNice        *FeatureState `xml:"sys_nice"`
	SysPacct       *FeatureState `xml:"sys_pacct"`
	SysPtrace      *FeatureState `xml:"sys_ptrace"`
	SysRawio       *FeatureState `xml:"sys_rawio"`
	SysResource    *FeatureState `xml:"sys_resource"`
	SysTime        *FeatureState `xml:"sys_time"`
	SysTTYConfig   *FeatureState `xml:"sys_tty_config"`
	Syslog         *FeatureState `xml:"syslog"`
	WakeAlarm      *FeatureState `xml:"wake_alarm"`
	Extra          Extra         `xml:"-"`
}
