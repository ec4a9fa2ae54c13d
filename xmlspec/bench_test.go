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

// BenchmarkCorpus parses and marshals libvirt's own domain and network
// test documents (the corpus tests' set, less those ParseDomain rejects),
// one document per op, as S10 of `make bench` does beside libvirtxml.
func BenchmarkCorpus(b *testing.B) {
	for _, k := range []struct {
		root  string
		parse func([]byte) (interface{ Marshal() ([]byte, error) }, error)
	}{
		{"domain", func(d []byte) (interface{ Marshal() ([]byte, error) }, error) { return ParseDomain(d) }},
		{"network", func(d []byte) (interface{ Marshal() ([]byte, error) }, error) { return ParseNetwork(d) }},
	} {
		var docs [][]byte
		var values []interface{ Marshal() ([]byte, error) }
		for _, f := range corpusDocuments(b, k.root) {
			data, err := os.ReadFile(f)
			if err != nil {
				b.Fatal(err)
			}
			v, err := k.parse(data)
			if err != nil {
				continue
			}
			docs, values = append(docs, data), append(values, v)
		}
		b.Run(k.root+"/parse", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if _, err := k.parse(docs[i%len(docs)]); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(k.root+"/marshal", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if _, err := values[i%len(values)].Marshal(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
