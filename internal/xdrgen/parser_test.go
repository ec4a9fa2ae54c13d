package xdrgen

import (
	"strings"
	"testing"
)

func TestParseConstructs(t *testing.T) {
	src := `
%#include "x.h"
const MAX = 16;
const HEX = 0x10;
/* a comment */
enum color { RED = 1, GREEN = 2, BLUE = MAX };
typedef opaque uuid[16];
typedef string name<MAX>;
typedef name *optname;
struct s {
    int a;
    unsigned int b;
    unsigned c;
    hyper d;
    unsigned hyper e;
    bool f;
    float g;
    double h;
    char i[4];
    unsigned char j;
    unsigned short k;
    opaque l<>;
    opaque m[3];
    string n<>;
    s2 o<MAX>;
    s2 *p;
    color q;
};
union u switch (int kind) {
 case 1:
 case 2:
    int x;
 case RED:
    void;
 default:
    string y<10>;
};
enum proc {
    /**
     * @generate: both
     * @priority: high
     * @readstream: 2
     * @sparseflag: VIR_FLAG
     */
    PROC_ONE = 1
};
`
	f, err := Parse("t.x", src)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Const) != 2 || len(f.Enum) != 2 || len(f.Type) != 5 {
		t.Fatalf("consts %d enums %d types %d", len(f.Const), len(f.Enum), len(f.Type))
	}
	s := f.Type[3]
	if s.Name != "s" || len(s.Fields) != 17 {
		t.Fatalf("struct %s with %d fields", s.Name, len(s.Fields))
	}
	kinds := map[string]DeclKind{"a": DeclPlain, "i": DeclFixed, "l": DeclVar, "m": DeclFixed, "n": DeclVar, "o": DeclVar, "p": DeclOptional}
	for _, fd := range s.Fields {
		if k, ok := kinds[fd.Name]; ok && fd.Kind != k {
			t.Errorf("field %s kind %d, want %d", fd.Name, fd.Kind, k)
		}
	}
	if c := s.Fields[2]; c.Type != (TypeSpec{Name: "int", Unsigned: true}) {
		t.Errorf("bare unsigned = %+v", c.Type)
	}
	u := f.Type[4]
	if u.Kind != KindUnion || len(u.Cases) != 2 || len(u.Cases[0].Values) != 2 || u.Cases[1].Decl != nil || u.Default == nil {
		t.Fatalf("union = %+v", u)
	}
	ann := f.Enum[1].Values[0].Annotations
	if ann["priority"][0] != "high" || ann["readstream"][0] != "2" || ann["sparseflag"][0] != "VIR_FLAG" || ann["generate"][0] != "both" {
		t.Errorf("annotations = %v", ann)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"const X = ;", "t.x:1: expected constant value"},
		{"const X 5;", `t.x:1: expected "="`},
		{"\n\nstruct s { int a }", `t.x:3: expected ";", found "}"`},
		{"struct s { int a; }", `t.x:1: expected ";", found end of file`},
		{"enum e { A = 1 B = 2 };", `t.x:1: expected "," or "}" in enum e, found "B"`},
		{"enum e { };", "t.x:1: enum e has no values"},
		{"union u switch (int d) { };", "t.x:1: union u has no cases"},
		{"union u switch (int d) { foo };", `t.x:1: expected "case", "default" or "}" in union u, found "foo"`},
		{"struct s { string x; };", "t.x:1: string x must be declared with <max>"},
		{"struct s { opaque x; };", "t.x:1: opaque x must be declared with [size] or <max>"},
		{"struct s { int *x[3]; };", "t.x:1: an optional declaration cannot be an array"},
		{"struct s { struct t { int a; } x; };", "t.x:1: inline struct definitions are not supported"},
		{"program P { };", "t.x:1: expected a definition"},
		{"/* never closed", "t.x:1: unterminated comment"},
		{"\nconst X = 1 $", "t.x:2: unexpected character '$'"},
		{"#include <x>", "t.x:1: preprocessor directives are not supported"},
		{"typedef void;", "t.x:1: typedef of void"},
	}
	for _, tt := range tests {
		_, err := Parse("t.x", tt.src)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("Parse(%q) = %v, want error starting %q", tt.src, err, tt.want)
		}
	}
}

func TestModelErrors(t *testing.T) {
	h := &Header{Consts: map[string]int64{}}
	mk := func(src string) error {
		f, err := Parse("t.x", src)
		if err != nil {
			return err
		}
		p := &program{pkg: "t", prefix: "t_", file: f}
		m, err := newModel(h, []*program{p})
		if err != nil {
			return err
		}
		_, err = m.genProgram(p, "t.x")
		return err
	}
	if err := mk("struct t_s { t_missing x; };"); err == nil || !strings.Contains(err.Error(), `t.x:1: unknown type "t_missing"`) {
		t.Errorf("unknown type: %v", err)
	}
	if err := mk("struct t_s { int x<NOPE>; };"); err == nil || !strings.Contains(err.Error(), `t.x:1: unknown constant "NOPE"`) {
		t.Errorf("unknown constant: %v", err)
	}
	if err := mk("struct t_s { int a; };\nstruct t_s { int b; };"); err == nil || !strings.Contains(err.Error(), "defined twice") {
		t.Errorf("duplicate: %v", err)
	}
	if err := mk("struct t_s { int a; };"); err != nil {
		t.Errorf("valid program: %v", err)
	}
}
