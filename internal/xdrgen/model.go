package xdrgen

import (
	"fmt"
	"strconv"
	"strings"
)

// program is one libvirt RPC program and the Go package generated for it.
type program struct {
	pkg     string   // Go package name: remote, qemu...
	prefix  string   // C prefix stripped from names: "remote_"
	file    *File    // the .x file that defines it
	imports []string // packages of other programs it uses types from
	// procEnum is the name of the enum of procedures, e.g. remote_procedure.
	procEnum string
}

func (p *program) stripName(name string) string {
	lower := strings.ToLower(p.prefix)
	switch {
	case strings.HasPrefix(name, lower):
		return name[len(lower):]
	case strings.HasPrefix(name, strings.ToUpper(p.prefix)):
		return name[len(p.prefix):]
	}
	return name
}

// model is everything the generator knows: the programs' definitions and
// the header constants.
type model struct {
	progs  []*program
	consts map[string]int64  // every numeric constant by C name
	types  map[string]*tinfo // typedefs, structs and unions by C name
	enums  map[string]*einfo // enums by C name
	header *Header
	sizes  map[string]int64 // minSize cache

	taken   map[string]bool   // names the root package's constants use
	aliases map[string]string // root-package aliases of protocol types
	twins   map[string]*twin  // root-package twins of structs with C strings, by .x name
}

type tinfo struct {
	def    *TypeDef
	prog   *program
	goName string // "" for typedefs resolved inline (strings, variable opaque)
}

type einfo struct {
	def    *Enum
	prog   *program
	goName string
}

func newModel(h *Header, progs []*program, extra ...*File) (*model, error) {
	m := &model{consts: map[string]int64{}, types: map[string]*tinfo{}, enums: map[string]*einfo{}, header: h, sizes: map[string]int64{}}
	for k, v := range h.Consts {
		m.consts[k] = v
	}
	m.progs = progs
	addConsts := func(f *File) error {
		for _, c := range f.Const {
			v, err := m.value(c.Value)
			if err != nil {
				return err
			}
			m.consts[c.Name] = v
		}
		for _, e := range f.Enum {
			for _, ev := range e.Values {
				v, err := m.value(ev.Value)
				if err != nil {
					return err
				}
				m.consts[ev.Name] = v
			}
		}
		return nil
	}
	for _, f := range extra {
		if err := addConsts(f); err != nil {
			return nil, err
		}
	}
	for _, p := range progs {
		if err := addConsts(p.file); err != nil {
			return nil, err
		}
		for _, e := range p.file.Enum {
			m.enums[e.Name] = &einfo{def: e, prog: p, goName: camel(p.stripName(e.Name))}
		}
		for _, t := range p.file.Type {
			if _, dup := m.types[t.Name]; dup {
				return nil, fmt.Errorf("%s: type %s defined twice", t.Pos, t.Name)
			}
			ti := &tinfo{def: t, prog: p}
			name := p.stripName(t.Name)
			switch {
			case t.Kind == KindTypedef && t.Decl.Kind == DeclOptional:
				ti.goName = "Opt" + camel(strings.TrimPrefix(name, "nonnull_"))
			case t.Kind == KindTypedef && (t.Decl.Type.Name == "string" || t.Decl.Type.Name == "opaque" && t.Decl.Kind == DeclVar):
				ti.goName = "" // used inline as string / []byte
			default:
				ti.goName = camel(strings.TrimPrefix(name, "nonnull_"))
			}
			m.types[t.Name] = ti
		}
	}
	return m, nil
}

// value evaluates a constant reference: a number or a known name.
func (m *model) value(v Value) (int64, error) {
	if n, err := strconv.ParseInt(v.Text, 0, 64); err == nil {
		return n, nil
	}
	if n, ok := m.consts[v.Text]; ok {
		return n, nil
	}
	return 0, fmt.Errorf("%s: unknown constant %q", v.Pos, v.Text)
}

// rkind classifies a resolved type by how it is encoded.
type rkind int

const (
	rInt32 rkind = iota
	rUint32
	rInt64
	rUint64
	rBool
	rFloat32
	rFloat64
	rChar   // int8/uint8/int16/uint16 encoded as a 4-byte int
	rEnum   // a named int32 type
	rString // string<max>
	rOpaque // opaque<max>
	rFixedOpaque
	rNamed // a struct, union or fixed-opaque typedef with its own methods
	rOptional
	rVarArray
	rFixedArray
)

// rtype is a fully resolved type: what Go type it is and how it is encoded.
type rtype struct {
	kind    rkind
	goType  string // Go type expression in the current package
	signed  bool   // for rChar: int8/int16 vs uint8/uint16
	max     int64  // limit of strings, opaque and variable arrays (0: none)
	size    int64  // length of fixed arrays and fixed opaque
	elem    *rtype
	minSize int64 // the fewest bytes the encoding can take
}

func pad4(n int64) int64 { return (n + 3) &^ 3 }

// qualify returns the Go name of a type defined in program p, as seen from
// program cur.
func qualify(p, cur *program, name string) string {
	if p == cur || p == nil {
		return name
	}
	return p.pkg + "." + name
}

func (m *model) resolveSpec(s TypeSpec, cur *program, pos Pos) (*rtype, error) {
	base := func(k rkind, goType string, size int64) *rtype { return &rtype{kind: k, goType: goType, minSize: size} }
	switch s.Name {
	case "int", "long":
		if s.Unsigned {
			return base(rUint32, "uint32", 4), nil
		}
		return base(rInt32, "int32", 4), nil
	case "hyper":
		if s.Unsigned {
			return base(rUint64, "uint64", 8), nil
		}
		return base(rInt64, "int64", 8), nil
	case "bool":
		return base(rBool, "bool", 4), nil
	case "float":
		return base(rFloat32, "float32", 4), nil
	case "double":
		return base(rFloat64, "float64", 8), nil
	case "char":
		if s.Unsigned {
			return &rtype{kind: rChar, goType: "uint8", minSize: 4}, nil
		}
		return &rtype{kind: rChar, goType: "int8", signed: true, minSize: 4}, nil
	case "short":
		if s.Unsigned {
			return &rtype{kind: rChar, goType: "uint16", minSize: 4}, nil
		}
		return &rtype{kind: rChar, goType: "int16", signed: true, minSize: 4}, nil
	case "quadruple":
		return nil, fmt.Errorf("%s: quadruple is not supported", pos)
	case "string", "opaque":
		return nil, fmt.Errorf("%s: %s needs a size", pos, s.Name)
	}
	if e, ok := m.enums[s.Name]; ok {
		return &rtype{kind: rEnum, goType: qualify(e.prog, cur, e.goName), minSize: 4}, nil
	}
	t, ok := m.types[s.Name]
	if !ok {
		return nil, fmt.Errorf("%s: unknown type %q", pos, s.Name)
	}
	if t.def.Kind == KindTypedef {
		d := t.def.Decl
		r, err := m.resolveDecl(d, t.prog)
		if err != nil {
			return nil, err
		}
		switch {
		case d.Kind == DeclFixed && d.Type.Name == "opaque":
			return &rtype{kind: rNamed, goType: qualify(t.prog, cur, t.goName), minSize: r.minSize}, nil
		case t.goName != "":
			// Re-resolve relative to cur so that element types are qualified.
			r2, err := m.resolveDecl(d, cur)
			if err != nil {
				return nil, err
			}
			r2.goType = qualify(t.prog, cur, t.goName)
			return r2, nil
		default:
			return r, nil
		}
	}
	ms, err := m.minSize(t.def)
	if err != nil {
		return nil, err
	}
	return &rtype{kind: rNamed, goType: qualify(t.prog, cur, t.goName), minSize: ms}, nil
}

func (m *model) resolveDecl(d *Decl, cur *program) (*rtype, error) {
	size := int64(0)
	if d.Size.Text != "" {
		v, err := m.value(d.Size)
		if err != nil {
			return nil, err
		}
		size = v
		if size < 0 || size > 1<<31 {
			return nil, fmt.Errorf("%s: size %d of %s is out of range", d.Pos, size, d.Name)
		}
	}
	switch d.Type.Name {
	case "string":
		return &rtype{kind: rString, goType: "string", max: size, minSize: 4}, nil
	case "opaque":
		if d.Kind == DeclFixed {
			return &rtype{kind: rFixedOpaque, goType: fmt.Sprintf("[%d]byte", size), size: size, minSize: pad4(size)}, nil
		}
		return &rtype{kind: rOpaque, goType: "[]byte", max: size, minSize: 4}, nil
	}
	elem, err := m.resolveSpec(d.Type, cur, d.Pos)
	if err != nil {
		return nil, err
	}
	switch d.Kind {
	case DeclPlain:
		return elem, nil
	case DeclOptional:
		return &rtype{kind: rOptional, goType: "*" + elem.goType, elem: elem, minSize: 4}, nil
	case DeclFixed:
		return &rtype{kind: rFixedArray, goType: fmt.Sprintf("[%d]%s", size, elem.goType), size: size, elem: elem, minSize: size * elem.minSize}, nil
	case DeclVar:
		return &rtype{kind: rVarArray, goType: "[]" + elem.goType, max: size, elem: elem, minSize: 4}, nil
	}
	return nil, fmt.Errorf("%s: cannot resolve %s", d.Pos, d.Name)
}

// minSize is the fewest bytes a struct or union can encode to.
func (m *model) minSize(t *TypeDef) (int64, error) {
	if n, ok := m.sizes[t.Name]; ok {
		return n, nil
	}
	n, err := m.computeMinSize(t)
	if err == nil {
		m.sizes[t.Name] = n
	}
	return n, err
}

func (m *model) computeMinSize(t *TypeDef) (int64, error) {
	switch t.Kind {
	case KindStruct:
		var n int64
		for _, f := range t.Fields {
			r, err := m.resolveDecl(f, t2p(m, t))
			if err != nil {
				return 0, err
			}
			n += r.minSize
		}
		return n, nil
	case KindUnion:
		least := int64(-1)
		arms := []*Decl{}
		for _, c := range t.Cases {
			arms = append(arms, c.Decl)
		}
		if t.Default != nil {
			arms = append(arms, t.Default)
		}
		for _, a := range arms {
			n := int64(0)
			if a != nil && a.Kind != DeclVoid {
				r, err := m.resolveDecl(a, t2p(m, t))
				if err != nil {
					return 0, err
				}
				n = r.minSize
			}
			if least < 0 || n < least {
				least = n
			}
		}
		return 4 + max(least, 0), nil
	}
	return 0, fmt.Errorf("%s: minSize of typedef", t.Pos)
}

func t2p(m *model, t *TypeDef) *program { return m.types[t.Name].prog }
