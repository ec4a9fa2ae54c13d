package xmlspec

import (
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The Parse functions read a document held in memory with scanner, which
// yields the tokens encoding/xml's Decoder.Token would (names resolved to
// namespace URLs, end tags checked against their start), but whose strings
// are substrings of one copy of the document: a token costs no allocation
// of its own, where encoding/xml copies every name, value and text. The
// scanner takes only what it can read exactly as encoding/xml does; on
// anything else (a syntax error, a DOCTYPE, a name outside ASCII, another
// encoding) it gives up with errSlowPath and the document is read again
// through encoding/xml, which decides and words the error.

// tokenKind says what a token is.
type tokenKind uint8

const (
	startToken tokenKind = iota + 1
	endToken
	textToken
	commentToken
	procInstToken
	directiveToken
)

// A token is one piece of a document, as the decoder reads it from either
// source (scanner, or encoding/xml through decoderTokens).
type token struct {
	kind  tokenKind
	name  xml.Name   // start and end; a processing instruction's target in Local
	attrs []xml.Attr // start
	data  string     // text, comment, processing instruction, directive
}

// A tokenSource yields a document's tokens; io.EOF after the last.
type tokenSource interface {
	next() (token, error)
}

// decoderTokens reads tokens through encoding/xml, for UnmarshalXML and
// for what the scanner leaves to it.
type decoderTokens struct{ d *xml.Decoder }

func (s decoderTokens) next() (token, error) {
	tok, err := s.d.Token()
	if err != nil {
		return token{}, err
	}
	return s.convert(tok)
}

func (decoderTokens) convert(tok xml.Token) (token, error) {
	switch t := tok.(type) {
	case xml.StartElement:
		return token{kind: startToken, name: t.Name, attrs: t.Attr}, nil
	case xml.EndElement:
		return token{kind: endToken, name: t.Name}, nil
	case xml.CharData:
		return token{kind: textToken, data: string(t)}, nil
	case xml.Comment:
		return token{kind: commentToken, data: string(t)}, nil
	case xml.ProcInst:
		return token{kind: procInstToken, name: xml.Name{Local: t.Target}, data: string(t.Inst)}, nil
	case xml.Directive:
		return token{kind: directiveToken, data: string(t)}, nil
	}
	return token{}, errors.New("xmlspec: unknown token from encoding/xml")
}

// errSlowPath is the scanner giving a document up to encoding/xml.
var errSlowPath = errors.New("xmlspec: document left to encoding/xml")

// openElement is an element the scanner is inside.
type openElement struct {
	raw  xml.Name // as written: Space holds the prefix
	mark int      // len(scanner.ns) before its declarations
}

type scanner struct {
	s     string
	pos   int
	open  []openElement
	ns    []nsDecl   // in scope, innermost last
	attrs []xml.Attr // scratch for a start tag's attributes
	// closing is set after a self-closing tag, whose end the next call
	// returns.
	closing bool
}

func newScanner(s string) *scanner { return &scanner{s: s} }

func (sc *scanner) next() (token, error) {
	if sc.closing {
		sc.closing = false
		return sc.end(sc.open[len(sc.open)-1].raw)
	}
	if sc.pos >= len(sc.s) {
		if len(sc.open) > 0 {
			return token{}, errSlowPath // unexpected EOF
		}
		return token{}, io.EOF
	}
	if sc.s[sc.pos] != '<' {
		data, err := sc.text()
		return token{kind: textToken, data: data}, err
	}
	rest := sc.s[sc.pos+1:]
	switch {
	case strings.HasPrefix(rest, "/"):
		return sc.endTag()
	case strings.HasPrefix(rest, "?"):
		return sc.procInst()
	case strings.HasPrefix(rest, "!--"):
		return sc.comment()
	case strings.HasPrefix(rest, "![CDATA["):
		return sc.cdata()
	case strings.HasPrefix(rest, "!"):
		return token{}, errSlowPath // a directive
	}
	return sc.startTag()
}

// name reads an XML name of ASCII characters at sc.pos.
func (sc *scanner) name() (string, bool) {
	i := sc.pos
	if i >= len(sc.s) || !isNameStart(sc.s[i]) {
		return "", false
	}
	for i++; i < len(sc.s) && isNameByte(sc.s[i]); i++ {
	}
	if i < len(sc.s) && sc.s[i] >= utf8.RuneSelf {
		return "", false // a name outside ASCII: encoding/xml's tables decide
	}
	n := sc.s[sc.pos:i]
	sc.pos = i
	return n, true
}

func isNameStart(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || c == '_' || c == ':'
}

func isNameByte(c byte) bool {
	return isNameStart(c) || '0' <= c && c <= '9' || c == '.' || c == '-'
}

// qualified splits a name as encoding/xml does: "p:l" is Space p, Local
// l; no colon, or a colon at either end, is all Local; two colons are an
// error.
func qualified(n string) (xml.Name, bool) {
	i := strings.IndexByte(n, ':')
	switch {
	case i < 0:
		return xml.Name{Local: n}, true
	case strings.IndexByte(n[i+1:], ':') >= 0:
		return xml.Name{}, false
	case i == 0 || i == len(n)-1:
		return xml.Name{Local: n}, true
	}
	return xml.Name{Space: n[:i], Local: n[i+1:]}, true
}

func (sc *scanner) space() {
	for sc.pos < len(sc.s) {
		switch sc.s[sc.pos] {
		case ' ', '\t', '\r', '\n':
			sc.pos++
		default:
			return
		}
	}
}

// qname reads a name at sc.pos and splits it (see qualified).
func (sc *scanner) qname() (xml.Name, bool) {
	n, ok := sc.name()
	if !ok {
		return xml.Name{}, false
	}
	return qualified(n)
}

func (sc *scanner) startTag() (token, error) {
	sc.pos++ // <
	raw, ok := sc.qname()
	if !ok {
		return token{}, errSlowPath
	}
	attrs := sc.attrs[:0]
	empty := false
	for {
		sc.space()
		if sc.pos >= len(sc.s) {
			return token{}, errSlowPath
		}
		c := sc.s[sc.pos]
		if c == '>' {
			sc.pos++
			break
		}
		if c == '/' {
			if !strings.HasPrefix(sc.s[sc.pos:], "/>") {
				return token{}, errSlowPath
			}
			sc.pos += 2
			empty = true
			break
		}
		name, ok := sc.qname()
		if !ok {
			return token{}, errSlowPath
		}
		sc.space()
		if sc.pos >= len(sc.s) || sc.s[sc.pos] != '=' {
			return token{}, errSlowPath
		}
		sc.pos++
		sc.space()
		if sc.pos >= len(sc.s) || (sc.s[sc.pos] != '"' && sc.s[sc.pos] != '\'') {
			return token{}, errSlowPath
		}
		quote := sc.s[sc.pos]
		sc.pos++
		end := strings.IndexByte(sc.s[sc.pos:], quote)
		if end < 0 {
			return token{}, errSlowPath
		}
		value, err := unescape(sc.s[sc.pos:sc.pos+end], true)
		if err != nil {
			return token{}, err
		}
		sc.pos += end + 1
		attrs = append(attrs, xml.Attr{Name: name, Value: value})
	}
	sc.attrs = attrs[:0]

	mark := len(sc.ns)
	sc.ns = appendDecls(sc.ns, attrs)
	sc.open = append(sc.open, openElement{raw: raw, mark: mark})
	t := token{kind: startToken, name: sc.translate(raw, true), attrs: []xml.Attr{}}
	if len(attrs) > 0 {
		t.attrs = make([]xml.Attr, len(attrs))
		for i, a := range attrs {
			t.attrs[i] = xml.Attr{Name: sc.translate(a.Name, false), Value: a.Value}
		}
	}
	sc.closing = empty
	return t, nil
}

// translate resolves a name's prefix to its namespace URL as encoding/xml
// does: an unprefixed element is in the default namespace, an unprefixed
// attribute in none, xmlns declarations stay as written, and a prefix
// bound nowhere stays in Space.
func (sc *scanner) translate(n xml.Name, element bool) xml.Name {
	switch {
	case n.Space == "xmlns":
		return n
	case n.Space == "" && !element:
		return n
	case n.Space == "xml":
		n.Space = xmlNamespace
	case n.Space == "" && n.Local == "xmlns":
		return n
	}
	for i := len(sc.ns) - 1; i >= 0; i-- {
		if sc.ns[i].prefix == n.Space {
			n.Space = sc.ns[i].url
			return n
		}
	}
	return n
}

func (sc *scanner) endTag() (token, error) {
	sc.pos += 2 // </
	raw, ok := sc.qname()
	if !ok {
		return token{}, errSlowPath
	}
	sc.space()
	if sc.pos >= len(sc.s) || sc.s[sc.pos] != '>' {
		return token{}, errSlowPath
	}
	sc.pos++
	if len(sc.open) == 0 || sc.open[len(sc.open)-1].raw != raw {
		return token{}, errSlowPath
	}
	return sc.end(raw)
}

// end closes the innermost element, named raw.
func (sc *scanner) end(raw xml.Name) (token, error) {
	t := token{kind: endToken, name: sc.translate(raw, true)}
	top := sc.open[len(sc.open)-1]
	sc.ns = sc.ns[:top.mark]
	sc.open = sc.open[:len(sc.open)-1]
	return t, nil
}

func (sc *scanner) text() (string, error) {
	i := strings.IndexByte(sc.s[sc.pos:], '<')
	if i < 0 {
		i = len(sc.s) - sc.pos
	}
	raw := sc.s[sc.pos : sc.pos+i]
	if strings.Contains(raw, "]]>") {
		return "", errSlowPath
	}
	sc.pos += i
	return unescape(raw, false)
}

func (sc *scanner) cdata() (token, error) {
	start := sc.pos + len("<![CDATA[")
	i := strings.Index(sc.s[start:], "]]>")
	if i < 0 {
		return token{}, errSlowPath
	}
	data := sc.s[start : start+i]
	sc.pos = start + i + 3
	if strings.IndexByte(data, '\r') >= 0 || !validChars(data) {
		return token{}, errSlowPath
	}
	return token{kind: textToken, data: data}, nil
}

func (sc *scanner) comment() (token, error) {
	start := sc.pos + len("<!--")
	i := strings.Index(sc.s[start:], "--")
	if i < 0 || !strings.HasPrefix(sc.s[start+i:], "-->") {
		return token{}, errSlowPath // unterminated, or "--" inside
	}
	data := sc.s[start : start+i]
	sc.pos = start + i + 3
	if !validChars(data) {
		// encoding/xml does not check a comment's characters; it is
		// left to it so that whatever it does is what happens.
		return token{}, errSlowPath
	}
	return token{kind: commentToken, data: data}, nil
}

func (sc *scanner) procInst() (token, error) {
	sc.pos += 2 // <?
	target, ok := sc.name()
	if !ok {
		return token{}, errSlowPath
	}
	sc.space()
	i := strings.Index(sc.s[sc.pos:], "?>")
	if i < 0 {
		return token{}, errSlowPath
	}
	data := sc.s[sc.pos : sc.pos+i]
	sc.pos += i + 2
	if target == "xml" && !plainDeclaration(data) {
		return token{}, errSlowPath
	}
	if !validChars(data) {
		return token{}, errSlowPath
	}
	return token{kind: procInstToken, name: xml.Name{Local: target}, data: data}, nil
}

// plainDeclaration reports whether an XML declaration's content is
// version 1.0, UTF-8 (or no encoding) and standalone, nothing else, each
// once: what encoding/xml reads without asking for a CharsetReader.
func plainDeclaration(s string) bool {
	seen := map[string]bool{}
	for {
		s = strings.TrimLeft(s, " \t\r\n")
		if s == "" {
			return seen["version"]
		}
		key, rest, ok := strings.Cut(s, "=")
		if !ok || len(rest) < 2 || (rest[0] != '"' && rest[0] != '\'') {
			return false
		}
		end := strings.IndexByte(rest[1:], rest[0])
		if end < 0 {
			return false
		}
		value := rest[1 : 1+end]
		s = rest[2+end:]
		if seen[key] || strings.ContainsAny(value, "=\"' ") {
			return false
		}
		seen[key] = true
		switch key {
		case "version":
			if value != "1.0" {
				return false
			}
		case "encoding":
			if !strings.EqualFold(value, "utf-8") {
				return false
			}
		case "standalone":
			if value != "yes" && value != "no" {
				return false
			}
		default:
			return false
		}
	}
}

// unescape returns text or an attribute value with its character and
// entity references replaced, as a substring of s when it has none.
func unescape(s string, attr bool) (string, error) {
	if attr && strings.IndexByte(s, '<') >= 0 {
		return "", errSlowPath
	}
	if strings.IndexByte(s, '&') < 0 && strings.IndexByte(s, '\r') < 0 {
		if !validChars(s) {
			return "", errSlowPath
		}
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		switch c {
		case '\r':
			b.WriteByte('\n')
			i++
			if i < len(s) && s[i] == '\n' {
				i++
			}
			continue
		case '&':
		default:
			b.WriteByte(c)
			i++
			continue
		}
		semi := strings.IndexByte(s[i:], ';')
		if semi < 0 {
			return "", errSlowPath
		}
		ref := s[i+1 : i+semi]
		i += semi + 1
		switch ref {
		case "lt":
			b.WriteByte('<')
		case "gt":
			b.WriteByte('>')
		case "amp":
			b.WriteByte('&')
		case "apos":
			b.WriteByte('\'')
		case "quot":
			b.WriteByte('"')
		default:
			r, ok := charRef(ref)
			if !ok {
				return "", errSlowPath
			}
			b.WriteRune(r)
		}
	}
	out := b.String()
	if !validChars(out) {
		return "", errSlowPath
	}
	return out, nil
}

// charRef reads "#65" or "#x41", taking only a character XML allows.
func charRef(ref string) (rune, bool) {
	if len(ref) < 2 || ref[0] != '#' {
		return 0, false
	}
	digits, base := ref[1:], 10
	if digits[0] == 'x' {
		digits, base = digits[1:], 16
	}
	if digits == "" || len(digits) > 8 {
		return 0, false
	}
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		if !('0' <= c && c <= '9' || base == 16 && ('a' <= c && c <= 'f' || 'A' <= c && c <= 'F')) {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(digits, base, 32)
	if err != nil || !utf8.ValidRune(rune(n)) || !xmlChar(rune(n)) {
		return 0, false
	}
	return rune(n), true
}

// validChars reports whether s is UTF-8 made of characters XML allows.
func validChars(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || !xmlChar(r) {
			return false
		}
		i += n
	}
	return true
}

func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}
