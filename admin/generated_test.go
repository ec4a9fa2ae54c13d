package admin_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"slices"
	"testing"

	wire "github.com/virtwire/virtwire/protocol/admin"
)

// Every procedure of the admin program has its generated Conn method.
func TestEveryProcedureHasAMethod(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "methods.gen.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	calls := regexp.MustCompile(`calls (ADMIN_PROC_[A-Z_]+) \(procedure`)
	var got []string
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Recv == nil || fn.Doc == nil {
			continue
		}
		if m := calls.FindStringSubmatch(fn.Doc.Text()); m != nil {
			got = append(got, m[1])
		}
	}
	var want []string
	for _, p := range wire.Procedures {
		want = append(want, p.Name)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) || len(want) != 20 {
		t.Errorf("methods for %v,\nprocedures %v", got, want)
	}
}
