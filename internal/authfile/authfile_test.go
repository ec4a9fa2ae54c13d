package authfile

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/virtwire/virtwire/transport"
)

// authRST is the example from libvirt's auth.rst, plus the lab's file.
const authRST = `
[credentials-test]
authname=fred
password=123456

[credentials-prod]
authname=bar
password=letmein

[credentials-dev]
username=joe
password=hello

[credentials-defgrp]
username=defuser
password=defpw

[auth-libvirt-test1.example.com]
credentials=test

[auth-libvirt-test2.example.com]
credentials=test

[auth-libvirt-demo3.example.com]
credentials=test

[auth-libvirt-prod1.example.com]
credentials=prod

[auth-libvirt-default]
credentials=defgrp

[auth-esx-dev1.example.com]
credentials=dev

[auth-esx-default]
credentials=defgrp

[credentials-lab]
authname=alice
password=labpass1

[auth-libvirt-127.0.0.1]
credentials=lab

[auth-ssh-localhost]
credentials=lab
`

func TestLookup(t *testing.T) {
	f, err := Parse("auth.conf", []byte(authRST))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		service, host, key string
		want               string
		found              bool
	}{
		{"libvirt", "test1.example.com", "authname", "fred", true},
		{"libvirt", "test2.example.com", "password", "123456", true},
		{"libvirt", "prod1.example.com", "authname", "bar", true},
		{"libvirt", "prod1.example.com", "password", "letmein", true},
		{"libvirt", "unknown.example.com", "username", "defuser", true}, // auth-libvirt-default
		{"libvirt", "unknown.example.com", "authname", "", false},       // defgrp has no authname
		{"esx", "dev1.example.com", "username", "joe", true},
		{"esx", "other", "password", "defpw", true},
		{"libvirt", "127.0.0.1", "authname", "alice", true},
		{"ssh", "", "password", "labpass1", true}, // empty host means localhost
		{"ssh", "elsewhere", "password", "", false},
		{"hyperv", "h", "password", "", false},
	}
	for _, tc := range tests {
		got, found, err := f.Lookup(tc.service, tc.host, tc.key)
		if err != nil || got != tc.want || found != tc.found {
			t.Errorf("Lookup(%q, %q, %q) = %q, %v, %v; want %q, %v", tc.service, tc.host, tc.key, got, found, err, tc.want, tc.found)
		}
	}
}

func TestParseRules(t *testing.T) {
	const text = "# leading comment\r\n" +
		"   \t\n" +
		"  [credentials-x]   \n" +
		"authname  =   bob\r\n" +
		"password=pa ss  \n" + // trailing blanks are kept
		"realm=\\sEXAMPLE\\t\\\\\\n\n" +
		"   # indented comment\n" +
		"authname=carol\n" + // a repeated key replaces
		"name[de_DE.UTF-8@euro]=x\n" +
		"[other]\n" +
		"k = v\n" +
		"[credentials-x]\n" + // a repeated group adds to it
		"username=u\n"
	f, err := Parse("t.conf", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"authname": "carol", "password": "pa ss  ", "realm": " EXAMPLE\t\\\n", "username": "u", "name[de_DE.UTF-8@euro]": "x"}
	for k, w := range want {
		got, ok, err := f.Value("credentials-x", k)
		if err != nil || !ok || got != w {
			t.Errorf("Value(%q) = %q, %v, %v; want %q", k, got, ok, err, w)
		}
	}
	if v, ok, _ := f.Value("other", "k"); !ok || v != "v" {
		t.Errorf("other.k = %q %v", v, ok)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ text, want string }{
		{"authname=x\n", "t.conf:1: key file does not start with a group"},
		{"[g]\njunk line\n", "t.conf:2: line \"junk line\" is not a key-value pair"},
		{"[g]\n=value\n", "t.conf:2: line \"=value\" is not a key-value pair"},
		{"[]\n", "t.conf:1: invalid group name"},
		{"[g] x\n", "t.conf:1: line \"[g] x\""},
		{"[a\x01b]\n", "invalid group name"},
		{"[g]\n k]ey=v\n", "t.conf:2: invalid key name \"k]ey\""},
		{"[g]\nkey[=v\n", "invalid key name"},
		{"[g]\nkey[a b]=v\n", "invalid key name"},
		{"\n\n[g]\n[h\n", "t.conf:4:"},
	}
	for _, tc := range tests {
		_, err := Parse("t.conf", []byte(tc.text))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) err = %v, want %q", tc.text, err, tc.want)
		}
	}
}

func TestValueErrors(t *testing.T) {
	f, err := Parse("t.conf", []byte("[g]\na=x\\q\nb=x\\\nc=\xff\n"))
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{"a": `t.conf:2: key "a" in group "g": invalid escape sequence \q`, "b": "escape character at end of line", "c": "not UTF-8"} {
		if _, _, err := f.Value("g", key); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Value(%q) err = %v, want %q", key, err, want)
		}
	}
}

func TestLookupBrokenReferences(t *testing.T) {
	tests := []struct{ text, want string }{
		{"[auth-libvirt-h]\nuser=x\n", "missing item 'credentials' in group 'auth-libvirt-h'"},
		{"[auth-libvirt-h]\ncredentials=nope\n", "missing group 'credentials-nope' referenced from group 'auth-libvirt-h'"},
	}
	for _, tc := range tests {
		f, err := Parse("t.conf", []byte(tc.text))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.Lookup("libvirt", "h", "password"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("err = %v, want %q", err, tc.want)
		}
	}
}

func fakeSys(env map[string]string, files map[string]string) *transport.System {
	return &transport.System{
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		Geteuid:   func() int { return 1000 },
		ReadFile: func(name string) ([]byte, error) {
			if d, ok := files[name]; ok {
				return []byte(d), nil
			}
			return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
		},
	}
}

func TestPath(t *testing.T) {
	xdg := "/home/u/.config/libvirt/auth.conf"
	etc := "/etc/libvirt/auth.conf"
	home := map[string]string{"HOME": "/home/u"}
	withEnv := map[string]string{"HOME": "/home/u", "LIBVIRT_AUTH_FILE": "/env/auth.conf"}
	withXDG := map[string]string{"HOME": "/home/u", "XDG_CONFIG_HOME": "/cfg"}
	tests := []struct {
		name  string
		uri   string
		env   map[string]string
		files map[string]string
		want  string
	}{
		{"env first, even over authfile=", "qemu+tls://h/system?authfile=/uri/auth.conf", withEnv, map[string]string{xdg: ""}, "/env/auth.conf"},
		{"authfile= next, even if missing", "qemu+tls://h/system?authfile=/uri/auth.conf", home, map[string]string{xdg: ""}, "/uri/auth.conf"},
		{"user config", "qemu+tls://h/system", home, map[string]string{xdg: "", etc: ""}, xdg},
		{"XDG_CONFIG_HOME", "qemu+tls://h/system", withXDG, map[string]string{"/cfg/libvirt/auth.conf": "", etc: ""}, "/cfg/libvirt/auth.conf"},
		{"system", "qemu+tls://h/system", home, map[string]string{etc: ""}, etc},
		{"none", "qemu+tls://h/system", home, map[string]string{}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, err := transport.ParseURI(tc.uri)
			if err != nil {
				t.Fatal(err)
			}
			if got := Path(u, fakeSys(tc.env, tc.files)); got != tc.want {
				t.Errorf("Path = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCredentials(t *testing.T) {
	u, err := transport.ParseURI("qemu+tls://127.0.0.1/system?authfile=/a.conf")
	if err != nil {
		t.Fatal(err)
	}
	sys := fakeSys(map[string]string{"HOME": "/home/u"}, map[string]string{"/a.conf": authRST})
	var passed []string
	next := func(ctx context.Context, creds []*transport.Credential) error {
		for _, c := range creds {
			passed = append(passed, c.Prompt)
			c.Result = "from-callback"
		}
		return nil
	}
	cb := Credentials(u, sys, next)
	creds := []*transport.Credential{
		{Type: transport.CredAuthname, Prompt: "name", Service: "libvirt", Host: "127.0.0.1"},
		{Type: transport.CredPassphrase, Prompt: "pass", Service: "libvirt", Host: "127.0.0.1"},
		{Type: transport.CredRealm, Prompt: "realm", Service: "libvirt", Host: "127.0.0.1"}, // not in the file
		{Type: transport.CredNoEchoPrompt, Prompt: "key passphrase", Service: "ssh", Host: "127.0.0.1"},
		{Type: transport.CredPassphrase, Prompt: "no service"},
	}
	if err := cb(context.Background(), creds); err != nil {
		t.Fatal(err)
	}
	got := []string{creds[0].Result, creds[1].Result, creds[2].Result, creds[3].Result, creds[4].Result}
	want := []string{"alice", "labpass1", "from-callback", "from-callback", "from-callback"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"realm", "key passphrase", "no service"}, passed); diff != "" {
		t.Errorf("passed to next (-want +got):\n%s", diff)
	}

	// A missing explicit file is an error only when a credential needs it.
	u2, _ := transport.ParseURI("qemu+tls://h/system?authfile=/missing.conf")
	cb2 := Credentials(u2, sys, nil)
	if err := cb2(context.Background(), []*transport.Credential{{Type: transport.CredEchoPrompt}}); err != nil {
		t.Errorf("unrelated credential: %v", err)
	}
	err = cb2(context.Background(), []*transport.Credential{{Type: transport.CredAuthname, Service: "libvirt", Host: "h"}})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing authfile: err = %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(authRST))
	f.Add([]byte("[g]\na=\\s\\n\\t\\r\\\\\nb[x]=y\n"))
	f.Add([]byte("[auth-libvirt-h]\ncredentials=c\n[credentials-c]\npassword=p\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("fuzz", data)
		if err != nil {
			return
		}
		for g, keys := range file.groups {
			for k := range keys {
				_, _, _ = file.Value(g, k)
			}
		}
		_, _, _ = file.Lookup("libvirt", "h", "password")
	})
}
