package xmlspec

import (
	"encoding/xml"
	"time"
)

// DomainSnapshot is a snapshot of a domain, the <domainsnapshot> document
// of formatsnapshot.rst. To create one (virDomainSnapshotCreateXML), a
// program gives little more than Name, Description, Memory and Disks;
// libvirt's description of an existing snapshot adds its state, creation
// time, parent and the domain's definition when it was taken.
type DomainSnapshot struct {
	XMLName      xml.Name              `xml:"domainsnapshot"`
	Name         string                `xml:"name"`
	Description  string                `xml:"description"`
	State        string                `xml:"state"` // the domain's state when taken: running, paused, shutoff, disk-snapshot...
	Parent       *DomainSnapshotParent `xml:"parent"`
	CreationTime *int64                `xml:"creationTime"` // seconds since 1970
	Memory       *DomainSnapshotMemory `xml:"memory"`
	Disks        *DomainSnapshotDisks  `xml:"disks"`
	RevertDisks  *DomainSnapshotDisks  `xml:"revertDisks"`
	Active       *int                  `xml:"active"` // 1: the domain's current snapshot (in a redefinition)
	// Domain is the domain's definition when the snapshot was taken (or,
	// when creating a snapshot, just its UUID).
	Domain *Domain `xml:"domain"`
	// InactiveDomain is the domain's persistent definition when it was
	// running at the time, for a snapshot with memory. Its XMLName is
	// inactiveDomain; Marshal on it alone writes a <domain>.
	//lint:ignore SA5008 Domain's own codec, not encoding/xml, reads it under this name.
	InactiveDomain *Domain               `xml:"inactiveDomain"`
	Cookie         *DomainSnapshotCookie `xml:"cookie"`
	Extra          Extra                 `xml:"-"`
}

// Snapshot modes, the values of DomainSnapshotMemory.Snapshot and
// DomainSnapshotDisk.Snapshot.
const (
	SnapshotNo       = "no"       // not included
	SnapshotInternal = "internal" // inside the disk image (qcow2) or with the domain's saved state
	SnapshotExternal = "external" // in a separate file
	SnapshotManual   = "manual"   // disks only: the program takes it while the domain is paused
)

// DomainSnapshotParent is <parent>: the snapshot (or, in a checkpoint,
// the checkpoint) this one was taken after.
type DomainSnapshotParent struct {
	Name  string `xml:"name"`
	Extra Extra  `xml:"-"`
}

// DomainSnapshotMemory is <memory>: whether and where the snapshot saves
// the running domain's memory.
type DomainSnapshotMemory struct {
	Snapshot string `xml:"snapshot,attr"` // no, internal, external
	File     string `xml:"file,attr"`     // external: the memory state file
	Extra    Extra  `xml:"-"`
}

// DomainSnapshotDisks is <disks>: how the snapshot treats each disk.
type DomainSnapshotDisks struct {
	Disks []DomainSnapshotDisk `xml:"disk"`
	Extra Extra                `xml:"-"`
}

// DomainSnapshotDisk is one <disk> of a snapshot, named by its target
// (vda) or source path. For an external snapshot, Source is the new
// overlay image (its type is Type: file, block or network) and Driver its
// format.
type DomainSnapshotDisk struct {
	Name                     string      `xml:"name,attr"`
	Snapshot                 string      `xml:"snapshot,attr"` // no, internal, external, manual
	Type                     string      `xml:"type,attr"`
	Driver                   *DiskDriver `xml:"driver"` // Type and MetadataCache
	Source                   *DiskSource `xml:"source"`
	SnapshotDeleteInProgress *Flag       `xml:"snapshotDeleteInProgress"`
	Extra                    Extra       `xml:"-"`
}

// DomainSnapshotCookie is <cookie>: the hypervisor driver's own data about
// the saved state. The QEMU driver keeps the guest CPU as it ran and
// whether a slirp helper was in use.
type DomainSnapshotCookie struct {
	CPU         *CPU  `xml:"cpu"`
	SlirpHelper *Flag `xml:"slirpHelper"`
	Extra       Extra `xml:"-"`
}

// ParseDomainSnapshot reads a <domainsnapshot> document.
func ParseDomainSnapshot(data []byte) (*DomainSnapshot, error) {
	return parseAs[DomainSnapshot](data, "domainsnapshot")
}

// Marshal writes s as an indented XML document.
func (s *DomainSnapshot) Marshal() ([]byte, error) { return marshalIndent(s) }

// NewExternalSnapshotDisk returns a snapshot disk entry that gives the
// disk with target (vda) a new qcow2 overlay file at path, the usual way to
// take a disk-only snapshot of a running domain; the current image becomes
// the overlay's backing file.
func NewExternalSnapshotDisk(target, path string) DomainSnapshotDisk {
	return DomainSnapshotDisk{
		Name: target, Snapshot: SnapshotExternal, Type: "file",
		Driver: &DiskDriver{Type: "qcow2"},
		Source: &DiskSource{File: path},
	}
}

// Created returns the snapshot's creation time; ok is false if the
// document has none.
func (s *DomainSnapshot) Created() (t time.Time, ok bool) {
	if s.CreationTime == nil {
		return time.Time{}, false
	}
	return time.Unix(*s.CreationTime, 0), true
}

// ParentName returns the name of the parent snapshot, or "" for a root.
func (s *DomainSnapshot) ParentName() string {
	if s.Parent == nil {
		return ""
	}
	return s.Parent.Name
}

// Disk returns the snapshot's disk named name (a target such as vda), or
// nil.
func (s *DomainSnapshot) Disk(name string) *DomainSnapshotDisk {
	if s.Disks == nil {
		return nil
	}
	return findItem(s.Disks.Disks, func(d *DomainSnapshotDisk) bool { return d.Name == name })
}

// AddDisk appends a copy of d to the snapshot's disks (creating <disks>
// if needed) and returns a pointer to the copy.
func (s *DomainSnapshot) AddDisk(d DomainSnapshotDisk) *DomainSnapshotDisk {
	if s.Disks == nil {
		s.Disks = &DomainSnapshotDisks{}
	}
	s.Disks.Disks = append(s.Disks.Disks, d)
	return &s.Disks.Disks[len(s.Disks.Disks)-1]
}
