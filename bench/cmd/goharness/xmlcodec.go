//go:build linux

package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"libvirt.org/go/libvirtxml"

	"github.com/virtwire/virtwire/bench/internal/result"
	"github.com/virtwire/virtwire/internal/libvirtsrc"
	"github.com/virtwire/virtwire/xmlspec"
)

// An xmlCodec is one library's parser and writer for one kind of
// document. parse gets the document both as bytes (xmlspec's input) and
// as a string (libvirtxml's), made once before timing so that neither pays
// for the other's conversion.
type xmlCodec struct {
	parse   func(b []byte, s string) (any, error)
	marshal func(v any) error
}

// xmlCodecs are the S10 clients, per root element.
var xmlCodecs = map[string]map[string]xmlCodec{
	"domain": {
		"xmlspec": {
			parse:   func(b []byte, _ string) (any, error) { return xmlspec.ParseDomain(b) },
			marshal: func(v any) error { _, err := v.(*xmlspec.Domain).Marshal(); return err },
		},
		"libvirtxml": {
			parse: func(_ []byte, s string) (any, error) {
				d := new(libvirtxml.Domain)
				return d, d.Unmarshal(s)
			},
			marshal: func(v any) error { _, err := v.(*libvirtxml.Domain).Marshal(); return err },
		},
	},
	"network": {
		"xmlspec": {
			parse:   func(b []byte, _ string) (any, error) { return xmlspec.ParseNetwork(b) },
			marshal: func(v any) error { _, err := v.(*xmlspec.Network).Marshal(); return err },
		},
		"libvirtxml": {
			parse: func(_ []byte, s string) (any, error) {
				n := new(libvirtxml.Network)
				return n, n.Unmarshal(s)
			},
			marshal: func(v any) error { _, err := v.(*libvirtxml.Network).Marshal(); return err },
		},
	},
}

// An xmlSet is the documents one S10 measurement runs over.
type xmlSet struct {
	kind, doc string // root element; "corpus" or the domain's name
	of        int    // documents read, of which both libraries read bytes
	bytes     [][]byte
	strs      []string
}

// xmlcodec (S10): xmlspec beside libvirtxml, parsing and writing libvirt's
// own domain and network test documents (those of the release tree at
// -libvirt that both libraries parse and write back) and the domain of
// -domain with its -devices devices, as the daemon describes it (S5's
// document). Time, bytes and allocations are per document.
func xmlcodec(ctx context.Context) {
	if _, ok := xmlCodecs["domain"][*clientName]; !ok {
		fail("-scenario xmlcodec: unknown -client %q (xmlspec or libvirtxml)", *clientName)
	}
	if *libvirtTree == "" {
		fail("-scenario xmlcodec needs -libvirt, libvirt's release tree")
	}
	byRoot, err := libvirtsrc.Documents(*libvirtTree)
	if err != nil {
		fail("reading libvirt's test documents: %v", err)
	}
	var sets []xmlSet
	for _, kind := range []string{"domain", "network"} {
		files := byRoot[kind]
		docs := make([][]byte, len(files))
		for i, f := range files {
			if docs[i], err = os.ReadFile(f); err != nil {
				fail("%v", err)
			}
		}
		s := bothRead(kind, "corpus", files, docs)
		if len(s.bytes) == 0 {
			fail("none of the %d %s documents under %s is read and written by both libraries", len(docs), kind, *libvirtTree)
		}
		fmt.Fprintf(os.Stderr, "goharness: S10 %s corpus: %d documents, %d of them read and written by both libraries\n", kind, len(docs), len(s.bytes))
		sets = append(sets, s)
		if kind == "domain" {
			rich := bothRead(kind, *domain, []string{*domain}, [][]byte{domainXML(ctx)})
			if len(rich.bytes) == 0 {
				fail("%s's XML is not read and written by both libraries", *domain)
			}
			sets = append(sets, rich)
		}
	}

	for _, s := range sets {
		codec := xmlCodecs[s.kind][*clientName]
		values := make([]any, len(s.bytes))
		for i := range s.bytes {
			if values[i], err = codec.parse(s.bytes[i], s.strs[i]); err != nil {
				fail("%s %s #%d: %v", s.kind, s.doc, i, err)
			}
		}
		name := func(op string) string {
			return fmt.Sprintf("S10XML/kind=%s/doc=%s/op=%s/docs=%d/of=%d/client=%s", s.kind, s.doc, op, len(s.bytes), s.of, *clientName)
		}
		measureDocs(name("parse"), len(s.bytes), func(i int) error {
			_, err := codec.parse(s.bytes[i], s.strs[i])
			return err
		})
		measureDocs(name("marshal"), len(s.bytes), func(i int) error { return codec.marshal(values[i]) })
	}
}

// domainXML returns the XML of -domain from the daemon at -uri.
func domainXML(ctx context.Context) []byte {
	c, err := dial(ctx, "virtwire", *uri)
	if err != nil {
		fail("connecting: %v", err)
	}
	defer func() {
		if err := c.close(); err != nil {
			fail("closing: %v", err)
		}
	}()
	if err := c.prepareDomain(ctx, *domain); err != nil {
		fail("looking up %s: %v", *domain, err)
	}
	doc, err := c.xmlDesc(ctx)
	if err != nil {
		fail("DomainGetXMLDesc: %v", err)
	}
	return []byte(doc)
}

// bothRead returns the set of docs (read from files) that both libraries
// parse and write back; it says on stderr which it leaves out, and why.
func bothRead(kind, doc string, files []string, docs [][]byte) xmlSet {
	s := xmlSet{kind: kind, doc: doc, of: len(docs)}
	for i, b := range docs {
		str := string(b)
		ok := true
		for _, lib := range []string{"xmlspec", "libvirtxml"} {
			codec := xmlCodecs[kind][lib]
			v, err := codec.parse(b, str)
			if err == nil {
				err = codec.marshal(v)
			}
			if err != nil {
				ok = false
				fmt.Fprintf(os.Stderr, "goharness: S10 leaves out %s: %s: %v\n", files[i], lib, err)
			}
		}
		if ok {
			s.bytes, s.strs = append(s.bytes, b), append(s.strs, str)
		}
	}
	return s
}

// measureDocs runs op over documents 0..n-1, pass after pass, for the
// measuring time (at least three passes), and emits the cost per
// document.
func measureDocs(name string, n int, op func(i int) error) {
	for i := range n { // warm up
		if err := op(i); err != nil {
			fail("%s: document %d: %v", name, i, err)
		}
	}
	var passes int64
	m := startMeter()
	start := time.Now()
	for passes < 3 || time.Since(start) < *duration {
		for i := range n {
			if err := op(i); err != nil {
				fail("%s: document %d: %v", name, i, err)
			}
		}
		passes++
	}
	elapsed := time.Since(start)
	docs := passes * int64(n)
	cost := m.stop(docs)
	emit(name, docs, []result.Metric{{Value: round(float64(elapsed.Nanoseconds()) / float64(docs)), Unit: "ns/op"}}, cost.metrics(true))
}
