package xmlspec

import (
	"encoding/xml"
	"time"
)

// DomainCheckpoint is a checkpoint of a domain's disks, the
// <domaincheckpoint> document of formatcheckpoint.rst: a point from which
// an incremental backup copies only what changed, tracked in a dirty
// bitmap per disk. To create one (virDomainCheckpointCreateXML), a program
// gives a Name and, optionally, Disks; libvirt's description adds the
// creation time, parent and the domain's definition.
type DomainCheckpoint struct {
	XMLName      xml.Name               `xml:"domaincheckpoint"`
	Name         string                 `xml:"name"`
	Description  string                 `xml:"description"`
	Parent       *DomainSnapshotParent  `xml:"parent"`
	CreationTime *int64                 `xml:"creationTime"` // seconds since 1970
	Disks        *DomainCheckpointDisks `xml:"disks"`
	Domain       *Domain                `xml:"domain"` // the domain's definition when it was taken
	Extra        Extra                  `xml:"-"`
}

// DomainCheckpointDisks is <disks>: which disks the checkpoint tracks.
type DomainCheckpointDisks struct {
	Disks []DomainCheckpointDisk `xml:"disk"`
	Extra Extra                  `xml:"-"`
}

// DomainCheckpointDisk is one <disk> of a checkpoint, named by its target
// (vda).
type DomainCheckpointDisk struct {
	Name       string  `xml:"name,attr"`
	Checkpoint string  `xml:"checkpoint,attr"` // bitmap, or no
	Bitmap     string  `xml:"bitmap,attr"`     // the bitmap's name, the checkpoint's by default
	Size       *uint64 `xml:"size,attr"`       // bytes changed since, with VIR_DOMAIN_CHECKPOINT_XML_SIZE
	Extra      Extra   `xml:"-"`
}

// ParseDomainCheckpoint reads a <domaincheckpoint> document.
func ParseDomainCheckpoint(data []byte) (*DomainCheckpoint, error) {
	return parseAs[DomainCheckpoint](data, "domaincheckpoint")
}

// Marshal writes c as an indented XML document.
func (c *DomainCheckpoint) Marshal() ([]byte, error) { return marshalIndent(c) }

// NewDomainCheckpoint returns a checkpoint named name that tracks, with a
// bitmap each, the disks with the given targets (vda) and no other; with no
// targets, libvirt tracks every disk that can be.
func NewDomainCheckpoint(name string, targets ...string) *DomainCheckpoint {
	c := &DomainCheckpoint{Name: name}
	if len(targets) > 0 {
		c.Disks = &DomainCheckpointDisks{}
		for _, t := range targets {
			c.Disks.Disks = append(c.Disks.Disks, DomainCheckpointDisk{Name: t, Checkpoint: "bitmap"})
		}
	}
	return c
}

// Created returns the checkpoint's creation time; ok is false if the
// document has none.
func (c *DomainCheckpoint) Created() (t time.Time, ok bool) {
	if c.CreationTime == nil {
		return time.Time{}, false
	}
	return time.Unix(*c.CreationTime, 0), true
}

// Disk returns the checkpoint's disk named name (vda), or nil.
func (c *DomainCheckpoint) Disk(name string) *DomainCheckpointDisk {
	if c.Disks == nil {
		return nil
	}
	return findItem(c.Disks.Disks, func(d *DomainCheckpointDisk) bool { return d.Name == name })
}
