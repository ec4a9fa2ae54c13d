package xdrgen

// File is one parsed .x file.
type File struct {
	Name  string
	Defs  []Def // in source order
	Const []*Const
	Enum  []*Enum
	Type  []*TypeDef // typedef, struct and union definitions
}

// Def is any top-level definition.
type Def interface{ defName() string }

// Const is `const NAME = value;`.
type Const struct {
	Name  string
	Value Value
	Pos   Pos
}

// Enum is `enum NAME { A = 1, ... };`.
type Enum struct {
	Name   string
	Values []*EnumValue
	Pos    Pos
}

// EnumValue is one member of an enum, with the annotations of the comment
// before it (libvirt's @generate, @priority, @readstream...).
type EnumValue struct {
	Name        string
	Value       Value
	Annotations map[string][]string
	Pos         Pos
}

// TypeDefKind says what a TypeDef defines.
type TypeDefKind int

// TypeDef kinds.
const (
	KindTypedef TypeDefKind = iota
	KindStruct
	KindUnion
)

// TypeDef is a typedef, struct or union.
type TypeDef struct {
	Kind   TypeDefKind
	Name   string
	Decl   *Decl   // typedef: the declaration
	Fields []*Decl // struct: the members
	// union:
	Disc    *Decl
	Cases   []*Case
	Default *Decl // nil when the union has no default arm; Void for `default: void;`
	Pos     Pos
}

// Case is one arm of a union: its case labels and its declaration (nil for void).
type Case struct {
	Values []Value
	Decl   *Decl
}

// DeclKind says how a declaration uses its type.
type DeclKind int

// Declaration kinds.
const (
	DeclPlain    DeclKind = iota // T x
	DeclFixed                    // T x[N]; opaque x[N]
	DeclVar                      // T x<N>; opaque x<N>; string x<N>
	DeclOptional                 // T *x
	DeclVoid                     // void
)

// Decl is a declaration: a named member, typedef or union arm.
type Decl struct {
	Name string
	Type TypeSpec
	Kind DeclKind
	Size Value // the N of [N] or <N>; empty for <>
	Pos  Pos
}

// TypeSpec names a type: a base type (int, unsigned hyper, opaque, string,
// char...) or a defined name.
type TypeSpec struct {
	Name     string // base type keyword or identifier
	Unsigned bool
}

// Value is a constant expression: a number or a name.
type Value struct {
	Text string
	Pos  Pos
}

func (c *Const) defName() string   { return c.Name }
func (e *Enum) defName() string    { return e.Name }
func (t *TypeDef) defName() string { return t.Name }
