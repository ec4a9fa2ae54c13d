package xmlspec

import (
	"encoding/xml"
	"slices"
	"strings"
)

// Extra keeps what a struct does not model, so that reading and writing a
// document loses nothing. Every element struct in this package has one, in a
// field named Extra.
//
// It also remembers, invisibly, the order in which the element's children
// appeared and the spelling of typed values (a MAC address in upper case, a
// PCI slot written in hex), so that Marshal writes an unchanged document
// back as it was read. Values changed through the typed fields are written
// in libvirt's usual form; children added to a list are written after the
// existing children of the same kind.
type Extra struct {
	// Attrs are the attributes the struct has no field for, in document
	// order. Names are as encoding/xml resolves them: Space holds the
	// namespace URL, and a namespace declaration is {Space: "xmlns",
	// Local: prefix} or, for the default namespace, {Local: "xmlns"}.
	Attrs []xml.Attr

	// Nodes are the children the struct has no field for (elements,
	// comments, non-blank text), in document order.
	Nodes []Node

	seq   []string       // keys of the children in document order
	raw   []spelling     // original spelling of typed values
	rawAt map[rawKey]int // index in raw, once raw is long
}

// rawKey names the value a spelling belongs to: a field's key, and for an
// item of a list field its index (-1 otherwise).
type rawKey struct {
	key  string
	item int
}

type spelling struct {
	rawKey
	value string
}

// rawIndexAt is the length from which raw is indexed by a map, so that a
// hostile element with thousands of typed list items costs no quadratic
// search; below it a search through a few entries is faster than hashing.
const rawIndexAt = 16

// Equal reports whether x and y hold the same unmodelled attributes and
// nodes, ignoring the remembered order and spellings. github.com/google/go-cmp
// uses it, so cmp.Diff of two structs compares what they hold.
func (x Extra) Equal(y Extra) bool {
	return slices.Equal(x.Attrs, y.Attrs) && slices.EqualFunc(x.Nodes, y.Nodes, Node.Equal)
}

// Equal reports whether n and m are the same node with the same content.
func (n Node) Equal(m Node) bool {
	return n.Kind == m.Kind && n.Name == m.Name && n.Data == m.Data &&
		slices.Equal(n.Attrs, m.Attrs) && slices.EqualFunc(n.Children, m.Children, Node.Equal)
}

// IsEmpty reports whether x holds no unmodelled attribute or child.
func (x *Extra) IsEmpty() bool { return len(x.Attrs) == 0 && len(x.Nodes) == 0 }

// Attr returns the value of the unmodelled attribute with the given
// namespace URL (empty for none) and local name.
func (x *Extra) Attr(space, local string) (string, bool) { return findAttr(x.Attrs, space, local) }

// SetAttr sets an unmodelled attribute, replacing one of the same name.
func (x *Extra) SetAttr(space, local, value string) {
	for i, a := range x.Attrs {
		if a.Name.Space == space && a.Name.Local == local {
			x.Attrs[i].Value = value
			return
		}
	}
	x.Attrs = append(x.Attrs, xml.Attr{Name: xml.Name{Space: space, Local: local}, Value: value})
}

// Elements returns the unmodelled child elements with the given namespace
// URL and local name; an empty local name matches any element of the
// namespace.
func (x *Extra) Elements(space, local string) []*Node {
	return findElements(x.Nodes, space, local)
}

func (x *Extra) setRaw(key string, item int, value string) {
	k := rawKey{key, item}
	if i, ok := x.rawIndex(k); ok {
		x.raw[i].value = value
		return
	}
	x.raw = append(x.raw, spelling{k, value})
	switch {
	case x.rawAt != nil:
		x.rawAt[k] = len(x.raw) - 1
	case len(x.raw) >= rawIndexAt:
		x.rawAt = make(map[rawKey]int, len(x.raw))
		for i, s := range x.raw {
			x.rawAt[s.rawKey] = i
		}
	}
}

func (x *Extra) rawIndex(k rawKey) (int, bool) {
	if x.rawAt != nil {
		i, ok := x.rawAt[k]
		return i, ok
	}
	for i := range x.raw {
		if x.raw[i].rawKey == k {
			return i, true
		}
	}
	return 0, false
}

// spelling returns the spelling the value of field key (item of a list, or
// -1) was read with.
func (x *Extra) spelling(key string, item int) (string, bool) {
	if len(x.raw) == 0 {
		return "", false
	}
	if i, ok := x.rawIndex(rawKey{key, item}); ok {
		return x.raw[i].value, true
	}
	return "", false
}

// NodeKind says what a Node is.
type NodeKind uint8

// The kinds of Node. The zero value is an element.
const (
	ElementNode  NodeKind = iota // an element with Name, Attrs and Children
	TextNode                     // character data in Data
	CommentNode                  // a comment, its text in Data
	ProcInstNode                 // a processing instruction: target in Name.Local, the rest in Data
)

// Node is a piece of XML that no struct field models: an element with all
// it contains, or a comment or text. Names are resolved as encoding/xml
// resolves them (see Extra.Attrs); Marshal writes them back with the prefixes
// declared in scope, declaring one when none is.
type Node struct {
	Kind     NodeKind
	Name     xml.Name
	Attrs    []xml.Attr
	Children []Node
	Data     string
}

// Text returns the concatenated character data directly inside n.
func (n *Node) Text() string {
	if n.Kind == TextNode {
		return n.Data
	}
	var b strings.Builder
	for _, c := range n.Children {
		if c.Kind == TextNode {
			b.WriteString(c.Data)
		}
	}
	return b.String()
}

// Attr returns the value of n's attribute with the given namespace URL and
// local name.
func (n *Node) Attr(space, local string) (string, bool) { return findAttr(n.Attrs, space, local) }

// Elements returns n's child elements with the given namespace URL and local
// name; an empty local name matches any element of the namespace.
func (n *Node) Elements(space, local string) []*Node {
	return findElements(n.Children, space, local)
}

func findAttr(attrs []xml.Attr, space, local string) (string, bool) {
	for _, a := range attrs {
		if a.Name.Space == space && a.Name.Local == local {
			return a.Value, true
		}
	}
	return "", false
}

func findElements(nodes []Node, space, local string) []*Node {
	var out []*Node
	for i := range nodes {
		n := &nodes[i]
		if n.Kind == ElementNode && n.Name.Space == space && (local == "" || n.Name.Local == local) {
			out = append(out, n)
		}
	}
	return out
}
