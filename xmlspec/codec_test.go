package xmlspec

import (
	"encoding/xml"
	"errors"
	"fmt"
	"net"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Test types for the codec: they have the same shape as the package's
// structs but exercise each field kind. Their methods are written out since
// codecgen reads only non-test files.

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
	ID      *UUID            `xml:"id,attr"`
	Count   int              `xml:"count,attr"`
	Title   string           `xml:"title"`
	Num     *uint            `xml:"num"`
	Inner   *tInner          `xml:"inner"`
	Items   []tInner         `xml:"item"`
	Words   []string         `xml:"word"`
	Q       []tInner         `xml:"http://libvirt.org/schemas/domain/qemu/1.0 arg"`
	Extra   Extra            `xml:"-"`
}

func (x tOuter) MarshalXML(e *xml.Encoder, s xml.StartElement) error {
	return marshalElement(e, s, &x)
}
func (x *tOuter) UnmarshalXML(d *xml.Decoder, s xml.StartElement) error {
	return unmarshalElement(d, s, x)
}

func roundTrip(t *testing.T, in string) (tOuter, string) {
	t.Helper()
	var o tOuter
	if err := xml.Unmarshal([]byte(in), &o); err != nil {
		t.Fatalf("unmarshal %s: %v", in, err)
	}
	out, err := xml.Marshal(&o)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return o, string(out)
}

func TestCodecRoundTrip(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"attributes and unknown attribute",
			`<outer mac="52:54:00:AB:cd:EF" foo="bar" count="-3"></outer>`,
			`<outer mac="52:54:00:AB:cd:EF" count="-3" foo="bar"></outer>`},
		{"unknown child keeps its place",
			`<outer><item/><x/><title>t</title><item name="b"/></outer>`,
			`<outer><item></item><x></x><title>t</title><item name="b"></item></outer>`},
		{"empty values are kept",
			`<outer><title></title><item name=""/><word></word></outer>`,
			`<outer><title></title><item name=""></item><word></word></outer>`},
		{"spelling of numbers",
			`<outer count="+07"><inner slot="0x0A">007</inner><num> 12 </num></outer>`,
			`<outer count="+07"><inner slot="0x0A">007</inner><num> 12 </num></outer>`},
		{"zero that was present",
			`<outer count="0"><inner slot="0"/><num>0</num></outer>`,
			`<outer count="0"><inner slot="0"></inner><num>0</num></outer>`},
		{"uuid without dashes",
			`<outer id="C7A5FDBDCDAF9455926AD65C16DB1809"/>`,
			`<outer id="C7A5FDBDCDAF9455926AD65C16DB1809"></outer>`},
		{"prefixed namespace",
			`<outer xmlns:qemu="http://libvirt.org/schemas/domain/qemu/1.0"><qemu:arg name="a"/><m:x xmlns:m="urn:m" m:y="1"><m:z/></m:x></outer>`,
			`<outer xmlns:qemu="http://libvirt.org/schemas/domain/qemu/1.0"><qemu:arg name="a"></qemu:arg><m:x xmlns:m="urn:m" m:y="1"><m:z></m:z></m:x></outer>`},
		{"default namespace",
			`<outer><arg xmlns="http://libvirt.org/schemas/domain/qemu/1.0" name="a"/></outer>`,
			`<outer><arg xmlns="http://libvirt.org/schemas/domain/qemu/1.0" name="a"></arg></outer>`},
		{"undeclared default namespace",
			`<outer><m xmlns="urn:m"><n xmlns=""><o/></n></m></outer>`,
			`<outer><m xmlns="urn:m"><n xmlns=""><o></o></n></m></outer>`},
		{"shadowed prefix",
			`<outer xmlns:p="urn:a"><p:a><p:b xmlns:p="urn:b"><p:c/></p:b><p:d/></p:a></outer>`,
			`<outer xmlns:p="urn:a"><p:a><p:b xmlns:p="urn:b"><p:c></p:c></p:b><p:d></p:d></p:a></outer>`},
		{"undeclared prefix", `<outer><u:x u:y="1"/></outer>`, `<outer><u:x u:y="1"></u:x></outer>`},
		{"xml:lang", `<outer xml:lang="en"><title xml:lang="de">t</title></outer>`, `<outer xml:lang="en"><title xml:lang="de">t</title></outer>`},
		{"comment, text and PI", `<outer><!-- c --><title>t</title>text<?app do?></outer>`, `<outer><!-- c --><title>t</title>text<?app do?></outer>`},
		{"second single element", `<outer><title>a</title><title>b</title></outer>`, `<outer><title>a</title><title>b</title></outer>`},
		{"simple element with attribute", `<outer><title a="1">x</title><num><b/></num></outer>`, `<outer><title a="1">x</title><num><b></b></num></outer>`},
		{"escaping", `<outer><title>a &lt;&amp;&gt; "b"</title><x y="&quot;&#10;"/></outer>`, `<outer><title>a &lt;&amp;&gt; &#34;b&#34;</title><x y="&#34;&#xA;"></x></outer>`},
		{"cdata", `<outer><x><![CDATA[<a>]]> tail</x></outer>`, `<outer><x>&lt;a&gt; tail</x></outer>`},
		{"text in an element without chardata", `<outer> a <title>t</title> b </outer>`, `<outer>a<title>t</title>b</outer>`},
		{"chardata beside a comment", `<outer><inner>7<!-- seven --></inner><item><!-- c --> 8</item></outer>`,
			`<outer><inner>7<!-- seven --></inner><item><!-- c --> 8</item></outer>`},
		{"chardata beside an element", `<outer><inner name="n"> 5 <x/></inner></outer>`, `<outer><inner name="n">5<x></x></inner></outer>`},
		{"chardata in two runs", `<outer><inner>5<x/>6</inner></outer>`, `<outer><inner>5<x></x>6</inner></outer>`},
		{"mixed text in a node", `<outer><m> a <b/> c </m></outer>`, `<outer><m>a<b></b>c</m></outer>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, got := roundTrip(t, tt.in)
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestCodecEdits(t *testing.T) {
	tests := []struct {
		name string
		in   string
		edit func(*tOuter)
		want string
	}{
		{"changed MAC is written in lower case",
			`<outer mac="52:54:00:AB:cd:EF"/>`,
			func(o *tOuter) { o.MAC[5] = 1 },
			`<outer mac="52:54:00:ab:cd:01"></outer>`},
		{"unchanged MAC keeps its case after a copy",
			`<outer mac="52:54:00:AB:cd:EF"/>`,
			func(o *tOuter) { o.MAC = append(net.HardwareAddr(nil), o.MAC...) },
			`<outer mac="52:54:00:AB:cd:EF"></outer>`},
		{"changed number uses the format tag",
			`<outer><inner slot="0x0A"/></outer>`,
			func(o *tOuter) { *o.Inner.Slot = 3 },
			`<outer><inner slot="0x03"></inner></outer>`},
		{"appended item follows its siblings",
			`<outer><item name="a"/><x/><item name="b"/><title>t</title></outer>`,
			func(o *tOuter) { o.Items = append(o.Items, tInner{Name: "c"}) },
			`<outer><item name="a"></item><x></x><item name="b"></item><item name="c"></item><title>t</title></outer>`},
		{"removed item leaves the rest in place",
			`<outer><item name="a"/><x/><item name="b"/><title>t</title></outer>`,
			func(o *tOuter) { o.Items = o.Items[1:] },
			`<outer><item name="b"></item><x></x><title>t</title></outer>`},
		{"new kind goes where the field order puts it",
			`<outer><item name="a"/><title>t</title></outer>`,
			func(o *tOuter) { o.Inner = &tInner{Name: "new"} },
			`<outer><inner name="new"></inner><item name="a"></item><title>t</title></outer>`},
		{"new namespaced element declares its prefix",
			`<outer><title>t</title></outer>`,
			func(o *tOuter) { o.Q = append(o.Q, tInner{Name: "q"}) },
			`<outer><title>t</title><qemu:arg xmlns:qemu="http://libvirt.org/schemas/domain/qemu/1.0" name="q"></qemu:arg></outer>`},
		{"new namespaced node reuses the declared prefix",
			`<outer xmlns:m="urn:m"><title>t</title></outer>`,
			func(o *tOuter) {
				o.Extra.Nodes = append(o.Extra.Nodes, Node{Name: xml.Name{Space: "urn:m", Local: "n"},
					Attrs: []xml.Attr{{Name: xml.Name{Space: "urn:m", Local: "a"}, Value: "1"}}})
			},
			`<outer xmlns:m="urn:m"><title>t</title><m:n m:a="1"></m:n></outer>`},
		{"new node in an undeclared namespace gets a prefix",
			`<outer/>`,
			func(o *tOuter) {
				o.Extra.Nodes = append(o.Extra.Nodes, Node{Name: xml.Name{Space: "urn:new", Local: "n"}})
			},
			`<outer><ns0:n xmlns:ns0="urn:new"></ns0:n></outer>`},
		{"cleared value disappears",
			`<outer count="0"><title></title></outer>`,
			func(o *tOuter) { o.Count = 5; o.Title = "x" },
			`<outer count="5"><title>x</title></outer>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var o tOuter
			if err := xml.Unmarshal([]byte(tt.in), &o); err != nil {
				t.Fatal(err)
			}
			tt.edit(&o)
			out, err := xml.Marshal(o)
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != tt.want {
				t.Errorf("got  %s\nwant %s", out, tt.want)
			}
		})
	}
}

func TestCodecBuiltFromGo(t *testing.T) {
	slot := uint(0)
	o := tOuter{
		Title: "t",
		Inner: &tInner{Slot: &slot, Text: 9},
		Items: []tInner{{Name: "a"}, {}},
		Words: []string{"x", ""},
	}
	out, err := xml.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	want := `<outer><title>t</title><inner slot="0x00">9</inner><item name="a"></item><item></item><word>x</word><word></word></outer>`
	if string(out) != want {
		t.Errorf("got  %s\nwant %s", out, want)
	}
}

func TestCodecErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"bad MAC", `<outer mac="52:54:00:zz:00:01"/>`, `outer: attribute mac: invalid MAC address`},
		{"short MAC", `<outer mac="52:54:00"/>`, `invalid MAC address "52:54:00"`},
		{"bad integer", `<outer count="many"/>`, `attribute count: invalid integer "many"`},
		{"integer out of range", `<outer><num>99999999999999999999999</num></outer>`, `outer/num: invalid unsigned integer`},
		{"bad chardata", `<outer><inner>x</inner></outer>`, `outer/inner: text: invalid unsigned integer "x"`},
		{"bad UUID", `<outer id="1234"/>`, `invalid UUID "1234"`},
		{"wrong root", `<inner/>`, `expected <outer>, found <inner>`},
		{"XML declaration inside", `<outer><?xml version="1.0"?></outer>`, `XML declaration inside an element`},
		{"truncated", `<outer><title>t</title>`, `XML syntax error`},
		{"repeated attribute", `<outer count="1" count="2"/>`, `attribute count repeated`},
		{"repeated attribute in a node", `<outer><x a="1" a="1"/></outer>`, `outer/x: attribute a repeated`},
		{"directive inside", `<outer><!DOCTYPE x></outer>`, `<!DOCTYPE> inside an element`},
		{"too deep", `<outer>` + strings.Repeat("<a>", maxDepth+1) + strings.Repeat("</a>", maxDepth+1) + `</outer>`, `nested more than`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var o tOuter
			err := xml.Unmarshal([]byte(tt.in), &o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if strings.HasPrefix(tt.name, "bad") && !errors.Is(err, ErrSyntax) {
				t.Errorf("error %v does not wrap ErrSyntax", err)
			}
		})
	}
}

type tNoExtra struct {
	A string `xml:"a,attr"`
}

type tBadField struct {
	F     map[string]string `xml:"f"`
	Extra Extra             `xml:"-"`
}

func TestTypeInfoRejectsUnsupportedStructs(t *testing.T) {
	// Two fields for one attribute; built at run time since vet rejects
	// such a struct literal.
	dup := reflect.StructOf([]reflect.StructField{
		{Name: "A", Type: reflect.TypeOf(""), Tag: `xml:"a,attr"`},
		{Name: "B", Type: reflect.TypeOf(""), Tag: `xml:"a,attr"`},
		{Name: "Extra", Type: extraType, Tag: `xml:"-"`},
	})
	for _, rt := range []reflect.Type{reflect.TypeOf(tNoExtra{}), reflect.TypeOf(tBadField{}), dup, reflect.TypeOf(3)} {
		if _, err := typeOf(rt); err == nil {
			t.Errorf("%s: no error", rt)
		}
	}
}

// TestPackageTypesAreValid builds the codec's view of every struct reachable
// from the documents (every kind the corpus test covers), variants
// included, so a field of a type the codec cannot handle fails here rather
// than at a user's first Marshal.
func TestPackageTypesAreValid(t *testing.T) {
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(rt reflect.Type) {
		if seen[rt] {
			return
		}
		seen[rt] = true
		ti, err := typeOf(rt)
		if err != nil {
			t.Error(err)
			return
		}
		for _, fi := range slices.Concat(ti.elems, ti.variants) {
			if fi.leaf == notLeaf {
				walk(fi.typ)
			}
		}
	}
	for _, k := range corpusKinds {
		doc, err := k.parse([]byte("<" + k.root + "/>"))
		if err != nil {
			t.Fatalf("%s: an empty <%s>: %v", k.name, k.root, err)
		}
		walk(reflect.TypeOf(doc).Elem())
	}
	for _, v := range []any{DomainSnapshot{}, DomainCheckpoint{}, DomainBackup{}, NodeDevice{}, Secret{}, NWFilter{}, NWFilterBinding{}, HostInterface{}} {
		walk(reflect.TypeOf(v))
	}
	if len(seen) < 250 {
		t.Errorf("only %d struct types reachable; the walk is broken", len(seen))
	}
	for rt := range seen {
		pt := reflect.PointerTo(rt)
		if !pt.Implements(reflect.TypeOf((*xml.Unmarshaler)(nil)).Elem()) || !rt.Implements(reflect.TypeOf((*xml.Marshaler)(nil)).Elem()) {
			t.Errorf("%s lacks the generated MarshalXML/UnmarshalXML methods (run go generate)", rt)
		}
	}
}

// TestCodecConcurrent marshals and unmarshals from many goroutines; with
// -race it checks that the type cache is safe to share.
func TestCodecConcurrent(t *testing.T) {
	typeCache = sync.Map{} // start cold so that goroutines race to fill it
	const doc = `<domain type="kvm"><name>a</name><devices><interface type="network"><mac address="52:54:00:00:00:01"/><source network="default"/></interface></devices></domain>`
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := ParseDomain([]byte(doc))
			if err == nil {
				_, err = d.Marshal()
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// A user's own struct can hold the package's types; encoding/xml hands
// them to the lossless codec.
func TestEmbeddedInUserStruct(t *testing.T) {
	type update struct {
		XMLName xml.Name  `xml:"update"`
		Host    DHCPHost  `xml:"host"`
		NIC     Interface `xml:"interface"`
	}
	in := `<update><host mac="52:54:00:AA:BB:CC" ip="10.0.0.5" x="1"/><interface type="user"><model type="virtio"/><new/></interface></update>`
	var u update
	if err := xml.Unmarshal([]byte(in), &u); err != nil {
		t.Fatal(err)
	}
	if u.Host.IP != "10.0.0.5" || u.NIC.Model == nil || len(u.NIC.Extra.Nodes) != 1 {
		t.Fatalf("decoded %+v", u)
	}
	out, err := xml.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	want := `<update><host mac="52:54:00:AA:BB:CC" ip="10.0.0.5" x="1"></host><interface type="user"><model type="virtio"></model><new></new></interface></update>`
	if string(out) != want {
		t.Errorf("got  %s\nwant %s", out, want)
	}
}

func TestExtraHelpers(t *testing.T) {
	var o tOuter
	in := `<outer xmlns:m="urn:m" a="1"><m:x k="v">hi<m:y/></m:x><z/></outer>`
	if err := xml.Unmarshal([]byte(in), &o); err != nil {
		t.Fatal(err)
	}
	if v, ok := o.Extra.Attr("", "a"); !ok || v != "1" {
		t.Errorf("Attr a = %q %v", v, ok)
	}
	o.Extra.SetAttr("", "a", "2")
	o.Extra.SetAttr("urn:m", "b", "3")
	if len(o.Extra.Attrs) != 3 {
		t.Errorf("attrs %v", o.Extra.Attrs)
	}
	xs := o.Extra.Elements("urn:m", "x")
	if len(xs) != 1 || xs[0].Text() != "hi" || len(xs[0].Elements("urn:m", "")) != 1 {
		t.Fatalf("Elements: %+v", xs)
	}
	if v, _ := xs[0].Attr("", "k"); v != "v" {
		t.Errorf("node attr %q", v)
	}
	if o.Extra.IsEmpty() {
		t.Error("IsEmpty with content")
	}
	out, _ := xml.Marshal(o)
	want := `<outer xmlns:m="urn:m" a="2" m:b="3"><m:x k="v">hi<m:y></m:y></m:x><z></z></outer>`
	if string(out) != want {
		t.Errorf("got  %s\nwant %s", out, want)
	}
}

func TestExtraEqual(t *testing.T) {
	parse := func(s string) tOuter {
		var o tOuter
		if err := xml.Unmarshal([]byte(s), &o); err != nil {
			t.Fatal(err)
		}
		return o
	}
	a := parse(`<outer x="1"><title>t</title><m><n k="v">x</n></m></outer>`)
	b := parse(`<outer x="1"><m><n k="v">x</n></m><title>t</title></outer>`) // other order record
	if !a.Extra.Equal(b.Extra) {
		t.Error("same content with another order record is not Equal")
	}
	for _, other := range []string{
		`<outer x="2"><m><n k="v">x</n></m></outer>`,
		`<outer x="1"><m><n k="w">x</n></m></outer>`,
		`<outer x="1"><m><n k="v">y</n></m></outer>`,
		`<outer x="1"><m><n k="v">x</n><o/></m></outer>`,
		`<outer x="1"></outer>`,
	} {
		if a.Extra.Equal(parse(other).Extra) {
			t.Errorf("Equal to %s", other)
		}
	}
}

func TestMarshalErrors(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"long MAC", tOuter{MAC: net.HardwareAddr{1, 2, 3, 4, 5, 6, 7, 8}}, "is 8 bytes, want 6"},
		{"nameless node", tOuter{Extra: Extra{Nodes: []Node{{Kind: ElementNode}}}}, "no name"},
		{"unknown node kind", tOuter{Extra: Extra{Nodes: []Node{{Kind: 42}}}}, "unknown kind 42"},
		{"comment with -->", tOuter{Extra: Extra{Nodes: []Node{{Kind: CommentNode, Data: "a-->b"}}}}, "-->"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := xml.Marshal(tt.v)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestManyAttributes(t *testing.T) {
	var b strings.Builder
	b.WriteString("<outer")
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&b, ` a%d="%d"`, i, i)
	}
	b.WriteString(`><x`)
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&b, ` b%d="%d"`, i, i)
	}
	b.WriteString(` b7="again"/></outer>`)
	var o tOuter
	err := xml.Unmarshal([]byte(b.String()), &o)
	if err == nil || !strings.Contains(err.Error(), "attribute b7 repeated") {
		t.Fatalf("error %v, want b7 repeated", err)
	}
	ok := strings.Replace(b.String(), ` b7="again"`, "", 1)
	if err := xml.Unmarshal([]byte(ok), &o); err != nil || len(o.Extra.Attrs) != 40 {
		t.Fatalf("%v, %d attributes", err, len(o.Extra.Attrs))
	}
}
