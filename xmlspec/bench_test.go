package xmlspec

import (
	"os"
	"path/filepath"
	"testing"
)

func benchDoc(b *testing.B) []byte {
	b.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "nics.xml"))
	if err != nil {
		b.Fatal(err)
	}
	return data
}

func BenchmarkParseDomain(b *testing.B) {
	data := benchDoc(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := ParseDomain(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarshalDomain(b *testing.B) {
	d, err := ParseDomain(benchDoc(b))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := d.Marshal(); err != nil {
			b.Fatal(err)
		}
	}
}
