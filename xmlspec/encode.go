package xmlspec

import (
	"encoding/xml"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Namespace URLs of libvirt's driver-specific extensions, and the prefixes
// Marshal declares for them when a document does not declare its own.
const (
	NamespaceQEMU    = "http://libvirt.org/schemas/domain/qemu/1.0"
	NamespaceLXC     = "http://libvirt.org/schemas/domain/lxc/1.0"
	NamespaceBhyve   = "http://libvirt.org/schemas/domain/bhyve/1.0"
	NamespaceXen     = "http://libvirt.org/schemas/domain/xen/1.0"
	NamespaceVMware  = "http://libvirt.org/schemas/domain/vmware/1.0"
	NamespaceDnsmasq = "http://libvirt.org/schemas/network/dnsmasq/1.0"
)

const xmlNamespace = "http://www.w3.org/XML/1998/namespace"

var wellKnownPrefixes = map[string]string{
	NamespaceQEMU:    "qemu",
	NamespaceLXC:     "lxc",
	NamespaceBhyve:   "bhyve",
	NamespaceXen:     "xen",
	NamespaceVMware:  "vmware",
	NamespaceDnsmasq: "dnsmasq",

	NamespaceStoragePoolFS:  "fs",
	NamespaceStoragePoolRBD: "rbd",
}

// nsDecl is one namespace declaration in scope; prefix "" is the default
// namespace.
type nsDecl struct{ prefix, url string }

// encoder writes tokens with names already qualified ("qemu:arg"), so that
// encoding/xml, when it is the writer, writes them verbatim instead of
// inventing its own prefixes and xmlns attributes.
type encoder struct {
	w     tokenWriter
	scope []nsDecl
	attrs []xml.Attr // the start tag being built, reused tag after tag
	srcs  []childSource
}

// marshalElement is the xml.Marshaler behind every struct of the package.
func marshalElement(e *xml.Encoder, start xml.StartElement, v any) error {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil
		}
		rv = rv.Elem()
	}
	ti, err := typeOf(rv.Type())
	if err != nil {
		return err
	}
	enc := &encoder{w: encoderTokens{e}}
	return enc.encodeStruct(rootElemName(start.Name, rv, ti), start.Attr, rv, ti)
}

// rootElemName is the name of the element that writes sv, asked for as
// name.
func rootElemName(name xml.Name, sv reflect.Value, ti *typeInfo) xml.Name {
	// encoding/xml names a Marshaler's element after its Go type unless a
	// field tag names it; the element's own name is the better default.
	if name.Local == "" || name.Local == sv.Type().Name() {
		if ti.xmlName >= 0 {
			if n := sv.Field(ti.xmlName).Interface().(xml.Name); n.Local != "" {
				name = n
			}
		}
		if (name.Local == "" || name.Local == sv.Type().Name()) && ti.rootName != "" {
			name = xml.Name{Local: ti.rootName}
		}
	}
	return name
}

func isDecl(a xml.Attr) bool {
	return a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns")
}

// splitDecls separates namespace declarations, which Marshal writes first.
func splitDecls(attrs []xml.Attr) (decls, others []xml.Attr) {
	for i, a := range attrs {
		if isDecl(a) {
			if decls == nil {
				others = append(others, attrs[:i]...)
			}
			decls = append(decls, a)
		} else if decls != nil {
			others = append(others, a)
		}
	}
	if decls == nil {
		return nil, attrs
	}
	return decls, others
}

func (enc *encoder) push(attrs []xml.Attr) { enc.scope = appendDecls(enc.scope, attrs) }

// appendDecls appends the namespace declarations among attrs to scope.
func appendDecls(scope []nsDecl, attrs []xml.Attr) []nsDecl {
	for _, a := range attrs {
		switch {
		case a.Name.Space == "xmlns":
			scope = append(scope, nsDecl{a.Name.Local, a.Value})
		case a.Name.Space == "" && a.Name.Local == "xmlns":
			scope = append(scope, nsDecl{"", a.Value})
		}
	}
	return scope
}

// prefixFor finds a prefix bound to url in scope and not shadowed by an
// inner declaration of the same prefix; attributes cannot use the default
// namespace.
func (enc *encoder) prefixFor(url string, forAttr bool) (string, bool) {
	for i := len(enc.scope) - 1; i >= 0; i-- {
		d := enc.scope[i]
		if d.url != url || (forAttr && d.prefix == "") {
			continue
		}
		shadowed := false
		for _, inner := range enc.scope[i+1:] {
			if inner.prefix == d.prefix {
				shadowed = true
				break
			}
		}
		if !shadowed {
			return d.prefix, true
		}
	}
	return "", false
}

func (enc *encoder) defaultNamespace() string {
	for i := len(enc.scope) - 1; i >= 0; i-- {
		if enc.scope[i].prefix == "" {
			return enc.scope[i].url
		}
	}
	return ""
}

func (enc *encoder) bound(prefix string) bool {
	for _, d := range enc.scope {
		if d.prefix == prefix {
			return true
		}
	}
	return false
}

// declare binds a fresh prefix to url on the element being started.
func (enc *encoder) declare(url string, attrs *[]xml.Attr) string {
	prefix := wellKnownPrefixes[url]
	if prefix == "" || enc.bound(prefix) {
		for i := 0; ; i++ {
			prefix = "ns" + strconv.Itoa(i)
			if !enc.bound(prefix) {
				break
			}
		}
	}
	enc.scope = append(enc.scope, nsDecl{prefix, url})
	*attrs = append(*attrs, xml.Attr{Name: xml.Name{Local: "xmlns:" + prefix}, Value: url})
	return prefix
}

// looksLikePrefix tells an undeclared prefix that encoding/xml left in
// Name.Space (the input used it without declaring it) from a namespace URL.
func looksLikePrefix(s string) bool { return !strings.ContainsAny(s, ":/") }

func (enc *encoder) elemName(n xml.Name, attrs *[]xml.Attr) string {
	if n.Space == "" {
		if enc.defaultNamespace() != "" {
			enc.scope = append(enc.scope, nsDecl{"", ""})
			*attrs = append(*attrs, xml.Attr{Name: xml.Name{Local: "xmlns"}, Value: ""})
		}
		return n.Local
	}
	if p, ok := enc.prefixFor(n.Space, false); ok {
		if p == "" {
			return n.Local
		}
		return p + ":" + n.Local
	}
	if looksLikePrefix(n.Space) {
		return n.Space + ":" + n.Local
	}
	return enc.declare(n.Space, attrs) + ":" + n.Local
}

func (enc *encoder) attrName(n xml.Name, attrs *[]xml.Attr) string {
	switch n.Space {
	case "":
		return n.Local
	case "xmlns":
		return "xmlns:" + n.Local
	case xmlNamespace, "xml":
		return "xml:" + n.Local
	}
	if p, ok := enc.prefixFor(n.Space, true); ok {
		return p + ":" + n.Local
	}
	if looksLikePrefix(n.Space) {
		return n.Space + ":" + n.Local
	}
	return enc.declare(n.Space, attrs) + ":" + n.Local
}

// qualifyAttrs returns attrs with qualified names, declaring namespaces on
// the element when needed.
func (enc *encoder) qualifyAttrs(in []xml.Attr, out *[]xml.Attr) {
	for _, a := range in {
		name := enc.attrName(a.Name, out)
		*out = append(*out, xml.Attr{Name: xml.Name{Local: name}, Value: a.Value})
	}
}

func (enc *encoder) encodeStruct(name xml.Name, startAttrs []xml.Attr, sv reflect.Value, ti *typeInfo) error {
	if ti.discriminator != nil {
		fi, err := ti.chosenVariant(sv)
		if err != nil {
			return err
		}
		if fi != nil {
			return enc.encodeVariant(name, startAttrs, sv, ti, fi)
		}
	}
	mark := len(enc.scope)
	defer func() { enc.scope = enc.scope[:mark] }()
	extra := sv.Field(ti.extra).Addr().Interface().(*Extra)
	enc.push(startAttrs)
	enc.push(extra.Attrs)

	attrs := enc.attrs[:0]
	qname := enc.elemName(name, &attrs)
	enc.qualifyAttrs(startAttrs, &attrs)
	decls, others := splitDecls(extra.Attrs)
	enc.qualifyAttrs(decls, &attrs)
	chooser, _ := sv.Addr().Interface().(formatChooser)
	for _, fi := range ti.attrs {
		raw, hasRaw := extra.spelling(fi.key, -1)
		format := fi.format
		if chooser != nil {
			if f := chooser.xmlFormat(fi.name.Local); f != "" {
				format = f
			}
		}
		text, ok, err := fieldText(sv.Field(fi.index), fi, format, raw, hasRaw)
		if err != nil {
			return fmt.Errorf("xmlspec: %s attribute %s: %w", name.Local, fi.name.Local, err)
		}
		if ok {
			an := enc.attrName(fi.name, &attrs)
			attrs = append(attrs, xml.Attr{Name: xml.Name{Local: an}, Value: text})
		}
	}
	enc.qualifyAttrs(others, &attrs)
	enc.attrs = attrs[:0]
	if err := enc.w.start(qname, attrs); err != nil {
		return err
	}
	wroteText, err := enc.encodeChildren(sv, ti, extra)
	if err != nil {
		return err
	}
	if !wroteText {
		if err := enc.chardata(sv, ti, extra); err != nil {
			return err
		}
	}
	return enc.w.end(qname)
}

// chardata writes the chardata field's text, if the struct has one.
func (enc *encoder) chardata(sv reflect.Value, ti *typeInfo, extra *Extra) error {
	fi := ti.chardata
	if fi == nil {
		return nil
	}
	raw, hasRaw := extra.spelling(fi.key, -1)
	text, ok, err := fieldText(sv.Field(fi.index), fi, fi.format, raw, hasRaw)
	if err != nil {
		return fmt.Errorf("xmlspec: %s text: %w", ti.typ.Name(), err)
	}
	if !ok || text == "" {
		return nil
	}
	return enc.w.text(text)
}

// fieldText returns the text of a single-valued leaf field and whether it is
// present: set through a pointer, non-zero, or read from the document with
// the value it still has (which keeps a slot='0' or an empty attribute).
func fieldText(fv reflect.Value, fi *fieldInfo, format, raw string, hasRaw bool) (string, bool, error) {
	if fi.ptr {
		if fv.IsNil() {
			return "", false, nil
		}
		fv = fv.Elem()
	}
	if hasRaw && sameAsRaw(fv, fi.leaf, raw) {
		return raw, true, nil
	}
	if !fi.ptr && fv.IsZero() {
		return "", false, nil
	}
	text, err := formatLeaf(fv, fi.leaf, format)
	return text, err == nil, err
}

// A source of children for one element field, or for Extra.Nodes.
type childSource struct {
	fi    *fieldInfo // nil for Extra.Nodes
	order int
	n     int // children available
	next  int // children written
	seen  bool
	last  int // position of its last entry in Extra.seq
}

// encodeChildren writes the children in the order they were read: it walks
// Extra.seq and, for each entry, writes the next child of that kind, all the
// remaining ones at the kind's last entry (so appended items follow their
// siblings). Kinds absent from the document go where the struct's field
// order puts them.
func (enc *encoder) encodeChildren(sv reflect.Value, ti *typeInfo, extra *Extra) (wroteText bool, err error) {
	// The sources live on a stack shared by the whole document; srcs stays
	// valid when a child's own sources make the stack grow, since only this
	// call reads its part.
	base := len(enc.srcs)
	enc.srcs = slices.Grow(enc.srcs, len(ti.elems)+1)[:base+len(ti.elems)+1]
	defer func() { enc.srcs = enc.srcs[:base] }()
	srcs := enc.srcs[base:]
	for i, fi := range ti.elems {
		srcs[i] = childSource{fi: fi, order: i, n: childCount(sv.Field(fi.index), fi, extra)}
	}
	srcs[len(ti.elems)] = childSource{}
	nodes := &srcs[len(ti.elems)]
	nodes.order = len(ti.elems)
	nodes.n = len(extra.Nodes)

	lookup := func(key string) *childSource {
		if key == nodeKey {
			return nodes
		}
		if fi := ti.byKey[key]; fi != nil {
			return &srcs[fi.order]
		}
		return nil
	}
	for i, key := range extra.seq {
		if s := lookup(key); s != nil {
			s.seen, s.last = true, i
		}
	}
	pending := 0 // next source, in field order, to check for unseen kinds
	flushUnseen := func(before int) error {
		for ; pending < len(srcs) && srcs[pending].order < before; pending++ {
			if s := &srcs[pending]; !s.seen {
				if err := enc.writeChildren(sv, extra, s, s.n-s.next); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for i, key := range extra.seq {
		if key == textKey && !wroteText {
			if err := enc.chardata(sv, ti, extra); err != nil {
				return false, err
			}
			wroteText = true
			continue
		}
		s := lookup(key)
		if s == nil || s.next >= s.n {
			continue
		}
		if s.fi != nil {
			// Unknown nodes say nothing about where new kinds belong.
			if err := flushUnseen(s.order); err != nil {
				return false, err
			}
		}
		count := 1
		if i == s.last {
			count = s.n - s.next
		}
		if err := enc.writeChildren(sv, extra, s, count); err != nil {
			return false, err
		}
	}
	return wroteText, flushUnseen(len(srcs))
}

func childCount(fv reflect.Value, fi *fieldInfo, extra *Extra) int {
	switch {
	case fi.slice:
		return fv.Len()
	case fi.ptr:
		if fv.IsNil() {
			return 0
		}
		return 1
	case fi.leaf != notLeaf:
		raw, hasRaw := extra.spelling(fi.key, -1)
		if !fv.IsZero() || (hasRaw && sameAsRaw(fv, fi.leaf, raw)) {
			return 1
		}
	}
	return 0
}

func (enc *encoder) writeChildren(sv reflect.Value, extra *Extra, s *childSource, count int) error {
	for ; count > 0; count-- {
		i := s.next
		s.next++
		if s.fi == nil {
			if err := enc.encodeNode(&extra.Nodes[i]); err != nil {
				return err
			}
			continue
		}
		fi := s.fi
		v := sv.Field(fi.index)
		switch {
		case fi.slice:
			v = v.Index(i)
		case fi.ptr:
			v = v.Elem()
		}
		if fi.leaf == notLeaf {
			eti, err := fi.elemType()
			if err != nil {
				return err
			}
			if err := enc.encodeStruct(fi.name, nil, v, eti); err != nil {
				return err
			}
			continue
		}
		item := -1
		if fi.slice {
			item = i
		}
		raw, hasRaw := extra.spelling(fi.key, item)
		text, err := leafText(v, fi.leaf, fi.format, raw, hasRaw)
		if err != nil {
			return fmt.Errorf("xmlspec: element %s: %w", fi.name.Local, err)
		}
		if err := enc.simpleElement(fi.name, text); err != nil {
			return err
		}
	}
	return nil
}

func (enc *encoder) simpleElement(name xml.Name, text string) error {
	mark := len(enc.scope)
	defer func() { enc.scope = enc.scope[:mark] }()
	attrs := enc.attrs[:0]
	qname := enc.elemName(name, &attrs)
	enc.attrs = attrs[:0]
	if err := enc.w.start(qname, attrs); err != nil {
		return err
	}
	if text != "" {
		if err := enc.w.text(text); err != nil {
			return err
		}
	}
	return enc.w.end(qname)
}

func (enc *encoder) encodeNode(n *Node) error {
	switch n.Kind {
	case TextNode:
		return enc.w.text(n.Data)
	case CommentNode:
		return enc.w.comment(n.Data)
	case ProcInstNode:
		return enc.w.procInst(n.Name.Local, n.Data)
	case ElementNode:
	default:
		return fmt.Errorf("xmlspec: node of unknown kind %d", n.Kind)
	}
	mark := len(enc.scope)
	defer func() { enc.scope = enc.scope[:mark] }()
	enc.push(n.Attrs)
	attrs := enc.attrs[:0]
	qname := enc.elemName(n.Name, &attrs)
	enc.qualifyAttrs(n.Attrs, &attrs)
	enc.attrs = attrs[:0]
	if err := enc.w.start(qname, attrs); err != nil {
		return err
	}
	for i := range n.Children {
		if err := enc.encodeNode(&n.Children[i]); err != nil {
			return err
		}
	}
	return enc.w.end(qname)
}
