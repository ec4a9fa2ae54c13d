package xdrgen

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// loadLibvirt loads the model of the pinned libvirt tree.
func loadLibvirt(t *testing.T) (*model, string) {
	t.Helper()
	dir := sourceDir(t)
	m, _, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return m, dir
}

// A char array that neither table lists stops the generator: someone must
// say whether it is text or bytes.
func TestUnclassifiedCharArray(t *testing.T) {
	f, err := Parse("test.x", `
struct remote_new_ret { char text[8]; char blob<16>; unsigned char state; int n; };
struct remote_node_get_info_ret { char model[32]; };
`)
	if err != nil {
		t.Fatal(err)
	}
	m, err := newModel(&Header{Consts: map[string]int64{}}, []*program{{pkg: "remote", prefix: "remote_", file: f}})
	if err != nil {
		t.Fatal(err)
	}
	err = m.checkCharArrays()
	if err == nil || !strings.Contains(err.Error(), "remote_new_ret.blob, remote_new_ret.text") || strings.Contains(err.Error(), "model") || strings.Contains(err.Error(), "state") {
		t.Errorf("checkCharArrays = %v; want an error naming exactly the two unlisted char arrays", err)
	}
}

// Every char array of libvirt's programs is classified, and every fixed
// one is a C string.
func TestLibvirtCharArrays(t *testing.T) {
	m, _ := loadLibvirt(t)
	if err := m.checkCharArrays(); err != nil {
		t.Fatal(err)
	}
	var fixed []string
	for _, p := range m.progs {
		for _, ty := range p.file.Type {
			for _, f := range ty.Fields {
				if r, err := m.resolveDecl(f, p); err == nil && isCharArray(r) && r.kind == rFixedArray {
					fixed = append(fixed, ty.Name+"."+f.Name)
				}
			}
		}
	}
	if !slices.Equal(fixed, []string{"remote_node_get_info_ret.model"}) {
		t.Errorf("fixed char arrays: %v", fixed)
	}
	for _, k := range fixed {
		if !cStringFields[k] {
			t.Errorf("%s is not shown as a string", k)
		}
	}
}

// refreshesInLibvirt reads, from libvirt's client, every procedure whose
// wrapper changes the domain it was given, and how.
func refreshesInLibvirt(t *testing.T, dir string, goNames map[string]string) map[string]refreshKind {
	t.Helper()
	found := map[string]refreshKind{}
	// The hand-written wrappers of remote_driver.c.
	src, err := os.ReadFile(filepath.Join(dir, "src/remote/remote_driver.c"))
	if err != nil {
		t.Fatal(err)
	}
	funcRE := regexp.MustCompile(`(?ms)^remote\w+\(.*?^}`)
	assignRE := regexp.MustCompile(`\b(?:dom|domain)->(id|name) = ([^;]*);`)
	procRE := regexp.MustCompile(`REMOTE_PROC_\w+`)
	for _, body := range funcRE.FindAllString(string(src), -1) {
		a := assignRE.FindStringSubmatch(body)
		if a == nil {
			continue
		}
		proc := procRE.FindString(body)
		switch {
		case a[1] == "name":
			found[proc] = refreshName
		case strings.Contains(body, "REMOTE_PROC_DOMAIN_LOOKUP_BY_UUID"):
			found[proc] = refreshIDLookup
		case a[2] == "ret.dom.id":
			found[proc] = refreshIDFromReply
		default:
			t.Errorf("remote_driver.c: %s sets %s to %s, which the test does not know", proc, a[1], a[2])
		}
	}
	// The special cases of the client code gendispatch.pl writes.
	pl, err := os.ReadFile(filepath.Join(dir, "src/rpc/gendispatch.pl"))
	if err != nil {
		t.Fatal(err)
	}
	nameRE := regexp.MustCompile(`\$call->\{ProcName\} eq "(\w+)"`)
	lines := strings.Split(string(pl), "\n")
	for i := 0; i < len(lines); i++ {
		var names []string
		for ; i < len(lines) && nameRE.MatchString(lines[i]); i++ {
			names = append(names, nameRE.FindStringSubmatch(lines[i])[1])
		}
		if len(names) == 0 {
			continue
		}
		kind := refreshNone
		for _, l := range lines[i:min(i+8, len(lines))] {
			switch {
			case strings.Contains(l, `dom->id = -1;`):
				kind = refreshIDReset
			case strings.Contains(l, `dom->id = ret.dom.id;`):
				kind = refreshIDFromReply
			}
		}
		for _, n := range names {
			if kind != refreshNone {
				proc, ok := goNames[n]
				if !ok {
					t.Fatalf("gendispatch.pl: no procedure is called %s", n)
				}
				found[proc] = kind
			}
		}
	}
	return found
}

// The procedures whose methods refresh their domain are exactly those whose
// wrappers in libvirt's client change the domain, in the same way.
func TestRefreshesMatchLibvirt(t *testing.T) {
	m, dir := loadLibvirt(t)
	goNames := map[string]string{}
	for _, p := range m.progs {
		if p.pkg != "remote" {
			continue
		}
		procs, err := m.procedures(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, pi := range procs {
			goNames[pi.goName] = pi.value.Name
			if kind := refreshes[pi.value.Name]; kind != refreshNone {
				if err := m.checkRefresh(pi, kind); err != nil {
					t.Error(err)
				}
			}
		}
	}
	found := refreshesInLibvirt(t, dir, goNames)
	if len(found) != len(refreshes) {
		t.Errorf("libvirt's client refreshes %d procedures' domains, the generator %d", len(found), len(refreshes))
	}
	for proc, kind := range found {
		if refreshes[proc] != kind {
			t.Errorf("%s: libvirt's client refreshes its domain as %d, the generator as %d", proc, kind, refreshes[proc])
		}
	}
	for proc := range refreshes {
		if _, ok := found[proc]; !ok {
			t.Errorf("%s: the generator refreshes its domain, libvirt's client does not", proc)
		}
	}
}

// The signatures the generator writes for those choices.
func TestGeneratedMethodChoices(t *testing.T) {
	m, _ := loadLibvirt(t)
	src, _, err := m.genMethods()
	if err != nil {
		t.Fatal(err)
	}
	sigRE := regexp.MustCompile(`(?m)^func \(c \*Conn\) (\w+)\((.*)\) \((.*)\) \{$`)
	sigs := map[string][2]string{}
	for _, s := range sigRE.FindAllStringSubmatch(string(src), -1) {
		sigs[s[1]] = [2]string{s[2], s[3]}
	}
	if len(sigs) < 400 {
		t.Fatalf("found only %d methods", len(sigs))
	}
	var pointers, chars []string
	for name, s := range sigs {
		if strings.Contains(s[0], "*Domain") {
			pointers = append(pointers, name)
		}
		if strings.Contains(s[0]+s[1], "]int8") { // an array of chars
			chars = append(chars, name)
		}
	}
	sort.Strings(pointers)
	sort.Strings(chars)
	wantPointers := []string{"DomainCreate", "DomainCreateWithFiles", "DomainCreateWithFlags", "DomainDestroy", "DomainManagedSave", "DomainRename", "DomainSave"}
	if !slices.Equal(pointers, wantPointers) {
		t.Errorf("methods taking *Domain: %v, want %v", pointers, wantPointers)
	}
	if want := []string{"authSASLStart", "authSASLStep"}; !slices.Equal(chars, want) { // unexported: Dial authenticates
		t.Errorf("methods with char arrays (SASL's binary tokens only): %v, want %v", chars, want)
	}
	for name, want := range map[string]string{
		"NodeGetInfo":                "rModel string, ",
		"NodeGetSecurityModel":       "rModel string, rDoi string, ",
		"DomainGetSecurityLabel":     "rLabel string, ",
		"DomainGetSecurityLabelList": "rLabels []SecurityLabel, ",
	} {
		if !strings.HasPrefix(sigs[name][1], want) {
			t.Errorf("%s returns (%s), want it to begin with %q", name, sigs[name][1], want)
		}
	}
	if n := strings.Count(string(src), "files = []*os.File{}"); n != 2 {
		t.Errorf("%d methods make received descriptors an empty list, want the 2 that receive them", n)
	}
}
