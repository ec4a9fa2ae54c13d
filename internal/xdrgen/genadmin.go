package xdrgen

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// The admin package (package admin at the module root) is the client of
// libvirt's admin program. Its generated part, like the root package's,
// is a method on its Conn for every procedure of admin_protocol.x, the
// aliases of the protocol types those methods show, and the constants of
// libvirt-admin.h. Its protocol package is imported as wire, since both
// are named admin.
const adminWire = "wire"

// adminInternalProcs are the admin procedures whose methods are not
// exported, and why.
var adminInternalProcs = map[string]string{
	"ADMIN_PROC_CONNECT_OPEN":  "Dial and NewConn open the connection",
	"ADMIN_PROC_CONNECT_CLOSE": "Close ends the connection",
}

// adminTypeName is the Go name of a libvirt-admin.h enum in package
// admin: virAdmConnectDaemonShutdownFlags -> ConnectDaemonShutdownFlags,
// virClientTransport -> ClientTransport.
func adminTypeName(c string) string {
	return goTypeName("vir" + strings.TrimPrefix(strings.TrimPrefix(c, "vir"), "Adm"))
}

func (m *model) adminEnums() []*CEnum {
	var out []*CEnum
	for _, e := range m.header.Enums {
		if e.File == "libvirt-admin.h" {
			out = append(out, e)
		}
	}
	return out
}

// genAdminConstants produces package admin's typed constants from
// libvirt-admin.h.
func (m *model) genAdminConstants() ([]byte, error) {
	w := &emitter{}
	w.p(header, "libvirt-admin.h")
	w.p("package admin")
	w.p("")
	w.p("import (")
	w.p("%q", "strconv")
	w.p("")
	w.p("%q", "github.com/virtwire/virtwire/internal/cflags")
	w.p(")")
	w.p("")
	seen := map[string]string{}
	claim := func(goName, c string) error {
		if prev, dup := seen[goName]; dup {
			return fmt.Errorf("xdrgen: %s and %s both map to the Go name %s in package admin", prev, c, goName)
		}
		seen[goName] = c
		return nil
	}
	if err := m.writeEnums(w, m.adminEnums(), adminTypeName, claim); err != nil {
		return nil, err
	}
	if err := m.writeDefines(w, func(d *CDefine) bool { return d.File == "libvirt-admin.h" }, seen, claim); err != nil {
		return nil, err
	}
	w.p("func flagString(v uint64, n int, at func(int) (uint64, string)) string { return cflags.String(v, n, at) }")
	return w.source()
}

// adminQualified matches the protocol package's qualifier in a type.
var adminQualified = regexp.MustCompile(`\badmin\.([A-Za-z0-9_]+)`)

// genAdminMethods produces package admin's Conn methods, one per procedure
// of admin_protocol.x, and the aliases of the protocol types they show.
func (m *model) genAdminMethods() ([]byte, error) {
	var p *program
	for _, pr := range m.progs {
		if pr.pkg == "admin" {
			p = pr
		}
	}
	if p == nil {
		return nil, fmt.Errorf("xdrgen: no admin program")
	}
	known := map[string]bool{}
	for _, e := range m.adminEnums() {
		known[adminTypeName(e.Name)] = true
	}
	aliases := map[string]bool{}
	// Protocol types show unqualified, as aliases of package admin's own.
	sigType := func(t string) string {
		return adminQualified.ReplaceAllStringFunc(t, func(s string) string {
			name := strings.TrimPrefix(s, "admin.")
			aliases[name] = true
			return name
		})
	}
	procs, err := m.procedures(p)
	if err != nil {
		return nil, err
	}
	body := &emitter{}
	for _, pi := range procs {
		name := pi.goName
		if _, internal := adminInternalProcs[pi.value.Name]; internal {
			name = unexported(name)
		}
		if err := m.genAdminMethod(body, pi, name, known, sigType); err != nil {
			return nil, err
		}
	}
	w := &emitter{}
	w.p(header, "admin_protocol.x")
	w.p("package admin")
	w.p("")
	w.p("import (")
	w.p("%q", "context")
	w.p("")
	w.p("%s %q", adminWire, "github.com/virtwire/virtwire/protocol/admin")
	w.p(")")
	w.p("")
	names := make([]string, 0, len(aliases))
	for n := range aliases {
		names = append(names, n)
	}
	sort.Strings(names)
	w.p("// Protocol types the Conn methods show, as aliases of protocol/admin's.")
	w.p("type (")
	for _, n := range names {
		w.p("%s = %s.%s", n, adminWire, n)
	}
	w.p(")")
	w.p("")
	w.buf.Write(body.buf.Bytes())
	return w.source()
}

func (m *model) genAdminMethod(w *emitter, pi *procInfo, name string, known map[string]bool, sigType func(string) string) error {
	ins, err := m.fields(pi.args, pi, known, sigType, false)
	if err != nil {
		return err
	}
	outs, err := m.fields(pi.ret, pi, known, sigType, true)
	if err != nil {
		return err
	}
	sig := []string{"ctx context.Context"}
	for _, in := range ins {
		sig = append(sig, in.name+" "+in.goType)
	}
	var res []string
	for _, o := range outs {
		res = append(res, o.name+" "+o.goType)
	}
	res = append(res, "err error")
	w.p("// %s calls %s (procedure %d).", name, pi.value.Name, pi.number)
	if why, internal := adminInternalProcs[pi.value.Name]; internal {
		w.p("// It is not exported: %s.", why)
	}
	w.p("func (c *Conn) %s(%s) (%s) {", name, strings.Join(sig, ", "), strings.Join(res, ", "))
	enc, dec := "nil", "nil"
	if pi.args != nil {
		var inits []string
		for _, in := range ins {
			inits = append(inits, in.field+": "+in.expr)
		}
		w.p("args := %s.%s{%s}", adminWire, pi.args.goName, strings.Join(inits, ", "))
		enc = "args.EncodeXDR"
	}
	if pi.ret != nil {
		w.p("var ret %s.%s", adminWire, pi.ret.goName)
		dec = "ret.DecodeXDR"
	}
	w.p("if err = c.invoke(ctx, int32(%s.%s), %s, %s); err != nil {", adminWire, pi.constant, enc, dec)
	w.p("return")
	w.p("}")
	var rets []string
	for _, o := range outs {
		rets = append(rets, o.expr)
	}
	rets = append(rets, "nil")
	w.p("return %s", strings.Join(rets, ", "))
	w.p("}")
	w.p("")
	return nil
}
