package xmlspec

import (
	"bytes"
	"testing"
)

var _ = registerCorpusKind(corpusKind{name: "nwfilterbinding", root: "filterbinding", schema: "nwfilterbinding.rng", minShare: 99.5,
	parse: func(b []byte) (any, error) { return ParseNWFilterBinding(b) }})

func TestNWFilterBindingBuild(t *testing.T) {
	uuid, err := NewUUID()
	if err != nil {
		t.Fatal(err)
	}
	mac, err := RandomMAC()
	if err != nil {
		t.Fatal(err)
	}
	b := &NWFilterBinding{
		Owner:     &NetworkPortOwner{Name: "web1", UUID: &uuid},
		PortDev:   &NWFilterBindingDev{Name: "vnet3"},
		LinkDev:   &NWFilterBindingDev{Name: "eth0"},
		MAC:       &NetworkMAC{Address: mac},
		FilterRef: NewFilterRef("clean-traffic", FilterParam{Name: "IP", Value: "192.168.122.7"}),
	}
	out, err := b.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	validate(t, "nwfilterbinding.rng", map[string][]byte{"binding": out})
	back, err := ParseNWFilterBinding(out)
	if err != nil {
		t.Fatal(err)
	}
	if back.Owner.Name != "web1" || *back.Owner.UUID != uuid || back.PortDev.Name != "vnet3" ||
		!bytes.Equal(back.MAC.Address, mac) || back.FilterRef.Values("IP")[0] != "192.168.122.7" {
		t.Errorf("read back %+v", back)
	}
}

func FuzzParseNWFilterBinding(f *testing.F) {
	f.Add([]byte(`<filterbinding><owner><name>d</name><uuid>d54df46f-1ab5-4a22-8618-4560ef5fac2c</uuid></owner><portdev name='vnet0'/><mac address='52:54:00:7b:35:93'/><filterref filter='f'><parameter name='IP' value='10.0.0.1'/></filterref></filterbinding>`))
	addCorpusSeeds(f, "filterbinding")
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRoundTrip(t, data, func(b []byte) (document, error) { return ParseNWFilterBinding(b) })
	})
}
