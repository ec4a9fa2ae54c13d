package xdrgen

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// constEnums are the header enums generated into the root package: all but
// the admin library's.
func (m *model) constEnums() []*CEnum {
	var out []*CEnum
	for _, e := range m.header.Enums {
		if e.File == "libvirt-admin.h" {
			continue
		}
		out = append(out, e)
	}
	return out
}

// goTypeName is the Go name of a header enum: virDomainXMLFlags -> DomainXMLFlags.
func goTypeName(c string) string {
	s := strings.TrimPrefix(c, "vir")
	return strings.ToUpper(s[:1]) + s[1:]
}

// goConstName is the Go name of a header constant: VIR_DOMAIN_XML_SECURE -> DomainXMLSecure.
func goConstName(c string) string { return cName(strings.TrimPrefix(c, "VIR_")) }

func isFlagType(name string) bool { return strings.Contains(name, "Flag") }

// genConstants produces the root package's typed constants from the headers.
func (m *model) genConstants() ([]byte, error) {
	w := &emitter{}
	w.p(header, "public headers (include/libvirt/*.h)")
	w.p("package virtwire")
	w.p("")
	w.p("import %q", "strconv")
	w.p("")
	seen := map[string]string{} // Go name -> C name, to catch collisions
	claim := func(goName, c string) error {
		if prev, dup := seen[goName]; dup {
			return fmt.Errorf("xdrgen: %s and %s both map to the Go name %s", prev, c, goName)
		}
		seen[goName] = c
		return nil
	}
	if err := m.writeEnums(w, m.constEnums(), goTypeName, claim); err != nil {
		return nil, err
	}
	// Defines: numbers and strings (typed-parameter field names and the like).
	if err := m.writeDefines(w, func(d *CDefine) bool { return d.File != "libvirt-admin.h" }, seen, claim); err != nil {
		return nil, err
	}
	m.genErrorText(w)
	return w.source()
}

// writeDefines writes the header's defines that keep selects as
// constants: numbers and strings (typed-parameter field names and the
// like). seen holds the Go names given so far, claim refuses one given
// twice.
func (m *model) writeDefines(w *emitter, keep func(*CDefine) bool, seen map[string]string, claim func(goName, c string) error) error {
	w.p("// Constants defined by the headers.")
	w.p("const (")
	for _, d := range m.header.Defines {
		if !keep(d) {
			continue
		}
		gn := goConstName(d.Name)
		if _, taken := seen[gn]; taken && d.IsStr {
			// A typed-parameter field name that spells like a type
			// (VIR_DOMAIN_JOB_OPERATION vs virDomainJobOperation).
			gn += "Field"
		}
		if err := claim(gn, d.Name); err != nil {
			return err
		}
		since := ""
		if d.Since != "" {
			since = ", since libvirt " + d.Since
		}
		if d.IsStr {
			w.p("%s = \"%s\" // %s%s", gn, d.Str, d.Name, since)
		} else {
			w.p("%s = %d // %s%s", gn, d.Int, d.Name, since)
		}
	}
	w.p(")")
	w.p("")
	return nil
}

// writeEnums writes header enums as named Go types with their values and
// String methods; typeName names the Go type, claim refuses a Go name
// given twice.
func (m *model) writeEnums(w *emitter, enums []*CEnum, typeName func(string) string, claim func(goName, c string) error) error {
	for _, e := range enums {
		tn := typeName(e.Name)
		if err := claim(tn, e.Name); err != nil {
			return err
		}
		base := "int32"
		for _, v := range e.Values {
			if v.Value > math.MaxInt32 {
				base = "uint32"
			}
		}
		flags := isFlagType(e.Name)
		kind := "enum"
		if flags {
			kind = "flag set"
		}
		w.p("// %s is the %s %s (%s).", tn, kind, e.Name, e.File)
		w.p("type %s %s", tn, base)
		w.p("")
		w.p("// Values of %s.", tn)
		w.p("const (")
		for _, v := range e.Values {
			gn := goConstName(v.Name)
			if err := claim(gn, v.Name); err != nil {
				return err
			}
			since := ""
			if v.Since != "" {
				since = ", since libvirt " + v.Since
			}
			w.p("%s %s = %d // %s%s", gn, tn, v.Value, v.Name, since)
		}
		w.p(")")
		w.p("")
		m.genConstString(w, e, tn, flags)
	}
	return nil
}

func (m *model) genConstString(w *emitter, e *CEnum, tn string, flags bool) {
	// First name wins for values with aliases.
	names := map[int64]string{}
	var order []int64
	for _, v := range e.Values {
		if _, dup := names[v.Value]; !dup {
			names[v.Value] = v.Name
			order = append(order, v.Value)
		}
	}
	sort.Slice(order, func(i, j int) bool { return order[i] < order[j] })
	table := lowerFirst(tn) + "Names"
	if flags {
		// Flags print as their set bits; a zero value prints its own name
		// when it has one.
		w.p("var %s = [...]struct{ v %s; s string }{", table, tn)
		for _, v := range order {
			w.p("{%d, %q},", v, names[v])
		}
		w.p("}")
		w.p("")
		w.p("// String returns the C names of the flags set in v, joined by |.")
		w.p("func (v %s) String() string {", tn)
		w.p("return flagString(uint64(v), len(%s), func(i int) (uint64, string) { return uint64(%s[i].v), %s[i].s })", table, table, table)
		w.p("}")
		w.p("")
		return
	}
	w.p("var %s = map[%s]string{", table, tn)
	for _, v := range order {
		w.p("%d: %q,", v, names[v])
	}
	w.p("}")
	w.p("")
	w.p("// String returns the C name of v.")
	w.p("func (v %s) String() string {", tn)
	w.p("if s, ok := %s[v]; ok { return s }", table)
	w.p("return %q + strconv.FormatInt(int64(v), 10) + \")\"", tn+"(")
	w.p("}")
	w.p("")
}

// genErrorText gives every error number a short text of the generator's
// own, derived from its name: VIR_ERR_NO_DOMAIN -> "no domain".
func (m *model) genErrorText(w *emitter) {
	for _, e := range m.header.Enums {
		if e.Name != "virErrorNumber" {
			continue
		}
		w.p("var errorNumberText = map[ErrorNumber]string{")
		done := map[int64]bool{}
		for _, v := range e.Values {
			if done[v.Value] {
				continue
			}
			done[v.Value] = true
			text := strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(v.Name, "VIR_ERR_"), "_", " "))
			w.p("%d: %q,", v.Value, text)
		}
		w.p("}")
	}
}
