package xdrgen

import (
	"fmt"
	"regexp"
	"strings"
)

// ParseError is a syntax error in an .x file.
type ParseError struct {
	Pos Pos
	Msg string
}

func (e *ParseError) Error() string { return e.Pos.String() + ": " + e.Msg }

type parser struct {
	toks []token
	i    int
}

// Parse parses the XDR language as libvirt's .x files use it: const, enum,
// typedef, struct and union definitions; '%' lines are skipped.
func Parse(file, src string) (*File, error) {
	toks, err := lex(file, src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	f := &File{Name: file}
	for p.peek().kind != tokEOF {
		if err := p.definition(f); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

func (p *parser) errorf(t token, format string, args ...any) error {
	return &ParseError{Pos: t.pos, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) expect(text string) (token, error) {
	t := p.next()
	if t.text != text || t.kind == tokEOF {
		return t, p.errorf(t, "expected %q, found %s", text, t)
	}
	return t, nil
}

func (p *parser) ident(what string) (token, error) {
	t := p.next()
	if t.kind != tokIdent {
		return t, p.errorf(t, "expected %s, found %s", what, t)
	}
	return t, nil
}

func (p *parser) value(what string) (Value, error) {
	t := p.next()
	if t.kind != tokIdent && t.kind != tokNumber {
		return Value{}, p.errorf(t, "expected %s (a number or constant name), found %s", what, t)
	}
	return Value{Text: t.text, Pos: t.pos}, nil
}

func (p *parser) definition(f *File) error {
	t := p.next()
	switch t.text {
	case "const":
		name, err := p.ident("constant name")
		if err != nil {
			return err
		}
		if _, err := p.expect("="); err != nil {
			return err
		}
		v, err := p.value("constant value")
		if err != nil {
			return err
		}
		if _, err := p.expect(";"); err != nil {
			return err
		}
		c := &Const{Name: name.text, Value: v, Pos: name.pos}
		f.Const = append(f.Const, c)
		f.Defs = append(f.Defs, c)
	case "enum":
		name, err := p.ident("enum name")
		if err != nil {
			return err
		}
		e := &Enum{Name: name.text, Pos: name.pos}
		if err := p.enumBody(e); err != nil {
			return err
		}
		if _, err := p.expect(";"); err != nil {
			return err
		}
		f.Enum = append(f.Enum, e)
		f.Defs = append(f.Defs, e)
	case "typedef":
		d, err := p.declaration()
		if err != nil {
			return err
		}
		if d.Kind == DeclVoid {
			return p.errorf(t, "typedef of void")
		}
		if _, err := p.expect(";"); err != nil {
			return err
		}
		td := &TypeDef{Kind: KindTypedef, Name: d.Name, Decl: d, Pos: d.Pos}
		f.Type = append(f.Type, td)
		f.Defs = append(f.Defs, td)
	case "struct":
		name, err := p.ident("struct name")
		if err != nil {
			return err
		}
		td := &TypeDef{Kind: KindStruct, Name: name.text, Pos: name.pos}
		if _, err := p.expect("{"); err != nil {
			return err
		}
		for p.peek().text != "}" {
			d, err := p.declaration()
			if err != nil {
				return err
			}
			if _, err := p.expect(";"); err != nil {
				return err
			}
			if d.Kind != DeclVoid {
				td.Fields = append(td.Fields, d)
			}
		}
		p.next()
		if _, err := p.expect(";"); err != nil {
			return err
		}
		f.Type = append(f.Type, td)
		f.Defs = append(f.Defs, td)
	case "union":
		td, err := p.union()
		if err != nil {
			return err
		}
		f.Type = append(f.Type, td)
		f.Defs = append(f.Defs, td)
	default:
		return p.errorf(t, "expected a definition (const, enum, typedef, struct or union), found %s", t)
	}
	return nil
}

func (p *parser) enumBody(e *Enum) error {
	if _, err := p.expect("{"); err != nil {
		return err
	}
	for {
		t := p.peek()
		if t.text == "}" {
			if len(e.Values) == 0 {
				return p.errorf(t, "enum %s has no values", e.Name)
			}
			p.next()
			return nil
		}
		name, err := p.ident("enum value name")
		if err != nil {
			return err
		}
		if _, err := p.expect("="); err != nil {
			return err
		}
		v, err := p.value("enum value")
		if err != nil {
			return err
		}
		e.Values = append(e.Values, &EnumValue{Name: name.text, Value: v, Pos: name.pos, Annotations: annotations(name.doc)})
		switch t := p.next(); t.text {
		case ",":
		case "}":
			return nil
		default:
			return p.errorf(t, "expected \",\" or \"}\" in enum %s, found %s", e.Name, t)
		}
	}
}

func (p *parser) union() (*TypeDef, error) {
	name, err := p.ident("union name")
	if err != nil {
		return nil, err
	}
	td := &TypeDef{Kind: KindUnion, Name: name.text, Pos: name.pos}
	if _, err := p.expect("switch"); err != nil {
		return nil, err
	}
	if _, err := p.expect("("); err != nil {
		return nil, err
	}
	if td.Disc, err = p.declaration(); err != nil {
		return nil, err
	}
	if _, err := p.expect(")"); err != nil {
		return nil, err
	}
	if _, err := p.expect("{"); err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		switch t.text {
		case "case":
			c := &Case{}
			for p.peek().text == "case" {
				p.next()
				v, err := p.value("case value")
				if err != nil {
					return nil, err
				}
				if _, err := p.expect(":"); err != nil {
					return nil, err
				}
				c.Values = append(c.Values, v)
			}
			d, err := p.declaration()
			if err != nil {
				return nil, err
			}
			if _, err := p.expect(";"); err != nil {
				return nil, err
			}
			if d.Kind != DeclVoid {
				c.Decl = d
			}
			td.Cases = append(td.Cases, c)
		case "default":
			p.next()
			if _, err := p.expect(":"); err != nil {
				return nil, err
			}
			d, err := p.declaration()
			if err != nil {
				return nil, err
			}
			if _, err := p.expect(";"); err != nil {
				return nil, err
			}
			td.Default = d
		case "}":
			p.next()
			if len(td.Cases) == 0 {
				return nil, p.errorf(t, "union %s has no cases", td.Name)
			}
			if _, err := p.expect(";"); err != nil {
				return nil, err
			}
			return td, nil
		default:
			return nil, p.errorf(t, "expected \"case\", \"default\" or \"}\" in union %s, found %s", td.Name, t)
		}
	}
}

// declaration parses one declaration (without the trailing ';').
func (p *parser) declaration() (*Decl, error) {
	t := p.next()
	if t.kind != tokIdent {
		return nil, p.errorf(t, "expected a type, found %s", t)
	}
	d := &Decl{Pos: t.pos}
	switch t.text {
	case "void":
		d.Kind = DeclVoid
		return d, nil
	case "unsigned":
		d.Type.Unsigned = true
		if n := p.peek(); n.kind == tokIdent && (n.text == "int" || n.text == "hyper" || n.text == "char" || n.text == "short" || n.text == "long") {
			d.Type.Name = p.next().text
		} else {
			d.Type.Name = "int"
		}
	case "struct", "enum", "union":
		return nil, p.errorf(t, "inline %s definitions are not supported; define the type separately", t.text)
	default:
		d.Type.Name = t.text
	}
	if p.peek().text == "*" {
		p.next()
		d.Kind = DeclOptional
	}
	name, err := p.ident("a declaration name")
	if err != nil {
		return nil, err
	}
	d.Name = name.text
	switch p.peek().text {
	case "[":
		if d.Kind == DeclOptional {
			return nil, p.errorf(p.peek(), "an optional declaration cannot be an array")
		}
		p.next()
		if d.Size, err = p.value("array size"); err != nil {
			return nil, err
		}
		if _, err := p.expect("]"); err != nil {
			return nil, err
		}
		d.Kind = DeclFixed
	case "<":
		if d.Kind == DeclOptional {
			return nil, p.errorf(p.peek(), "an optional declaration cannot be an array")
		}
		p.next()
		if p.peek().text != ">" {
			if d.Size, err = p.value("array size"); err != nil {
				return nil, err
			}
		}
		if _, err := p.expect(">"); err != nil {
			return nil, err
		}
		d.Kind = DeclVar
	}
	switch {
	case d.Type.Name == "string" && d.Kind != DeclVar:
		return nil, p.errorf(name, "string %s must be declared with <max>", d.Name)
	case d.Type.Name == "opaque" && d.Kind != DeclVar && d.Kind != DeclFixed:
		return nil, p.errorf(name, "opaque %s must be declared with [size] or <max>", d.Name)
	}
	return d, nil
}

var annotationRE = regexp.MustCompile(`^@([a-z]+):\s*(\S.*?)\s*$`)

// annotations extracts libvirt's "@key: value" lines from a doc comment.
func annotations(doc string) map[string][]string {
	if !strings.Contains(doc, "@") {
		return nil
	}
	m := map[string][]string{}
	for _, line := range strings.Split(doc, "\n") {
		line = strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(line), "*"))
		if sm := annotationRE.FindStringSubmatch(line); sm != nil {
			m[sm[1]] = append(m[sm[1]], sm[2])
		}
	}
	return m
}
