package xmlspec

import (
	"os"
	"testing"
)

// addCorpusSeeds adds libvirt's own test documents with the given root
// element (see corpusDocuments) to a fuzz target's seed corpus.
func addCorpusSeeds(f *testing.F, root string) {
	f.Helper()
	files := corpusDocuments(f, root)
	if len(files) == 0 {
		f.Fatalf("no <%s> documents in libvirt's test suite", root)
	}
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}
