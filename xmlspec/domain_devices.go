package xmlspec

import "encoding/xml"

// Devices is <devices>: every device of the domain, grouped by kind. Marshal
// writes the devices in the order the document had them; a device appended
// to a list goes after the last existing device of its kind.
type Devices struct {
	Emulator     string         `xml:"emulator"`
	Disks        []Disk         `xml:"disk"`
	Controllers  []Controller   `xml:"controller"`
	Leases       []Lease        `xml:"lease"`
	Filesystems  []Filesystem   `xml:"filesystem"`
	Interfaces   []Interface    `xml:"interface"`
	Smartcards   []Smartcard    `xml:"smartcard"`
	Serials      []Chardev      `xml:"serial"`
	Parallels    []Chardev      `xml:"parallel"`
	Consoles     []Chardev      `xml:"console"`
	Channels     []Chardev      `xml:"channel"`
	Inputs       []Input        `xml:"input"`
	TPMs         []TPM          `xml:"tpm"`
	Graphics     []Graphics     `xml:"graphics"`
	Sounds       []Sound        `xml:"sound"`
	Audios       []Audio        `xml:"audio"`
	Videos       []Video        `xml:"video"`
	Hostdevs     []Hostdev      `xml:"hostdev"`
	RedirDevs    []RedirDev     `xml:"redirdev"`
	RedirFilters []RedirFilter  `xml:"redirfilter"`
	Hubs         []Hub          `xml:"hub"`
	Watchdogs    []Watchdog     `xml:"watchdog"`
	MemBalloon   *MemBalloon    `xml:"memballoon"`
	RNGs         []RNG          `xml:"rng"`
	NVRAM        *NVRAMDevice   `xml:"nvram"`
	Panics       []Panic        `xml:"panic"`
	Shmems       []Shmem        `xml:"shmem"`
	Memories     []MemoryDevice `xml:"memory"`
	IOMMU        *IOMMU         `xml:"iommu"`
	VSock        *VSock         `xml:"vsock"`
	Cryptos      []Crypto       `xml:"crypto"`
	PStore       *PStore        `xml:"pstore"`
	Extra        Extra          `xml:"-"`
}

// Alias is a device's <alias name='...'/>; user-set aliases start "ua-".
type Alias struct {
	Name  string `xml:"name,attr"`
	Extra Extra  `xml:"-"`
}

// DeviceACPI is a device's <acpi index='...'/>: its ACPI index, which
// guests use to name NICs (eno1...).
type DeviceACPI struct {
	Index *uint `xml:"index,attr"`
	Extra Extra `xml:"-"`
}

// DeviceBoot is a device's <boot order='...'/>.
type DeviceBoot struct {
	Order    uint   `xml:"order,attr"`
	LoadParm string `xml:"loadparm,attr"`
	Extra    Extra  `xml:"-"`
}

// ROM is a PCI device's <rom>: its option ROM.
type ROM struct {
	Enabled string `xml:"enabled,attr"`
	Bar     string `xml:"bar,attr"`
	File    string `xml:"file,attr"`
	Extra   Extra  `xml:"-"`
}

// VirtioDriver is a <driver> that only carries the virtio transport
// options.
type VirtioDriver struct {
	IOMMU     string `xml:"iommu,attr"`
	ATS       string `xml:"ats,attr"`
	Packed    string `xml:"packed,attr"`
	PagePerVQ string `xml:"page_per_vq,attr"`
	Extra     Extra  `xml:"-"`
}

// BackendDomain is <backenddomain name='...'/>: the Xen driver domain.
type BackendDomain struct {
	Name  string `xml:"name,attr"`
	Extra Extra  `xml:"-"`
}

// Reconnect is <reconnect>: how a client socket reconnects.
type Reconnect struct {
	Enabled string `xml:"enabled,attr"`
	Timeout *uint  `xml:"timeout,attr"`
	Delay   *uint  `xml:"delay,attr"`
	Extra   Extra  `xml:"-"`
}

// Teaming is <teaming>: failover pairing of a virtio NIC and a host device.
type Teaming struct {
	Type       string `xml:"type,attr"` // persistent, transient
	Persistent string `xml:"persistent,attr"`
	Extra      Extra  `xml:"-"`
}

// IOThreadMapping is <iothreads> inside a <driver>: which I/O threads serve
// which queues.
type IOThreadMapping struct {
	IOThreads []IOThreadQueues `xml:"iothread"`
	Extra     Extra            `xml:"-"`
}

// IOThreadQueues maps queues to one I/O thread.
type IOThreadQueues struct {
	ID     uint         `xml:"id,attr"`
	Queues []QueueIndex `xml:"queue"`
	Extra  Extra        `xml:"-"`
}

// QueueIndex names a queue by number.
type QueueIndex struct {
	ID    *uint `xml:"id,attr"`
	Extra Extra `xml:"-"`
}

// Controller is a <controller>: a bus the other devices plug into.
type Controller struct {
	XMLName          xml.Name          `xml:"controller"`
	Type             string            `xml:"type,attr"` // pci, usb, scsi, ide, sata, virtio-serial, ...
	Index            *uint             `xml:"index,attr"`
	Model            string            `xml:"model,attr"`
	Ports            *uint             `xml:"ports,attr"`
	Vectors          *uint             `xml:"vectors,attr"`
	MaxGrantFrames   *uint             `xml:"maxGrantFrames,attr"`
	MaxEventChannels *uint             `xml:"maxEventChannels,attr"`
	ModelName        *ControllerModel  `xml:"model"`
	Target           *ControllerTarget `xml:"target"`
	PCIHole64        *Size             `xml:"pcihole64"` // KiB without a unit
	Master           *ControllerMaster `xml:"master"`
	Driver           *ControllerDriver `xml:"driver"`
	Alias            *Alias            `xml:"alias"`
	ACPI             *DeviceACPI       `xml:"acpi"`
	Address          *Address          `xml:"address"`
	Extra            Extra             `xml:"-"`
}

// ControllerModel is <model name='...'/>: the QEMU device implementing a
// PCI controller.
type ControllerModel struct {
	Name  string `xml:"name,attr"`
	Extra Extra  `xml:"-"`
}

// ControllerTarget is a PCI controller's <target>.
type ControllerTarget struct {
	ChassisNr  *uint   `xml:"chassisNr,attr"`
	Chassis    *uint   `xml:"chassis,attr"`
	Port       *uint   `xml:"port,attr" format:"0x%x"`
	BusNr      *uint   `xml:"busNr,attr"`
	Index      *uint   `xml:"index,attr"`
	Hotplug    string  `xml:"hotplug,attr"`
	MemReserve *uint64 `xml:"memReserve,attr"`
	Node       *uint   `xml:"node"`
	Extra      Extra   `xml:"-"`
}

// ControllerMaster is a USB companion controller's <master>.
type ControllerMaster struct {
	StartPort string `xml:"startport,attr"`
	Extra     Extra  `xml:"-"`
}

// ControllerDriver is a controller's <driver>.
type ControllerDriver struct {
	Queues     *uint            `xml:"queues,attr"`
	CmdPerLUN  *uint            `xml:"cmd_per_lun,attr"`
	MaxSectors *uint            `xml:"max_sectors,attr"`
	IOEventFD  string           `xml:"ioeventfd,attr"`
	IOThread   *uint            `xml:"iothread,attr"`
	IOMMU      string           `xml:"iommu,attr"`
	ATS        string           `xml:"ats,attr"`
	Packed     string           `xml:"packed,attr"`
	PagePerVQ  string           `xml:"page_per_vq,attr"`
	IOThreads  *IOThreadMapping `xml:"iothreads"`
	Extra      Extra            `xml:"-"`
}

// Lease is a <lease>: a lock manager lease.
type Lease struct {
	XMLName   xml.Name     `xml:"lease"`
	Lockspace string       `xml:"lockspace"`
	Key       string       `xml:"key"`
	Target    *LeaseTarget `xml:"target"`
	Extra     Extra        `xml:"-"`
}

// LeaseTarget is where the lease lives.
type LeaseTarget struct {
	Path   string  `xml:"path,attr"`
	Offset *uint64 `xml:"offset,attr"`
	Extra  Extra   `xml:"-"`
}

// Filesystem is a <filesystem>: a host directory, file or memory exposed to
// the guest (9p, virtiofs, container mounts).
type Filesystem struct {
	XMLName        xml.Name          `xml:"filesystem"`
	Type           string            `xml:"type,attr"` // mount, file, block, template, ram, bind
	AccessMode     string            `xml:"accessmode,attr"`
	Model          string            `xml:"model,attr"`
	Multidevs      string            `xml:"multidevs,attr"`
	FMode          string            `xml:"fmode,attr"` // octal
	DMode          string            `xml:"dmode,attr"` // octal
	Driver         *FilesystemDriver `xml:"driver"`
	Binary         *FilesystemBinary `xml:"binary"`
	Source         *FilesystemSource `xml:"source"`
	Target         *FilesystemTarget `xml:"target"`
	IDMap          *IDMap            `xml:"idmap"`
	ReadOnly       *Flag             `xml:"readonly"`
	SpaceHardLimit *Size             `xml:"space_hard_limit"` // bytes without a unit
	SpaceSoftLimit *Size             `xml:"space_soft_limit"` // bytes without a unit
	Boot           *DeviceBoot       `xml:"boot"`
	Alias          *Alias            `xml:"alias"`
	ACPI           *DeviceACPI       `xml:"acpi"`
	Address        *Address          `xml:"address"`
	Extra          Extra             `xml:"-"`
}

// FilesystemDriver is a filesystem's <driver>.
type FilesystemDriver struct {
	Type      string `xml:"type,attr"` // path, handle, loop, nbd, ploop, virtiofs, mtp
	Format    string `xml:"format,attr"`
	WRPolicy  string `xml:"wrpolicy,attr"`
	Queue     *uint  `xml:"queue,attr"`
	IOMMU     string `xml:"iommu,attr"`
	ATS       string `xml:"ats,attr"`
	Packed    string `xml:"packed,attr"`
	PagePerVQ string `xml:"page_per_vq,attr"`
	Extra     Extra  `xml:"-"`
}

// FilesystemBinary is virtiofsd's <binary> settings.
type FilesystemBinary struct {
	Path       string                `xml:"path,attr"`
	XAttr      string                `xml:"xattr,attr"`
	Cache      *FilesystemMode       `xml:"cache"`
	Sandbox    *FilesystemMode       `xml:"sandbox"`
	Lock       *FilesystemLock       `xml:"lock"`
	ThreadPool *FilesystemThreadPool `xml:"thread_pool"`
	OpenFiles  *FilesystemOpenFiles  `xml:"openfiles"`
	Extra      Extra                 `xml:"-"`
}

// FilesystemMode is <cache mode='...'/> or <sandbox mode='...'/>.
type FilesystemMode struct {
	Mode  string `xml:"mode,attr"`
	Extra Extra  `xml:"-"`
}

// FilesystemLock is virtiofsd's <lock>.
type FilesystemLock struct {
	POSIX string `xml:"posix,attr"`
	Flock string `xml:"flock,attr"`
	Extra Extra  `xml:"-"`
}

// FilesystemThreadPool is virtiofsd's <thread_pool>.
type FilesystemThreadPool struct {
	Size  *int  `xml:"size,attr"`
	Extra Extra `xml:"-"`
}

// FilesystemOpenFiles is virtiofsd's <openfiles>.
type FilesystemOpenFiles struct {
	Max   *uint64 `xml:"max,attr"`
	Extra Extra   `xml:"-"`
}

// FilesystemSource is a filesystem's <source>; which attribute applies
// depends on the type.
type FilesystemSource struct {
	Dir    string  `xml:"dir,attr"`
	File   string  `xml:"file,attr"`
	Dev    string  `xml:"dev,attr"`
	Socket string  `xml:"socket,attr"`
	Name   string  `xml:"name,attr"`
	Usage  *uint64 `xml:"usage,attr"`
	Units  string  `xml:"units,attr"`
	Extra  Extra   `xml:"-"`
}

// FilesystemTarget is where the guest sees the filesystem.
type FilesystemTarget struct {
	Dir   string `xml:"dir,attr"`
	Extra Extra  `xml:"-"`
}

// Input is an <input> device: tablet, mouse, keyboard, passthrough, evdev.
type Input struct {
	XMLName xml.Name      `xml:"input"`
	Type    string        `xml:"type,attr"`
	Bus     string        `xml:"bus,attr"`
	Model   string        `xml:"model,attr"`
	Driver  *VirtioDriver `xml:"driver"`
	Source  *InputSource  `xml:"source"`
	Alias   *Alias        `xml:"alias"`
	ACPI    *DeviceACPI   `xml:"acpi"`
	Address *Address      `xml:"address"`
	Extra   Extra         `xml:"-"`
}

// InputSource is the host event device of a passthrough or evdev input.
type InputSource struct {
	EvDev      string `xml:"evdev,attr"`
	Dev        string `xml:"dev,attr"`
	Grab       string `xml:"grab,attr"`
	GrabToggle string `xml:"grabToggle,attr"`
	Repeat     string `xml:"repeat,attr"`
	Extra      Extra  `xml:"-"`
}

// Sound is a <sound> device.
type Sound struct {
	XMLName      xml.Name      `xml:"sound"`
	Model        string        `xml:"model,attr"`
	Multichannel string        `xml:"multichannel,attr"`
	Streams      *uint         `xml:"streams,attr"`
	Codecs       []SoundCodec  `xml:"codec"`
	Audio        *AudioRef     `xml:"audio"`
	Driver       *VirtioDriver `xml:"driver"`
	Alias        *Alias        `xml:"alias"`
	ACPI         *DeviceACPI   `xml:"acpi"`
	Address      *Address      `xml:"address"`
	Extra        Extra         `xml:"-"`
}

// SoundCodec is a sound device's <codec type='...'/>.
type SoundCodec struct {
	Type  string `xml:"type,attr"`
	Extra Extra  `xml:"-"`
}

// AudioRef links a device to an <audio> backend by id.
type AudioRef struct {
	ID    *uint `xml:"id,attr"`
	Extra Extra `xml:"-"`
}

// Audio is an <audio> backend: where guest sound goes on the host.
type Audio struct {
	XMLName     xml.Name      `xml:"audio"`
	ID          *uint         `xml:"id,attr"`
	Type        string        `xml:"type,attr"` // none, alsa, pulseaudio, spice, file, ...
	TimerPeriod *uint         `xml:"timerPeriod,attr"`
	ServerName  string        `xml:"serverName,attr"`
	Driver      string        `xml:"driver,attr"`
	Path        string        `xml:"path,attr"`
	RuntimeDir  string        `xml:"runtimeDir,attr"`
	TryMMap     string        `xml:"tryMMap,attr"`
	Exclusive   string        `xml:"exclusive,attr"`
	DSPPolicy   *int          `xml:"dspPolicy,attr"`
	Input       *AudioChannel `xml:"input"`
	Output      *AudioChannel `xml:"output"`
	Extra       Extra         `xml:"-"`
}

// AudioChannel is an audio backend's <input> or <output>.
type AudioChannel struct {
	MixingEngine  string         `xml:"mixingEngine,attr"`
	FixedSettings string         `xml:"fixedSettings,attr"`
	Voices        *uint          `xml:"voices,attr"`
	BufferLength  *uint          `xml:"bufferLength,attr"`
	Dev           string         `xml:"dev,attr"`
	BufferCount   *uint          `xml:"bufferCount,attr"`
	ServerName    string         `xml:"serverName,attr"`
	ClientName    string         `xml:"clientName,attr"`
	ConnectPorts  string         `xml:"connectPorts,attr"`
	ExactName     string         `xml:"exactName,attr"`
	TryPoll       string         `xml:"tryPoll,attr"`
	Name          string         `xml:"name,attr"`
	StreamName    string         `xml:"streamName,attr"`
	Latency       *uint          `xml:"latency,attr"`
	Settings      *AudioSettings `xml:"settings"`
	Extra         Extra          `xml:"-"`
}

// AudioSettings fixes an audio channel's format.
type AudioSettings struct {
	Frequency *uint  `xml:"frequency,attr"`
	Channels  *uint  `xml:"channels,attr"`
	Format    string `xml:"format,attr"`
	Extra     Extra  `xml:"-"`
}

// Video is a <video> adapter.
type Video struct {
	XMLName xml.Name     `xml:"video"`
	Driver  *VideoDriver `xml:"driver"`
	Model   *VideoModel  `xml:"model"`
	Alias   *Alias       `xml:"alias"`
	ACPI    *DeviceACPI  `xml:"acpi"`
	Address *Address     `xml:"address"`
	Extra   Extra        `xml:"-"`
}

// VideoDriver is a video adapter's <driver>.
type VideoDriver struct {
	Name      string `xml:"name,attr"` // qemu, vhostuser
	VGAConf   string `xml:"vgaconf,attr"`
	IOMMU     string `xml:"iommu,attr"`
	ATS       string `xml:"ats,attr"`
	Packed    string `xml:"packed,attr"`
	PagePerVQ string `xml:"page_per_vq,attr"`
	Extra     Extra  `xml:"-"`
}

// VideoModel is a video adapter's <model>; memory sizes are in KiB.
type VideoModel struct {
	Type         string             `xml:"type,attr"` // vga, cirrus, qxl, virtio, bochs, ramfb, none...
	RAM          *uint              `xml:"ram,attr"`
	VRAM         *uint              `xml:"vram,attr"`
	VRAM64       *uint              `xml:"vram64,attr"`
	VGAMem       *uint              `xml:"vgamem,attr"`
	Heads        *uint              `xml:"heads,attr"`
	Primary      string             `xml:"primary,attr"`
	Blob         string             `xml:"blob,attr"`
	Acceleration *VideoAcceleration `xml:"acceleration"`
	Resolution   *VideoResolution   `xml:"resolution"`
	Extra        Extra              `xml:"-"`
}

// VideoAcceleration is <acceleration>.
type VideoAcceleration struct {
	Accel3D    string `xml:"accel3d,attr"`
	Accel2D    string `xml:"accel2d,attr"`
	RenderNode string `xml:"rendernode,attr"`
	Extra      Extra  `xml:"-"`
}

// VideoResolution is <resolution x='...' y='...'/>.
type VideoResolution struct {
	X     uint  `xml:"x,attr"`
	Y     uint  `xml:"y,attr"`
	Extra Extra `xml:"-"`
}

// Hub is a <hub> (a USB hub).
type Hub struct {
	XMLName xml.Name `xml:"hub"`
	Type    string   `xml:"type,attr"`
	Alias   *Alias   `xml:"alias"`
	Address *Address `xml:"address"`
	Extra   Extra    `xml:"-"`
}

// Watchdog is a <watchdog> device.
type Watchdog struct {
	XMLName xml.Name    `xml:"watchdog"`
	Model   string      `xml:"model,attr"`
	Action  string      `xml:"action,attr"`
	Alias   *Alias      `xml:"alias"`
	ACPI    *DeviceACPI `xml:"acpi"`
	Address *Address    `xml:"address"`
	Extra   Extra       `xml:"-"`
}

// MemBalloon is the <memballoon> device.
type MemBalloon struct {
	XMLName           xml.Name         `xml:"memballoon"`
	Model             string           `xml:"model,attr"`
	AutoDeflate       string           `xml:"autodeflate,attr"`
	FreePageReporting string           `xml:"freePageReporting,attr"`
	Stats             *MemBalloonStats `xml:"stats"`
	Driver            *VirtioDriver    `xml:"driver"`
	Alias             *Alias           `xml:"alias"`
	ACPI              *DeviceACPI      `xml:"acpi"`
	Address           *Address         `xml:"address"`
	Extra             Extra            `xml:"-"`
}

// MemBalloonStats sets the balloon statistics period in seconds.
type MemBalloonStats struct {
	Period uint  `xml:"period,attr"`
	Extra  Extra `xml:"-"`
}

// RNG is an <rng>: a virtio random number generator.
type RNG struct {
	XMLName xml.Name      `xml:"rng"`
	Model   string        `xml:"model,attr"`
	Backend *RNGBackend   `xml:"backend"`
	Driver  *VirtioDriver `xml:"driver"`
	Rate    *RNGRate      `xml:"rate"`
	Alias   *Alias        `xml:"alias"`
	ACPI    *DeviceACPI   `xml:"acpi"`
	Address *Address      `xml:"address"`
	Extra   Extra         `xml:"-"`
}

// RNGBackend is where an RNG's entropy comes from: a host file
// (model random), an EGD character device (model egd) or QEMU (builtin).
type RNGBackend struct {
	Model    string           `xml:"model,attr"`
	Type     string           `xml:"type,attr"` // egd: the character device type
	Sources  []ChardevSource  `xml:"source"`
	Protocol *ChardevProtocol `xml:"protocol"`
	Log      *ChardevLog      `xml:"log"`
	Path     string           `xml:",chardata"` // random: the host device
	Extra    Extra            `xml:"-"`
}

// RNGRate limits an RNG to Bytes per Period milliseconds.
type RNGRate struct {
	Bytes  uint  `xml:"bytes,attr"`
	Period *uint `xml:"period,attr"`
	Extra  Extra `xml:"-"`
}

// TPM is a <tpm> device.
type TPM struct {
	XMLName xml.Name    `xml:"tpm"`
	Model   string      `xml:"model,attr"`
	Backend *TPMBackend `xml:"backend"`
	Alias   *Alias      `xml:"alias"`
	Address *Address    `xml:"address"`
	Extra   Extra       `xml:"-"`
}

// TPMBackend is a TPM's <backend>: passthrough, emulator (swtpm) or
// external.
type TPMBackend struct {
	Type            string         `xml:"type,attr"`
	Version         string         `xml:"version,attr"`
	PersistentState string         `xml:"persistent_state,attr"`
	Debug           *uint          `xml:"debug,attr"`
	Device          *TPMDevice     `xml:"device"`
	Encryption      *TPMEncryption `xml:"encryption"`
	ActivePCRBanks  *TPMPCRBanks   `xml:"active_pcr_banks"`
	Source          *TPMSource     `xml:"source"`
	Profile         *TPMProfile    `xml:"profile"`
	Extra           Extra          `xml:"-"`
}

// TPMDevice is the host TPM of a passthrough backend.
type TPMDevice struct {
	Path  string `xml:"path,attr"`
	Extra Extra  `xml:"-"`
}

// TPMEncryption names the secret encrypting the emulator's state.
type TPMEncryption struct {
	Secret *UUID `xml:"secret,attr"`
	Extra  Extra `xml:"-"`
}

// TPMPCRBanks selects the PCR banks the emulator activates.
type TPMPCRBanks struct {
	SHA1   *Flag `xml:"sha1"`
	SHA256 *Flag `xml:"sha256"`
	SHA384 *Flag `xml:"sha384"`
	SHA512 *Flag `xml:"sha512"`
	Extra  Extra `xml:"-"`
}

// TPMSource is where the TPM's state or socket is.
type TPMSource struct {
	Type  string `xml:"type,attr"`
	Path  string `xml:"path,attr"`
	Mode  string `xml:"mode,attr"`
	Extra Extra  `xml:"-"`
}

// TPMProfile is the emulator's profile.
type TPMProfile struct {
	Source         string `xml:"source,attr"`
	RemoveDisabled string `xml:"removeDisabled,attr"`
	Name           string `xml:"name,attr"`
	Extra          Extra  `xml:"-"`
}

// NVRAMDevice is the pSeries <nvram> device in <devices> (not the UEFI
// variable store, which is OS.NVRAM).
type NVRAMDevice struct {
	Address *Address `xml:"address"`
	Extra   Extra    `xml:"-"`
}

// Panic is a <panic> notifier device.
type Panic struct {
	XMLName xml.Name `xml:"panic"`
	Model   string   `xml:"model,attr"`
	Alias   *Alias   `xml:"alias"`
	Address *Address `xml:"address"`
	Extra   Extra    `xml:"-"`
}

// Shmem is a <shmem>: shared memory between guests (ivshmem).
type Shmem struct {
	XMLName xml.Name     `xml:"shmem"`
	Name    string       `xml:"name,attr"`
	Role    string       `xml:"role,attr"`
	Model   *ShmemModel  `xml:"model"`
	Size    *Size        `xml:"size"` // bytes without a unit
	Server  *ShmemServer `xml:"server"`
	MSI     *ShmemMSI    `xml:"msi"`
	Alias   *Alias       `xml:"alias"`
	ACPI    *DeviceACPI  `xml:"acpi"`
	Address *Address     `xml:"address"`
	Extra   Extra        `xml:"-"`
}

// ShmemModel is <model type='...'/>.
type ShmemModel struct {
	Type  string `xml:"type,attr"`
	Extra Extra  `xml:"-"`
}

// ShmemServer is the ivshmem server socket.
type ShmemServer struct {
	Path  string `xml:"path,attr"`
	Extra Extra  `xml:"-"`
}

// ShmemMSI configures MSI interrupts of a doorbell device.
type ShmemMSI struct {
	Vectors   *uint  `xml:"vectors,attr"`
	IOEventFD string `xml:"ioeventfd,attr"`
	Extra     Extra  `xml:"-"`
}

// MemoryDevice is a <memory> device: a DIMM, NVDIMM, virtio-mem or
// virtio-pmem region, or SGX EPC.
type MemoryDevice struct {
	XMLName xml.Name            `xml:"memory"`
	Model   string              `xml:"model,attr"`
	Access  string              `xml:"access,attr"`
	Discard string              `xml:"discard,attr"`
	UUID    *UUID               `xml:"uuid"`
	Source  *MemoryDeviceSource `xml:"source"`
	Target  *MemoryDeviceTarget `xml:"target"`
	Alias   *Alias              `xml:"alias"`
	ACPI    *DeviceACPI         `xml:"acpi"`
	Address *Address            `xml:"address"`
	Extra   Extra               `xml:"-"`
}

// MemoryDeviceSource is a memory device's host backing (sizes in KiB
// without a unit).
type MemoryDeviceSource struct {
	PageSize  *Size  `xml:"pagesize"`
	NodeMask  string `xml:"nodemask"`
	Path      string `xml:"path"`
	AlignSize *Size  `xml:"alignsize"`
	PMem      *Flag  `xml:"pmem"`
	Extra     Extra  `xml:"-"`
}

// MemoryDeviceTarget is the memory as the guest sees it (sizes in KiB
// without a unit).
type MemoryDeviceTarget struct {
	DynamicMemslots string               `xml:"dynamicMemslots,attr"`
	Size            *Size                `xml:"size"`
	Node            *uint                `xml:"node"`
	Block           *Size                `xml:"block"`
	Requested       *Size                `xml:"requested"`
	Current         *Size                `xml:"current"`
	Label           *MemoryDeviceLabel   `xml:"label"`
	ReadOnly        *Flag                `xml:"readonly"`
	Address         *MemoryDeviceAddress `xml:"address"`
	Extra           Extra                `xml:"-"`
}

// MemoryDeviceLabel is an NVDIMM's label area.
type MemoryDeviceLabel struct {
	Size  *Size `xml:"size"`
	Extra Extra `xml:"-"`
}

// MemoryDeviceAddress is a virtio-mem region's guest base address.
type MemoryDeviceAddress struct {
	Base  *uint64 `xml:"base,attr" format:"0x%x"`
	Extra Extra   `xml:"-"`
}

// IOMMU is the <iommu> device.
type IOMMU struct {
	XMLName xml.Name     `xml:"iommu"`
	Model   string       `xml:"model,attr"` // intel, smmuv3, virtio
	Driver  *IOMMUDriver `xml:"driver"`
	Alias   *Alias       `xml:"alias"`
	ACPI    *DeviceACPI  `xml:"acpi"`
	Address *Address     `xml:"address"`
	Extra   Extra        `xml:"-"`
}

// IOMMUDriver is the IOMMU's <driver>.
type IOMMUDriver struct {
	IntRemap       string `xml:"intremap,attr"`
	CachingMode    string `xml:"caching_mode,attr"`
	EIM            string `xml:"eim,attr"`
	IOTLB          string `xml:"iotlb,attr"`
	AWBits         *uint  `xml:"aw_bits,attr"`
	DMATranslation string `xml:"dma_translation,attr"`
	Extra          Extra  `xml:"-"`
}

// VSock is the <vsock> device.
type VSock struct {
	XMLName xml.Name      `xml:"vsock"`
	Model   string        `xml:"model,attr"`
	CID     *VSockCID     `xml:"cid"`
	Driver  *VirtioDriver `xml:"driver"`
	Alias   *Alias        `xml:"alias"`
	ACPI    *DeviceACPI   `xml:"acpi"`
	Address *Address      `xml:"address"`
	Extra   Extra         `xml:"-"`
}

// VSockCID is the guest's context id.
type VSockCID struct {
	Auto    string `xml:"auto,attr"`
	Address *uint  `xml:"address,attr"`
	Extra   Extra  `xml:"-"`
}

// Crypto is a <crypto> device.
type Crypto struct {
	XMLName xml.Name       `xml:"crypto"`
	Model   string         `xml:"model,attr"`
	Type    string         `xml:"type,attr"`
	Backend *CryptoBackend `xml:"backend"`
	Driver  *VirtioDriver  `xml:"driver"`
	Alias   *Alias         `xml:"alias"`
	Address *Address       `xml:"address"`
	Extra   Extra          `xml:"-"`
}

// CryptoBackend is a crypto device's <backend>.
type CryptoBackend struct {
	Model  string `xml:"model,attr"` // builtin, lkcf
	Queues *uint  `xml:"queues,attr"`
	Extra  Extra  `xml:"-"`
}

// PStore is the <pstore> device (ACPI ERST).
type PStore struct {
	XMLName xml.Name `xml:"pstore"`
	Backend string   `xml:"backend,attr"`
	Path    string   `xml:"path"`
	Size    *Size    `xml:"size"` // KiB without a unit
	Alias   *Alias   `xml:"alias"`
	Address *Address `xml:"address"`
	Extra   Extra    `xml:"-"`
}

// RedirDev is a <redirdev>: a USB device redirected from a client.
type RedirDev struct {
	XMLName  xml.Name         `xml:"redirdev"`
	Bus      string           `xml:"bus,attr"`
	Type     string           `xml:"type,attr"`
	Sources  []ChardevSource  `xml:"source"`
	Protocol *ChardevProtocol `xml:"protocol"`
	Log      *ChardevLog      `xml:"log"`
	Boot     *DeviceBoot      `xml:"boot"`
	Alias    *Alias           `xml:"alias"`
	Address  *Address         `xml:"address"`
	Extra    Extra            `xml:"-"`
}

// RedirFilter is a <redirfilter>: which USB devices may be redirected.
type RedirFilter struct {
	XMLName xml.Name       `xml:"redirfilter"`
	USBDevs []USBDevFilter `xml:"usbdev"`
	Extra   Extra          `xml:"-"`
}

// USBDevFilter is one <usbdev> rule; -1 matches anything.
type USBDevFilter struct {
	Allow   string `xml:"allow,attr"`
	Class   string `xml:"class,attr"`
	Vendor  string `xml:"vendor,attr"`
	Product string `xml:"product,attr"`
	Version string `xml:"version,attr"`
	Extra   Extra  `xml:"-"`
}

// Smartcard is a <smartcard> device.
type Smartcard struct {
	XMLName      xml.Name         `xml:"smartcard"`
	Mode         string           `xml:"mode,attr"` // host, host-certificates, passthrough
	Type         string           `xml:"type,attr"` // passthrough: the character device type
	Certificates []string         `xml:"certificate"`
	Database     string           `xml:"database"`
	Sources      []ChardevSource  `xml:"source"`
	Protocol     *ChardevProtocol `xml:"protocol"`
	Log          *ChardevLog      `xml:"log"`
	Target       *ChardevTarget   `xml:"target"`
	Alias        *Alias           `xml:"alias"`
	ACPI         *DeviceACPI      `xml:"acpi"`
	Address      *Address         `xml:"address"`
	Extra        Extra            `xml:"-"`
}
