package xmlspec

import "testing"

// The corpus test is only as strict as canonical: check that it ignores
// what it should and notices everything else.
func TestCanonical(t *testing.T) {
	base := `<d xmlns:q="urn:q" a="1" b="2"><x>t</x><!-- c --><q:y q:z="3"/><w>  s  </w></d>`
	tests := []struct {
		name  string
		other string
		same  bool
	}{
		{"identical", base, true},
		{"attribute order and quotes", `<d b='2' xmlns:q='urn:q' a='1'><x>t</x><!-- c --><q:y q:z='3'/><w>  s  </w></d>`, true},
		{"indentation", "<d xmlns:q=\"urn:q\" a=\"1\" b=\"2\">\n  <x>t</x>\n  <!-- c -->\n  <q:y q:z=\"3\"></q:y>\n  <w>  s  </w>\n</d>\n", true},
		{"other prefix, same namespace", `<d xmlns:r="urn:q" a="1" b="2"><x>t</x><!-- c --><r:y r:z="3"/><w>  s  </w></d>`, false}, // declarations count as attributes
		{"attribute value", `<d xmlns:q="urn:q" a="1" b="3"><x>t</x><!-- c --><q:y q:z="3"/><w>  s  </w></d>`, false},
		{"missing attribute", `<d xmlns:q="urn:q" a="1"><x>t</x><!-- c --><q:y q:z="3"/><w>  s  </w></d>`, false},
		{"child order", `<d xmlns:q="urn:q" a="1" b="2"><!-- c --><x>t</x><q:y q:z="3"/><w>  s  </w></d>`, false},
		{"missing comment", `<d xmlns:q="urn:q" a="1" b="2"><x>t</x><q:y q:z="3"/><w>  s  </w></d>`, false},
		{"text", `<d xmlns:q="urn:q" a="1" b="2"><x>u</x><!-- c --><q:y q:z="3"/><w>  s  </w></d>`, false},
		{"space inside text-only element", `<d xmlns:q="urn:q" a="1" b="2"><x>t</x><!-- c --><q:y q:z="3"/><w>s</w></d>`, false},
		{"namespace of element", `<d xmlns:q="urn:q" a="1" b="2"><x>t</x><!-- c --><y q:z="3"/><w>  s  </w></d>`, false},
		{"extra element", `<d xmlns:q="urn:q" a="1" b="2"><x>t</x><!-- c --><q:y q:z="3"/><w>  s  </w><v/></d>`, false},
	}
	want, n, err := canonical([]byte(base))
	if err != nil {
		t.Fatal(err)
	}
	if n != 7 { // d, a, b, x, q:y, q:z, w
		t.Errorf("counted %d elements and attributes, want 7", n)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := canonical([]byte(tt.other))
			if err != nil {
				t.Fatal(err)
			}
			if (got == want) != tt.same {
				t.Errorf("same = %v, want %v:\n%s", got == want, tt.same, firstDiff(want, got))
			}
		})
	}
}
