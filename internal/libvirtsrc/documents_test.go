package libvirtsrc

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Documents classifies the files under tests/ by root element, counts a
// link to a file once, and leaves out what is not XML.
func TestDocuments(t *testing.T) {
	dir, err := filepath.EvalSymlinks(t.TempDir()) // Documents reports real paths
	if err != nil {
		t.Fatal(err)
	}
	tests := filepath.Join(dir, "tests")
	for name, body := range map[string]string{
		"a/b.xml":      "<?xml version='1.0'?>\n<!-- c -->\n<domain type='kvm'/>",
		"a/a.xml":      "<domain/>",
		"n/net.xml":    "<network><name>x</name></network>",
		"n/empty.xml":  "",
		"n/text.xml":   "not xml",
		"n/domain.txt": "<domain/>",
	} {
		p := filepath.Join(tests, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("../a/a.xml", filepath.Join(tests, "n", "link.xml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("missing.xml", filepath.Join(tests, "n", "dangling.xml")); err != nil {
		t.Fatal(err)
	}
	got, err := Documents(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"domain":  {filepath.Join(tests, "a", "a.xml"), filepath.Join(tests, "a", "b.xml")},
		"network": {filepath.Join(tests, "n", "net.xml")},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Documents (-want +got):\n%s", diff)
	}
	if _, err := Documents(filepath.Join(dir, "nowhere")); err == nil {
		t.Error("Documents of a tree without tests/ returned no error")
	}
}
