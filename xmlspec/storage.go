package xmlspec

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"strconv"
)

// NewDirPool returns a dir pool named name whose volumes are files in the
// directory path, the pool most hosts have (libvirt's "default" is one, on
// /var/lib/libvirt/images).
func NewDirPool(name, path string) *StoragePool {
	return &StoragePool{Type: StoragePoolDir, Name: name, Target: &StoragePoolTarget{Path: path}}
}

// NewLogicalPool returns a logical pool named name on the LVM volume group
// vg, whose volumes are logical volumes under /dev/vg. With devices (the
// physical volumes, /dev/sdb1...), building the pool (virStoragePoolBuild)
// creates the volume group on them; without, the group must exist.
func NewLogicalPool(name, vg string, devices ...string) *StoragePool {
	src := &StoragePoolSource{Name: vg}
	for _, d := range devices {
		src.Devices = append(src.Devices, StoragePoolSourceDevice{Path: d})
	}
	if len(devices) > 0 {
		src.Format = &StoragePoolFormat{Type: "lvm2"}
	}
	return &StoragePool{Type: StoragePoolLogical, Name: name, Source: src,
		Target: &StoragePoolTarget{Path: "/dev/" + vg}}
}

// NewNetFSPool returns a netfs pool named name that mounts the NFS export
// dir of host on the directory mountPoint, whose volumes are files there.
// For CIFS or GlusterFS, change Source.Format.Type.
func NewNetFSPool(name, host, dir, mountPoint string) *StoragePool {
	return &StoragePool{
		Type: StoragePoolNetFS,
		Name: name,
		Source: &StoragePoolSource{
			Hosts:  []DiskSourceHost{poolHost(host)},
			Dir:    &StoragePoolSourceDir{Path: dir},
			Format: &StoragePoolFormat{Type: "nfs"},
		},
		Target: &StoragePoolTarget{Path: mountPoint},
	}
}

// NewISCSIPool returns an iscsi pool named name on the target with IQN
// targetIQN at portal host ("name" or "name:port"), whose volumes are the
// target's LUNs under /dev/disk/by-path. For CHAP, see SetAuth; for an
// initiator IQN of its own, set Source.Initiator.
func NewISCSIPool(name, host, targetIQN string) *StoragePool {
	return &StoragePool{
		Type: StoragePoolISCSI,
		Name: name,
		Source: &StoragePoolSource{
			Hosts:   []DiskSourceHost{poolHost(host)},
			Devices: []StoragePoolSourceDevice{{Path: targetIQN}},
		},
		Target: &StoragePoolTarget{Path: "/dev/disk/by-path"},
	}
}

// NewRBDPool returns an rbd pool named name on the Ceph pool cephPool,
// reached through the monitors ("name" or "name:port", IPv6 addresses in
// brackets when with a port). Ceph clusters with cephx need SetAuth with
// StoragePoolAuthCeph.
func NewRBDPool(name, cephPool string, monitors ...string) *StoragePool {
	src := &StoragePoolSource{Name: cephPool}
	for _, m := range monitors {
		src.Hosts = append(src.Hosts, poolHost(m))
	}
	return &StoragePool{Type: StoragePoolRBD, Name: name, Source: src}
}

// poolHost reads "name" or "name:port"; a bare IPv6 address is a name.
func poolHost(s string) DiskSourceHost {
	if h, port, err := net.SplitHostPort(s); err == nil {
		if _, err := strconv.ParseUint(port, 10, 16); err == nil {
			return DiskSourceHost{Name: h, Port: port}
		}
	}
	return DiskSourceHost{Name: s}
}

// SetAuth makes the pool authenticate as username with the libvirt secret
// whose UUID is secret: typ is StoragePoolAuthCHAP for iSCSI,
// StoragePoolAuthCeph for RBD.
func (p *StoragePool) SetAuth(typ, username string, secret UUID) {
	if p.Source == nil {
		p.Source = &StoragePoolSource{}
	}
	p.Source.Auth = &StoragePoolAuth{Type: typ, Username: username, Secret: &DiskSecret{UUID: &secret}}
}

// TargetPath returns the directory where the pool's volumes appear, or "".
func (p *StoragePool) TargetPath() string {
	if p.Target == nil {
		return ""
	}
	return p.Target.Path
}

// CapacityBytes returns the pool's capacity in bytes, which libvirt reports
// for an active pool; 0 when the document has none.
func (p *StoragePool) CapacityBytes() (uint64, error) { return sizeBytes(p.Capacity, "capacity") }

// AllocationBytes returns the bytes allocated to the pool's volumes; 0 when
// the document has no <allocation>.
func (p *StoragePool) AllocationBytes() (uint64, error) {
	return sizeBytes(p.Allocation, "allocation")
}

// AvailableBytes returns the bytes free for new volumes; 0 when the
// document has no <available>.
func (p *StoragePool) AvailableBytes() (uint64, error) { return sizeBytes(p.Available, "available") }

// sizeBytes reads a storage size, bytes without a unit.
func sizeBytes(s *Size, what string) (uint64, error) {
	if s == nil {
		return 0, nil
	}
	n, err := s.Bytes("bytes")
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	return n, nil
}

// ByteSize returns n bytes as a Size in the largest binary unit that holds
// it exactly, as a person would write it (20 GiB is <capacity
// unit='GiB'>20</capacity>). Unlike a Size literal with Value 0, a zero
// from ByteSize is written out, which a volume's capacity needs.
func ByteSize(n uint64) *Size {
	if n == 0 {
		s := &Size{Unit: "bytes"}
		s.Extra.setRaw("", -1, "0") // the chardata's key: written although zero
		return s
	}
	units := [...]string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	s := &Size{Value: n, Unit: "bytes"}
	for _, u := range units {
		if s.Value%1024 != 0 {
			break
		}
		s.Value /= 1024
		s.Unit = u
	}
	return s
}

// ErrNoMode is wrapped by the error for permissions without a mode.
var ErrNoMode = errors.New("xmlspec: no mode in <permissions>")

// FileMode returns the permission bits of Mode, which libvirt reads in
// octal ("0755", "755").
func (p *StoragePermissions) FileMode() (fs.FileMode, error) {
	if p == nil || p.Mode == "" {
		return 0, ErrNoMode
	}
	m, err := strconv.ParseUint(p.Mode, 8, 32)
	if err != nil || m > 0o7777 {
		return 0, fmt.Errorf("xmlspec: invalid mode %q: want octal permission bits", p.Mode)
	}
	mode := fs.FileMode(m & 0o777)
	if m&0o4000 != 0 {
		mode |= fs.ModeSetuid
	}
	if m&0o2000 != 0 {
		mode |= fs.ModeSetgid
	}
	if m&0o1000 != 0 {
		mode |= fs.ModeSticky
	}
	return mode, nil
}

// SetFileMode sets Mode to m's permission, setuid, setgid and sticky bits,
// written in octal as libvirt writes it ("0755").
func (p *StoragePermissions) SetFileMode(m fs.FileMode) {
	bits := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		bits |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		bits |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		bits |= 0o1000
	}
	p.Mode = fmt.Sprintf("0%o", bits)
}

// NewVolume returns a file volume named name in format (raw, qcow2...)
// of capacity bytes, for virStorageVolCreateXML. libvirt puts it in the
// pool's directory and fills in the rest.
func NewVolume(name, format string, capacity uint64) *StorageVolume {
	return &StorageVolume{
		Name:     name,
		Capacity: ByteSize(capacity),
		Target:   &StorageVolumeTarget{Format: &DiskFormat{Type: format}},
	}
}

// NewQcow2Volume returns a qcow2 volume named name of capacity bytes.
func NewQcow2Volume(name string, capacity uint64) *StorageVolume {
	return NewVolume(name, "qcow2", capacity)
}

// ErrNoBackingPath is wrapped by the error for a backing volume whose
// document gives no target path.
var ErrNoBackingPath = errors.New("xmlspec: backing volume has no target path")

// NewQcow2VolumeBackedBy returns a qcow2 volume named name whose backing
// store is the volume backing (as virStorageVolGetXMLDesc describes it):
// the new volume starts with backing's content and writes only its own
// changes. It has no capacity, so libvirt gives it the backing image's;
// set Capacity (ByteSize) to make it larger.
func NewQcow2VolumeBackedBy(name string, backing *StorageVolume) (*StorageVolume, error) {
	if backing == nil || backing.TargetPath() == "" {
		n := ""
		if backing != nil {
			n = backing.Name
		}
		return nil, fmt.Errorf("%w: %q", ErrNoBackingPath, n)
	}
	v := &StorageVolume{Name: name, Target: &StorageVolumeTarget{Format: &DiskFormat{Type: "qcow2"}}}
	v.SetBackingStore(backing.TargetPath(), backing.TargetFormat())
	return v, nil
}

// SetBackingStore makes path, an image in format (qcow2, raw...; "" lets
// libvirt probe it), the volume's backing store.
func (v *StorageVolume) SetBackingStore(path, format string) {
	bs := &StorageVolumeTarget{Path: path}
	if format != "" {
		bs.Format = &DiskFormat{Type: format}
	}
	v.BackingStore = bs
}

// TargetPath returns the volume's path on the host, or "".
func (v *StorageVolume) TargetPath() string {
	if v.Target == nil {
		return ""
	}
	return v.Target.Path
}

// TargetFormat returns the volume's image format (raw, qcow2...), or "".
func (v *StorageVolume) TargetFormat() string {
	if v.Target == nil || v.Target.Format == nil {
		return ""
	}
	return v.Target.Format.Type
}

// BackingStorePath returns the path of the volume's backing image, or "".
func (v *StorageVolume) BackingStorePath() string {
	if v.BackingStore == nil {
		return ""
	}
	return v.BackingStore.Path
}

// SetCapacity sets the volume's capacity to n bytes (see ByteSize).
func (v *StorageVolume) SetCapacity(n uint64) { v.Capacity = ByteSize(n) }

// CapacityBytes returns the volume's capacity in bytes, the size the guest
// sees; 0 when the document has none.
func (v *StorageVolume) CapacityBytes() (uint64, error) { return sizeBytes(v.Capacity, "capacity") }

// AllocationBytes returns the bytes the host has allocated to the volume;
// 0 when the document has no <allocation>.
func (v *StorageVolume) AllocationBytes() (uint64, error) {
	return sizeBytes(v.Allocation, "allocation")
}

// PhysicalBytes returns the size of the volume's file or device, which
// libvirt reports for some volumes; 0 when the document has none.
func (v *StorageVolume) PhysicalBytes() (uint64, error) { return sizeBytes(v.Physical, "physical") }
