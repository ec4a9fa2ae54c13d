package xmlspec

import "encoding/xml"

// Storage volume types, the values of StorageVolume.Type.
const (
	StorageVolumeFile    = "file"
	StorageVolumeBlock   = "block"
	StorageVolumeDir     = "dir"
	StorageVolumeNetwork = "network"
	StorageVolumeNetDir  = "netdir"
)

// StorageVolume is a libvirt storage volume, the <volume> document of
// formatstorage.rst (storagevol.rng): a file, logical volume, partition or
// network image in a pool, what virStorageVolCreateXML takes and
// virStorageVolGetXMLDesc returns.
type StorageVolume struct {
	XMLName xml.Name `xml:"volume"`
	Type    string   `xml:"type,attr"` // StorageVolumeFile...; libvirt reports it, a new volume leaves it out

	Name   string               `xml:"name"`
	Key    string               `xml:"key"` // libvirt's unique identifier, often the path
	Source *StorageVolumeSource `xml:"source"`

	// Capacity is the size the guest sees; Allocation what the host has
	// given it so far; Physical the size of the file or device, which
	// libvirt reports but never reads. Bytes without a unit.
	Capacity   *Size `xml:"capacity"`
	Allocation *Size `xml:"allocation"`
	Physical   *Size `xml:"physical"`

	Target *StorageVolumeTarget `xml:"target"`
	// BackingStore is the image a copy-on-write volume (qcow2) reads what
	// it has not written itself: Path and Format, as in Target.
	BackingStore *StorageVolumeTarget `xml:"backingStore"`

	Extra Extra `xml:"-"`
}

// StorageVolumeSource is a volume's <source>: the devices and extents a
// logical volume or partition occupies.
type StorageVolumeSource struct {
	Devices []StorageVolumeSourceDevice `xml:"device"`
	Extra   Extra                       `xml:"-"`
}

// StorageVolumeSourceDevice is one device of a volume's source with the
// extents the volume occupies on it.
type StorageVolumeSourceDevice struct {
	Path    string          `xml:"path,attr"`
	Extents []StorageExtent `xml:"extent"`
	Extra   Extra           `xml:"-"`
}

// StorageVolumeTarget is a volume's <target>, or its <backingStore>, which
// libvirt reads and writes with the same code: the path on the host, the
// image format, permissions and timestamps; a target also has encryption
// and qcow2 settings.
type StorageVolumeTarget struct {
	Path        string                 `xml:"path"`
	Format      *DiskFormat            `xml:"format"` // raw, qcow2, iso... (only Type applies)
	Permissions *StoragePermissions    `xml:"permissions"`
	Timestamps  *StorageTimestamps     `xml:"timestamps"`
	Encryption  *Encryption            `xml:"encryption"`
	Compat      string                 `xml:"compat"` // qcow2 version: 0.10, 1.1
	NoCOW       *Flag                  `xml:"nocow"`
	ClusterSize *Size                  `xml:"clusterSize"` // bytes without a unit
	Features    *StorageVolumeFeatures `xml:"features"`
	Extra       Extra                  `xml:"-"`
}

// StorageTimestamps is <timestamps>: the file's times as libvirt reports
// them, seconds since the epoch with an optional fraction
// ("1341933637.273190990").
type StorageTimestamps struct {
	Atime string `xml:"atime"`
	Mtime string `xml:"mtime"`
	Ctime string `xml:"ctime"`
	Btime string `xml:"btime"`
	Extra Extra  `xml:"-"`
}

// StorageVolumeFeatures is a qcow2 volume's <features>.
type StorageVolumeFeatures struct {
	LazyRefcounts *Flag `xml:"lazy_refcounts"`
	ExtendedL2    *Flag `xml:"extended_l2"`
	Extra         Extra `xml:"-"`
}

// ParseStorageVolume reads a <volume> document.
func ParseStorageVolume(data []byte) (*StorageVolume, error) {
	return parseAs[StorageVolume](data, "volume")
}

// Marshal writes v as an indented XML document, for
// virStorageVolCreateXML.
func (v *StorageVolume) Marshal() ([]byte, error) { return marshalIndent(v) }
