package xmlspec

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/virtwire/virtwire/internal/testenv"
)

// benchOnly are modules go.mod requires for the benchmarks and the
// comparison tests alone: what users build must not link them.
var benchOnly = []string{
	"libvirt.org/go/libvirtxml",
	"github.com/digitalocean/go-libvirt",
}

// TestBenchOnlyModulesStayOut checks that no package of the module outside
// bench/ depends on a bench-only module (its own tests may).
func TestBenchOnlyModulesStayOut(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		testenv.Unavailable(t, "the go command is not on PATH")
	}
	list := func(args ...string) []string {
		t.Helper()
		out, err := exec.Command(goCmd, append([]string{"list", "-f", "{{.ImportPath}}"}, args...)...).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", strings.Join(args, " "), err)
		}
		return strings.Fields(string(out))
	}
	const module = "github.com/virtwire/virtwire"
	var pkgs []string
	for _, p := range list(module + "/...") {
		if p != module+"/bench" && !strings.HasPrefix(p, module+"/bench/") {
			pkgs = append(pkgs, p)
		}
	}
	if len(pkgs) < 2 {
		t.Fatalf("go list found only %v", pkgs)
	}
	if !slices.Contains(pkgs, module+"/xmlspec") {
		t.Fatalf("go list of %s/... lacks xmlspec: %v", module, pkgs)
	}
	for _, dep := range list(append([]string{"-deps"}, pkgs...)...) {
		for _, m := range benchOnly {
			if dep == m || strings.HasPrefix(dep, m+"/") {
				t.Errorf("%s is linked into a package outside bench/ (find which with `go list -deps`); it is for the benchmarks only", dep)
			}
		}
	}
}
