package xmlspec

import (
	"testing"
	"time"
)

var _ = registerCorpusKind(corpusKind{name: "domainsnapshot", root: "domainsnapshot", schema: "domainsnapshot.rng", minShare: 99.5,
	parse: func(b []byte) (any, error) { return ParseDomainSnapshot(b) }})

func TestDomainSnapshotBuild(t *testing.T) {
	uuid, err := NewUUID()
	if err != nil {
		t.Fatal(err)
	}
	s := &DomainSnapshot{
		Name:        "before-upgrade",
		Description: "disk-only",
		Memory:      &DomainSnapshotMemory{Snapshot: SnapshotNo},
		Domain:      &Domain{UUID: &uuid},
	}
	s.AddDisk(NewExternalSnapshotDisk("vda", "/var/lib/libvirt/images/web1.before-upgrade.qcow2"))
	s.AddDisk(DomainSnapshotDisk{Name: "vdb", Snapshot: SnapshotNo})
	s.AddDisk(DomainSnapshotDisk{Name: "vdc", Snapshot: SnapshotExternal, Type: "network",
		Source: &DiskSource{Protocol: "rbd", Name: "pool/web1-vdc.snap", Hosts: []DiskSourceHost{{Name: "ceph1", Port: "6789"}}}})
	full := &DomainSnapshot{
		Name: "full", State: "running", Parent: &DomainSnapshotParent{Name: "before-upgrade"},
		CreationTime: ptr(int64(1700000000)), Active: ptr(1),
		Memory: &DomainSnapshotMemory{Snapshot: SnapshotExternal, File: "/var/lib/libvirt/qemu/snapshot/web1/full.mem"},
		Domain: &Domain{Type: "kvm", Name: "web1", UUID: &uuid, Memory: &DomainMemory{Value: 1, Unit: "GiB"},
			OS: &OS{Type: &OSType{Value: "hvm"}}},
		InactiveDomain: &Domain{Type: "kvm", Name: "web1", UUID: &uuid, Memory: &DomainMemory{Value: 2, Unit: "GiB"},
			OS: &OS{Type: &OSType{Value: "hvm"}}},
		Cookie: &DomainSnapshotCookie{CPU: &CPU{Mode: "host-passthrough"}, SlirpHelper: &Flag{}},
	}
	docs := map[string][]byte{}
	for _, snap := range []*DomainSnapshot{s, full} {
		out, err := snap.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		docs[snap.Name] = out
	}
	validate(t, "domainsnapshot.rng", docs)

	back, err := ParseDomainSnapshot(docs["full"])
	if err != nil {
		t.Fatal(err)
	}
	if created, ok := back.Created(); !ok || !created.Equal(time.Unix(1700000000, 0)) {
		t.Errorf("Created() = %v, %v", created, ok)
	}
	if back.ParentName() != "before-upgrade" || back.Domain.Name != "web1" || back.InactiveDomain == nil {
		t.Errorf("read back %+v", back)
	}
	if b, err := back.InactiveDomain.Memory.Bytes(); err != nil || b != 2<<30 {
		t.Errorf("inactive domain memory %d, %v", b, err)
	}
	// The inactive domain on its own is a <domain> document.
	alone, err := back.InactiveDomain.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	validate(t, "domain.rng", map[string][]byte{"inactive": alone})

	disk, err := ParseDomainSnapshot(docs["before-upgrade"])
	if err != nil {
		t.Fatal(err)
	}
	if d := disk.Disk("vda"); d == nil || d.Source.File != "/var/lib/libvirt/images/web1.before-upgrade.qcow2" || d.Driver.Type != "qcow2" {
		t.Errorf("vda: %+v", d)
	}
	if disk.Disk("vdz") != nil || (&DomainSnapshot{}).Disk("vda") != nil {
		t.Error("Disk found a disk that is not there")
	}
	if _, ok := disk.Created(); ok || disk.ParentName() != "" {
		t.Error("creation time or parent in a new snapshot")
	}
}

func FuzzParseDomainSnapshot(f *testing.F) {
	f.Add([]byte(`<domainsnapshot><name>s</name><memory snapshot='no'/><disks><disk name='vda' snapshot='external' type='file'><driver type='qcow2'/><source file='/a'/></disk></disks><domain><uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid></domain></domainsnapshot>`))
	addCorpusSeeds(f, "domainsnapshot")
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRoundTrip(t, data, func(b []byte) (document, error) { return ParseDomainSnapshot(b) })
	})
}
