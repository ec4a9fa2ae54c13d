package xmlspec

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sync"
)

// ParseDomain reads a <domain> document.
func ParseDomain(data []byte) (*Domain, error) { return parseAs[Domain](data, "domain") }

// Marshal writes d as an indented XML document, the way libvirt formats it.
func (d *Domain) Marshal() ([]byte, error) { return marshalIndent(d) }

// ParseNetwork reads a <network> document.
func ParseNetwork(data []byte) (*Network, error) { return parseAs[Network](data, "network") }

// Marshal writes n as an indented XML document.
func (n *Network) Marshal() ([]byte, error) { return marshalIndent(n) }

// ParseNetworkPort reads a <networkport> document.
func ParseNetworkPort(data []byte) (*NetworkPort, error) {
	return parseAs[NetworkPort](data, "networkport")
}

// Marshal writes p as an indented XML document.
func (p *NetworkPort) Marshal() ([]byte, error) { return marshalIndent(p) }

func parseAs[T any](data []byte, what string) (*T, error) {
	v := new(T)
	if err := parse(data, v, what); err != nil {
		return nil, err
	}
	return v, nil
}

// parse reads a document into v, a pointer to its struct: through the
// scanner, and again through encoding/xml when the scanner leaves the
// document to it (see scanner.go).
func parse(data []byte, v any, what string) error {
	if err := parseScanned(string(data), v, what); !errors.Is(err, errSlowPath) {
		return err
	}
	return parseDecoded(data, v, what)
}

// parseScanned is parse through the scanner. Like encoding/xml's Decode,
// it skips what comes before the root element.
func parseScanned(s string, v any, what string) error {
	sc := newScanner(s)
	for {
		tok, err := sc.next()
		if err == io.EOF {
			return fmt.Errorf("%w: no <%s> element", ErrSyntax, what)
		}
		if err != nil {
			return err
		}
		if tok.kind == startToken {
			if err := decodeElement(sc, xml.StartElement{Name: tok.name, Attr: tok.attrs}, v); err != nil {
				return err
			}
			break
		}
	}
	for {
		tok, err := sc.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := afterRoot(tok); err != nil {
			return err
		}
	}
}

// afterRoot checks a token after the root element: space, comments and
// processing instructions may follow it, nothing else.
func afterRoot(tok token) error {
	switch tok.kind {
	case textToken:
		if !isBlank(tok.data) {
			return fmt.Errorf("%w: text after the root element", ErrSyntax)
		}
	case startToken:
		return fmt.Errorf("%w: a second root element <%s>", ErrSyntax, tok.name.Local)
	}
	return nil
}

func parseDecoded(data []byte, v any, what string) error {
	dec := xml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, ErrSyntax) {
			return err
		}
		if err == io.EOF {
			return fmt.Errorf("%w: no <%s> element", ErrSyntax, what)
		}
		return fmt.Errorf("%w: %w", ErrSyntax, err)
	}
	// Decode stops after the root element; anything but space, comments and
	// processing instructions after it means the input is not one document.
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: after the root element: %w", ErrSyntax, err)
		}
		t, err := decoderTokens{dec}.convert(tok)
		if err != nil {
			return err
		}
		if err := afterRoot(t); err != nil {
			return err
		}
	}
}

// marshalIndent writes v, a pointer to a document's struct, as an indented
// document. The root element is named after the document kind even when v
// was read as part of another document under another name (a snapshot's
// <inactiveDomain> is a Domain). It writes straight into one buffer; the
// output is what an xml.Encoder indenting by two spaces writes.
func marshalIndent(v any) ([]byte, error) {
	sv := reflect.ValueOf(v).Elem()
	ti, err := typeOf(sv.Type())
	if err != nil {
		return nil, err
	}
	name := xml.Name{Local: ti.rootName}
	if name.Local == "" {
		name.Local = sv.Type().Name()
	}
	st := marshalStates.Get().(*marshalState)
	defer st.release()
	if err := st.enc.encodeStruct(rootElemName(name, sv, ti), nil, sv, ti); err != nil {
		return nil, err
	}
	out := make([]byte, len(st.w.buf)+1)
	copy(out, st.w.buf)
	out[len(out)-1] = '\n'
	return out, nil
}

// marshalState is an encoder writing into an indentWriter, kept between
// calls so that its buffer and stacks are allocated once, not per document.
type marshalState struct {
	enc encoder
	w   indentWriter
}

var marshalStates = sync.Pool{New: func() any {
	st := new(marshalState)
	st.enc.w = &st.w
	return st
}}

// release returns st to the pool, empty and holding no strings of the
// document it wrote, unless its buffer grew past what is worth keeping.
func (st *marshalState) release() {
	if cap(st.w.buf) > 1<<20 {
		return
	}
	st.w = indentWriter{buf: st.w.buf[:0]}
	clear(st.enc.scope[:cap(st.enc.scope)])
	clear(st.enc.attrs[:cap(st.enc.attrs)])
	st.enc.scope, st.enc.attrs, st.enc.srcs = st.enc.scope[:0], st.enc.attrs[:0], st.enc.srcs[:0]
	marshalStates.Put(st)
}
