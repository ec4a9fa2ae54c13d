package xmlspec

import (
	"testing"
)

var _ = registerCorpusKind(corpusKind{name: "domainbackup", root: "domainbackup", schema: "domainbackup.rng", minShare: 99.5,
	parse: func(b []byte) (any, error) { return ParseDomainBackup(b) }})

func TestDomainBackupBuild(t *testing.T) {
	push := NewPushBackup("nightly-1", map[string]string{"vdb": "/backup/web1-vdb.qcow2", "vda": "/backup/web1-vda.qcow2"})
	pull := NewPullBackup("", "/run/web1-backup.sock")
	d := pull.AddDisk(DomainBackupDisk{Name: "vda", Backup: "yes", Type: "file", ExportName: "vda",
		Scratch: &DiskSource{File: "/var/tmp/web1-vda.scratch",
			Encryption: &Encryption{Format: "luks", Secrets: []EncryptionSecret{{Type: "passphrase", Usage: "/var/tmp/web1-vda.scratch"}}}}})
	d.Driver = &DiskDriver{Type: "qcow2"}
	pull.AddDisk(DomainBackupDisk{Name: "vdb", Backup: "no"})
	tcp := &DomainBackup{Mode: BackupPull, Server: &DomainBackupServer{Name: "localhost", Port: ptr(uint(10809)), TLS: "yes"}}
	docs := map[string][]byte{}
	for name, b := range map[string]*DomainBackup{"push": push, "pull": pull, "tcp": tcp} {
		out, err := b.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		docs[name] = out
	}
	validate(t, "domainbackup.rng", docs)

	if push.Disks.Disks[0].Name != "vda" {
		t.Errorf("push backup disks not in target order: %+v", push.Disks.Disks)
	}
	back, err := ParseDomainBackup(docs["push"])
	if err != nil {
		t.Fatal(err)
	}
	if d := back.Disk("vdb"); d == nil || d.Target.File != "/backup/web1-vdb.qcow2" || back.Incremental != "nightly-1" {
		t.Errorf("push vdb %+v", d)
	}
	back, err = ParseDomainBackup(docs["pull"])
	if err != nil {
		t.Fatal(err)
	}
	if back.Mode != BackupPull || back.Server.Socket != "/run/web1-backup.sock" || back.Disk("vda").Scratch.Encryption.Format != "luks" {
		t.Errorf("pull %+v", back)
	}
	if back.Disk("vdz") != nil || (&DomainBackup{}).Disk("vda") != nil {
		t.Error("Disk found a disk that is not there")
	}
}

func FuzzParseDomainBackup(f *testing.F) {
	f.Add([]byte(`<domainbackup mode='pull'><incremental>c</incremental><server transport='unix' socket='/s'/><disks><disk name='vda' backup='yes' type='file'><scratch file='/x'><seclabel model='dac' relabel='no'/></scratch></disk></disks></domainbackup>`))
	addCorpusSeeds(f, "domainbackup")
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRoundTrip(t, data, func(b []byte) (document, error) { return ParseDomainBackup(b) })
	})
}
