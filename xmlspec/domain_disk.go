package xmlspec

import "encoding/xml"

// Disk is a <disk>: a virtual disk, CD-ROM, floppy or LUN.
type Disk struct {
	XMLName         xml.Name         `xml:"disk"`
	Type            string           `xml:"type,attr"`   // file, block, dir, network, volume, nvme, vhostuser, vhostvdpa
	Device          string           `xml:"device,attr"` // disk, cdrom, floppy, lun
	RawIO           string           `xml:"rawio,attr"`
	SGIO            string           `xml:"sgio,attr"`
	Model           string           `xml:"model,attr"`
	Snapshot        string           `xml:"snapshot,attr"`
	Driver          *DiskDriver      `xml:"driver"`
	Auth            *DiskAuth        `xml:"auth"`
	Source          *DiskSource      `xml:"source"`
	BackingStore    *BackingStore    `xml:"backingStore"`
	BackendDomain   *BackendDomain   `xml:"backenddomain"`
	Geometry        *DiskGeometry    `xml:"geometry"`
	BlockIO         *DiskBlockIO     `xml:"blockio"`
	Mirror          *DiskMirror      `xml:"mirror"`
	Target          *DiskTarget      `xml:"target"`
	IOTune          *IOTune          `xml:"iotune"`
	ThrottleFilters *ThrottleFilters `xml:"throttlefilters"`
	ReadOnly        *Flag            `xml:"readonly"`
	Shareable       *Flag            `xml:"shareable"`
	Transient       *DiskTransient   `xml:"transient"`
	Serial          string           `xml:"serial"`
	WWN             string           `xml:"wwn"`
	Vendor          string           `xml:"vendor"`
	Product         string           `xml:"product"`
	Encryption      *Encryption      `xml:"encryption"`
	Boot            *DeviceBoot      `xml:"boot"`
	Alias           *Alias           `xml:"alias"`
	ACPI            *DeviceACPI      `xml:"acpi"`
	Address         *Address         `xml:"address"`
	Extra           Extra            `xml:"-"`
}

// DiskDriver is a disk's <driver>: the image format and I/O settings.
type DiskDriver struct {
	Name           string           `xml:"name,attr"`
	Type           string           `xml:"type,attr"` // raw, qcow2, ...
	Cache          string           `xml:"cache,attr"`
	ErrorPolicy    string           `xml:"error_policy,attr"`
	RErrorPolicy   string           `xml:"rerror_policy,attr"`
	IO             string           `xml:"io,attr"`
	IOEventFD      string           `xml:"ioeventfd,attr"`
	EventIdx       string           `xml:"event_idx,attr"`
	CopyOnRead     string           `xml:"copy_on_read,attr"`
	Discard        string           `xml:"discard,attr"`
	DiscardNoUnref string           `xml:"discard_no_unref,attr"`
	IOThread       *uint            `xml:"iothread,attr"`
	DetectZeroes   string           `xml:"detect_zeroes,attr"`
	Queues         *uint            `xml:"queues,attr"`
	QueueSize      *uint            `xml:"queue_size,attr"`
	IOMMU          string           `xml:"iommu,attr"`
	ATS            string           `xml:"ats,attr"`
	Packed         string           `xml:"packed,attr"`
	PagePerVQ      string           `xml:"page_per_vq,attr"`
	MetadataCache  *MetadataCache   `xml:"metadata_cache"`
	IOThreads      *IOThreadMapping `xml:"iothreads"`
	Extra          Extra            `xml:"-"`
}

// MetadataCache is <metadata_cache>.
type MetadataCache struct {
	MaxSize *Size `xml:"max_size"` // bytes without a unit
	Extra   Extra `xml:"-"`
}

// DiskSource is a disk's <source>, also used by backing stores, mirrors and
// the UEFI NVRAM. Which attributes apply depends on the disk type: File
// (file), Dev (block, vhostvdpa), Dir (dir), Protocol, Name and Hosts
// (network), Pool and Volume (volume), Type, Namespace and Address (nvme),
// Type and Path (vhostuser).
type DiskSource struct {
	File          string            `xml:"file,attr"`
	FDGroup       string            `xml:"fdgroup,attr"`
	Dev           string            `xml:"dev,attr"`
	Dir           string            `xml:"dir,attr"`
	Protocol      string            `xml:"protocol,attr"`
	Name          string            `xml:"name,attr"`
	Query         string            `xml:"query,attr"`
	TLS           string            `xml:"tls,attr"`
	TLSHostname   string            `xml:"tlsHostname,attr"`
	Pool          string            `xml:"pool,attr"`
	Volume        string            `xml:"volume,attr"`
	Mode          string            `xml:"mode,attr"`
	Type          string            `xml:"type,attr"`
	Path          string            `xml:"path,attr"`
	Namespace     *uint             `xml:"namespace,attr"`
	Managed       string            `xml:"managed,attr"`
	Index         *uint             `xml:"index,attr"`
	StartupPolicy string            `xml:"startupPolicy,attr"`
	Hosts         []DiskSourceHost  `xml:"host"`
	Snapshot      *DiskSourceName   `xml:"snapshot"`
	Config        *DiskSourceConfig `xml:"config"`
	Auth          *DiskAuth         `xml:"auth"`
	Encryption    *Encryption       `xml:"encryption"`
	Initiator     *Initiator        `xml:"initiator"`
	Reconnect     *Reconnect        `xml:"reconnect"`
	Address       *Address          `xml:"address"`
	Slices        *DiskSlices       `xml:"slices"`
	DataStore     *DataStore        `xml:"dataStore"`
	SSL           *DiskSSL          `xml:"ssl"`
	Cookies       *DiskCookies      `xml:"cookies"`
	Readahead     *DiskReadahead    `xml:"readahead"`
	Timeout       *DiskTimeout      `xml:"timeout"`
	KnownHosts    *DiskKnownHosts   `xml:"knownHosts"`
	Identity      *DiskIdentity     `xml:"identity"`
	Reservations  *Reservations     `xml:"reservations"`
	SecLabels     []SecLabel        `xml:"seclabel"`
	Extra         Extra             `xml:"-"`
}

// DiskSourceHost is a network disk's server.
type DiskSourceHost struct {
	Name      string `xml:"name,attr"`
	Port      string `xml:"port,attr"`
	Transport string `xml:"transport,attr"` // tcp, rdma, unix
	Socket    string `xml:"socket,attr"`
	Extra     Extra  `xml:"-"`
}

// DiskSourceName is an element naming something in a name attribute: an
// RBD <snapshot>, a storage pool source's <vendor> or <product>.
type DiskSourceName struct {
	Name  string `xml:"name,attr"`
	Extra Extra  `xml:"-"`
}

// DiskSourceConfig is an RBD <config file='...'/>.
type DiskSourceConfig struct {
	File  string `xml:"file,attr"`
	Extra Extra  `xml:"-"`
}

// Initiator is an iSCSI <initiator>.
type Initiator struct {
	IQN   *InitiatorIQN `xml:"iqn"`
	Extra Extra         `xml:"-"`
}

// InitiatorIQN is the initiator's IQN.
type InitiatorIQN struct {
	Name  string `xml:"name,attr"`
	Extra Extra  `xml:"-"`
}

// DiskSlices is <slices>: the part of the source the disk uses.
type DiskSlices struct {
	Slices []DiskSlice `xml:"slice"`
	Extra  Extra       `xml:"-"`
}

// DiskSlice is one <slice>.
type DiskSlice struct {
	Type   string  `xml:"type,attr"`
	Offset *uint64 `xml:"offset,attr"`
	Size   *uint64 `xml:"size,attr"`
	Extra  Extra   `xml:"-"`
}

// DataStore is an external data file of a qcow2 image.
type DataStore struct {
	Type   string      `xml:"type,attr"`
	Format *DiskFormat `xml:"format"`
	Source *DiskSource `xml:"source"`
	Extra  Extra       `xml:"-"`
}

// DiskSSL is <ssl verify='...'/> of an HTTPS or FTPS source.
type DiskSSL struct {
	Verify string `xml:"verify,attr"`
	Extra  Extra  `xml:"-"`
}

// DiskCookies are the HTTP cookies sent with a network disk's requests.
type DiskCookies struct {
	Cookies []DiskCookie `xml:"cookie"`
	Extra   Extra        `xml:"-"`
}

// DiskCookie is one <cookie name='...'>value</cookie>.
type DiskCookie struct {
	Name  string `xml:"name,attr"`
	Value string `xml:",chardata"`
	Extra Extra  `xml:"-"`
}

// DiskReadahead is <readahead size='...'/>.
type DiskReadahead struct {
	Size  uint64 `xml:"size,attr"`
	Extra Extra  `xml:"-"`
}

// DiskTimeout is <timeout seconds='...'/>.
type DiskTimeout struct {
	Seconds uint64 `xml:"seconds,attr"`
	Extra   Extra  `xml:"-"`
}

// DiskKnownHosts is an SSH source's <knownHosts path='...'/>.
type DiskKnownHosts struct {
	Path  string `xml:"path,attr"`
	Extra Extra  `xml:"-"`
}

// DiskIdentity is the user of an NFS source or the key of an SSH source.
type DiskIdentity struct {
	User      string `xml:"user,attr"`
	Group     string `xml:"group,attr"`
	Username  string `xml:"username,attr"`
	Keyfile   string `xml:"keyfile,attr"`
	AgentSock string `xml:"agentsock,attr"`
	Extra     Extra  `xml:"-"`
}

// Reservations is a LUN's persistent reservations setting.
type Reservations struct {
	Managed string         `xml:"managed,attr"`
	Source  *UnixSocketSrc `xml:"source"`
	Extra   Extra          `xml:"-"`
}

// UnixSocketSrc is a <source type='unix' path='...' mode='...'/>.
type UnixSocketSrc struct {
	Type      string     `xml:"type,attr"`
	Path      string     `xml:"path,attr"`
	Mode      string     `xml:"mode,attr"`
	Reconnect *Reconnect `xml:"reconnect"`
	Extra     Extra      `xml:"-"`
}

// DiskAuth is <auth>: the user and secret for a network disk.
type DiskAuth struct {
	Username string      `xml:"username,attr"`
	Secret   *DiskSecret `xml:"secret"`
	Extra    Extra       `xml:"-"`
}

// DiskSecret refers to a libvirt secret by UUID or usage.
type DiskSecret struct {
	Type  string `xml:"type,attr"` // ceph, iscsi
	UUID  *UUID  `xml:"uuid,attr"`
	Usage string `xml:"usage,attr"`
	Extra Extra  `xml:"-"`
}

// Encryption is <encryption>: how a volume is encrypted.
type Encryption struct {
	Format  string             `xml:"format,attr"` // luks, qcow, luks2, luks-any, default
	Engine  string             `xml:"engine,attr"`
	Secrets []EncryptionSecret `xml:"secret"`
	Cipher  *EncryptionCipher  `xml:"cipher"`
	IVGen   *EncryptionIVGen   `xml:"ivgen"`
	Extra   Extra              `xml:"-"`
}

// EncryptionSecret names the passphrase secret.
type EncryptionSecret struct {
	Type  string `xml:"type,attr"`
	UUID  *UUID  `xml:"uuid,attr"`
	Usage string `xml:"usage,attr"`
	Extra Extra  `xml:"-"`
}

// EncryptionCipher is a LUKS volume's <cipher>.
type EncryptionCipher struct {
	Name  string `xml:"name,attr"`
	Size  uint   `xml:"size,attr"`
	Mode  string `xml:"mode,attr"`
	Hash  string `xml:"hash,attr"`
	Extra Extra  `xml:"-"`
}

// EncryptionIVGen is a LUKS volume's <ivgen>.
type EncryptionIVGen struct {
	Name  string `xml:"name,attr"`
	Hash  string `xml:"hash,attr"`
	Extra Extra  `xml:"-"`
}

// BackingStore is one image of a disk's backing chain; an empty
// <backingStore/> ends the chain.
type BackingStore struct {
	Type         string        `xml:"type,attr"`
	Index        *uint         `xml:"index,attr"`
	Format       *DiskFormat   `xml:"format"`
	Source       *DiskSource   `xml:"source"`
	BackingStore *BackingStore `xml:"backingStore"`
	Extra        Extra         `xml:"-"`
}

// DiskFormat is <format type='...'/> of a backing image.
type DiskFormat struct {
	Type          string         `xml:"type,attr"`
	MetadataCache *MetadataCache `xml:"metadata_cache"`
	Extra         Extra          `xml:"-"`
}

// DiskMirror is <mirror>: a running block copy or active commit job.
type DiskMirror struct {
	Type         string        `xml:"type,attr"`
	Job          string        `xml:"job,attr"`
	Ready        string        `xml:"ready,attr"`
	File         string        `xml:"file,attr"`
	FormatName   string        `xml:"format,attr"`
	Format       *DiskFormat   `xml:"format"`
	Source       *DiskSource   `xml:"source"`
	BackingStore *BackingStore `xml:"backingStore"`
	Extra        Extra         `xml:"-"`
}

// DiskTarget is how the guest sees the disk.
type DiskTarget struct {
	Dev          string `xml:"dev,attr"`
	Bus          string `xml:"bus,attr"` // virtio, scsi, sata, ide, usb, fdc, xen, sd
	Tray         string `xml:"tray,attr"`
	Removable    string `xml:"removable,attr"`
	RotationRate *uint  `xml:"rotation_rate,attr"`
	Extra        Extra  `xml:"-"`
}

// DiskGeometry overrides the disk's CHS geometry.
type DiskGeometry struct {
	Cyls  uint   `xml:"cyls,attr"`
	Heads uint   `xml:"heads,attr"`
	Secs  uint   `xml:"secs,attr"`
	Trans string `xml:"trans,attr"`
	Extra Extra  `xml:"-"`
}

// DiskBlockIO overrides the disk's block sizes.
type DiskBlockIO struct {
	LogicalBlockSize   *uint `xml:"logical_block_size,attr"`
	PhysicalBlockSize  *uint `xml:"physical_block_size,attr"`
	DiscardGranularity *uint `xml:"discard_granularity,attr"`
	Extra              Extra `xml:"-"`
}

// DiskTransient is <transient>: changes are discarded when the guest stops.
type DiskTransient struct {
	ShareBacking string `xml:"shareBacking,attr"`
	Extra        Extra  `xml:"-"`
}

// ThrottleFilters lists the throttle groups a disk belongs to.
type ThrottleFilters struct {
	Filters []ThrottleFilter `xml:"throttlefilter"`
	Extra   Extra            `xml:"-"`
}

// ThrottleFilter names one throttle group.
type ThrottleFilter struct {
	Group string `xml:"group,attr"`
	Extra Extra  `xml:"-"`
}

// IOTune is <iotune> (and <throttlegroup>): I/O limits.
type IOTune struct {
	TotalBytesSec          *uint64 `xml:"total_bytes_sec"`
	ReadBytesSec           *uint64 `xml:"read_bytes_sec"`
	WriteBytesSec          *uint64 `xml:"write_bytes_sec"`
	TotalIOPSSec           *uint64 `xml:"total_iops_sec"`
	ReadIOPSSec            *uint64 `xml:"read_iops_sec"`
	WriteIOPSSec           *uint64 `xml:"write_iops_sec"`
	TotalBytesSecMax       *uint64 `xml:"total_bytes_sec_max"`
	ReadBytesSecMax        *uint64 `xml:"read_bytes_sec_max"`
	WriteBytesSecMax       *uint64 `xml:"write_bytes_sec_max"`
	TotalIOPSSecMax        *uint64 `xml:"total_iops_sec_max"`
	ReadIOPSSecMax         *uint64 `xml:"read_iops_sec_max"`
	WriteIOPSSecMax        *uint64 `xml:"write_iops_sec_max"`
	SizeIOPSSec            *uint64 `xml:"size_iops_sec"`
	GroupName              string  `xml:"group_name"`
	TotalBytesSecMaxLength *uint64 `xml:"total_bytes_sec_max_length"`
	ReadBytesSecMaxLength  *uint64 `xml:"read_bytes_sec_max_length"`
	WriteBytesSecMaxLength *uint64 `xml:"write_bytes_sec_max_length"`
	TotalIOPSSecMaxLength  *uint64 `xml:"total_iops_sec_max_length"`
	ReadIOPSSecMaxLength   *uint64 `xml:"read_iops_sec_max_length"`
	WriteIOPSSecMaxLength  *uint64 `xml:"write_iops_sec_max_length"`
	Extra                  Extra   `xml:"-"`
}
