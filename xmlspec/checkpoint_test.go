package xmlspec

import (
	"testing"
	"time"
)

var _ = registerCorpusKind(corpusKind{name: "domaincheckpoint", root: "domaincheckpoint", schema: "domaincheckpoint.rng", minShare: 99.5,
	parse: func(b []byte) (any, error) { return ParseDomainCheckpoint(b) }})

func TestDomainCheckpointBuild(t *testing.T) {
	all := NewDomainCheckpoint("nightly-1")
	some := NewDomainCheckpoint("nightly-2", "vda", "vdb")
	some.Description = "vda and vdb"
	some.Parent = &DomainSnapshotParent{Name: "nightly-1"}
	some.CreationTime = ptr(int64(1700000000))
	some.Disks.Disks = append(some.Disks.Disks, DomainCheckpointDisk{Name: "vdc", Checkpoint: "no"})
	some.Disks.Disks[0].Size = ptr(uint64(1 << 20))
	docs := map[string][]byte{}
	for _, c := range []*DomainCheckpoint{all, some} {
		out, err := c.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		docs[c.Name] = out
	}
	validate(t, "domaincheckpoint.rng", docs)
	if all.Disks != nil {
		t.Error("a checkpoint of every disk lists disks")
	}
	back, err := ParseDomainCheckpoint(docs["nightly-2"])
	if err != nil {
		t.Fatal(err)
	}
	if d := back.Disk("vdb"); d == nil || d.Checkpoint != "bitmap" {
		t.Errorf("vdb %+v", d)
	}
	if d := back.Disk("vda"); d == nil || d.Size == nil || *d.Size != 1<<20 {
		t.Errorf("vda %+v", d)
	}
	if created, ok := back.Created(); !ok || !created.Equal(time.Unix(1700000000, 0)) || back.Parent.Name != "nightly-1" {
		t.Errorf("created %v %v, parent %+v", created, ok, back.Parent)
	}
	if _, ok := all.Created(); ok || all.Disk("vda") != nil {
		t.Error("new checkpoint has a creation time or disks")
	}
}

func FuzzParseDomainCheckpoint(f *testing.F) {
	f.Add([]byte(`<domaincheckpoint><name>c</name><parent><name>p</name></parent><creationTime>1</creationTime><disks><disk name='vda' checkpoint='bitmap' bitmap='c' size='1'/></disks></domaincheckpoint>`))
	addCorpusSeeds(f, "domaincheckpoint")
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRoundTrip(t, data, func(b []byte) (document, error) { return ParseDomainCheckpoint(b) })
	})
}
