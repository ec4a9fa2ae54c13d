package xmlspec

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strings"
)

// canonical returns a form of an XML document in which two documents are
// equal exactly when they hold the same elements (names resolved to
// namespace URLs), the same attributes (in any order), the same text and the
// same comments, children in the same order within each parent. Blank text
// is indentation and does not count, nor does space around text mixed with
// elements; other text counts exactly. One line per node, so a diff points at the first
// difference. It also returns the number of elements and attributes
// (namespace declarations aside), the denominator of the typed share.
func canonical(data []byte) (string, int, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	var (
		b     strings.Builder
		count int
	)
	type frame struct {
		nodes []string // rendered children of the open element
		elems bool     // has element children
	}
	stack := []*frame{{}}
	depth := func() string { return strings.Repeat("  ", len(stack)-1) }
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", 0, err
		}
		top := stack[len(stack)-1]
		switch t := tok.(type) {
		case xml.StartElement:
			count++
			var attrs []string
			for _, a := range t.Attr {
				if !isDecl(a) {
					count++
				}
				attrs = append(attrs, fmt.Sprintf("%s=%q", qname(a.Name), a.Value))
			}
			sort.Strings(attrs)
			top.elems = true
			line := depth() + "<" + qname(t.Name)
			if len(attrs) > 0 {
				line += " " + strings.Join(attrs, " ")
			}
			top.nodes = append(top.nodes, line+">")
			stack = append(stack, &frame{})
		case xml.EndElement:
			ind := depth()
			stack = stack[:len(stack)-1]
			parent := stack[len(stack)-1]
			var kids []string
			for _, n := range top.nodes {
				if strings.HasPrefix(n, "\x00text:") {
					txt := n[len("\x00text:"):]
					if strings.TrimSpace(txt) == "" {
						continue
					}
					if top.elems {
						txt = strings.TrimSpace(txt)
					}
					n = ind + fmt.Sprintf("text %q", txt)
				}
				kids = append(kids, n)
			}
			parent.nodes = append(parent.nodes, kids...)
		case xml.CharData:
			// Adjacent text (CDATA next to text) is one node.
			if k := len(top.nodes); k > 0 && strings.HasPrefix(top.nodes[k-1], "\x00text:") {
				top.nodes[k-1] += string(t)
			} else {
				top.nodes = append(top.nodes, "\x00text:"+string(t))
			}
		case xml.Comment:
			top.nodes = append(top.nodes, depth()+fmt.Sprintf("comment %q", string(t)))
		case xml.ProcInst:
			if len(stack) > 1 {
				top.nodes = append(top.nodes, depth()+fmt.Sprintf("pi %s %q", t.Target, string(t.Inst)))
			}
		}
	}
	for _, n := range stack[0].nodes {
		if strings.HasPrefix(n, "\x00text:") || strings.HasPrefix(n, "comment") {
			continue // outside the root element
		}
		b.WriteString(n)
		b.WriteByte('\n')
	}
	return b.String(), count, nil
}

// firstDiff describes the first line where a and b differ.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\n  want %s\n  got  %s", i+1, x, y)
		}
	}
	return "no difference"
}
