package xmlspec

import (
	"encoding/xml"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// Test types for variants (see variant.go): a capability whose content
// depends on its type attribute, and a parent holding a list of them.

type tCapA struct {
	X     string `xml:"x,attr"`
	N     *uint  `xml:"n"`
	Extra Extra  `xml:"-"`
}

func (x tCapA) MarshalXML(e *xml.Encoder, s xml.StartElement) error {
	return marshalElement(e, s, &x)
}
func (x *tCapA) UnmarshalXML(d *xml.Decoder, s xml.StartElement) error {
	return unmarshalElement(d, s, x)
}

type tCap struct {
	XMLName xml.Name `xml:"cap"`
	Type    string   `xml:"type,attr"`
	A       *tCapA   `variant:"type=a"`
	B       *tCapA   `variant:"type=b|b2"`
	Extra   Extra    `xml:"-"`
}

func (x tCap) MarshalXML(e *xml.Encoder, s xml.StartElement) error {
	return marshalElement(e, s, &x)
}
func (x *tCap) UnmarshalXML(d *xml.Decoder, s xml.StartElement) error {
	return unmarshalElement(d, s, x)
}

type tDev struct {
	XMLName xml.Name `xml:"dev"`
	Name    string   `xml:"name"`
	Caps    []tCap   `xml:"cap"`
	Extra   Extra    `xml:"-"`
}

func (x tDev) MarshalXML(e *xml.Encoder, s xml.StartElement) error {
	return marshalElement(e, s, &x)
}
func (x *tDev) UnmarshalXML(d *xml.Decoder, s xml.StartElement) error {
	return unmarshalElement(d, s, x)
}

func TestVariantRoundTrip(t *testing.T) {
	tests := []struct {
		name, in, want string
		check          func(*tDev) bool
	}{
		{"variant with unknown content",
			`<dev><cap x="1" type="a"><n>0x5</n><new/></cap></dev>`,
			`<dev><cap type="a" x="1"><n>0x5</n><new></new></cap></dev>`,
			func(d *tDev) bool {
				c := d.Caps[0]
				return c.Type == "a" && c.A != nil && c.B == nil && *c.A.N == 5 && len(c.A.Extra.Nodes) == 1 && c.Extra.IsEmpty()
			}},
		{"second value of a variant",
			`<dev><cap type="b2" x="y"/></dev>`,
			`<dev><cap type="b2" x="y"></cap></dev>`,
			func(d *tDev) bool { return d.Caps[0].B != nil && d.Caps[0].B.X == "y" && d.Caps[0].Type == "b2" }},
		{"unknown type stays in the outer Extra",
			`<dev><cap type="zz" x="1"><n>3</n></cap></dev>`,
			`<dev><cap type="zz" x="1"><n>3</n></cap></dev>`,
			func(d *tDev) bool {
				c := d.Caps[0]
				return c.Type == "zz" && c.A == nil && c.B == nil && len(c.Extra.Attrs) == 1 && len(c.Extra.Nodes) == 1
			}},
		{"no type",
			`<dev><cap><n>3</n></cap></dev>`,
			`<dev><cap><n>3</n></cap></dev>`,
			func(d *tDev) bool { return d.Caps[0].A == nil && len(d.Caps[0].Extra.Nodes) == 1 }},
		{"order among siblings",
			`<dev><cap type="a"/><name>n</name><cap type="b"/><!-- c --><cap type="q"/></dev>`,
			`<dev><cap type="a"></cap><name>n</name><cap type="b"></cap><!-- c --><cap type="q"></cap></dev>`,
			func(d *tDev) bool { return len(d.Caps) == 3 && d.Caps[0].A != nil && d.Caps[1].B != nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d tDev
			if err := xml.Unmarshal([]byte(tt.in), &d); err != nil {
				t.Fatal(err)
			}
			if !tt.check(&d) {
				t.Errorf("decoded %+v", d)
			}
			out, err := xml.Marshal(d)
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != tt.want {
				t.Errorf("got  %s\nwant %s", out, tt.want)
			}
		})
	}
}

func TestVariantBuiltFromGo(t *testing.T) {
	n := uint(7)
	d := tDev{Name: "n", Caps: []tCap{{A: &tCapA{N: &n}}, {B: &tCapA{X: "1"}}, {Type: "b2", B: &tCapA{}}}}
	out, err := xml.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	want := `<dev><name>n</name><cap type="a"><n>7</n></cap><cap type="b" x="1"></cap><cap type="b2"></cap></dev>`
	if string(out) != want {
		t.Errorf("got  %s\nwant %s", out, want)
	}

	// An edit to the variant read keeps the rest as it was.
	var back tDev
	if err := xml.Unmarshal([]byte(`<dev><cap type="a"><n>0x10</n><m/></cap></dev>`), &back); err != nil {
		t.Fatal(err)
	}
	back.Caps[0].A.X = "new"
	out, err = xml.Marshal(back)
	if err != nil {
		t.Fatal(err)
	}
	if want := `<dev><cap type="a" x="new"><n>0x10</n><m></m></cap></dev>`; string(out) != want {
		t.Errorf("got  %s\nwant %s", out, want)
	}
}

func TestVariantErrors(t *testing.T) {
	marshal := []struct {
		name string
		v    tCap
		want string
	}{
		{"two variants", tCap{A: &tCapA{}, B: &tCapA{}}, "both A and B are set"},
		{"type of another variant", tCap{Type: "b", A: &tCapA{}}, `type "b" does not go with A`},
		{"outer Extra beside a variant", tCap{A: &tCapA{}, Extra: Extra{Attrs: []xml.Attr{{Name: xml.Name{Local: "q"}}}}}, "Extra holds content beside the variant A"},
	}
	for _, tt := range marshal {
		t.Run(tt.name, func(t *testing.T) {
			_, err := xml.Marshal(tt.v)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
	unmarshal := []struct{ name, in, want string }{
		{"repeated type", `<cap type="a" type="b"/>`, "attribute type repeated"},
		{"bad content", `<cap type="a"><n>x</n></cap>`, `cap/n: invalid unsigned integer "x"`},
	}
	for _, tt := range unmarshal {
		t.Run(tt.name, func(t *testing.T) {
			var c tCap
			err := xml.Unmarshal([]byte(tt.in), &c)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrSyntax) {
				t.Errorf("error %v, want an ErrSyntax containing %q", err, tt.want)
			}
		})
	}
}

func TestVariantTypeInfoRejects(t *testing.T) {
	str := reflect.TypeOf("")
	capA := reflect.TypeOf(&tCapA{})
	extra := reflect.StructField{Name: "Extra", Type: extraType, Tag: `xml:"-"`}
	typeAttr := reflect.StructField{Name: "Type", Type: str, Tag: `xml:"type,attr"`}
	tests := map[string][]reflect.StructField{
		"no discriminator field": {{Name: "A", Type: capA, Tag: `variant:"type=a"`}, extra},
		"two attributes": {typeAttr, {Name: "A", Type: capA, Tag: `variant:"type=a"`},
			{Name: "B", Type: capA, Tag: `variant:"kind=b"`}, extra},
		"value twice": {typeAttr, {Name: "A", Type: capA, Tag: `variant:"type=a"`},
			{Name: "B", Type: capA, Tag: `variant:"type=b|a"`}, extra},
		"not a pointer":     {typeAttr, {Name: "A", Type: capA.Elem(), Tag: `variant:"type=a"`}, extra},
		"a list":            {typeAttr, {Name: "A", Type: reflect.SliceOf(capA.Elem()), Tag: `variant:"type=a"`}, extra},
		"no value":          {typeAttr, {Name: "A", Type: capA, Tag: `variant:"type"`}, extra},
		"with an xml tag":   {typeAttr, {Name: "A", Type: capA, Tag: `xml:"a" variant:"type=a"`}, extra},
		"empty value":       {typeAttr, {Name: "A", Type: capA, Tag: `variant:"type=a|"`}, extra},
		"an element beside": {typeAttr, {Name: "A", Type: capA, Tag: `variant:"type=a"`}, {Name: "N", Type: str, Tag: `xml:"n"`}, extra},
	}
	for name, fields := range tests {
		if _, err := typeOf(reflect.StructOf(fields)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
