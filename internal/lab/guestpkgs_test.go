package lab

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseStanza(t *testing.T) {
	const stanza = `Package: qemu-guest-agent
Source: qemu
Version: 1:7.2+dfsg-7+deb12u18+b3
Pre-Depends: init-system-helpers (>= 1.54~)
Depends: libc6 (>= 2.34), libglib2.0-0 (>= 2.73.2),
 libnuma1 (>= 2.0.11), libudev1 (>= 183) | libudev-alt, perl:any
Description: Guest-side qemu-system agent
 A continuation line: of the description.
`
	p := parseStanza(stanza)
	want := debPackage{
		name: "qemu-guest-agent", version: "1:7.2+dfsg-7+deb12u18+b3",
		depends: []string{"init-system-helpers", "libc6", "libglib2.0-0", "libnuma1", "libudev1", "perl"},
	}
	if diff := cmp.Diff(want, p, cmp.AllowUnexported(debPackage{})); diff != "" {
		t.Errorf("parseStanza (-want +got):\n%s", diff)
	}
	if got := parseStanza("\n"); got.name != "" {
		t.Errorf("empty stanza parsed as %+v", got)
	}
}

func TestGuestPackageSet(t *testing.T) {
	pkg := func(name, version string, deps ...string) debPackage {
		return debPackage{name: name, version: version, depends: deps}
	}
	complete := func() map[string]debPackage {
		m := make(map[string]debPackage)
		for _, p := range []debPackage{
			pkg(kernelMetapackage, "6.1.192-2", "linux-image-6.1.0-56-cloud-amd64"),
			pkg("linux-image-6.1.0-56-cloud-amd64", "6.1.192-2", "kmod", "linux-base"),
			pkg(busyboxPackage, "1:1.35.0-4"),
			pkg(agentPackage, "1:7.2", "init-system-helpers", "libc6", "libglib2.0-0"),
			pkg("libc6", "2.36", "libgcc-s1"),
			pkg("libgcc-s1", "12.2.0", "gcc-12-base", "libc6"),
			pkg("libglib2.0-0", "2.74", "libc6", "libpcre2-8-0", "zlib1g"),
			pkg("libpcre2-8-0", "10.42", "libc6"),
			pkg("libunused", "1.0"), // known but not needed
		} {
			m[p.name] = p
		}
		return m
	}
	tests := []struct {
		name        string
		change      func(m map[string]debPackage)
		want        []string
		wantMissing []string
		wantErr     string
	}{
		{"complete", func(map[string]debPackage) {},
			[]string{"linux-image-6.1.0-56-cloud-amd64=6.1.192-2", "busybox-static=1:1.35.0-4", "qemu-guest-agent=1:7.2",
				"libc6=2.36", "libglib2.0-0=2.74", "libgcc-s1=12.2.0", "libpcre2-8-0=10.42"}, nil, ""},
		{"kernel not asked yet", func(m map[string]debPackage) { delete(m, "linux-image-6.1.0-56-cloud-amd64") },
			nil, []string{"linux-image-6.1.0-56-cloud-amd64"}, ""},
		{"library not asked yet", func(m map[string]debPackage) { delete(m, "libpcre2-8-0") },
			nil, []string{"libpcre2-8-0"}, ""},
		{"roots not asked yet", func(m map[string]debPackage) { delete(m, busyboxPackage); delete(m, agentPackage) },
			nil, []string{busyboxPackage, agentPackage}, ""},
		{"library apt does not offer", func(m map[string]debPackage) { m["libpcre2-8-0"] = debPackage{name: "libpcre2-8-0"} },
			nil, nil, "apt offers no version of libpcre2-8-0"},
		{"metapackage without a kernel", func(m map[string]debPackage) { m[kernelMetapackage] = pkg(kernelMetapackage, "1", "linux-base") },
			nil, nil, "depends on no linux-image-* package"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := complete()
			tt.change(m)
			pkgs, missing, err := guestPackageSet(m)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range pkgs {
				got = append(got, p.String())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantMissing, missing); diff != "" {
				t.Errorf("missing (-want +got):\n%s", diff)
			}
		})
	}
}
