package xdrgen

import (
	"fmt"
	"sort"
	"strings"
)

// The .x files declare some text as arrays of char (char model[32], char
// label<REMOTE_SECURITY_LABEL_MAX>): rpcgen's chars, one 4-byte XDR int
// each. In libvirt's C API they are NUL-terminated strings in fixed-size
// buffers (virNodeInfo.model, virSecurityLabel.label...). The protocol
// packages keep them as the .x declares them ([32]int8, []int8), which keeps
// every generated type byte-for-byte comparable with a reflection codec; the
// Conn methods show them as Go strings: the chars before the first NUL.
//
// Every char array of every program must be listed in exactly one of the two
// tables, so that a new one in a later libvirt is a generator error until
// someone decides which it is.

// cStringFields are the char arrays that hold C strings, by "struct.field".
var cStringFields = map[string]bool{
	"remote_node_get_info_ret.model":             true, // virNodeInfo.model
	"remote_domain_get_security_label_ret.label": true, // virSecurityLabel.label
	"remote_node_get_security_model_ret.model":   true, // virSecurityModel.model
	"remote_node_get_security_model_ret.doi":     true, // virSecurityModel.doi
}

// binaryCharFields are the char arrays that hold bytes: SASL tokens.
var binaryCharFields = map[string]bool{
	"remote_auth_sasl_start_args.data": true,
	"remote_auth_sasl_start_ret.data":  true,
	"remote_auth_sasl_step_args.data":  true,
	"remote_auth_sasl_step_ret.data":   true,
}

// cStringTwins names the root-package struct that stands for a protocol
// struct with C-string fields where a method returns a list of them: the
// same fields, with the C strings as strings.
var cStringTwins = map[string]string{
	"remote_domain_get_security_label_ret": "SecurityLabel", // virSecurityLabel
}

// isCharArray reports whether r is a fixed or variable array of signed
// chars.
func isCharArray(r *rtype) bool {
	return (r.kind == rFixedArray || r.kind == rVarArray) && r.elem.kind == rChar && r.elem.goType == "int8"
}

// checkCharArrays fails unless every char array of every program is
// classified as a C string or as binary data.
func (m *model) checkCharArrays() error {
	var unknown []string
	for _, p := range m.progs {
		for _, t := range p.file.Type {
			if t.Kind != KindStruct {
				continue
			}
			for _, f := range t.Fields {
				r, err := m.resolveDecl(f, p)
				if err != nil {
					return err
				}
				key := t.Name + "." + f.Name
				switch {
				case !isCharArray(r):
					if cStringFields[key] || binaryCharFields[key] {
						return fmt.Errorf("xdrgen: %s is listed as a char array but is %s", key, r.goType)
					}
				case cStringFields[key] && binaryCharFields[key]:
					return fmt.Errorf("xdrgen: %s is listed both as a C string and as binary", key)
				case !cStringFields[key] && !binaryCharFields[key]:
					unknown = append(unknown, key)
				}
			}
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("xdrgen: char arrays neither in cStringFields nor in binaryCharFields: %s", strings.Join(unknown, ", "))
	}
	return nil
}

// hasCString reports whether the struct named name has C-string fields.
func (m *model) hasCString(name string) bool {
	ti := m.types[name]
	if ti == nil || ti.def.Kind != KindStruct {
		return false
	}
	for _, f := range ti.def.Fields {
		if cStringFields[name+"."+f.Name] {
			return true
		}
	}
	return false
}

// twin is a root-package struct standing for a protocol struct with C
// strings (see cStringTwins).
type twin struct {
	name   string // SecurityLabel
	xdr    *tinfo // remote_domain_get_security_label_ret
	fields []twinField
}

type twinField struct {
	name, goType, expr string // expr converts field name of the protocol value v
}

// twinOf returns the twin of the protocol struct named xdrName, making it
// on first use.
func (m *model) twinOf(xdrName string) (*twin, error) {
	if tw, ok := m.twins[xdrName]; ok {
		return tw, nil
	}
	name, ok := cStringTwins[xdrName]
	if !ok {
		return nil, fmt.Errorf("xdrgen: a method returns a list of %s, which has C strings; name its root-package twin in cStringTwins", xdrName)
	}
	ti := m.types[xdrName]
	tw := &twin{name: name, xdr: ti}
	for _, f := range ti.def.Fields {
		r, err := m.resolveDecl(f, rootProgram)
		if err != nil {
			return nil, err
		}
		tf := twinField{name: camel(f.Name), goType: m.rootType(r.goType), expr: "v." + camel(f.Name)}
		switch {
		case cStringFields[xdrName+"."+f.Name]:
			tf.goType, tf.expr = "string", cStringExpr(r, tf.expr)
		case r.kind == rNamed && m.hasCString(f.Type.Name):
			return nil, fmt.Errorf("xdrgen: %s.%s: C strings nested in twins are not supported", xdrName, f.Name)
		}
		tw.fields = append(tw.fields, tf)
	}
	if m.twins == nil {
		m.twins = map[string]*twin{}
	}
	m.twins[xdrName] = tw
	return tw, nil
}

// funcName is the name of the generated function that converts a list of
// the protocol struct to a list of tw.
func (tw *twin) funcName() string { return lowerFirst(tw.name) + "List" }

// cStringExpr is the expression that turns expr, a char array of resolved
// type r, into a Go string (cString is in the root package's cstring.go).
func cStringExpr(r *rtype, expr string) string {
	if r.kind == rFixedArray {
		return "cString(" + expr + "[:])"
	}
	return "cString(" + expr + ")"
}

// genTwins writes the twins the methods use, and their list conversions.
func (m *model) genTwins(w *emitter) {
	names := make([]string, 0, len(m.twins))
	for n := range m.twins {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		tw := m.twins[n]
		w.p("")
		w.p("// %s is protocol/remote's %s (%s)", tw.name, tw.xdr.goName, n)
		w.p("// with its C strings as Go strings.")
		w.p("type %s struct {", tw.name)
		for _, f := range tw.fields {
			w.p("%s %s", f.name, f.goType)
		}
		w.p("}")
		w.p("")
		w.p("func %s(in []remote.%s) []%s {", tw.funcName(), tw.xdr.goName, tw.name)
		w.p("out := make([]%s, len(in))", tw.name)
		w.p("for i := range in {")
		w.p("v := &in[i]")
		var inits []string
		for _, f := range tw.fields {
			inits = append(inits, f.name+": "+f.expr)
		}
		w.p("out[i] = %s{%s}", tw.name, strings.Join(inits, ", "))
		w.p("}")
		w.p("return out")
		w.p("}")
	}
}
