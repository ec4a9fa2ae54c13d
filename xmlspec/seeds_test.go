package xmlspec

import (
	"os"
	"testing"
)

// addCorpusSeeds adds libvirt's own test documents with the given root
// element (see corpusDocuments) to a fuzz target's seed corpus.
func addCorpusSeeds(f *testing.F, root string) {
	f.Helper()
	for _, p := range corpusDocuments(f, root) {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}
