package xmlspec

import (
	"bytes"
	"encoding/xml"
	"os"
	"reflect"
	"strings"
	"testing"
)

// marshalThroughEncoder is Marshal as it was before indentWriter: the
// document through encoding/xml's Encoder and the structs' MarshalXML.
// Marshal must write the same bytes, and fail where it fails.
func marshalThroughEncoder(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	var start xml.StartElement
	if ti, err := typeOf(reflect.TypeOf(v).Elem()); err == nil {
		start.Name.Local = ti.rootName
	}
	if err := enc.EncodeElement(v, start); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// sameAsEncoder fails t unless marshalIndent and marshalThroughEncoder
// agree on v: the same bytes, or both an error with the same message.
func sameAsEncoder(t testing.TB, what string, v any) {
	t.Helper()
	got, gotErr := marshalIndent(v)
	want, wantErr := marshalThroughEncoder(v)
	switch {
	case (gotErr == nil) != (wantErr == nil):
		t.Fatalf("%s: Marshal error %v, encoding/xml error %v", what, gotErr, wantErr)
	case gotErr != nil:
		if !strings.Contains(wantErr.Error(), gotErr.Error()) {
			t.Errorf("%s: Marshal error %q, encoding/xml error %q", what, gotErr, wantErr)
		}
	case !bytes.Equal(got, want):
		t.Errorf("%s: Marshal and encoding/xml differ at byte %d:\n%s\n---\n%s", what, diffAt(got, want), got, want)
	}
}

func diffAt(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestMarshalSameAsEncoder writes every corpus document of every kind
// both ways.
func TestMarshalSameAsEncoder(t *testing.T) {
	for _, k := range corpusKinds {
		t.Run(k.name, func(t *testing.T) {
			n := 0
			for _, f := range k.files(t) {
				data, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				v, err := k.parse(data)
				if err != nil {
					continue
				}
				n++
				sameAsEncoder(t, f, v)
			}
			if n == 0 {
				t.Fatalf("no %s document parsed", k.name)
			}
			t.Logf("%s: %d documents written identically", k.name, n)
		})
	}
}

// TestMarshalEscapesAsEncoder covers what the corpus has little of:
// characters to escape or replace, comments and processing instructions,
// namespaces, and the errors encoding/xml gives for unwritable nodes.
func TestMarshalEscapesAsEncoder(t *testing.T) {
	odd := "a\"b'c&d<e>f\tg\nh\ri\x00j\x1fk\x7fl\xffm\uFFFDn\U0001F600o\xed\xa0\x80p\uFFFEq"
	tests := []struct {
		name string
		dom  Domain
	}{
		{"text and attributes", Domain{Type: odd, Name: odd, Description: odd}},
		{"extra attributes", Domain{Extra: Extra{Attrs: []xml.Attr{
			{Name: xml.Name{Local: "x"}, Value: odd},
			{Name: xml.Name{}, Value: "dropped"},
			{Name: xml.Name{Space: "urn:a", Local: "y"}, Value: "1"},
			{Name: xml.Name{Space: "xmlns", Local: "p"}, Value: "urn:p"},
		}}}},
		{"nodes", Domain{Extra: Extra{Nodes: []Node{
			{Kind: CommentNode, Data: odd},
			{Kind: ProcInstNode, Name: xml.Name{Local: "pi"}, Data: "x y"},
			{Kind: ProcInstNode, Name: xml.Name{Local: "pi"}},
			{Kind: TextNode, Data: odd},
			{Name: xml.Name{Space: "urn:q", Local: "q"}, Attrs: []xml.Attr{{Name: xml.Name{Space: "urn:q", Local: "a"}, Value: odd}},
				Children: []Node{{Name: xml.Name{Local: "plain"}}, {Name: xml.Name{Space: "p", Local: "undeclared"}}}},
		}}}},
		{"comment with end marker", Domain{Extra: Extra{Nodes: []Node{{Kind: CommentNode, Data: "a-->b"}}}}},
		{"xml declaration inside", Domain{Extra: Extra{Nodes: []Node{{Kind: ProcInstNode, Name: xml.Name{Local: "xml"}}}}}},
		{"bad target", Domain{Extra: Extra{Nodes: []Node{{Kind: ProcInstNode, Name: xml.Name{Local: "1x"}}}}}},
		{"empty target", Domain{Extra: Extra{Nodes: []Node{{Kind: ProcInstNode}}}}},
		{"end marker in instruction", Domain{Extra: Extra{Nodes: []Node{{Kind: ProcInstNode, Name: xml.Name{Local: "pi"}, Data: "a?>"}}}}},
		{"element without a name", Domain{Extra: Extra{Nodes: []Node{{Kind: ElementNode}}}}},
		{"node of no kind", Domain{Extra: Extra{Nodes: []Node{{Kind: 9}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { sameAsEncoder(t, tt.name, &tt.dom) })
	}
}

// TestSpellingsIndexed covers an element with more remembered spellings
// than Extra searches through (rawIndexAt): each empty item must still be
// written back, and a changed one with its new value.
func TestSpellingsIndexed(t *testing.T) {
	for _, n := range []int{1, rawIndexAt - 1, rawIndexAt, 3 * rawIndexAt} {
		in := "<domain><os>" + strings.Repeat("<initarg></initarg>", n) + "</os></domain>"
		d, err := ParseDomain([]byte(in))
		if err != nil {
			t.Fatal(err)
		}
		if d.OS == nil || len(d.OS.InitArgs) != n {
			t.Fatalf("%d items: parsed %+v", n, d.OS)
		}
		d.OS.InitArgs[n-1] = "last"
		out, err := d.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		want := strings.Repeat("\n    <initarg></initarg>", n-1) + "\n    <initarg>last</initarg>\n"
		if !strings.Contains(string(out), want) {
			t.Errorf("%d items: wrote\n%s", n, out)
		}
		sameAsEncoder(t, "items", d)
	}
}
