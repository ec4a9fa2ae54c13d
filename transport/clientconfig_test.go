package transport

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseClientConfig(t *testing.T) {
	const conf = `# libvirt.conf as Debian ships it, with values set
uri_default = "qemu:///system"   # trailing comment
uri_aliases = [
  "hail=qemu+ssh://root@hail.cloud.example.com/system",  # first
  'sleet=qemu+ssh://root@sleet.cloud.example.com/system',
]
remote_mode="direct";
remote_proxy = 'native'
tls_priority = """NORMAL:-VERS-TLS1.0"""
unrelated = 42
other.setting = -1
`
	cfg, err := ParseClientConfig([]byte(conf))
	if err != nil {
		t.Fatal(err)
	}
	want := &ClientConfig{
		URIDefault: "qemu:///system",
		URIAliases: []string{
			"hail=qemu+ssh://root@hail.cloud.example.com/system",
			"sleet=qemu+ssh://root@sleet.cloud.example.com/system",
		},
		RemoteMode:  ModeDirect,
		RemoteProxy: ProxyNative,
		TLSPriority: "NORMAL:-VERS-TLS1.0",
	}
	if diff := cmp.Diff(want, cfg); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	uri, ok, err := cfg.ResolveAlias("sleet")
	if err != nil || !ok || uri != "qemu+ssh://root@sleet.cloud.example.com/system" {
		t.Errorf("ResolveAlias(sleet) = %q %v %v", uri, ok, err)
	}
	if _, ok, _ := cfg.ResolveAlias("qemu:///system"); ok {
		t.Error("a URI with ':' was looked up as an alias")
	}
	if _, ok, _ := cfg.ResolveAlias("snow"); ok {
		t.Error("unknown alias resolved")
	}
}

func TestParseClientConfigErrors(t *testing.T) {
	tests := []struct{ conf, want string }{
		{"1x = 2", "line 1: expecting a name"},
		{"\n\nremote_mode \"direct\"", "line 3: expecting an assignment"},
		{"remote_mode = ", "line 1: expecting a value"},
		{"remote_mode = \"direct", "line 1: unterminated string"},
		{"remote_mode = \"di\nrect\"", "unterminated string"},
		{"remote_mode = 1", `line 1: expected a string for "remote_mode"`},
		{"remote_mode = \"fast\"", `line 1: unknown remote mode "fast"`},
		{"remote_proxy = \"socat\"", `unknown proxy type "socat"`},
		{"uri_aliases = [ 1 ]", "expected a list of strings"},
		{"uri_aliases = [ \"a\" \"b\" ]", "expecting a separator in list"},
		{"uri_aliases = [ [\"a\"] ]", "lists cannot be nested"},
		{"a = 1 b = 2", "expecting a separator"},
		{"a = 99999999999999999999", "bad number"},
	}
	for _, tc := range tests {
		t.Run(tc.conf, func(t *testing.T) {
			_, err := ParseClientConfig([]byte(tc.conf))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestResolveAliasMalformed(t *testing.T) {
	for _, alias := range []string{"no-equals-sign", "bad name=qemu:///system"} {
		cfg := &ClientConfig{URIAliases: []string{alias}}
		if _, _, err := cfg.ResolveAlias("x"); err == nil || !strings.Contains(err.Error(), "malformed uri_aliases") {
			t.Errorf("%q: err = %v", alias, err)
		}
	}
}

func TestLoadClientConfig(t *testing.T) {
	env := map[string]string{"HOME": "/home/u", "XDG_CONFIG_HOME": "/home/u/cfg"}
	tests := []struct {
		name  string
		euid  int
		files map[string]string
		want  *ClientConfig
		err   string
	}{
		{"root reads /etc", 0, map[string]string{"/etc/libvirt/libvirt.conf": `remote_mode = "legacy"`}, &ClientConfig{RemoteMode: ModeLegacy}, ""},
		{"user reads XDG_CONFIG_HOME", 1000, map[string]string{
			"/etc/libvirt/libvirt.conf":        `remote_mode = "legacy"`,
			"/home/u/cfg/libvirt/libvirt.conf": `remote_proxy = "netcat"`,
		}, &ClientConfig{RemoteProxy: ProxyNetcat}, ""},
		{"missing file is empty", 1000, map[string]string{}, &ClientConfig{}, ""},
		{"broken file names itself", 0, map[string]string{"/etc/libvirt/libvirt.conf": "x"}, nil, "/etc/libvirt/libvirt.conf: line 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := LoadClientConfig(fakeSystem(tc.euid, env, tc.files))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzParseClientConfig(f *testing.F) {
	f.Add("a = 1\nb = \"x\" # c\nc = [ 'a', \"b\", ]\n")
	f.Add("uri_aliases = [\n\"x=y\",\n]\nremote_mode=\"auto\";\n")
	f.Add(`t = """a
b"""`)
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = ParseClientConfig([]byte(s))
	})
}
