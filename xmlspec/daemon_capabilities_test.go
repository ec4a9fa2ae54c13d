package xmlspec

import (
	"regexp"
	"slices"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/internal/lab"
)

// nodeinfoField reads one "Name: value" line of virsh nodeinfo.
func nodeinfoField(t *testing.T, out, name string) int {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `:\s+(\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("virsh nodeinfo has no %q:\n%s", name, out)
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// The host capabilities of the lab's test and QEMU drivers parse,
// round-trip, validate, and agree with virsh nodeinfo on the NUMA nodes and
// CPUs.
func TestHostCapabilitiesThroughDaemon(t *testing.T) {
	l := lab.Require(t)
	tests := []struct {
		name, uri string
	}{
		{"test", l.URI(lab.UnixRW)},
		{"qemu", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			uri := tt.uri
			if uri == "" {
				_, uri = qemuLab(t)
			}
			c := daemonConn(t, uri)
			doc, err := c.ConnectGetCapabilities(daemonCtx(t))
			if err != nil {
				t.Fatal(err)
			}
			assertRoundTrip(t, "caps-"+tt.name, "capability.rng", doc,
				func(b []byte) (document, error) { return ParseHostCapabilities(b) })
			caps, err := ParseHostCapabilities([]byte(doc))
			if err != nil {
				t.Fatal(err)
			}
			if caps.HostArch() == "" || len(caps.Arches()) == 0 {
				t.Errorf("no host or guest architectures:\n%s", doc)
			}
			info := l.Virsh(t, uri, "nodeinfo")
			cells := caps.NUMACells()
			if want := nodeinfoField(t, info, "NUMA cell(s)"); len(cells) != want {
				t.Errorf("%d NUMA cells, virsh nodeinfo says %d", len(cells), want)
			}
			cpus := 0
			for _, cell := range cells {
				cpus += len(cell.CPUIDs())
			}
			if want := nodeinfoField(t, info, "CPU(s)"); cpus != want {
				t.Errorf("%d CPUs in the NUMA cells, virsh nodeinfo says %d", cpus, want)
			}
			if tt.name != "qemu" {
				return
			}
			// A real host: QEMU for its own architecture, with machine types.
			arch := caps.HostArch()
			machines := caps.MachineTypes(arch, "qemu")
			if len(machines) == 0 || caps.Emulator(arch, "qemu") == "" {
				t.Fatalf("no machine types or emulator for %s guests:\n%s", arch, doc)
			}
			if !slices.ContainsFunc(machines, func(m CapsMachine) bool { return m.Canonical != "" }) {
				t.Errorf("no machine type is an alias: %+v", machines)
			}
		})
	}
}

// The domain capabilities of the lab's QEMU (software emulation) parse,
// round-trip, validate, and list the CPU models virsh domcapabilities
// lists; the host-model CPU they describe is one the daemon accepts in a
// domain.
func TestDomainCapabilitiesThroughDaemon(t *testing.T) {
	l, uri := qemuLab(t)
	c := daemonConn(t, uri)
	ctx := daemonCtx(t)
	virttype := "qemu"
	doc, err := c.ConnectGetDomainCapabilities(ctx, nil, nil, nil, &virttype, 0)
	if err != nil {
		t.Fatal(err)
	}
	assertRoundTrip(t, "domcaps", "domaincaps.rng", doc,
		func(b []byte) (document, error) { return ParseDomainCapabilities(b) })
	caps, err := ParseDomainCapabilities([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	viaVirsh, err := ParseDomainCapabilities([]byte(l.Virsh(t, uri, "domcapabilities", "--virttype", "qemu")))
	if err != nil {
		t.Fatal(err)
	}
	usable := caps.CPUModels(true)
	if len(usable) == 0 {
		t.Fatalf("no usable CPU models:\n%s", doc)
	}
	if diff := cmp.Diff(viaVirsh.CPUModels(true), usable); diff != "" {
		t.Errorf("usable CPU models differ from virsh's (-virsh +virtwire):\n%s", diff)
	}
	if caps.MaxVCPUs() == 0 || caps.Machine == "" || !caps.Device("disk").Enum("bus").Has("virtio") {
		t.Errorf("vcpu %d, machine %q, disk buses %v", caps.MaxVCPUs(), caps.Machine, caps.Device("disk").Values("bus"))
	}

	// A domain with the first usable model, or host-model spelled out,
	// is accepted: the test checks the CPU against the emulator's own list.
	cpus := []*CPU{{Mode: CPUModeCustom, Match: "exact", Model: &CPUModel{Name: usable[0]}}}
	if hm := caps.HostModelCPU(); hm != nil {
		cpus = append(cpus, hm)
	}
	for i, cpu := range cpus {
		name := "xmlspec-cpu-" + randomSuffix(t)
		dom := &Domain{Type: "qemu", Name: name, Memory: &DomainMemory{Unit: "MiB", Value: 64},
			OS: &OS{Type: &OSType{Arch: caps.Arch, Machine: caps.Machine, Value: "hvm"}}, CPU: cpu}
		ref, err := c.DomainDefineXML(ctx, string(mustMarshal(t, dom)))
		if err != nil {
			t.Errorf("defining a domain with CPU %d (%s): %v", i, cpu.Model.Name, err)
			continue
		}
		if err := c.DomainUndefineFlags(ctx, ref, virtwire.DomainUndefineNVRAM); err != nil {
			t.Error(err)
		}
	}
}
