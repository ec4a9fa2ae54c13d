package xmlspec

import "encoding/xml"

// Storage pool types, the values of StoragePool.Type.
const (
	StoragePoolDir         = "dir"
	StoragePoolFS          = "fs"
	StoragePoolNetFS       = "netfs"
	StoragePoolLogical     = "logical"
	StoragePoolDisk        = "disk"
	StoragePoolISCSI       = "iscsi"
	StoragePoolISCSIDirect = "iscsi-direct"
	StoragePoolSCSI        = "scsi"
	StoragePoolMpath       = "mpath"
	StoragePoolRBD         = "rbd"
	StoragePoolSheepdog    = "sheepdog"
	StoragePoolGluster     = "gluster"
	StoragePoolZFS         = "zfs"
	StoragePoolVstorage    = "vstorage"
)

// Namespace URLs of the storage pool extensions: mount options of fs and
// netfs pools, and Ceph options of rbd pools.
const (
	NamespaceStoragePoolFS  = "http://libvirt.org/schemas/storagepool/fs/1.0"
	NamespaceStoragePoolRBD = "http://libvirt.org/schemas/storagepool/rbd/1.0"
)

// StoragePool is a libvirt storage pool definition, the <pool> document
// of formatstorage.rst (storagepool.rng): where volumes live (a directory,
// an LVM volume group, an NFS export, an iSCSI target, a Ceph pool...) and,
// for a pool that libvirt reports, its sizes.
//
// Which parts of Source apply depends on Type; see StoragePoolSource.
type StoragePool struct {
	XMLName xml.Name `xml:"pool"`
	Type    string   `xml:"type,attr"` // StoragePoolDir, StoragePoolLogical...

	Name string `xml:"name"`
	UUID *UUID  `xml:"uuid"`

	// The sizes libvirt reports for an active pool, bytes without a unit.
	Capacity   *Size `xml:"capacity"`
	Allocation *Size `xml:"allocation"`
	Available  *Size `xml:"available"`

	Features *StoragePoolFeatures `xml:"features"`
	Source   *StoragePoolSource   `xml:"source"`
	Target   *StoragePoolTarget   `xml:"target"`
	Refresh  *StoragePoolRefresh  `xml:"refresh"`

	// FSMountOpts is <fs:mount_opts>: extra mount options of an fs or netfs
	// pool.
	FSMountOpts *StoragePoolMountOpts `xml:"http://libvirt.org/schemas/storagepool/fs/1.0 mount_opts"`
	// RBDConfigOpts is <rbd:config_opts>: Ceph client options of an rbd pool.
	RBDConfigOpts *StoragePoolRBDConfigOpts `xml:"http://libvirt.org/schemas/storagepool/rbd/1.0 config_opts"`

	Extra Extra `xml:"-"`
}

// StoragePoolFeatures is a pool's <features>.
type StoragePoolFeatures struct {
	// COW says whether a dir or fs pool on btrfs gives new volumes
	// copy-on-write: <cow state='yes'/>.
	COW   *StoragePoolCOW `xml:"cow"`
	Extra Extra           `xml:"-"`
}

// StoragePoolCOW is <cow state='yes|no'/> in a pool's <features>.
type StoragePoolCOW struct {
	State string `xml:"state,attr"` // yes, no
	Extra Extra  `xml:"-"`
}

// StoragePoolSource is a pool's <source>: where its storage comes from.
// What applies depends on the pool type:
//
//	dir           nothing (or Vendor and Product)
//	fs            Devices (the block device), Format (ext4, xfs...)
//	netfs         Hosts, Dir (the export), Format (nfs, cifs, glusterfs), Protocol
//	logical       Name (the volume group), Devices (physical volumes), Format (lvm2)
//	disk          Devices (the disk), Format (the partition table: dos, gpt...)
//	iscsi         Hosts, Devices (the target IQN), Initiator, Auth
//	iscsi-direct  Hosts, Devices (the target IQN), Initiator, Auth
//	scsi          Adapter
//	rbd           Name (the Ceph pool), Hosts (the monitors), Auth
//	gluster       Hosts, Name (the volume), Dir
//	zfs           Name (the ZFS pool), Devices
//	vstorage      Name (the cluster)
//
// It is also the document virConnectFindStoragePoolSources takes and,
// in a list (StoragePoolSources), returns.
type StoragePoolSource struct {
	XMLName   xml.Name                  `xml:"source"`
	Hosts     []DiskSourceHost          `xml:"host"` // Port only, no Transport or Socket
	Devices   []StoragePoolSourceDevice `xml:"device"`
	Dir       *StoragePoolSourceDir     `xml:"dir"`
	Adapter   *SCSIAdapter              `xml:"adapter"`
	Name      string                    `xml:"name"`
	Initiator *Initiator                `xml:"initiator"`
	Format    *StoragePoolFormat        `xml:"format"`
	Auth      *StoragePoolAuth          `xml:"auth"`
	Protocol  *StoragePoolProtocol      `xml:"protocol"`
	Vendor    *DiskSourceName           `xml:"vendor"`
	Product   *DiskSourceName           `xml:"product"`
	Extra     Extra                     `xml:"-"`
}

// StoragePoolSourceDevice is a <device> of a pool's source: a block
// device, a physical volume or, for iSCSI, the target's IQN. libvirt lists
// the free extents of a disk pool's device.
type StoragePoolSourceDevice struct {
	Path          string          `xml:"path,attr"`
	PartSeparator string          `xml:"part_separator,attr"` // yes, no: "p" between a disk's name and partition number
	FreeExtents   []StorageExtent `xml:"freeExtent"`
	Extra         Extra           `xml:"-"`
}

// StorageExtent is a range of bytes on a device: a <freeExtent> of a disk
// pool, an <extent> of a volume's source.
type StorageExtent struct {
	Start uint64 `xml:"start,attr"`
	End   uint64 `xml:"end,attr"`
	Extra Extra  `xml:"-"`
}

// StoragePoolSourceDir is <dir path='...'/>: a netfs pool's export, a
// gluster pool's directory.
type StoragePoolSourceDir struct {
	Path  string `xml:"path,attr"`
	Extra Extra  `xml:"-"`
}

// StoragePoolFormat is the <format> of a pool's source: a file system
// (fs, netfs), a partition table (disk) or lvm2 (logical).
type StoragePoolFormat struct {
	Type    string          `xml:"type,attr"`
	Vendor  *DiskSourceName `xml:"vendor"`
	Product *DiskSourceName `xml:"product"`
	Extra   Extra           `xml:"-"`
}

// Authentication types of a pool's source, the values of
// StoragePoolAuth.Type.
const (
	StoragePoolAuthCHAP = "chap"
	StoragePoolAuthCeph = "ceph"
)

// StoragePoolAuth is the <auth> of an iscsi or rbd pool's source: the user
// name and the libvirt secret holding the password or key.
type StoragePoolAuth struct {
	Type     string      `xml:"type,attr"` // StoragePoolAuthCHAP, StoragePoolAuthCeph
	Username string      `xml:"username,attr"`
	Secret   *DiskSecret `xml:"secret"` // UUID or Usage
	Extra    Extra       `xml:"-"`
}

// StoragePoolProtocol is <protocol ver='...'/>: the NFS version a netfs
// pool mounts with.
type StoragePoolProtocol struct {
	Ver   string `xml:"ver,attr"`
	Extra Extra  `xml:"-"`
}

// StoragePoolTarget is a pool's <target>: where its volumes appear on the
// host and the permissions of the directory.
type StoragePoolTarget struct {
	Path        string              `xml:"path"`
	Permissions *StoragePermissions `xml:"permissions"`
	Extra       Extra               `xml:"-"`
}

// StoragePermissions is <permissions> of a pool's target directory or a
// volume's file.
type StoragePermissions struct {
	Mode  string `xml:"mode"`  // octal, as libvirt writes it: 0755
	Owner *int64 `xml:"owner"` // uid; -1 for "unchanged"
	Group *int64 `xml:"group"` // gid; -1 for "unchanged"
	Label string `xml:"label"` // the SELinux label
	Extra Extra  `xml:"-"`
}

// StoragePoolRefresh is <refresh>: how libvirt refreshes an rbd pool's
// volumes.
type StoragePoolRefresh struct {
	Volume *StoragePoolRefreshVolume `xml:"volume"`
	Extra  Extra                     `xml:"-"`
}

// StoragePoolRefreshVolume is <volume allocation='default|capacity'/> in
// <refresh>: whether a volume's allocation is reported as its capacity
// (faster for Ceph).
type StoragePoolRefreshVolume struct {
	Allocation string `xml:"allocation,attr"`
	Extra      Extra  `xml:"-"`
}

// StoragePoolMountOpts is <fs:mount_opts>: options libvirt passes to mount.
type StoragePoolMountOpts struct {
	Options []StoragePoolOption `xml:"http://libvirt.org/schemas/storagepool/fs/1.0 option"`
	Extra   Extra               `xml:"-"`
}

// StoragePoolRBDConfigOpts is <rbd:config_opts>: Ceph client options.
type StoragePoolRBDConfigOpts struct {
	Options []StoragePoolOption `xml:"http://libvirt.org/schemas/storagepool/rbd/1.0 option"`
	Extra   Extra               `xml:"-"`
}

// StoragePoolOption is one <fs:option name='...'/> or <rbd:option
// name='...' value='...'/>.
type StoragePoolOption struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
	Extra Extra  `xml:"-"`
}

// StoragePoolSources is <sources>: the pool sources that
// virConnectFindStoragePoolSources found.
type StoragePoolSources struct {
	XMLName xml.Name            `xml:"sources"`
	Sources []StoragePoolSource `xml:"source"`
	Extra   Extra               `xml:"-"`
}

// ParseStoragePool reads a <pool> document.
func ParseStoragePool(data []byte) (*StoragePool, error) {
	return parseAs[StoragePool](data, "pool")
}

// Marshal writes p as an indented XML document, for
// virStoragePoolDefineXML or virStoragePoolCreateXML.
func (p *StoragePool) Marshal() ([]byte, error) { return marshalIndent(p) }

// ParseStoragePoolSources reads a <sources> document, the answer of
// virConnectFindStoragePoolSources.
func ParseStoragePoolSources(data []byte) (*StoragePoolSources, error) {
	return parseAs[StoragePoolSources](data, "sources")
}

// Marshal writes s as an indented XML document.
func (s *StoragePoolSources) Marshal() ([]byte, error) { return marshalIndent(s) }

// Marshal writes s on its own as an indented <source> element, the
// source specification virConnectFindStoragePoolSources takes.
func (s *StoragePoolSource) Marshal() ([]byte, error) { return marshalIndent(s) }
