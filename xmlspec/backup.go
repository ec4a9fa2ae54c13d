package xmlspec

import (
	"encoding/xml"
	"maps"
	"slices"
)

// Backup modes, the values of DomainBackup.Mode.
const (
	BackupPush = "push" // libvirt writes the backup to Target files (the default)
	BackupPull = "pull" // libvirt exports the disks over NBD for the program to read
)

// DomainBackup is a backup job's description, the <domainbackup> document
// of formatbackup.rst (virDomainBackupBegin, virDomainBackupGetXMLDesc).
// In push mode libvirt copies each disk to its Target; in pull mode it
// serves the disks at Server over NBD, keeping blocks the guest overwrites
// in a Scratch file until the program has read them.
type DomainBackup struct {
	XMLName     xml.Name            `xml:"domainbackup"`
	Mode        string              `xml:"mode,attr"`
	Incremental string              `xml:"incremental"` // the checkpoint to back up from; full when empty
	Server      *DomainBackupServer `xml:"server"`
	Disks       *DomainBackupDisks  `xml:"disks"`
	Extra       Extra               `xml:"-"`
}

// DomainBackupServer is a pull backup's NBD server: a TCP host and port,
// a unix socket, or a file descriptor group passed to libvirt.
type DomainBackupServer struct {
	Transport string `xml:"transport,attr"` // tcp (the default), unix, fd
	TLS       string `xml:"tls,attr"`
	Name      string `xml:"name,attr"` // tcp: host name or address
	Port      *uint  `xml:"port,attr"`
	Socket    string `xml:"socket,attr"`  // unix
	FDGroup   string `xml:"fdgroup,attr"` // fd
	Extra     Extra  `xml:"-"`
}

// DomainBackupDisks is <disks>: how each disk is backed up.
type DomainBackupDisks struct {
	Disks []DomainBackupDisk `xml:"disk"`
	Extra Extra              `xml:"-"`
}

// DomainBackupDisk is one <disk> of a backup, named by its target (vda).
// Target (push) or Scratch (pull) is a disk source whose kind Type says:
// File for file, Dev for block; it may carry SecLabels and an Encryption.
type DomainBackupDisk struct {
	Name         string      `xml:"name,attr"`
	Backup       string      `xml:"backup,attr"`     // yes, no
	BackupMode   string      `xml:"backupmode,attr"` // full, incremental
	Incremental  string      `xml:"incremental,attr"`
	ExportName   string      `xml:"exportname,attr"`   // pull: the NBD export's name
	ExportBitmap string      `xml:"exportbitmap,attr"` // pull: the dirty bitmap's name
	Type         string      `xml:"type,attr"`         // file, block
	Driver       *DiskDriver `xml:"driver"`            // Type: the output's format
	Target       *DiskSource `xml:"target"`
	Scratch      *DiskSource `xml:"scratch"`
	Extra        Extra       `xml:"-"`
}

// ParseDomainBackup reads a <domainbackup> document.
func ParseDomainBackup(data []byte) (*DomainBackup, error) {
	return parseAs[DomainBackup](data, "domainbackup")
}

// Marshal writes b as an indented XML document.
func (b *DomainBackup) Marshal() ([]byte, error) { return marshalIndent(b) }

// NewPushBackup returns a push backup that copies the disks of files,
// by target (vda), each to a qcow2 file at the given path; with a
// checkpoint name, only what changed since that checkpoint.
func NewPushBackup(checkpoint string, files map[string]string) *DomainBackup {
	b := &DomainBackup{Mode: BackupPush, Incremental: checkpoint}
	for _, target := range slices.Sorted(maps.Keys(files)) {
		b.AddDisk(DomainBackupDisk{
			Name: target, Backup: "yes", Type: "file",
			Driver: &DiskDriver{Type: "qcow2"},
			Target: &DiskSource{File: files[target]},
		})
	}
	return b
}

// NewPullBackup returns a pull backup whose NBD server listens on the
// unix socket at socket; with a checkpoint name, the exported disks carry
// a dirty bitmap of what changed since. Disks not added are exported with
// libvirt's defaults.
func NewPullBackup(checkpoint, socket string) *DomainBackup {
	return &DomainBackup{
		Mode: BackupPull, Incremental: checkpoint,
		Server: &DomainBackupServer{Transport: "unix", Socket: socket},
	}
}

// Disk returns the backup's disk named name (vda), or nil.
func (b *DomainBackup) Disk(name string) *DomainBackupDisk {
	if b.Disks == nil {
		return nil
	}
	return findItem(b.Disks.Disks, func(d *DomainBackupDisk) bool { return d.Name == name })
}

// AddDisk appends a copy of d to the backup's disks (creating <disks> if
// needed) and returns a pointer to the copy.
func (b *DomainBackup) AddDisk(d DomainBackupDisk) *DomainBackupDisk {
	if b.Disks == nil {
		b.Disks = &DomainBackupDisks{}
	}
	b.Disks.Disks = append(b.Disks.Disks, d)
	return &b.Disks.Disks[len(b.Disks.Disks)-1]
}
