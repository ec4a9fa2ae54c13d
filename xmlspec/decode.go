package xmlspec

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
)

// maxDepth bounds element nesting, as encoding/xml does, so that hostile
// input cannot exhaust the stack.
const maxDepth = 10000

// ErrSyntax is wrapped by every error about a document that the structs
// cannot hold: a MAC address that is not one, an integer that is not a
// number, a repeated attribute, nesting too deep. ParseDomain and the other
// Parse functions wrap XML syntax errors in it too.
var ErrSyntax = errors.New("xmlspec: invalid document")

type decoder struct {
	src   tokenSource
	depth int
	path  []string
	// seq is a stack of the open elements' Extra.seq, each copied out
	// whole when its element ends, so that growing one costs no
	// allocations but the last.
	seq []string
}

// unmarshalElement is the xml.Unmarshaler behind every struct of the package.
func unmarshalElement(d *xml.Decoder, start xml.StartElement, v any) error {
	return decodeElement(decoderTokens{d}, start, v)
}

// decodeElement reads the element that start opens from src into v, a
// pointer to one of the package's structs.
func decodeElement(src tokenSource, start xml.StartElement, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("xmlspec: cannot unmarshal into %T", v)
	}
	sv := rv.Elem()
	ti, err := typeOf(sv.Type())
	if err != nil {
		return err
	}
	if ti.rootName != "" && (start.Name.Local != ti.rootName || start.Name.Space != "") {
		return fmt.Errorf("%w: expected <%s>, found <%s>", ErrSyntax, ti.rootName, qname(start.Name))
	}
	sv.SetZero()
	dec := &decoder{src: src}
	return dec.decodeStruct(start, sv, ti)
}

func qname(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + " " + n.Local
}

func (dec *decoder) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrSyntax, strings.Join(dec.path, "/"), fmt.Sprintf(format, args...))
}

func (dec *decoder) enter(name xml.Name) error {
	dec.depth++
	dec.path = append(dec.path, name.Local)
	if dec.depth > maxDepth {
		return dec.errorf("elements nested more than %d deep", maxDepth)
	}
	return nil
}

func (dec *decoder) leave() {
	dec.depth--
	dec.path = dec.path[:len(dec.path)-1]
}

func (dec *decoder) token() (token, error) {
	tok, err := dec.src.next()
	if err == io.EOF {
		return token{}, dec.errorf("document ends inside <%s>", dec.path[len(dec.path)-1])
	}
	return tok, err
}

func (dec *decoder) decodeStruct(start xml.StartElement, sv reflect.Value, ti *typeInfo) error {
	if ti.discriminator != nil {
		if fi := ti.variantFor(start.Attr); fi != nil {
			return dec.decodeVariant(start, sv, ti, fi)
		}
	}
	if err := dec.enter(start.Name); err != nil {
		return err
	}
	defer dec.leave()
	if err := dec.checkAttrs(start.Attr); err != nil {
		return err
	}
	extra := sv.Field(ti.extra).Addr().Interface().(*Extra)
	if ti.xmlName >= 0 {
		sv.Field(ti.xmlName).Set(reflect.ValueOf(start.Name))
	}
	for _, a := range start.Attr {
		fi := ti.byAttr[a.Name]
		if fi == nil {
			extra.Attrs = append(extra.Attrs, a)
			continue
		}
		if err := dec.setField(sv.Field(fi.index), fi, a.Value); err != nil {
			return dec.errorf("attribute %s: %v", a.Name.Local, err)
		}
		if keepsRaw(fi.leaf, a.Value) {
			extra.setRaw(fi.key, -1, a.Value)
		}
	}

	var (
		inline  [1]textRun
		text    = textRuns{runs: inline[:0]}
		sawElem bool // an element child: text beside it is mixed content
		taken   fieldSet
		base    = len(dec.seq)
	)
	addNode := func(n Node) {
		extra.Nodes = append(extra.Nodes, n)
		dec.seq = append(dec.seq, nodeKey)
		text.open = false
	}
	for {
		tok, err := dec.token()
		if err != nil {
			return err
		}
		switch tok.kind {
		case startToken:
			t := xml.StartElement{Name: tok.name, Attr: tok.attrs}
			sawElem = true
			text.open = false
			fi := ti.byElem[t.Name]
			if fi != nil && !fi.slice && !taken.add(fi.order, len(ti.elems)) {
				fi = nil // a second <os>: keep it, but as a node
			}
			if fi == nil {
				n, err := dec.decodeNode(t)
				if err != nil {
					return err
				}
				addNode(n)
				continue
			}
			kept, err := dec.decodeChild(t, sv, fi, extra)
			if err != nil {
				return err
			}
			if kept {
				dec.seq = append(dec.seq, fi.key)
			} else {
				dec.seq = append(dec.seq, nodeKey)
			}
		case textToken:
			text.add(tok.data, len(extra.Nodes), len(dec.seq)-base, sawElem && len(dec.seq) > base)
		case commentToken:
			addNode(Node{Kind: CommentNode, Data: tok.data})
		case procInstToken:
			n, err := dec.procInst(tok)
			if err != nil {
				return err
			}
			addNode(n)
		case directiveToken:
			return dec.errorf("<!%s> inside an element", firstWord(tok.data))
		case endToken:
			if len(dec.seq) > base {
				extra.seq = slices.Clone(dec.seq[base:])
				dec.seq = dec.seq[:base]
			}
			return dec.finishText(sv, ti, extra, &text, sawElem)
		}
	}
}

// fieldSet is a set of element fields by order, in a word for structs of
// up to 64 element fields.
type fieldSet struct {
	bits uint64
	more []bool
}

// add adds field i of n and reports whether it was not in s.
func (s *fieldSet) add(i, n int) bool {
	if n <= 64 {
		if s.bits&(1<<i) != 0 {
			return false
		}
		s.bits |= 1 << i
		return true
	}
	if s.more == nil {
		s.more = make([]bool, n)
	}
	if s.more[i] {
		return false
	}
	s.more[i] = true
	return true
}

// textRuns collects an element's character data as runs split by child
// nodes, each with the position it had among the children.
type textRuns struct {
	runs []textRun
	open bool // the last run can still grow (no node since)
}

type textRun struct {
	data            string
	nodePos, seqPos int
}

// add adds a text token. droppable says that a blank run would be dropped
// and the rest trimmed (finishText: beside child elements, after one), so a
// blank token is not kept, unless it continues a run; the indentation
// between children then costs nothing.
func (r *textRuns) add(s string, nodePos, seqPos int, droppable bool) {
	switch {
	case r.open:
		r.runs[len(r.runs)-1].data += s
		return
	case droppable && isBlank(s):
		return // a text token that follows continues no run: trimmed anyway
	}
	r.runs = append(r.runs, textRun{data: s, nodePos: nodePos, seqPos: seqPos})
	r.open = true
}

// finishText places an element's text. Blank runs beside child nodes are
// indentation, and so is blank text where no text belongs; runs beside
// child elements are trimmed, since Marshal indents anew. A single run goes
// to the chardata field, with a marker in the order record for where it
// stood among the children; several runs, or text in an element without a
// chardata field, become text nodes in their places.
func (dec *decoder) finishText(sv reflect.Value, ti *typeInfo, extra *Extra, text *textRuns, sawElem bool) error {
	fi := ti.chardata
	hasNodes := len(extra.seq) > 0
	runs := text.runs[:0] // filtered in place
	for _, r := range text.runs {
		if isBlank(r.data) && (hasNodes || fi == nil) {
			continue
		}
		if sawElem {
			r.data = strings.Trim(r.data, " \t\r\n")
		}
		runs = append(runs, r)
	}
	if len(runs) == 0 {
		return nil
	}
	if fi != nil && len(runs) == 1 {
		r := runs[0]
		if err := dec.setField(sv.Field(fi.index), fi, r.data); err != nil {
			return dec.errorf("text: %v", err)
		}
		if keepsRaw(fi.leaf, r.data) {
			extra.setRaw(fi.key, -1, r.data)
		}
		if hasNodes {
			extra.seq = slices.Insert(extra.seq, r.seqPos, textKey)
		}
		return nil
	}
	for i := len(runs) - 1; i >= 0; i-- {
		r := runs[i]
		extra.Nodes = slices.Insert(extra.Nodes, r.nodePos, Node{Kind: TextNode, Data: r.data})
		extra.seq = slices.Insert(extra.seq, r.seqPos, nodeKey)
	}
	return nil
}

// checkAttrs rejects a repeated attribute, which XML forbids but
// encoding/xml lets through; keeping one would silently drop the other.
func (dec *decoder) checkAttrs(attrs []xml.Attr) error {
	if len(attrs) <= 16 {
		for i := 1; i < len(attrs); i++ {
			for j := 0; j < i; j++ {
				if attrs[i].Name == attrs[j].Name {
					return dec.errorf("attribute %s repeated", attrs[i].Name.Local)
				}
			}
		}
		return nil
	}
	seen := make(map[xml.Name]bool, len(attrs))
	for _, a := range attrs {
		if seen[a.Name] {
			return dec.errorf("attribute %s repeated", a.Name.Local)
		}
		seen[a.Name] = true
	}
	return nil
}

// decodeChild reads a known child element into its field. A simple-valued
// field (a string, a number) takes the element only if it holds nothing but
// text; otherwise the element is kept whole as a node and kept is false.
func (dec *decoder) decodeChild(t xml.StartElement, sv reflect.Value, fi *fieldInfo, extra *Extra) (kept bool, err error) {
	fv := sv.Field(fi.index)
	if fi.leaf == notLeaf {
		eti, err := fi.elemType()
		if err != nil {
			return false, err
		}
		return true, dec.decodeStruct(t, dec.slot(fv, fi), eti)
	}
	n, err := dec.decodeNode(t)
	if err != nil {
		return false, err
	}
	if len(n.Attrs) > 0 || !onlyText(n.Children) {
		extra.Nodes = append(extra.Nodes, n)
		return false, nil
	}
	s := n.Text()
	item := -1
	if fi.slice {
		item = fv.Len()
	}
	dec.path = append(dec.path, t.Name.Local)
	err = setLeaf(dec.slot(fv, fi), fi.leaf, s)
	if err != nil {
		err = dec.errorf("%v", err)
	}
	dec.path = dec.path[:len(dec.path)-1]
	if err != nil {
		return false, err
	}
	if keepsRaw(fi.leaf, s) {
		extra.setRaw(fi.key, item, s)
	}
	return true, nil
}

// slot returns the settable value a field's next element goes into:
// the field itself, a fresh *T, or a new last item of a []T.
func (dec *decoder) slot(fv reflect.Value, fi *fieldInfo) reflect.Value {
	switch {
	case fi.slice:
		fv.Set(reflect.Append(fv, reflect.Zero(fi.typ)))
		return fv.Index(fv.Len() - 1)
	case fi.ptr:
		p := reflect.New(fi.typ)
		fv.Set(p)
		return p.Elem()
	}
	return fv
}

// setField parses an attribute or chardata value into its field.
func (dec *decoder) setField(fv reflect.Value, fi *fieldInfo, text string) error {
	return setLeaf(dec.slot(fv, fi), fi.leaf, text)
}

func (dec *decoder) procInst(t token) (Node, error) {
	if strings.EqualFold(t.name.Local, "xml") {
		return Node{}, dec.errorf("XML declaration inside an element")
	}
	return Node{Kind: ProcInstNode, Name: t.name, Data: t.data}, nil
}

// decodeNode reads an element no field models, with all it contains.
func (dec *decoder) decodeNode(start xml.StartElement) (Node, error) {
	if err := dec.enter(start.Name); err != nil {
		return Node{}, err
	}
	defer dec.leave()
	if err := dec.checkAttrs(start.Attr); err != nil {
		return Node{}, err
	}
	n := Node{Kind: ElementNode, Name: start.Name, Attrs: start.Attr}
	for {
		tok, err := dec.token()
		if err != nil {
			return Node{}, err
		}
		switch tok.kind {
		case startToken:
			c, err := dec.decodeNode(xml.StartElement{Name: tok.name, Attr: tok.attrs})
			if err != nil {
				return Node{}, err
			}
			n.Children = append(n.Children, c)
		case textToken:
			if k := len(n.Children); k > 0 && n.Children[k-1].Kind == TextNode {
				n.Children[k-1].Data += tok.data // CDATA next to text
			} else {
				n.Children = append(n.Children, Node{Kind: TextNode, Data: tok.data})
			}
		case commentToken:
			n.Children = append(n.Children, Node{Kind: CommentNode, Data: tok.data})
		case procInstToken:
			c, err := dec.procInst(tok)
			if err != nil {
				return Node{}, err
			}
			n.Children = append(n.Children, c)
		case directiveToken:
			return Node{}, dec.errorf("<!%s> inside an element", firstWord(tok.data))
		case endToken:
			if hasElementChild(n.Children) {
				n.Children = dropBlankText(n.Children)
				trimMixedText(n.Children)
			}
			return n, nil
		}
	}
}

func hasElementChild(nodes []Node) bool {
	for i := range nodes {
		if nodes[i].Kind == ElementNode {
			return true
		}
	}
	return false
}

func firstWord(s string) string {
	if i := strings.IndexAny(s, " \t\r\n"); i >= 0 {
		s = s[:i]
	}
	if len(s) > 20 {
		s = s[:20]
	}
	return s
}

func onlyText(nodes []Node) bool {
	for i := range nodes {
		if nodes[i].Kind != TextNode {
			return false
		}
	}
	return true
}

func dropBlankText(nodes []Node) []Node {
	out := nodes[:0]
	for _, c := range nodes {
		if c.Kind == TextNode && isBlank(c.Data) {
			continue
		}
		out = append(out, c)
	}
	return out
}

// trimMixedText trims the text between child elements: space around it is
// indentation, which Marshal writes anew, so keeping it would make every
// round trip grow it.
func trimMixedText(nodes []Node) {
	for i := range nodes {
		if nodes[i].Kind == TextNode {
			nodes[i].Data = strings.Trim(nodes[i].Data, " \t\r\n")
		}
	}
}

func isBlank(s string) bool {
	for _, c := range []byte(s) {
		switch c {
		case ' ', '\t', '\n', '\r':
		default:
			return false
		}
	}
	return true
}
