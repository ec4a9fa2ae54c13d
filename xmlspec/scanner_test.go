package xmlspec

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/virtwire/virtwire/internal/libvirtsrc"
)

// scanAgainstDecoder reads data with the scanner and with encoding/xml and
// fails unless the scanner's tokens are encoding/xml's, up to where the
// scanner gives up (errSlowPath) if it does; where encoding/xml finds an
// error, the scanner must have given up by then. It reports whether the
// scanner read the whole document.
func scanAgainstDecoder(t *testing.T, data []byte) (whole bool) {
	t.Helper()
	sc := newScanner(string(data))
	ref := decoderTokens{xml.NewDecoder(bytes.NewReader(data))}
	for i := 0; ; i++ {
		want, werr := ref.next()
		got, gerr := sc.next()
		if errors.Is(gerr, errSlowPath) {
			return false
		}
		if werr != nil {
			if werr == io.EOF && gerr == io.EOF {
				return true
			}
			t.Fatalf("token %d: encoding/xml: %v; the scanner: %+v, %v", i, werr, got, gerr)
		}
		if gerr != nil {
			t.Fatalf("token %d: the scanner: %v; encoding/xml: %+v", i, gerr, want)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("token %d: the scanner read\n%+v\nencoding/xml\n%+v", i, got, want)
		}
	}
}

// TestScannerMatchesDecoder reads every document of libvirt's test suite
// (all kinds) and the package's own test documents with both the scanner
// and encoding/xml; the scanner must give encoding/xml's tokens and read
// all but a few documents itself.
func TestScannerMatchesDecoder(t *testing.T) {
	byRoot, err := libvirtsrc.Documents(libvirtTree(t))
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, fs := range byRoot {
		files = append(files, fs...)
	}
	local, err := filepath.Glob(filepath.Join("testdata", "*", "*.xml"))
	if err != nil {
		t.Fatal(err)
	}
	top, err := filepath.Glob(filepath.Join("testdata", "*.xml"))
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, append(local, top...)...)
	var slow []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			if !scanAgainstDecoder(t, data) {
				slow = append(slow, f)
			}
		})
	}
	t.Logf("%d documents, %d left to encoding/xml: %s", len(files), len(slow), strings.Join(slow, " "))
	if len(files) < 3000 {
		t.Errorf("only %d documents found", len(files))
	}
	if len(slow)*100 > len(files) {
		t.Errorf("%d of %d documents left to encoding/xml, more than 1%%", len(slow), len(files))
	}
}

// scannerCases are inputs at the edges of what the scanner reads itself.
var scannerCases = []string{
	`<a/>`,
	`<?xml version="1.0" encoding="UTF-8"?><a x='1' y="2"/>`,
	`<?xml version='1.0' standalone='yes'?>` + "\n<a/>\n<!-- end -->\n",
	`<?xml version="1.1"?><a/>`,
	`<?xml version="1.0" encoding="ISO-8859-1"?><a/>`,
	`<?xml encoding="utf-8" version="1.0"?><a/>`,
	`<!DOCTYPE a><a/>`,
	`<a>x &lt; y &amp;&gt;&quot;&apos; &#65;&#x42;&#X43;</a>`,
	`<a>&#0;</a>`, `<a>&#xD800;</a>`, `<a>&#x110000;</a>`, `<a>&#;</a>`, `<a>&#x;</a>`, `<a>&bogus;</a>`, `<a>&amp</a>`, `<a>& b</a>`,
	"<a>\r\nline\rtwo\r</a>", "<a b='\r\n'/>", "<a b='\t\n'/>",
	`<a b="<"/>`, `<a b=">"/>`, `<a b="]]>"/>`, `<a>]]></a>`, `<a>]]&gt;</a>`, `<a>]</a>`,
	`<a><![CDATA[x<y]]]></a>`, "<a><![CDATA[\r\n]]></a>", `<a><![CDATA[`, `<a><![CDAT[x]]></a>`,
	`<a><!----></a>`, `<a><!-- a -- b --></a>`, `<a><!-- a ---></a>`, `<a><!- x --></a>`, `<a><!--`,
	`<a><?pi data ?></a>`, `<a><?pi?></a>`, `<a><?xml version="1.0"?></a>`, `<a><?pi`,
	`<a b="1"c="2"/>`, `<a b=1/>`, `<a b/>`, `<a b = "1" />`, `<a b="1" b="2"/>`, `<a b="1`,
	`<a></b>`, `<a></a:a>`, `</a>`, `<a>`, `<a><b></a></b>`, `<a></a >`, `<a></a x>`, `< a/>`, `<1a/>`, `<-a/>`, `<a:b:c/>`, `<:a/>`, `<a:/>`, `<_a.b-c/>`,
	`<é/>`, `<aé/>`, `<a é="1"/>`, `<a>é ü 日本</a>`, "<a>\xff</a>", "<a>\x01</a>", "<a b='\x01'/>", "\xef\xbb\xbf<a/>",
	`<a xmlns="u"><b/><c xmlns=""/><p:d xmlns:p="v"/><p:e/></a>`,
	`<a xmlns:p="v" p:x="1" q:y="2" xml:lang="en" xmlns:q=""><p:b xmlns:p="w"><p:c/></p:b><p:d/></a>`,
	`<xmlns:a/>`, `<a xmlns:xml="x"/>`, `<xml:a/>`, `<a:b xmlns:a="u"></a:b>`, `<a:b></a:b>`,
	`text before<a/>text after`, `<a/><b/>`, ``, `   `, `<!-- only a comment -->`,
}

func TestScannerCases(t *testing.T) {
	whole := 0
	for _, c := range scannerCases {
		t.Run("", func(t *testing.T) {
			if scanAgainstDecoder(t, []byte(c)) {
				whole++
			}
		})
	}
	// Most are well-formed, and those the scanner must read itself.
	if whole < 30 {
		t.Errorf("the scanner read only %d of the %d cases itself", whole, len(scannerCases))
	}
}

// FuzzScanner: whatever the input, the scanner gives encoding/xml's tokens
// or leaves the document to it.
func FuzzScanner(f *testing.F) {
	for _, c := range scannerCases {
		f.Add([]byte(c))
	}
	addSeeds(f, "*.xml")
	f.Fuzz(func(t *testing.T, data []byte) { scanAgainstDecoder(t, data) })
}

// Parse reads a document the scanner leaves to encoding/xml as
// encoding/xml does, and words its errors as before.
func TestParseSlowPath(t *testing.T) {
	for _, tt := range []struct {
		name, in, err string
		scanned       bool // the scanner decides it itself
	}{
		{"doctype", `<!DOCTYPE network><network><name>n</name></network>`, "", false},
		{"name outside ASCII", `<network><name>n</name><é/></network>`, "", false},
		{"latin-1", `<?xml version="1.0" encoding="ISO-8859-1"?><network/>`, `CharsetReader is nil`, false},
		{"truncated", `<network><name>n</name>`, `XML syntax error on line 1: unexpected EOF`, false},
		{"mismatched", `<network><name>n</nam></network>`, `element <name> closed by </nam>`, false},
		{"bad entity", `<network><name>&x;</name></network>`, `invalid character entity &x;`, false},
		{"directive inside", `<network><!DOCTYPE x></network>`, `<!DOCTYPE> inside an element`, false},
		{"second root", `<network/><network/>`, `a second root element <network>`, true},
		{"text after", `<network/>x`, `text after the root element`, true},
		{"none", `<!-- -->`, `no <network> element`, true},
		{"bad value", `<network><bandwidth><inbound average="x"/></bandwidth></network>`, `network/bandwidth/inbound: attribute average: invalid unsigned integer "x"`, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := parseScanned(tt.in, new(Network), "network")
			if scanned := !errors.Is(err, errSlowPath); scanned != tt.scanned {
				t.Errorf("the scanner decided it itself: %v, want %v (%v)", scanned, tt.scanned, err)
			}
			got, err := ParseNetwork([]byte(tt.in))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.Is(err, ErrSyntax) {
					t.Fatalf("error %v, want ErrSyntax with %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var want Network
			if err := xml.Unmarshal([]byte(tt.in), &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, want) {
				t.Errorf("ParseNetwork: %+v\nencoding/xml: %+v", *got, want)
			}
		})
	}
}
