package xdrgen

import "fmt"

// refreshKind is what libvirt's C client changes in the domain a procedure
// is given, beyond making the call.
type refreshKind int

const (
	refreshNone refreshKind = iota
	// refreshIDLookup: the reply carries no domain, so the client looks the
	// domain up by UUID afterwards and takes its ID (remoteDomainCreate).
	refreshIDLookup
	// refreshIDFromReply: the reply's domain carries the new ID.
	refreshIDFromReply
	// refreshIDReset: the domain stopped; its ID becomes -1.
	refreshIDReset
	// refreshName: the domain's name becomes the new name, when the daemon
	// reports success (retcode 0).
	refreshName
)

// refreshes lists every procedure whose wrapper in libvirt's C client
// updates the object it was given: the hand-written ones of
// src/remote/remote_driver.c (remoteDomainCreate, remoteDomainCreateWithFiles,
// remoteDomainRename) and the special cases of the client code that
// src/rpc/gendispatch.pl writes (DomainCreateWithFlags; DomainDestroy,
// DomainSave and DomainManagedSave). No other procedure of the remote, qemu
// or lxc programs changes its objects in the C client; TestRefreshesMatchLibvirt
// checks this list against those two files. (libvirt's client resets the ID
// only after DomainDestroy, DomainSave and DomainManagedSave, not after their
// ...Flags or ...Params variants, and virtwire does the same.)
//
// The methods of these procedures take the domain as *Domain and update it
// when the call succeeds.
var refreshes = map[string]refreshKind{
	"REMOTE_PROC_DOMAIN_CREATE":            refreshIDLookup,
	"REMOTE_PROC_DOMAIN_CREATE_WITH_FLAGS": refreshIDFromReply,
	"REMOTE_PROC_DOMAIN_CREATE_WITH_FILES": refreshIDFromReply,
	"REMOTE_PROC_DOMAIN_DESTROY":           refreshIDReset,
	"REMOTE_PROC_DOMAIN_SAVE":              refreshIDReset,
	"REMOTE_PROC_DOMAIN_MANAGED_SAVE":      refreshIDReset,
	"REMOTE_PROC_DOMAIN_RENAME":            refreshName,
}

// refreshedArg is the argument every refreshing procedure updates.
const refreshedArg = "dom"

// checkRefresh fails unless procedure pi can be refreshed as refreshes says:
// it takes a remote_nonnull_domain named dom, and the reply has what the
// refresh reads.
func (m *model) checkRefresh(pi *procInfo, kind refreshKind) error {
	if pi.args == nil || len(pi.args.def.Fields) == 0 || pi.args.def.Fields[0].Name != refreshedArg ||
		pi.args.def.Fields[0].Type.Name != "remote_nonnull_domain" {
		return fmt.Errorf("xdrgen: %s refreshes its domain, but its first argument is not remote_nonnull_domain %s", pi.value.Name, refreshedArg)
	}
	retField := map[refreshKind]string{refreshIDFromReply: "dom", refreshName: "retcode"}[kind]
	if retField == "" {
		return nil
	}
	if pi.ret != nil {
		for _, f := range pi.ret.def.Fields {
			if f.Name == retField {
				return nil
			}
		}
	}
	return fmt.Errorf("xdrgen: %s refreshes its domain from the reply's %s, which it has not", pi.value.Name, retField)
}

// refreshDoc is the sentence of a refreshing method's doc comment.
var refreshDoc = map[refreshKind][]string{
	refreshIDLookup: {
		"Like libvirt's client, it then sets dom.ID to the running domain's ID,",
		"which it looks up by UUID (the daemon's reply carries none). dom must",
		"not be nil.",
	},
	refreshIDFromReply: {
		"Like libvirt's client, it sets dom.ID to the running domain's ID from the",
		"reply; rDom is the domain as the daemon returned it. dom must not be nil.",
	},
	refreshIDReset: {
		"Like libvirt's client, it sets dom.ID to -1 (the domain no longer runs).",
		"dom must not be nil.",
	},
	refreshName: {
		"Like libvirt's client, it sets dom.Name to *newName when the daemon",
		"reports success (rRetcode 0). dom must not be nil.",
	},
}

// genRefresh writes the statements that update dom after a successful call.
func (w *emitter) genRefresh(kind refreshKind, method string) {
	switch kind {
	case refreshIDLookup:
		w.p("if err = c.lookUpID(ctx, %q, dom); err != nil {", method)
		w.p("return")
		w.p("}")
	case refreshIDFromReply:
		w.p("dom.ID = ret.Dom.ID")
	case refreshIDReset:
		w.p("dom.ID = -1")
	case refreshName:
		w.p("if ret.Retcode == 0 && newName != nil {")
		w.p("dom.Name = *newName")
		w.p("}")
	}
}
