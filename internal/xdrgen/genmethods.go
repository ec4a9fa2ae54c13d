package xdrgen

import (
	"fmt"
	"sort"
	"strings"
)

// flagTypeOverrides gives the header type of a procedure's flags argument
// where the type's name does not follow from the procedure's name.
var flagTypeOverrides = map[string]string{
	"DomainAttachDeviceFlags":           "DomainDeviceModifyFlags",
	"DomainDetachDeviceFlags":           "DomainDeviceModifyFlags",
	"DomainUpdateDeviceFlags":           "DomainDeviceModifyFlags",
	"DomainDetachDeviceAlias":           "DomainDeviceModifyFlags",
	"DomainGetXMLDesc":                  "DomainXMLFlags",
	"DomainCreateXML":                   "DomainCreateFlags",
	"DomainCreateWithFlags":             "DomainCreateFlags",
	"DomainCreateWithFiles":             "DomainCreateFlags",
	"DomainCreateXMLWithFiles":          "DomainCreateFlags",
	"DomainDefineXMLFlags":              "DomainDefineFlags",
	"DomainUndefineFlags":               "DomainUndefineFlagsValues",
	"DomainDestroyFlags":                "DomainDestroyFlagsValues",
	"DomainShutdownFlags":               "DomainShutdownFlagValues",
	"DomainReboot":                      "DomainRebootFlagValues",
	"DomainSaveFlags":                   "DomainSaveRestoreFlags",
	"DomainRestoreFlags":                "DomainSaveRestoreFlags",
	"DomainManagedSave":                 "DomainSaveRestoreFlags",
	"DomainSaveImageDefineXML":          "DomainSaveRestoreFlags",
	"DomainManagedSaveDefineXML":        "DomainSaveRestoreFlags",
	"DomainSaveImageGetXMLDesc":         "DomainSaveImageXMLFlags",
	"DomainManagedSaveGetXMLDesc":       "DomainXMLFlags",
	"DomainSetMemoryFlags":              "DomainMemoryModFlags",
	"DomainSetVcpusFlags":               "DomainVcpuFlags",
	"DomainGetVcpusFlags":               "DomainVcpuFlags",
	"DomainInterfaceAddresses":          "",
	"DomainGetState":                    "",
	"DomainSetInterfaceParameters":      "DomainModificationImpact",
	"DomainGetInterfaceParameters":      "DomainModificationImpact",
	"DomainSetMetadata":                 "DomainModificationImpact",
	"DomainGetMetadata":                 "DomainModificationImpact",
	"DomainSetAutostart":                "",
	"NetworkGetXMLDesc":                 "NetworkXMLFlags",
	"NetworkCreateXMLFlags":             "NetworkCreateFlags",
	"NetworkDefineXMLFlags":             "NetworkDefineFlags",
	"NetworkUpdate":                     "NetworkUpdateFlags",
	"StoragePoolGetXMLDesc":             "StorageXMLFlags",
	"StorageVolGetXMLDesc":              "",
	"StoragePoolCreateXML":              "StoragePoolCreateFlags",
	"StoragePoolCreate":                 "StoragePoolCreateFlags",
	"StorageVolCreateXML":               "StorageVolCreateFlags",
	"StorageVolCreateXMLFrom":           "StorageVolCreateFlags",
	"StoragePoolDefineXML":              "StoragePoolDefineFlags",
	"StorageVolDeleteFlags":             "StorageVolDeleteFlags",
	"InterfaceGetXMLDesc":               "InterfaceXMLFlags",
	"InterfaceDefineXML":                "InterfaceDefineFlags",
	"SecretDefineXML":                   "SecretDefineFlags",
	"NwfilterDefineXMLFlags":            "NWFilterDefineFlags",
	"NwfilterBindingCreateXML":          "NWFilterBindingCreateFlags",
	"NodeDeviceCreateXML":               "NodeDeviceCreateXMLFlags",
	"NodeDeviceDefineXML":               "NodeDeviceDefineXMLFlags",
	"DomainSnapshotCreateXML":           "DomainSnapshotCreateFlags",
	"DomainSnapshotGetXMLDesc":          "DomainSnapshotXMLFlags",
	"DomainSnapshotDelete":              "DomainSnapshotDeleteFlags",
	"DomainSnapshotListAllChildren":     "DomainSnapshotListFlags",
	"DomainListAllSnapshots":            "DomainSnapshotListFlags",
	"DomainRevertToSnapshot":            "DomainSnapshotRevertFlags",
	"DomainCheckpointCreateXML":         "DomainCheckpointCreateFlags",
	"DomainCheckpointGetXMLDesc":        "DomainCheckpointXMLFlags",
	"DomainCheckpointDelete":            "DomainCheckpointDeleteFlags",
	"DomainCheckpointListAllChildren":   "DomainCheckpointListFlags",
	"DomainListAllCheckpoints":          "DomainCheckpointListFlags",
	"ConnectGetAllDomainStats":          "ConnectGetAllDomainStatsFlags",
	"DomainListGetStats":                "ConnectGetAllDomainStatsFlags",
	"DomainOpenConsole":                 "DomainConsoleFlags",
	"DomainOpenChannel":                 "DomainChannelFlags",
	"DomainBlockResize":                 "DomainBlockResizeFlags",
	"DomainBlockJobAbort":               "DomainBlockJobAbortFlags",
	"DomainBlockCommit":                 "DomainBlockCommitFlags",
	"DomainBlockRebase":                 "DomainBlockRebaseFlags",
	"DomainBlockCopy":                   "DomainBlockCopyFlags",
	"DomainBlockPull":                   "DomainBlockPullFlags",
	"DomainGetJobStats":                 "DomainGetJobStatsFlags",
	"DomainAbortJobFlags":               "DomainAbortJobFlagsValues",
	"StorageVolDownload":                "StorageVolDownloadFlags",
	"StorageVolUpload":                  "StorageVolUploadFlags",
	"StorageVolResize":                  "StorageVolResizeFlags",
	"StorageVolWipePattern":             "",
	"DomainCoreDumpWithFormat":          "DomainCoreDumpFlags",
	"DomainCoreDump":                    "DomainCoreDumpFlags",
	"DomainMigratePerform3Params":       "DomainMigrateFlags",
	"DomainMigrateBegin3Params":         "DomainMigrateFlags",
	"DomainMigratePrepare3Params":       "DomainMigrateFlags",
	"DomainMigrateFinish3Params":        "DomainMigrateFlags",
	"DomainMigrateConfirm3Params":       "DomainMigrateFlags",
	"DomainSetUserPassword":             "DomainSetUserPasswordFlags",
	"DomainGetGuestInfo":                "",
	"DomainAuthorizedSSHKeysSet":        "DomainAuthorizedSSHKeysSetFlags",
	"DomainSetLaunchSecurityState":      "",
	"ConnectListAllDomains":             "ConnectListAllDomainsFlags",
	"ConnectListAllNetworks":            "ConnectListAllNetworksFlags",
	"ConnectListAllStoragePools":        "ConnectListAllStoragePoolsFlags",
	"ConnectListAllInterfaces":          "ConnectListAllInterfacesFlags",
	"ConnectListAllNodeDevices":         "ConnectListAllNodeDeviceFlags",
	"ConnectListAllSecrets":             "ConnectListAllSecretsFlags",
	"NetworkGetDHCPLeases":              "",
	"NetworkListAllPorts":               "",
	"NetworkPortCreateXML":              "NetworkPortCreateFlags",
	"NetworkPortGetXMLDesc":             "",
	"DomainGetHostname":                 "DomainGetHostnameFlags",
	"ConnectGetCPUModelNames":           "",
	"ConnectBaselineCPU":                "ConnectBaselineCPUFlags",
	"ConnectCompareCPU":                 "ConnectCompareCPUFlags",
	"ConnectBaselineHypervisorCPU":      "ConnectBaselineCPUFlags",
	"ConnectCompareHypervisorCPU":       "ConnectCompareCPUFlags",
	"DomainMemoryStats":                 "",
	"ConnectDomainMonitorEventRegister": "ConnectDomainQemuMonitorEventRegisterFlags",
	"DomainGetCPUStats":                 "TypedParameterFlags",
	"DomainBlockStatsFlags":             "TypedParameterFlags",
	"DomainGetMemoryParameters":         "DomainModificationImpact",
	"DomainSetMemoryParameters":         "DomainModificationImpact",
	"DomainGetBlkioParameters":          "DomainModificationImpact",
	"DomainSetBlkioParameters":          "DomainModificationImpact",
	"DomainGetNUMAParameters":           "DomainModificationImpact",
	"DomainSetNUMAParameters":           "DomainModificationImpact",
	"DomainGetBlockIOTune":              "DomainModificationImpact",
	"DomainSetBlockIOTune":              "DomainModificationImpact",
	"DomainGetPerfEvents":               "DomainModificationImpact",
	"DomainSetPerfEvents":               "DomainModificationImpact",
	"DomainSetLifecycleAction":          "DomainModificationImpact",
	"DomainSetVcpu":                     "DomainModificationImpact",
	"DomainPinVcpuFlags":                "DomainModificationImpact",
	"DomainPinEmulator":                 "DomainModificationImpact",
	"DomainPinIothread":                 "DomainModificationImpact",
	"DomainGetEmulatorPinInfo":          "DomainModificationImpact",
	"DomainGetVcpuPinInfo":              "DomainModificationImpact",
	"DomainGetIothreadInfo":             "DomainModificationImpact",
	"DomainAddIothread":                 "DomainModificationImpact",
	"DomainDelIothread":                 "DomainModificationImpact",
	"DomainSetIothreadParams":           "DomainModificationImpact",
	"DomainSetMemoryStatsPeriod":        "DomainMemoryModFlags",
	"DomainSaveParams":                  "DomainSaveRestoreFlags",
	"DomainRestoreParams":               "DomainSaveRestoreFlags",
	"NetworkGetMetadata":                "NetworkUpdateFlags",
	"NetworkSetMetadata":                "NetworkUpdateFlags",
	"DomainSetSchedulerParametersFlags": "DomainModificationImpact",
	"DomainGetSchedulerParametersFlags": "DomainModificationImpact",
}

// paramTypeOverrides types arguments and results other than flags, keyed by
// "Method.field".
var paramTypeOverrides = map[string]string{
	"DomainInterfaceAddresses.source":               "DomainInterfaceAddressesSource",
	"NetworkUpdate.command":                         "NetworkUpdateCommand",
	"NetworkUpdate.section":                         "NetworkUpdateSection",
	"DomainGetState.state":                          "DomainState",
	"DomainEventRegisterAny.eventID":                "DomainEventID",
	"ConnectDomainEventRegisterAny.eventID":         "DomainEventID",
	"ConnectDomainEventCallbackRegisterAny.eventID": "DomainEventID",
	"ConnectNetworkEventRegisterAny.eventID":        "NetworkEventID",
	"ConnectDomainEventDeregisterAny.eventID":       "DomainEventID",
	"ConnectStoragePoolEventRegisterAny.eventID":    "StoragePoolEventID",
	"ConnectNodeDeviceEventRegisterAny.eventID":     "NodeDeviceEventID",
	"ConnectSecretEventRegisterAny.eventID":         "SecretEventID",
}

// flagType returns the header type for method's flags argument, or "".
func (m *model) flagType(method string, known map[string]bool) (string, error) {
	if t, ok := flagTypeOverrides[method]; ok {
		if t != "" && !known[t] {
			return "", fmt.Errorf("xdrgen: flag type %s given for %s is not in the headers", t, method)
		}
		return t, nil
	}
	bases := []string{method}
	if b, ok := strings.CutSuffix(method, "Flags"); ok {
		bases = append(bases, b)
	}
	for _, b := range bases {
		for _, suffix := range []string{"Flags", "FlagsValues", "Flag", "FlagValues"} {
			if known[b+suffix] {
				return b + suffix, nil
			}
		}
	}
	return "", nil
}

// stringOkayProcedures are the getters of typed parameters to which
// libvirt's client library adds VIR_TYPED_PARAM_STRING_OKAY by itself when
// the daemon supports string parameters; without it the daemon leaves the
// string parameters out of the reply.
var stringOkayProcedures = map[string]bool{
	"REMOTE_PROC_DOMAIN_GET_BLKIO_PARAMETERS":           true,
	"REMOTE_PROC_DOMAIN_GET_BLOCK_IO_TUNE":              true,
	"REMOTE_PROC_DOMAIN_BLOCK_STATS_FLAGS":              true,
	"REMOTE_PROC_DOMAIN_GET_CPU_STATS":                  true,
	"REMOTE_PROC_DOMAIN_GET_INTERFACE_PARAMETERS":       true,
	"REMOTE_PROC_DOMAIN_GET_MEMORY_PARAMETERS":          true,
	"REMOTE_PROC_DOMAIN_GET_NUMA_PARAMETERS":            true,
	"REMOTE_PROC_DOMAIN_GET_SCHEDULER_PARAMETERS_FLAGS": true,
	"REMOTE_PROC_NODE_GET_MEMORY_PARAMETERS":            true,
}

// fdProcedures pass file descriptors: in with the call, or out with the reply.
var (
	fdInProcedures = map[string]bool{
		"REMOTE_PROC_DOMAIN_CREATE_WITH_FILES":        true,
		"REMOTE_PROC_DOMAIN_CREATE_XML_WITH_FILES":    true,
		"REMOTE_PROC_DOMAIN_FD_ASSOCIATE":             true,
		"QEMU_PROC_DOMAIN_MONITOR_COMMAND_WITH_FILES": true,
	}
	fdOutProcedures = map[string]bool{
		"REMOTE_PROC_DOMAIN_OPEN_GRAPHICS_FD":         true,
		"QEMU_PROC_DOMAIN_MONITOR_COMMAND_WITH_FILES": true,
	}
)

// rootProgram stands for the root package when resolving types, so that
// every protocol type comes out qualified (remote.Domain).
var rootProgram = &program{pkg: "virtwire"}

var methodPrefixes = map[string]string{"remote": "", "qemu": "QEMU", "lxc": "LXC"}

// reservedLocals are names the generated method bodies use.
var reservedLocals = map[string]bool{"ctx": true, "c": true, "args": true, "ret": true, "err": true, "stream": true, "files": true, "inFiles": true}

type param struct {
	name   string // Go parameter or result name
	field  string // struct field
	goType string // type in the signature
	expr   string // an argument: the value of the args field; a result: the value returned
}

// rootType shortens remote.X to X when the root package may alias X, and
// records the alias; genAliases writes them.
func (m *model) rootType(t string) string {
	if m.taken == nil {
		m.taken = map[string]bool{}
		m.aliases = map[string]string{}
		for _, e := range m.constEnums() {
			m.taken[goTypeName(e.Name)] = true
			for _, v := range e.Values {
				m.taken[goConstName(v.Name)] = true
			}
		}
		for _, d := range m.header.Defines {
			m.taken[goConstName(d.Name)] = true
		}
	}
	for _, pfx := range []string{"[]", "*", ""} {
		name, ok := strings.CutPrefix(t, pfx+"remote.")
		if !ok {
			continue
		}
		if m.taken[name] {
			return t
		}
		m.aliases[name] = "remote." + name
		return pfx + name
	}
	return t
}

// genAliases writes the root package's aliases of the protocol types its
// methods and events show.
func (m *model) genAliases() ([]byte, error) {
	// Also alias the types those types contain (DomainInterface holds
	// DomainIPAddr), so users never need to import protocol/remote.
	remoteTypes := map[string]*tinfo{}
	for _, ti := range m.types {
		if ti.prog.pkg == "remote" && ti.goName != "" {
			remoteTypes[ti.goName] = ti
		}
	}
	for queue := sortedKeys(m.aliases); len(queue) > 0; {
		name := queue[0]
		queue = queue[1:]
		ti := remoteTypes[name]
		if ti == nil || ti.def.Kind == KindTypedef {
			continue
		}
		decls := append([]*Decl{}, ti.def.Fields...)
		for _, c := range ti.def.Cases {
			if c.Decl != nil {
				decls = append(decls, c.Decl)
			}
		}
		for _, d := range decls {
			r, err := m.resolveDecl(d, rootProgram)
			if err != nil {
				return nil, err
			}
			before := len(m.aliases)
			m.rootType(r.goType)
			if len(m.aliases) > before {
				queue = append(queue, strings.TrimLeft(m.rootType(r.goType), "[]*"))
			}
		}
	}
	w := &emitter{}
	w.p(header, "remote_protocol.x")
	w.p("package virtwire")
	w.p("")
	w.p("import %q", "github.com/virtwire/virtwire/protocol/remote")
	w.p("")
	names := make([]string, 0, len(m.aliases))
	for n := range m.aliases {
		names = append(names, n)
	}
	sort.Strings(names)
	w.p("// Protocol types used by the Conn methods and events, as aliases of")
	w.p("// protocol/remote's.")
	w.p("type (")
	for _, n := range names {
		w.p("%s = %s", n, m.aliases[n])
	}
	w.p(")")
	m.genTwins(w)
	return w.source()
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// genMethods produces the Conn methods for the remote, qemu and lxc programs.
// genMethods returns the source of methods.gen.go and of
// methods.gen_test.go, which exports the unexported methods to the tests
// (under their exported names, in test builds only), so that the sweeps
// over every procedure reach them too.
func (m *model) genMethods() ([]byte, []byte, error) {
	if err := m.checkCharArrays(); err != nil {
		return nil, nil, err
	}
	tw := &emitter{}
	tw.p(header, "remote_protocol.x, qemu_protocol.x and lxc_protocol.x")
	tw.p("package virtwire")
	tw.p("")
	tw.p("import \"context\"")
	tw.p("")
	known := map[string]bool{}
	for _, e := range m.constEnums() {
		known[goTypeName(e.Name)] = true
	}
	w := &emitter{}
	w.p(header, "remote_protocol.x, qemu_protocol.x and lxc_protocol.x")
	w.p("package virtwire")
	w.p("")
	w.p("import (")
	for _, imp := range []string{"context", "os", "github.com/virtwire/virtwire/protocol", "github.com/virtwire/virtwire/protocol/lxc", "github.com/virtwire/virtwire/protocol/qemu", "github.com/virtwire/virtwire/protocol/remote"} {
		w.p("%q", imp)
	}
	w.p(")")
	w.p("")
	w.p("var _ = os.File{}")
	w.p("var _ = protocol.NoStream")
	w.p("")
	sigType := m.rootType
	for _, p := range m.progs {
		prefix, ok := methodPrefixes[p.pkg]
		if !ok {
			continue
		}
		procs, err := m.procedures(p)
		if err != nil {
			return nil, nil, err
		}
		for _, pi := range procs {
			if pi.msg != nil && pi.args == nil && pi.ret == nil {
				continue // an event the daemon sends
			}
			name := prefix + pi.goName
			var export *exportTo
			if _, internal := internalProcs[pi.value.Name]; internal {
				if !handExported[pi.value.Name] {
					export = &exportTo{tw, name}
				}
				name = unexported(name)
			}
			if err := m.genMethod(w, export, p, pi, name, known, sigType); err != nil {
				return nil, nil, err
			}
		}
	}
	src, err := w.source()
	if err != nil {
		return nil, nil, err
	}
	test, err := tw.source()
	return src, test, err
}

func (m *model) fields(ti *tinfo, pi *procInfo, known map[string]bool, sigType func(string) string, result bool) ([]param, error) {
	if ti == nil {
		return nil, nil
	}
	method := pi.goName
	var out []param
	for _, f := range ti.def.Fields {
		r, err := m.resolveDecl(f, rootProgram)
		if err != nil {
			return nil, err
		}
		pn := lowerCamel(f.Name)
		if result {
			pn = "r" + camel(f.Name)
		} else if reservedLocals[pn] {
			pn += "Arg"
		}
		pr := param{name: pn, field: camel(f.Name)}
		if result {
			pr.expr = "ret." + pr.field
		} else {
			pr.expr = pn
		}
		key := ti.def.Name + "." + f.Name
		typed := paramTypeOverrides[method+"."+f.Name]
		if typed == "" && f.Name == "flags" && !result {
			if typed, err = m.flagType(method, known); err != nil {
				return nil, err
			}
		}
		switch {
		case typed != "":
			if !known[typed] {
				return nil, fmt.Errorf("xdrgen: type %s for %s.%s is not in the headers", typed, method, f.Name)
			}
			if result {
				pr.expr = typed + "(" + pr.expr + ")"
			} else {
				pr.expr = r.goType + "(" + pr.expr + ")"
			}
			pr.goType = typed
		case cStringFields[key]:
			if !result {
				return nil, fmt.Errorf("xdrgen: %s: C strings in arguments are not supported", key)
			}
			pr.goType, pr.expr = "string", cStringExpr(r, pr.expr)
		case r.kind == rVarArray && r.elem.kind == rNamed && m.hasCString(f.Type.Name):
			if !result {
				return nil, fmt.Errorf("xdrgen: %s: C strings in arguments are not supported", key)
			}
			tw, err := m.twinOf(f.Type.Name)
			if err != nil {
				return nil, err
			}
			pr.goType, pr.expr = "[]"+tw.name, tw.funcName()+"("+pr.expr+")"
		case r.kind == rNamed && m.hasCString(f.Type.Name):
			return nil, fmt.Errorf("xdrgen: %s: a struct with C strings is shown only in lists", key)
		case !result && f.Name == refreshedArg && refreshes[pi.value.Name] != refreshNone:
			pr.goType, pr.expr = "*"+sigType(r.goType), "*"+pn
		default:
			// Only here, so that the root package aliases only the
			// protocol types its methods show.
			pr.goType = sigType(r.goType)
		}
		out = append(out, pr)
	}
	return out, nil
}

// exportTo is where an unexported method's test wrapper goes, and its name.
type exportTo struct {
	w    *emitter
	name string
}

// genMethod writes the method for pi to w and, when export is not nil (the
// method is unexported), a wrapper under its exported name to export.w.
func (m *model) genMethod(w *emitter, export *exportTo, p *program, pi *procInfo, name string, known map[string]bool, sigType func(string) string) error {
	refresh := refreshes[pi.value.Name]
	if refresh != refreshNone {
		if err := m.checkRefresh(pi, refresh); err != nil {
			return err
		}
	}
	ins, err := m.fields(pi.args, pi, known, sigType, false)
	if err != nil {
		return err
	}
	outs, err := m.fields(pi.ret, pi, known, sigType, true)
	if err != nil {
		return err
	}
	fdIn, fdOut := fdInProcedures[pi.value.Name], fdOutProcedures[pi.value.Name]
	sig := []string{"ctx context.Context"}
	for _, in := range ins {
		sig = append(sig, in.name+" "+in.goType)
	}
	if fdIn {
		sig = append(sig, "inFiles []*os.File")
	}
	var res []string
	if pi.stream != "" {
		res = append(res, "stream *Stream")
	}
	for _, o := range outs {
		res = append(res, o.name+" "+o.goType)
	}
	if fdOut {
		res = append(res, "files []*os.File")
	}
	res = append(res, "err error")

	w.p("// %s calls %s (procedure %d).", name, pi.value.Name, pi.number)
	if why, internal := internalProcs[pi.value.Name]; internal {
		w.p("// It is not exported: %s.", why)
	}
	switch pi.stream {
	case "read":
		w.p("// The returned Stream carries the data the daemon sends; read it to EOF")
		w.p("// (or Abort it) and Close it.")
	case "write":
		w.p("// Write the data to the returned Stream, then Close it to finish the")
		w.p("// transfer (or Abort it).")
	}
	if pi.sparse != "" {
		w.p("// With %s set in flags the stream is sparse (see Stream.SendHole).", pi.sparse)
	}
	if fdIn {
		w.p("// files are passed to the daemon over the unix socket.")
	}
	if fdOut {
		w.p("// The daemon passes back file descriptors over the unix socket.")
	}
	if stringOkayProcedures[pi.value.Name] {
		w.p("//")
		w.p("// Like libvirt's client, it adds TypedParamStringOkay to flags when the")
		w.p("// daemon supports string parameters.")
	}
	if pi.value.Name == "REMOTE_PROC_CONNECT_SUPPORTS_FEATURE" {
		w.p("//")
		w.p("// Like libvirt's client, it answers FeatureRemote itself (1: the")
		w.p("// connection speaks libvirt's remote protocol) without asking the daemon.")
	}
	if pi.value.Name == "REMOTE_PROC_NETWORK_UPDATE" {
		w.p("//")
		w.p("// Pass command and section as documented: like libvirt's client, it")
		w.p("// swaps them on the wire for daemons that still expect libvirt's old,")
		w.p("// swapped order (see FeatureNetworkUpdateHasCorrectOrder).")
	}
	if refresh != refreshNone {
		w.p("//")
		for _, l := range refreshDoc[refresh] {
			w.p("// %s", l)
		}
	}
	if export != nil {
		if fdIn || fdOut || pi.stream != "" || refresh != refreshNone {
			return fmt.Errorf("xdrgen: %s: unexported methods with files, streams or refreshed arguments are not supported", pi.value.Name)
		}
		fwd := []string{"ctx"}
		for _, in := range ins {
			fwd = append(fwd, in.name)
		}
		e := export.w
		e.p("// %s exports %s to the tests.", export.name, name)
		e.p("func (c *Conn) %s(%s) (%s) {", export.name, strings.Join(sig, ", "), strings.Join(res, ", "))
		e.p("return c.%s(%s)", name, strings.Join(fwd, ", "))
		e.p("}")
		e.p("")
	}
	w.p("func (c *Conn) %s(%s) (%s) {", name, strings.Join(sig, ", "), strings.Join(res, ", "))
	if refresh != refreshNone {
		w.p("if dom == nil {")
		w.p("err = nilObject(%q, %q)", name, refreshedArg)
		w.p("return")
		w.p("}")
	}
	pkgQual := p.pkg + "."
	argsExpr, retExpr := "nil", "nil"
	if pi.args != nil {
		var inits []string
		for _, in := range ins {
			inits = append(inits, in.field+": "+in.expr)
		}
		if pi.value.Name == "REMOTE_PROC_CONNECT_SUPPORTS_FEATURE" {
			w.p("if feature == int32(FeatureRemote) {")
			w.p("return 1, nil")
			w.p("}")
		}
		w.p("args := %s%s{%s}", pkgQual, pi.args.goName, strings.Join(inits, ", "))
		argsExpr = "&args"
		if pi.value.Name == "REMOTE_PROC_NETWORK_UPDATE" {
			w.p("if args.Command, args.Section, err = c.networkUpdateOrder(ctx, args.Command, args.Section); err != nil {")
			w.p("return")
			w.p("}")
		}
		if stringOkayProcedures[pi.value.Name] {
			w.p("var okay uint32")
			w.p("if okay, err = c.stringOkay(ctx); err != nil {")
			w.p("return")
			w.p("}")
			w.p("args.Flags |= okay")
		}
	}
	if pi.ret != nil {
		w.p("var ret %s%s", pkgQual, pi.ret.goName)
		retExpr = "&ret"
	}
	target := fmt.Sprintf("%sProgram, %sProtocolVersion, int32(%s%s)", pkgQual, pkgQual, pkgQual, pi.constant)
	switch {
	case pi.stream != "":
		dir := "protocol.ReadStream"
		if pi.stream == "write" {
			dir = "protocol.WriteStream"
		}
		w.p("if stream, err = c.callStream(ctx, %s, %s, %s, %s); err != nil {", target, dir, argsExpr, retExpr)
	case fdIn || fdOut:
		in := "nil"
		if fdIn {
			in = "inFiles"
		}
		if fdOut {
			w.p("if files, err = c.callFDs(ctx, %s, %s, %s, %s); err != nil {", target, argsExpr, retExpr, in)
		} else {
			w.p("if _, err = c.callFDs(ctx, %s, %s, %s, %s); err != nil {", target, argsExpr, retExpr, in)
		}
	default:
		// Method values of the concrete structs, not protocol.Values:
		// args and ret then stay on the stack (see Conn.invoke).
		enc, dec := "nil", "nil"
		if argsExpr != "nil" {
			enc = "args.EncodeXDR"
		}
		if retExpr != "nil" {
			dec = "ret.DecodeXDR"
		}
		w.p("if err = c.invoke(ctx, %s, %s, %s); err != nil {", target, enc, dec)
	}
	w.p("return")
	w.p("}")
	if fdOut {
		// Like every list a method returns: empty, not nil.
		w.p("if files == nil {")
		w.p("files = []*os.File{}")
		w.p("}")
	}
	w.genRefresh(refresh, name)
	var rets []string
	if pi.stream != "" {
		rets = append(rets, "stream")
	}
	for _, o := range outs {
		rets = append(rets, o.expr)
	}
	if fdOut {
		rets = append(rets, "files")
	}
	rets = append(rets, "nil")
	w.p("return %s", strings.Join(rets, ", "))
	w.p("}")
	w.p("")
	return nil
}
