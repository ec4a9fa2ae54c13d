package xmlspec

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// document is what the three document types have in common.
type document interface{ Marshal() ([]byte, error) }

// fuzzRoundTrip checks what must hold for any input: no panic; whatever
// parses also marshals, to a document equal to the input in canonical form
// (nothing lost) and to the bytes encoding/xml's Encoder writes, which
// parses again and marshals to the same bytes.
func fuzzRoundTrip(t *testing.T, data []byte, parse func([]byte) (document, error)) {
	doc, err := parse(data)
	if err != nil {
		return
	}
	out, err := doc.Marshal()
	if err != nil {
		t.Fatalf("parsed but does not marshal: %v", err)
	}
	sameAsEncoder(t, "input", doc)
	want, _, err := canonical(data)
	if err != nil {
		t.Fatalf("parsed, but its canonical form fails: %v", err)
	}
	got, _, err := canonical(out)
	if err != nil {
		t.Fatalf("output is not well-formed: %v\n%s", err, out)
	}
	if got != want {
		t.Fatalf("output differs from the input at %s\n%s", firstDiff(want, got), out)
	}
	again, err := parse(out)
	if err != nil {
		t.Fatalf("output does not parse: %v\n%s", err, out)
	}
	out2, err := again.Marshal()
	if err != nil {
		t.Fatalf("second marshal: %v", err)
	}
	if !bytes.Equal(out, out2) {
		t.Fatalf("second round trip differs:\n%s\n---\n%s", out, out2)
	}
}

func addSeeds(f *testing.F, patterns ...string) {
	for _, pat := range patterns {
		files, err := filepath.Glob(filepath.Join("testdata", pat))
		if err != nil {
			f.Fatal(err)
		}
		for _, p := range files {
			data, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
}

func FuzzParseDomain(f *testing.F) {
	addSeeds(f, "nics.xml")
	f.Add([]byte(`<domain type='kvm'><name>a</name><devices><interface type='network'><mac address='52:54:00:AB:cd:01'/><source network='default'/></interface></devices></domain>`))
	f.Add([]byte(`<domain xmlns:q='urn:q'><q:x q:y='1'><z xmlns='urn:z'>t</z></q:x><!--c--><metadata><m xmlns=''/></metadata></domain>`))
	f.Add([]byte(`<domain><devices><controller type='pci' index='0'><address type='pci' slot='0x1f'/></controller></devices><cpu><numa><cell id='0' memory='1'/></numa></cpu></domain>`))
	f.Add([]byte(`<domain><os><type arch='x86_64'>hvm<!--c--></type></os><memory unit='KiB'> 1 <x/>2</memory><vcpu>2<?pi x?></vcpu></domain>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRoundTrip(t, data, func(b []byte) (document, error) { return ParseDomain(b) })
	})
}

func FuzzParseNetwork(f *testing.F) {
	addSeeds(f, "dhcp.xml")
	f.Add([]byte(`<network><name>n</name><ip address='10.0.0.1' prefix='24'><dhcp><host mac='52:54:00:00:00:01' ip='10.0.0.2'/></dhcp></ip></network>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRoundTrip(t, data, func(b []byte) (document, error) { return ParseNetwork(b) })
	})
}

func FuzzParseNetworkPort(f *testing.F) {
	addSeeds(f, "networkport/*.xml")
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRoundTrip(t, data, func(b []byte) (document, error) { return ParseNetworkPort(b) })
	})
}
