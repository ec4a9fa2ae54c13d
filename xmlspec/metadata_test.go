package xmlspec

import (
	"encoding/xml"
	"strings"
	"testing"
)

func TestMetadata(t *testing.T) {
	const appNS, otherNS = "http://example.com/app/1", "http://example.com/other/2"
	d, _ := readDomain(t, "nics.xml")
	app := d.Metadata.Element(appNS)
	if app == nil || app.Name.Local != "instance" {
		t.Fatalf("Element(%s) = %+v", appNS, app)
	}
	if owner := app.Elements(appNS, "owner"); len(owner) != 1 || owner[0].Text() != "ops" {
		t.Fatalf("owner: %+v", owner)
	}
	if d.Metadata.Element(otherNS) != nil || (*Metadata)(nil).Element(appNS) != nil {
		t.Error("Element found a namespace that is not there")
	}

	// Replace the app's element and add another application's.
	d.Metadata.SetElement(Node{Name: xml.Name{Space: appNS, Local: "instance"},
		Children: []Node{{Kind: TextNode, Data: "v2"}}})
	d.Metadata.SetElement(Node{Name: xml.Name{Space: otherNS, Local: "tag"},
		Attrs: []xml.Attr{{Name: xml.Name{Local: "k"}, Value: "v"}}})
	if n := len(d.Metadata.Extra.Nodes); n != 2 {
		t.Fatalf("%d metadata elements, want 2", n)
	}
	out, err := d.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{
		`<app:instance xmlns:app="http://example.com/app/1">v2</app:instance>`, // the document's prefix, kept
		`<ns0:tag xmlns:ns0="http://example.com/other/2" k="v"></ns0:tag>`,     // a new one, declared
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %s:\n%s", want, s)
		}
	}
	validate(t, "domain.rng", map[string][]byte{"metadata": out})

	if !d.Metadata.RemoveElement(appNS) || d.Metadata.RemoveElement(appNS) {
		t.Error("RemoveElement did not remove exactly once")
	}
	if d.Metadata.Element(otherNS) == nil || len(d.Metadata.Extra.Nodes) != 1 {
		t.Errorf("left %+v", d.Metadata.Extra.Nodes)
	}
}
