package xmlspec

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// libvirtSource finds libvirt's reference material: $LIBVIRT_SOURCE, else
// ../shared/libvirt beside the module root. Missing material fails the test:
// the corpus test must not pass by not running.
func libvirtSource(t testing.TB) string {
	t.Helper()
	if dir := os.Getenv("LIBVIRT_SOURCE"); dir != "" {
		return dir
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
	src := filepath.Join(dir, "..", "shared", "libvirt")
	if _, err := os.Stat(filepath.Join(src, "schemas", "domain.rng")); err != nil {
		t.Fatalf("libvirt reference material not found at %s (set LIBVIRT_SOURCE): %v", src, err)
	}
	return src
}

func xmllintPath(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("xmllint")
	if err != nil {
		t.Fatal("xmllint not found: install libxml2-utils (make deps)")
	}
	return p
}

// relaxNG validates files against schema in one xmllint run and returns
// which of them validate.
func relaxNG(t testing.TB, schema string, files []string) map[string]bool {
	t.Helper()
	if len(files) == 0 {
		return nil
	}
	args := append([]string{"--noout", "--relaxng", schema}, files...)
	cmd := exec.Command(xmllintPath(t), args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("xmllint: %v", err)
	}
	verdict := make(map[string]bool, len(files))
	sc := bufio.NewScanner(&stderr)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasSuffix(line, " validates"):
			verdict[strings.TrimSuffix(line, " validates")] = true
		case strings.HasSuffix(line, " fails to validate"):
			verdict[strings.TrimSuffix(line, " fails to validate")] = false
		}
	}
	for _, f := range files {
		if _, ok := verdict[f]; !ok {
			t.Fatalf("xmllint gave no verdict for %s:\n%s", f, stderr.String())
		}
	}
	return verdict
}

// untypedCount counts the elements and attributes (namespace declarations
// aside) that landed in Extra catch-alls anywhere in v, and adds them by
// path to where.
func untypedCount(v reflect.Value, path string, where map[string]int) int {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return 0
		}
		return untypedCount(v.Elem(), path, where)
	case reflect.Slice:
		if v.Type() == macType {
			return 0
		}
		n := 0
		for i := 0; i < v.Len(); i++ {
			n += untypedCount(v.Index(i), path, where)
		}
		return n
	case reflect.Struct:
	default:
		return 0
	}
	if v.Type() == extraType {
		x := v.Addr().Interface().(*Extra)
		n := 0
		for _, a := range x.Attrs {
			if !isDecl(a) {
				n++
				where[path+"@"+a.Name.Local]++
			}
		}
		for i := range x.Nodes {
			n += nodeCount(&x.Nodes[i], path, where)
		}
		return n
	}
	n := 0
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() || f.Type == xmlNameType {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("xml"), ",")
		if _, local, ok := strings.Cut(name, " "); ok {
			name = local
		}
		p := path
		if name != "" && name != "-" {
			p = path + "/" + name
		}
		n += untypedCount(v.Field(i), p, where)
	}
	return n
}

func nodeCount(n *Node, path string, where map[string]int) int {
	if n.Kind != ElementNode {
		return 0
	}
	p := path + "/" + n.Name.Local
	where[p]++
	c := 1
	for _, a := range n.Attrs {
		if !isDecl(a) {
			c++
		}
	}
	for i := range n.Children {
		c += nodeCount(&n.Children[i], p, where)
	}
	return c
}

type corpusKind struct {
	name   string
	root   string // where dir is: libvirt's material if empty
	dir    string
	schema string
	parse  func([]byte) (any, error)
}

type corpusStats struct {
	docs, valid, parsed, identical, validOut int
	total, untyped                           int
	untypedWhere                             map[string]int
}

func (s *corpusStats) typedShare() float64 {
	return 100 * float64(s.total-s.untyped) / float64(s.total)
}

// TestCorpus reads, writes and compares every domain and network document
// of libvirt's own test suite: every document the schema accepts must parse
// and come back identical in canonical form, and its output must validate
// against the schema too. It reports how much of the corpus lands in typed
// fields rather than catch-alls.
func TestCorpus(t *testing.T) {
	src := libvirtSource(t)
	kinds := []corpusKind{
		{"domain", "", "testdata/domain", "domain.rng", func(b []byte) (any, error) { return ParseDomain(b) }},
		{"network", "", "testdata/network", "network.rng", func(b []byte) (any, error) { return ParseNetwork(b) }},
		// libvirt ships no network port documents; these are the package's
		// own, one per plug type and one with unmodelled content.
		{"networkport", ".", "testdata/networkport", "networkport.rng", func(b []byte) (any, error) { return ParseNetworkPort(b) }},
	}
	var all corpusStats
	all.untypedWhere = map[string]int{}
	for _, k := range kinds {
		s := runCorpus(t, src, k)
		t.Logf("%s: %d documents, %d schema-valid, %d parsed, %d identical after the round trip, %d outputs schema-valid; typed share %.2f%% (%d of %d elements and attributes in catch-alls)",
			k.name, s.docs, s.valid, s.parsed, s.identical, s.validOut, s.typedShare(), s.untyped, s.total)
		if s.docs == 0 {
			t.Errorf("%s: no documents found", k.name)
		}
		if s.typedShare() < 95 {
			t.Errorf("%s: typed share %.2f%% is below 95%%", k.name, s.typedShare())
		}
		all.docs += s.docs
		all.total += s.total
		all.untyped += s.untyped
		for p, n := range s.untypedWhere {
			all.untypedWhere[p] += n
		}
	}
	t.Logf("corpus: %d documents, typed share %.2f%%", all.docs, all.typedShare())
	if all.typedShare() < 95 {
		t.Errorf("typed share %.2f%% is below 95%%", all.typedShare())
	}
	if testing.Verbose() {
		type pc struct {
			p string
			n int
		}
		var top []pc
		for p, n := range all.untypedWhere {
			top = append(top, pc{p, n})
		}
		sort.Slice(top, func(i, j int) bool { return top[i].n > top[j].n || (top[i].n == top[j].n && top[i].p < top[j].p) })
		var b strings.Builder
		for i, e := range top {
			if i == 25 {
				break
			}
			fmt.Fprintf(&b, "\n  %5d %s", e.n, e.p)
		}
		t.Logf("elements most often in catch-alls:%s", b.String())
	}
}

func runCorpus(t *testing.T, src string, k corpusKind) corpusStats {
	t.Helper()
	root := k.root
	if root == "" {
		root = src
	}
	var files []string
	err := filepath.WalkDir(filepath.Join(root, k.dir), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".xml") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	schema := filepath.Join(src, "schemas", k.schema)
	valid := relaxNG(t, schema, files)

	s := corpusStats{docs: len(files), untypedWhere: map[string]int{}}
	outDir := t.TempDir()
	var outputs []string
	for i, f := range files {
		rel, _ := filepath.Rel(root, f)
		if valid[f] {
			s.valid++
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := k.parse(data)
		if err != nil {
			if valid[f] {
				t.Errorf("%s: schema-valid but does not parse: %v", rel, err)
			}
			continue
		}
		s.parsed++
		out, err := doc.(interface{ Marshal() ([]byte, error) }).Marshal()
		if err != nil {
			t.Errorf("%s: marshal: %v", rel, err)
			continue
		}
		want, count, err := canonical(data)
		if err != nil {
			t.Fatalf("%s: canonical form of the input: %v", rel, err)
		}
		got, _, err := canonical(out)
		if err != nil {
			t.Errorf("%s: output is not well-formed: %v", rel, err)
			continue
		}
		if got == want {
			s.identical++
		} else {
			t.Errorf("%s: round trip differs (schema-valid input: %v) at %s", rel, valid[f], firstDiff(want, got))
		}
		s.total += count
		s.untyped += untypedCount(reflect.ValueOf(doc), "/"+k.name, s.untypedWhere)
		if valid[f] {
			p := filepath.Join(outDir, fmt.Sprintf("%04d-%s", i, filepath.Base(f)))
			if err := os.WriteFile(p, out, 0o644); err != nil {
				t.Fatal(err)
			}
			outputs = append(outputs, p)
		}
	}
	verdict := relaxNG(t, schema, outputs)
	for _, p := range outputs {
		if verdict[p] {
			s.validOut++
		} else {
			t.Errorf("%s: output of a schema-valid input does not validate against %s", filepath.Base(p), k.schema)
		}
	}
	return s
}
