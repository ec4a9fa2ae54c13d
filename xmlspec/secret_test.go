package xmlspec

import (
	"testing"
)

var _ = registerCorpusKind(corpusKind{name: "secret", root: "secret", schema: "secret.rng", minShare: 99.5,
	parse: func(b []byte) (any, error) { return ParseSecret(b) }})

func TestNewSecret(t *testing.T) {
	tests := []struct {
		typ, id, field string
	}{
		{SecretUsageVolume, "/var/lib/libvirt/images/enc.qcow2", "volume"},
		{SecretUsageCeph, "client.admin", "name"},
		{SecretUsageISCSI, "iqn.2013-06.com.example:storage", "target"},
		{SecretUsageTLS, "web-tls", "name"},
		{SecretUsageVTPM, "vtpm-web1", "name"},
	}
	docs := map[string][]byte{}
	for _, tt := range tests {
		s := NewSecret(tt.typ, tt.id, "for "+tt.typ)
		out, err := s.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		docs[tt.typ] = out
		back, err := ParseSecret(out)
		if err != nil {
			t.Fatal(err)
		}
		if typ, id := back.UsageID(); typ != tt.typ || id != tt.id {
			t.Errorf("%s: UsageID = %q, %q", tt.typ, typ, id)
		}
		if back.Private != "yes" || back.Ephemeral != "no" {
			t.Errorf("%s: private %q ephemeral %q", tt.typ, back.Private, back.Ephemeral)
		}
		// The identifier is in the element the usage type wants, and only there.
		for _, f := range []struct {
			name, value string
		}{{"volume", back.Usage.Volume}, {"name", back.Usage.Name}, {"target", back.Usage.Target}} {
			if (f.name == tt.field) != (f.value != "") {
				t.Errorf("%s: <%s> is %q", tt.typ, f.name, f.value)
			}
		}
	}
	validate(t, "secret.rng", docs)
}

func TestSecretUsageID(t *testing.T) {
	var nilUsage *SecretUsage
	if nilUsage.ID() != "" {
		t.Error("nil usage has an ID")
	}
	if typ, id := (&Secret{}).UsageID(); typ != "" || id != "" {
		t.Errorf("no usage: %q %q", typ, id)
	}
	u := &SecretUsage{Type: "newkind", Target: "t"}
	if u.ID() != "t" {
		t.Errorf("unknown type: ID %q, want the field that is set", u.ID())
	}
	u.SetID("n")
	if u.Name != "n" || u.Target != "" || u.ID() != "n" {
		t.Errorf("SetID on an unknown type: %+v", u)
	}
	u = &SecretUsage{Type: SecretUsageVolume, Name: "stale"}
	u.SetID("/p")
	if u.Volume != "/p" || u.Name != "" {
		t.Errorf("SetID left %+v", u)
	}
}

func FuzzParseSecret(f *testing.F) {
	f.Add([]byte(`<secret ephemeral='no' private='yes'><uuid>f52a81b2424e490c823d6bd4235bc572</uuid><usage type='ceph'><name>c</name><x/></usage></secret>`))
	addCorpusSeeds(f, "secret")
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRoundTrip(t, data, func(b []byte) (document, error) { return ParseSecret(b) })
	})
}
