package xmlspec

import (
	"encoding/xml"
	"net"
	"strings"
	"testing"
)

type tInner struct {
	Slot  *uint  `xml:"slot,attr" format:"0x%02x"`
	Name  string `xml:"name,attr"`
	Text  uint64 `xml:",chardata"`
	Extra Extra  `xml:"-"`
}

func (x tInner) MarshalXML(e *xml.Encoder, s xml.StartElement) error {
	return marshalElement(e, s, &x)
}
func (x *tInner) UnmarshalXML(d *xml.Decoder, s xml.StartElement) error {
	return unmarshalElement(d, s, x)
}

type tOuter struct {
	XMLName xml.Name         `xml:"outer"`
	MAC     net.HardwareAddr `xml:"mac,attr"`
	Title   string           `xml:"title"`
	Inner   *tInner          `xml:"inner"`
	Items   []tInner         `xml:"item"`
	Q       []tInner         `xml:"http://libvirt.org/schemas/domain/qemu/1.0 arg"`
	Extra   Extra            `xml:"-"`
}

func (x tOuter) MarshalXML(e *xml.Encoder, s xml.StartElement) error {
	return marshalElement(e, s, &x)
}
func (x *tOuter) UnmarshalXML(d *xml.Decoder, s xml.StartElement) error {
	return unmarshalElement(d, s, x)
}

func TestCodecRoundTrip(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"attrs", `<outer mac="52:54:00:AB:cd:EF" foo="bar"></outer>`, `<outer mac="52:54:00:AB:cd:EF" foo="bar"></outer>`},
		{"order", `<outer><item/><x/><title>t</title><item name="b"/></outer>`, `<outer><item></item><x></x><title>t</title><item name="b"></item></outer>`},
		{"empty", `<outer><title></title><item name=""/></outer>`, `<outer><title></title><item name=""></item></outer>`},
		{"hex", `<outer><inner slot="0x0A">007</inner></outer>`, `<outer><inner slot="0x0A">007</inner></outer>`},
		{"zero", `<outer><inner slot="0"/></outer>`, `<outer><inner slot="0"></inner></outer>`},
		{"ns", `<outer xmlns:qemu="http://libvirt.org/schemas/domain/qemu/1.0"><qemu:arg name="a"/><m:x xmlns:m="urn:m" m:y="1"><m:z/></m:x></outer>`,
			`<outer xmlns:qemu="http://libvirt.org/schemas/domain/qemu/1.0"><qemu:arg name="a"></qemu:arg><m:x xmlns:m="urn:m" m:y="1"><m:z></m:z></m:x></outer>`},
		{"default ns", `<outer><arg xmlns="http://libvirt.org/schemas/domain/qemu/1.0" name="a"/></outer>`,
			`<outer><arg xmlns="http://libvirt.org/schemas/domain/qemu/1.0" name="a"></arg></outer>`},
		{"comment", `<outer><!-- c --><title>t</title>text</outer>`, `<outer><!-- c --><title>t</title>text</outer>`},
		{"dup", `<outer><title>a</title><title>b</title></outer>`, `<outer><title>a</title><title>b</title></outer>`},
		{"title attr", `<outer><title a="1">x</title></outer>`, `<outer><title a="1">x</title></outer>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var o tOuter
			if err := xml.Unmarshal([]byte(tt.in), &o); err != nil {
				t.Fatal(err)
			}
			out, err := xml.Marshal(&o)
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != tt.want {
				t.Errorf("got  %s\nwant %s", out, tt.want)
			}
		})
	}
}

func TestCodecEdits(t *testing.T) {
	var o tOuter
	in := `<outer mac="52:54:00:AB:cd:EF"><item name="a"/><x/><item name="b"/><title>t</title><inner slot="0x0A"/></outer>`
	if err := xml.Unmarshal([]byte(in), &o); err != nil {
		t.Fatal(err)
	}
	o.MAC[5] = 1
	o.Items = append(o.Items, tInner{Name: "c"})
	*o.Inner.Slot = 3
	o.Q = append(o.Q, tInner{Name: "q"})
	out, err := xml.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	want := `<outer mac="52:54:00:ab:cd:01"><item name="a"></item><x></x><item name="b"></item><item name="c"></item><title>t</title><inner slot="0x03"></inner><qemu:arg xmlns:qemu="http://libvirt.org/schemas/domain/qemu/1.0" name="q"></qemu:arg></outer>`
	if string(out) != want {
		t.Errorf("got  %s\nwant %s", out, want)
	}
	if !strings.Contains(string(out), "0x03") {
		t.Error("format tag not used")
	}
}
