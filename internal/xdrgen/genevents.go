package xdrgen

import (
	"fmt"
	"sort"
	"strings"
)

// eventFieldTypes types event fields with the header enums they hold,
// keyed by "EventType.field".
var eventFieldTypes = map[string]string{
	"DomainEventLifecycle.event":          "DomainEventType",
	"DomainEventWatchdog.action":          "DomainEventWatchdogAction",
	"DomainEventIOError.action":           "DomainEventIOErrorAction",
	"DomainEventIOErrorReason.action":     "DomainEventIOErrorAction",
	"DomainEventGraphics.phase":           "DomainEventGraphicsPhase",
	"DomainEventBlockJob.type":            "DomainBlockJobType",
	"DomainEventBlockJob.status":          "ConnectDomainEventBlockJobStatus",
	"DomainEventBlockJob2.type":           "DomainBlockJobType",
	"DomainEventBlockJob2.status":         "ConnectDomainEventBlockJobStatus",
	"DomainEventDiskChange.reason":        "ConnectDomainEventDiskChangeReason",
	"DomainEventTrayChange.reason":        "DomainEventTrayChangeReason",
	"DomainEventAgentLifecycle.state":     "ConnectDomainEventAgentLifecycleState",
	"DomainEventAgentLifecycle.reason":    "ConnectDomainEventAgentLifecycleReason",
	"DomainEventMemoryFailure.recipient":  "DomainMemoryFailureRecipientType",
	"DomainEventMemoryFailure.action":     "DomainMemoryFailureActionType",
	"NetworkEventLifecycle.event":         "NetworkEventLifecycleType",
	"StoragePoolEventLifecycle.event":     "StoragePoolEventLifecycleType",
	"NodeDeviceEventLifecycle.event":      "NodeDeviceEventLifecycleType",
	"SecretEventLifecycle.event":          "SecretEventLifecycleType",
	"DomainEventMetadataChange.type":      "DomainMetadataType",
	"NetworkEventMetadataChange.type":     "NetworkMetadataType",
	"DomainEventPmsuspend.reason":         "",
	"DomainEventCallbackLifecycle.detail": "",
}

// eventFamilies maps a procedure-name prefix to the event family constant
// of events.go and the C prefix of the family's event IDs.
var eventFamilies = []struct{ prefix, family, idPrefix string }{
	{"domain_event_callback_", "familyDomain", "VIR_DOMAIN_EVENT_ID_"},
	{"domain_event_", "familyDomain", "VIR_DOMAIN_EVENT_ID_"},
	{"network_event_callback_", "familyNetwork", "VIR_NETWORK_EVENT_ID_"},
	{"network_event_", "familyNetwork", "VIR_NETWORK_EVENT_ID_"},
	{"storage_pool_event_", "familyStoragePool", "VIR_STORAGE_POOL_EVENT_ID_"},
	{"node_device_event_", "familyNodeDevice", "VIR_NODE_DEVICE_EVENT_ID_"},
	{"secret_event_", "familySecret", "VIR_SECRET_EVENT_ID_"},
	{"domain_monitor_event", "familyQEMUMonitor", ""},
}

type eventField struct {
	name, goType, expr, conv string
}

// genEvents produces the root package's event types: one struct per event
// procedure that carries a callback ID, and the table that decodes them.
func (m *model) genEvents() ([]byte, error) {
	known := map[string]bool{}
	for _, e := range m.constEnums() {
		known[goTypeName(e.Name)] = true
	}
	w := &emitter{}
	w.p(header, "remote_protocol.x and qemu_protocol.x")
	w.p("package virtwire")
	w.p("")
	w.p("import (")
	for _, imp := range []string{"github.com/virtwire/virtwire/protocol", "github.com/virtwire/virtwire/protocol/qemu", "github.com/virtwire/virtwire/protocol/remote"} {
		w.p("%q", imp)
	}
	w.p(")")
	w.p("")
	type entry struct{ key, body string }
	var table []entry
	seen := map[string]string{}
	// Legacy domain events (without a callback ID, what daemons before
	// libvirt 1.2.1 send) carry the same message as the "msg" field of
	// their callback form: they decode into the same event type.
	type legacyForm struct {
		goName, family, idExpr string
		efs                    []eventField
	}
	legacyByMsg := map[string]legacyForm{} // the inner message's .x type
	var legacyProcs []*procInfo
	for _, p := range m.progs {
		if p.pkg != "remote" && p.pkg != "qemu" {
			continue
		}
		procs, err := m.procedures(p)
		if err != nil {
			return nil, err
		}
		for _, pi := range procs {
			if pi.msg == nil || pi.args != nil || pi.ret != nil {
				continue
			}
			fields := pi.msg.def.Fields
			if len(fields) == 0 || fields[0].Name != "callbackID" {
				if p.pkg == "remote" && strings.HasPrefix(pi.base, "domain_event_") {
					legacyProcs = append(legacyProcs, pi)
				}
				continue // the pre-callback form: decoded below
			}
			family, idName := "", ""
			for _, f := range eventFamilies {
				if rest, ok := strings.CutPrefix(pi.base, f.prefix); ok {
					family = f.family
					if f.idPrefix != "" {
						idName = f.idPrefix + strings.ToUpper(rest)
					}
					break
				}
			}
			if family == "" {
				return nil, fmt.Errorf("xdrgen: event %s belongs to no known family", pi.value.Name)
			}
			goName := camel(strings.Replace(pi.base, "_callback_", "_", 1))
			if p.pkg == "qemu" {
				goName = "QEMU" + goName
			}
			if prev, dup := seen[goName]; dup {
				return nil, fmt.Errorf("xdrgen: events %s and %s both map to %s", prev, pi.value.Name, goName)
			}
			seen[goName] = pi.value.Name
			if known[goName] {
				return nil, fmt.Errorf("xdrgen: event %s collides with the header type %s", pi.value.Name, goName)
			}
			var efs []eventField
			innerMsg := ""
			for _, f := range fields[1:] {
				if cStringFields[pi.msg.def.Name+"."+f.Name] || m.hasCString(f.Type.Name) {
					return nil, fmt.Errorf("xdrgen: event %s: C strings in events are not supported", pi.value.Name)
				}
				r, err := m.resolveDecl(f, rootProgram)
				if err != nil {
					return nil, err
				}
				if f.Name == "msg" && r.kind == rNamed {
					innerMsg = f.Type.Name
					inner := m.types[f.Type.Name]
					for _, g := range inner.def.Fields {
						rg, err := m.resolveDecl(g, rootProgram)
						if err != nil {
							return nil, err
						}
						efs = append(efs, m.eventField(goName, g.Name, rg.goType, "m.Msg."+camel(g.Name), known))
					}
					continue
				}
				efs = append(efs, m.eventField(goName, f.Name, r.goType, "m."+camel(f.Name), known))
			}
			for _, ef := range efs {
				if ef.conv == "!" {
					return nil, fmt.Errorf("xdrgen: %s: field type %s is not in the headers", goName, ef.goType)
				}
			}
			idNote, idExpr := "", "0"
			if idName != "" {
				if _, ok := m.consts[idName]; !ok {
					return nil, fmt.Errorf("xdrgen: event %s: no event ID %s in the headers", pi.value.Name, idName)
				}
				idNote = fmt.Sprintf(" Subscribe with %s.", goConstName(idName))
				idExpr = fmt.Sprintf("int32(%s)", goConstName(idName))
			}
			w.p("// %s is the event %s.%s", goName, pi.value.Name, idNote)
			w.p("type %s struct {", goName)
			for _, ef := range efs {
				w.p("%s %s", ef.name, m.rootType(ef.goType))
			}
			w.p("}")
			w.p("")
			w.p("func (*%s) isEvent() {}", goName)
			w.p("")
			for _, ef := range efs {
				if ef.name == "Dom" && m.rootType(ef.goType) == "Domain" {
					w.p("func (e *%s) domain() Domain { return e.Dom }", goName)
					w.p("")
				}
			}
			if innerMsg != "" && p.pkg == "remote" && family == "familyDomain" {
				legacyByMsg[innerMsg] = legacyForm{goName, family, idExpr, efs}
			}
			var b strings.Builder
			fmt.Fprintf(&b, "{family: %s, id: %s, decode: func(body []byte) (int32, Event, error) {\n", family, idExpr)
			fmt.Fprintf(&b, "var m %s.%s\n", p.pkg, pi.msg.goName)
			b.WriteString("if err := protocol.Decode(body, &m); err != nil { return 0, nil, err }\n")
			var inits []string
			for _, ef := range efs {
				v := ef.expr
				if ef.conv != "" {
					v = ef.conv + "(" + v + ")"
				}
				inits = append(inits, ef.name+": "+v)
			}
			fmt.Fprintf(&b, "return m.CallbackID, &%s{%s}, nil\n}}", goName, strings.Join(inits, ", "))
			table = append(table, entry{fmt.Sprintf("eventKey(%s.Program, int32(%s.%s))", p.pkg, p.pkg, pi.constant), b.String()})
		}
	}
	for _, pi := range legacyProcs {
		lf, ok := legacyByMsg[pi.msg.def.Name]
		if !ok {
			continue // a legacy event whose kind has no callback form: none in 11.3
		}
		var b strings.Builder
		fmt.Fprintf(&b, "{family: %s, id: %s, legacy: true, decode: func(body []byte) (int32, Event, error) {\n", lf.family, lf.idExpr)
		fmt.Fprintf(&b, "var m remote.%s\n", pi.msg.goName)
		b.WriteString("if err := protocol.Decode(body, &m); err != nil { return 0, nil, err }\n")
		var inits []string
		for _, ef := range lf.efs {
			// Fields beside the callback form's msg (a reason added
			// later) have no legacy counterpart: they stay zero.
			rest, inMsg := strings.CutPrefix(ef.expr, "m.Msg.")
			if !inMsg {
				continue
			}
			v := "m." + rest
			if ef.conv != "" {
				v = ef.conv + "(" + v + ")"
			}
			inits = append(inits, ef.name+": "+v)
		}
		fmt.Fprintf(&b, "return legacyCallbackID(%s), &%s{%s}, nil\n}}", lf.idExpr, lf.goName, strings.Join(inits, ", "))
		table = append(table, entry{fmt.Sprintf("eventKey(remote.Program, int32(remote.%s))", pi.constant), b.String()})
	}
	sort.SliceStable(table, func(i, j int) bool { return table[i].key < table[j].key })
	w.p("// eventDecoders decodes every event message virtwire registers for.")
	w.p("var eventDecoders = map[uint64]eventDecoder{")
	for _, e := range table {
		w.p("%s: %s,", e.key, e.body)
	}
	w.p("}")
	return w.source()
}

func (m *model) eventField(event, field, goType, expr string, known map[string]bool) eventField {
	ef := eventField{name: camel(field), goType: goType, expr: expr}
	if t := eventFieldTypes[event+"."+field]; t != "" {
		if !known[t] {
			return eventField{name: ef.name, goType: t, conv: "!"}
		}
		ef.goType, ef.conv = t, t
	}
	return ef
}
