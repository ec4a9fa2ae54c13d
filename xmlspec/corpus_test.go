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
	"sync"
	"testing"

	"github.com/virtwire/virtwire/internal/libvirtsrc"
	"github.com/virtwire/virtwire/internal/testenv"
)

// libvirtTree returns libvirt's release tree (internal/libvirtsrc): its
// schemas and its own test documents are the corpus.
func libvirtTree(t testing.TB) string {
	t.Helper()
	return libvirtsrc.Require(t)
}

// schemaPath returns the path of one of libvirt's RELAX NG schemas.
func schemaPath(t testing.TB, name string) string {
	t.Helper()
	return filepath.Join(libvirtTree(t), "src", "conf", "schemas", name)
}

func xmllintPath(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("xmllint")
	if err != nil {
		testenv.Unavailable(t, "xmllint is not installed: `make deps` installs it (libxml2-utils)")
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
	report := stderr.String()
	sc := bufio.NewScanner(&stderr)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasSuffix(line, " validates"):
			verdict[strings.TrimSuffix(line, " validates")] = true
		case strings.HasSuffix(line, " fails to validate"):
			verdict[strings.TrimSuffix(line, " fails to validate")] = false
		case strings.Contains(line, ": parser error :"):
			// "FILE:LINE: parser error : ...": not well-formed (libvirt's
			// test data has files holding several documents), so xmllint
			// gives no verdict.
			file, _, _ := strings.Cut(line, ": parser error :")
			if i := strings.LastIndexByte(file, ':'); i > 0 {
				verdict[file[:i]] = false
			}
		}
	}
	for _, f := range files {
		if _, ok := verdict[f]; !ok {
			t.Fatalf("xmllint gave no verdict for %s:\n%s", f, report)
		}
	}
	return verdict
}

// A tally collects what untypedCount finds.
type tally struct {
	where    map[string]int // elements and attributes in catch-alls, by path
	metadata int            // of them, those inside <metadata>
}

// untypedCount counts the elements and attributes (namespace declarations
// aside) that landed in Extra catch-alls anywhere in v, and adds them by
// path to tl.where. Those inside <metadata>, which holds other
// applications' XML by design, are counted in tl.metadata as well.
func untypedCount(v reflect.Value, path string, tl *tally) int {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return 0
		}
		return untypedCount(v.Elem(), path, tl)
	case reflect.Slice:
		if v.Type() == macType {
			return 0
		}
		n := 0
		for i := 0; i < v.Len(); i++ {
			n += untypedCount(v.Index(i), path, tl)
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
				tl.where[path+"@"+a.Name.Local]++
			}
		}
		for i := range x.Nodes {
			n += nodeCount(&x.Nodes[i], path, tl.where)
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
		c := untypedCount(v.Field(i), p, tl)
		if name == "metadata" {
			tl.metadata += c
		}
		n += c
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

// A corpusKind is one kind of libvirt XML document the corpus tests
// cover: every document of libvirt's test suite (under tests/ in its
// release tree) whose root element is root, and the package's own under
// local.
type corpusKind struct {
	name     string // for subtests and logs
	root     string // the documents' root element
	schema   string // the RELAX NG schema, in libvirt's src/conf/schemas
	local    string // a folder of the package's own documents, or ""
	minShare float64
	parse    func([]byte) (any, error)
}

// corpusKinds are the kinds TestCorpus covers; each file that models a
// kind adds it with registerCorpusKind.
var corpusKinds []corpusKind

func registerCorpusKind(k corpusKind) bool {
	corpusKinds = append(corpusKinds, k)
	return true
}

var (
	_ = registerCorpusKind(corpusKind{name: "domain", root: "domain", schema: "domain.rng", minShare: 99.5,
		parse: func(b []byte) (any, error) { return ParseDomain(b) }})
	_ = registerCorpusKind(corpusKind{name: "network", root: "network", schema: "network.rng", minShare: 99.5,
		parse: func(b []byte) (any, error) { return ParseNetwork(b) }})
	_ = registerCorpusKind(corpusKind{name: "networkport", root: "networkport", schema: "networkport.rng", minShare: 99.5,
		local: "testdata/networkport", parse: func(b []byte) (any, error) { return ParseNetworkPort(b) }})
)

var (
	corpusOnce  sync.Once
	corpusByTag map[string][]string
	corpusErr   error
)

// corpusDocuments returns libvirt's own test documents whose root element
// is root (libvirtsrc.Documents), read once per test process.
func corpusDocuments(t testing.TB, root string) []string {
	t.Helper()
	tree := libvirtTree(t)
	corpusOnce.Do(func() { corpusByTag, corpusErr = libvirtsrc.Documents(tree) })
	if corpusErr != nil {
		t.Fatal(corpusErr)
	}
	return append([]string(nil), corpusByTag[root]...)
}

type corpusStats struct {
	docs, valid, parsed, identical, validOut int
	total, untyped                           int
	untypedWhere                             map[string]int
}

func (s *corpusStats) typedShare() float64 {
	return 100 * float64(s.total-s.untyped) / float64(s.total)
}

// TestCorpus reads, writes and compares every document of libvirt's own
// test suite of each kind (corpusKinds): every document the kind's schema
// accepts must parse and come back identical in canonical form, and its
// output must validate against the schema too; a document the schema
// rejects must fail to parse or come back identical. It reports how much of
// the schema-valid documents lands in typed fields rather than catch-alls.
func TestCorpus(t *testing.T) {
	kinds := append([]corpusKind(nil), corpusKinds...)
	sort.Slice(kinds, func(i, j int) bool { return kinds[i].name < kinds[j].name })
	var all corpusStats
	all.untypedWhere = map[string]int{}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			s := runCorpus(t, k)
			t.Logf("%s: %d documents, %d schema-valid, %d parsed, %d identical after the round trip, %d outputs schema-valid; typed share %.2f%% (%d of %d elements and attributes of schema-valid documents, <metadata> content aside, in catch-alls)",
				k.name, s.docs, s.valid, s.parsed, s.identical, s.validOut, s.typedShare(), s.untyped, s.total)
			if s.valid == 0 {
				t.Errorf("%s: no schema-valid documents found", k.name)
			}
			if s.typedShare() < k.minShare {
				t.Errorf("%s: typed share %.2f%% is below %.1f%%", k.name, s.typedShare(), k.minShare)
			}
			all.docs += s.docs
			all.total += s.total
			all.untyped += s.untyped
			for p, n := range s.untypedWhere {
				all.untypedWhere[p] += n
			}
			if testing.Verbose() {
				t.Logf("elements most often in catch-alls:%s", topUntyped(s.untypedWhere))
			}
		})
	}
	t.Logf("corpus: %d documents, typed share %.2f%%", all.docs, all.typedShare())
}

// topUntyped formats the paths most often found in catch-alls.
func topUntyped(where map[string]int) string {
	type pc struct {
		p string
		n int
	}
	var top []pc
	for p, n := range where {
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
	return b.String()
}

// files returns the kind's documents: libvirt's and the package's own.
func (k corpusKind) files(t testing.TB) []string {
	t.Helper()
	files := corpusDocuments(t, k.root)
	if k.local != "" {
		local, err := filepath.Glob(filepath.Join(k.local, "*.xml"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, local...)
	}
	return files
}

func runCorpus(t *testing.T, k corpusKind) corpusStats {
	t.Helper()
	tree := libvirtTree(t)
	files := k.files(t)
	schema := schemaPath(t, k.schema)
	valid := relaxNG(t, schema, files)
	name := func(f string) string {
		if rel, err := filepath.Rel(tree, f); err == nil && !strings.HasPrefix(rel, "..") {
			return rel
		}
		return f
	}

	s := corpusStats{docs: len(files), untypedWhere: map[string]int{}}
	outDir := t.TempDir()
	var outputs []string
	for i, f := range files {
		rel := name(f)
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
		if !valid[f] {
			continue
		}
		// The content of <metadata> is not counted: it is other
		// applications' XML, kept whole by design.
		tl := tally{where: s.untypedWhere}
		n := untypedCount(reflect.ValueOf(doc), "/"+k.root, &tl)
		s.total += count - tl.metadata
		s.untyped += n - tl.metadata
		p := filepath.Join(outDir, fmt.Sprintf("%04d-%s", i, filepath.Base(f)))
		if err := os.WriteFile(p, out, 0o644); err != nil {
			t.Fatal(err)
		}
		outputs = append(outputs, p)
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
