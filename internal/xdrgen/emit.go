package xdrgen

import (
	"bytes"
	"fmt"
	"go/format"
	"strings"
)

// emitter accumulates Go source.
type emitter struct {
	buf   bytes.Buffer
	depth int // nesting of loops, for unique index names
}

func (w *emitter) p(format string, args ...any) {
	fmt.Fprintf(&w.buf, format, args...)
	w.buf.WriteByte('\n')
}

func (w *emitter) source() ([]byte, error) {
	out, err := format.Source(w.buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("gofmt of generated code: %w\n%s", err, numbered(w.buf.String()))
	}
	return out, nil
}

func numbered(s string) string {
	var b strings.Builder
	for i, l := range strings.Split(s, "\n") {
		fmt.Fprintf(&b, "%5d %s\n", i+1, l)
	}
	return b.String()
}

// encode writes statements that encode expr, of resolved type r.
func (w *emitter) encode(r *rtype, expr, what string) {
	switch r.kind {
	case rInt32:
		w.p("e.Int32(%s)", expr)
	case rUint32:
		w.p("e.Uint32(%s)", expr)
	case rInt64:
		w.p("e.Int64(%s)", expr)
	case rUint64:
		w.p("e.Uint64(%s)", expr)
	case rBool:
		w.p("e.Bool(%s)", expr)
	case rFloat32:
		w.p("e.Float32(%s)", expr)
	case rFloat64:
		w.p("e.Float64(%s)", expr)
	case rChar, rEnum:
		if r.signed || r.kind == rEnum {
			w.p("e.Int32(int32(%s))", expr)
		} else {
			w.p("e.Uint32(uint32(%s))", expr)
		}
	case rString:
		w.p("e.String(%s, %d, %q)", expr, r.max, what)
	case rOpaque:
		w.p("e.Opaque(%s, %d, %q)", expr, r.max, what)
	case rFixedOpaque:
		w.p("e.FixedOpaque(%s[:])", expr)
	case rNamed:
		w.p("%s.EncodeXDR(e)", expr)
	case rOptional:
		w.p("e.Optional(%s != nil)", expr)
		w.p("if %s != nil {", expr)
		if r.elem.kind == rNamed {
			w.encode(r.elem, expr, what)
		} else {
			w.encode(r.elem, "(*"+expr+")", what)
		}
		w.p("}")
	case rVarArray, rFixedArray:
		if r.kind == rVarArray {
			w.p("e.ArrayLen(len(%s), %d, %q)", expr, r.max, what)
		}
		i := fmt.Sprintf("i%d", w.depth)
		w.depth++
		w.p("for %s := range %s {", i, expr)
		w.encode(r.elem, expr+"["+i+"]", what)
		w.p("}")
		w.depth--
	default:
		panic(fmt.Sprintf("xdrgen: no encoder for kind %d", r.kind))
	}
}

// decode writes statements that decode into expr, of resolved type r.
func (w *emitter) decode(r *rtype, expr, what string) {
	switch r.kind {
	case rInt32:
		w.p("%s = d.Int32()", expr)
	case rUint32:
		w.p("%s = d.Uint32()", expr)
	case rInt64:
		w.p("%s = d.Int64()", expr)
	case rUint64:
		w.p("%s = d.Uint64()", expr)
	case rBool:
		w.p("%s = d.Bool()", expr)
	case rFloat32:
		w.p("%s = d.Float32()", expr)
	case rFloat64:
		w.p("%s = d.Float64()", expr)
	case rEnum:
		w.p("%s = %s(d.Int32())", expr, r.goType)
	case rChar:
		fn := map[string]string{"int8": "Int8", "uint8": "Uint8", "int16": "Int16", "uint16": "Uint16"}[r.goType]
		w.p("%s = d.%s(%q)", expr, fn, what)
	case rString:
		w.p("%s = d.String(%d, %q)", expr, r.max, what)
	case rOpaque:
		// Never nil: see rVarArray.
		w.p("if %s = d.Opaque(%d, %q); %s == nil {", expr, r.max, what, expr)
		w.p("%s = []byte{}", expr)
		w.p("}")
	case rFixedOpaque:
		w.p("d.FixedOpaque(%s[:], %q)", expr, what)
	case rNamed:
		w.p("%s.DecodeXDR(d)", expr)
	case rOptional:
		w.p("if d.Optional() {")
		w.p("%s = new(%s)", expr, r.elem.goType)
		if r.elem.kind == rNamed {
			w.decode(r.elem, expr, what)
		} else {
			w.decode(r.elem, "(*"+expr+")", what)
		}
		w.p("} else {")
		w.p("%s = nil", expr)
		w.p("}")
	case rVarArray:
		i := fmt.Sprintf("i%d", w.depth)
		n := fmt.Sprintf("n%d", w.depth)
		w.depth++
		// A decoded list is never nil: an empty one is a slice of length
		// 0 (make of length 0 does not allocate), so that every list a
		// method returns, at any depth, is empty the same way.
		w.p("if %s := d.ArrayLen(%d, %d, %q); %s != nil && cap(%s) >= %s {", n, r.max, r.elem.minSize, what, expr, expr, n)
		w.p("%s = %s[:%s]", expr, expr, n)
		w.p("} else {")
		w.p("%s = make(%s, %s)", expr, r.goType, n)
		w.p("}")
		w.p("for %s := range %s {", i, expr)
		w.decode(r.elem, expr+"["+i+"]", what)
		w.p("}")
		w.depth--
	case rFixedArray:
		i := fmt.Sprintf("i%d", w.depth)
		w.depth++
		w.p("for %s := range %s {", i, expr)
		w.decode(r.elem, expr+"["+i+"]", what)
		w.p("}")
		w.depth--
	default:
		panic(fmt.Sprintf("xdrgen: no decoder for kind %d", r.kind))
	}
}
