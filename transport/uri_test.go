package transport

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// uriCase is one URI with everything ParseURI and the remote driver derive
// from it.
type uriCase struct {
	in        string
	want      URI
	transport Kind   // EffectiveTransport
	name      string // RemoteName
	str       string // String(); "" means the input itself
}

func p(name, value string) Param { return Param{Name: name, Value: value} }

// Every example in uri.rst and remote.rst, then the corners of the grammar.
var uriCases = []uriCase{
	// uri.rst: local URIs
	{in: "test:///default", want: URI{Driver: "test", Path: "/default"}, transport: Unix, name: "test:///default"},
	{in: "test:///path/to/host/definitions", want: URI{Driver: "test", Path: "/path/to/host/definitions"}, transport: Unix, name: "test:///path/to/host/definitions"},
	{in: "xen:///system", want: URI{Driver: "xen", Path: "/system"}, transport: Unix, name: "xen:///system"},
	{in: "qemu:///system", want: URI{Driver: "qemu", Path: "/system"}, transport: Unix, name: "qemu:///system"},
	{in: "qemu:///session", want: URI{Driver: "qemu", Path: "/session"}, transport: Unix, name: "qemu:///session"},
	// uri.rst: remote URIs
	{in: "xen+ssh://rjones@towada/system", want: URI{Driver: "xen", Transport: SSH, User: "rjones", Host: "towada", Path: "/system"}, transport: SSH, name: "xen:///system"},
	{in: "xen://towada/system", want: URI{Driver: "xen", Host: "towada", Path: "/system"}, transport: TLS, name: "xen:///system"},
	{in: "xen://towada/system?no_verify=1", want: URI{Driver: "xen", Host: "towada", Path: "/system", Params: []Param{p("no_verify", "1")}}, transport: TLS, name: "xen:///system"},
	{in: "qemu+unix:///system?socket=/opt/libvirt/run/libvirt/libvirt-sock", want: URI{Driver: "qemu", Transport: Unix, Path: "/system", Params: []Param{p("socket", "/opt/libvirt/run/libvirt/libvirt-sock")}}, transport: Unix, name: "qemu:///system"},
	{in: "test+tcp://localhost:5000/default", want: URI{Driver: "test", Transport: TCP, Host: "localhost", Port: 5000, Path: "/default"}, transport: TCP, name: "test:///default"},
	{in: "qemu+libssh2://user@host/system?known_hosts=/home/user/.ssh/known_hosts", want: URI{Driver: "qemu", Transport: LibSSH2, User: "user", Host: "host", Path: "/system", Params: []Param{p("known_hosts", "/home/user/.ssh/known_hosts")}}, transport: LibSSH2, name: "qemu:///system"},
	{in: "qemu+libssh://user@host/system?known_hosts=/home/user/.ssh/known_hosts", want: URI{Driver: "qemu", Transport: LibSSH, User: "user", Host: "host", Path: "/system", Params: []Param{p("known_hosts", "/home/user/.ssh/known_hosts")}}, transport: LibSSH, name: "qemu:///system"},
	{in: "qemu+ssh://root@hail.cloud.example.com/system", want: URI{Driver: "qemu", Transport: SSH, User: "root", Host: "hail.cloud.example.com", Path: "/system"}, transport: SSH, name: "qemu:///system"},
	// uri.rst: each client parameter's example
	{in: "qemu+ssh://h/system?name=qemu:///system", want: URI{Driver: "qemu", Transport: SSH, Host: "h", Path: "/system", Params: []Param{p("name", "qemu:///system")}}, transport: SSH, name: "qemu:///system"},
	{in: "qemu+ssh://h/system?command=/opt/openssh/bin/ssh", want: URI{Driver: "qemu", Transport: SSH, Host: "h", Path: "/system", Params: []Param{p("command", "/opt/openssh/bin/ssh")}}, transport: SSH, name: "qemu:///system"},
	{in: "qemu+ssh://h/system?no_tty=1", want: URI{Driver: "qemu", Transport: SSH, Host: "h", Path: "/system", Params: []Param{p("no_tty", "1")}}, transport: SSH, name: "qemu:///system"},
	{in: "qemu+libssh://h/system?known_hosts=/root/.ssh/known_hosts&known_hosts_verify=ignore", want: URI{Driver: "qemu", Transport: LibSSH, Host: "h", Path: "/system", Params: []Param{p("known_hosts", "/root/.ssh/known_hosts"), p("known_hosts_verify", "ignore")}}, transport: LibSSH, name: "qemu:///system"},
	{in: "qemu+libssh2://h/system?sshauth=privkey,agent", want: URI{Driver: "qemu", Transport: LibSSH2, Host: "h", Path: "/system", Params: []Param{p("sshauth", "privkey,agent")}}, transport: LibSSH2, name: "qemu:///system"},
	{in: "qemu://h/system?tls_priority=NORMAL:-VERS-SSL3.0", want: URI{Driver: "qemu", Host: "h", Path: "/system", Params: []Param{p("tls_priority", "NORMAL:-VERS-SSL3.0")}}, transport: TLS, name: "qemu:///system"},
	{in: "qemu+tls://h/system?pkipath=/tmp/pki/client", want: URI{Driver: "qemu", Transport: TLS, Host: "h", Path: "/system", Params: []Param{p("pkipath", "/tmp/pki/client")}}, transport: TLS, name: "qemu:///system"},
	{in: "qemu+ext:///system?command=/usr/bin/tunnel", want: URI{Driver: "qemu", Transport: Ext, Path: "/system", Params: []Param{p("command", "/usr/bin/tunnel")}}, transport: Ext, name: "qemu:///system"},
	{in: "qemu:///system?mode=direct", want: URI{Driver: "qemu", Path: "/system", Params: []Param{p("mode", "direct")}}, transport: Unix, name: "qemu:///system"},
	{in: "qemu+ssh://h/system?proxy=native", want: URI{Driver: "qemu", Transport: SSH, Host: "h", Path: "/system", Params: []Param{p("proxy", "native")}}, transport: SSH, name: "qemu:///system"},
	{in: "qemu+ssh://h/system?socket=/opt/libvirt/run/libvirt/libvirt-sock&netcat=/opt/netcat/bin/nc", want: URI{Driver: "qemu", Transport: SSH, Host: "h", Path: "/system", Params: []Param{p("socket", "/opt/libvirt/run/libvirt/libvirt-sock"), p("netcat", "/opt/netcat/bin/nc")}}, transport: SSH, name: "qemu:///system"},
	{in: "qemu+ssh://h/system?keyfile=/root/.ssh/example_key", want: URI{Driver: "qemu", Transport: SSH, Host: "h", Path: "/system", Params: []Param{p("keyfile", "/root/.ssh/example_key")}}, transport: SSH, name: "qemu:///system"},
	{in: "qemu+tls://h/system?authfile=/etc/a.conf&auth=sasl.SCRAM-SHA-256&no_sanity=1", want: URI{Driver: "qemu", Transport: TLS, Host: "h", Path: "/system", Params: []Param{p("authfile", "/etc/a.conf"), p("auth", "sasl.SCRAM-SHA-256"), p("no_sanity", "1")}}, transport: TLS, name: "qemu:///system"},
	// remote.rst
	{in: "qemu://compute1.libvirt.org/system", want: URI{Driver: "qemu", Host: "compute1.libvirt.org", Path: "/system"}, transport: TLS, name: "qemu:///system"},
	// unknown parameters pass through to the daemon, values re-encoded as libvirt does
	{in: "vbox+tcp://h/session?foo=a%20b&Bar=/x", want: URI{Driver: "vbox", Transport: TCP, Host: "h", Path: "/session", Params: []Param{p("foo", "a b"), p("Bar", "/x")}}, transport: TCP, name: "vbox:///session?foo=a%20b&Bar=%2Fx"},
	// client parameters are matched without regard to case
	{in: "qemu+ssh://h/system?SOCKET=/s&No_Verify=1&x=1", want: URI{Driver: "qemu", Transport: SSH, Host: "h", Path: "/system", Params: []Param{p("SOCKET", "/s"), p("No_Verify", "1"), p("x", "1")}}, transport: SSH, name: "qemu:///system?x=1"},
	// name= overrides, even when empty
	{in: "qemu+tcp://h/system?name=", want: URI{Driver: "qemu", Transport: TCP, Host: "h", Path: "/system", Params: []Param{p("name", "")}}, transport: TCP, name: ""},
	// the remote driver lets the daemon choose
	{in: "remote:///", want: URI{Driver: "remote", Path: "/"}, transport: Unix, name: ""},
	{in: "remote+ssh://h/", want: URI{Driver: "remote", Transport: SSH, Host: "h", Path: "/"}, transport: SSH, name: ""},
	// IPv6 literals, with and without port, with a zone
	{in: "qemu+tcp://[::1]:16509/system", want: URI{Driver: "qemu", Transport: TCP, Host: "::1", Port: 16509, Path: "/system"}, transport: TCP, name: "qemu:///system"},
	{in: "qemu://[2001:db8::7]/system", want: URI{Driver: "qemu", Host: "2001:db8::7", Path: "/system"}, transport: TLS, name: "qemu:///system"},
	{in: "qemu+ssh://[fe80::1%25eth0]:2222/system", want: URI{Driver: "qemu", Transport: SSH, Host: "fe80::1%eth0", Port: 2222, Path: "/system"}, transport: SSH, name: "qemu:///system"},
	// percent-escapes are decoded everywhere
	{in: "qemu+ssh://j%40doe@h/sys%74em?socket=/run/a%20b", want: URI{Driver: "qemu", Transport: SSH, User: "j@doe", Host: "h", Path: "/system", Params: []Param{p("socket", "/run/a b")}}, transport: SSH, name: "qemu:///system", str: "qemu+ssh://j%40doe@h/system?socket=/run/a%20b"},
	// transport is case-insensitive and lower-cased; the driver is kept
	{in: "QEMU+SSH://h/system", want: URI{Driver: "QEMU", Transport: SSH, Host: "h", Path: "/system"}, transport: SSH, name: "QEMU:///system", str: "QEMU+ssh://h/system"},
	// no path, user without host, port 0 means default
	{in: "qemu+ssh://h", want: URI{Driver: "qemu", Transport: SSH, Host: "h"}, transport: SSH, name: "qemu://"},
	{in: "qemu+ssh://root@/system", want: URI{Driver: "qemu", Transport: SSH, User: "root", Path: "/system"}, transport: SSH, name: "qemu:///system"},
	{in: "qemu+tcp://h:0/system", want: URI{Driver: "qemu", Transport: TCP, Host: "h", Path: "/system"}, transport: TCP, name: "qemu:///system", str: "qemu+tcp://h/system"},
	// libvirt's query splitting: empty sections, "name" alone, "=value" dropped, ';'
	{in: "test:///default?&a&=x&b=1", want: URI{Driver: "test", Path: "/default", Params: []Param{p("a", ""), p("b", "1")}}, transport: Unix, name: "test:///default?a=&b=1", str: "test:///default?a=&b=1"},
	{in: "test:///default?a=1;b=2", want: URI{Driver: "test", Path: "/default", Params: []Param{p("a", "1"), p("b", "2")}}, transport: Unix, name: "test:///default?a=1&b=2", str: "test:///default?a=1&b=2"},
	// a fragment is kept in the remote name
	{in: "test:///default#frag", want: URI{Driver: "test", Path: "/default", Fragment: "frag"}, transport: Unix, name: "test:///default#frag"},
}

func TestParseURI(t *testing.T) {
	for _, tc := range uriCases {
		t.Run(tc.in, func(t *testing.T) {
			u, err := ParseURI(tc.in)
			if err != nil {
				t.Fatalf("ParseURI: %v", err)
			}
			if diff := cmp.Diff(&tc.want, u); diff != "" {
				t.Errorf("URI (-want +got):\n%s", diff)
			}
			if got := u.EffectiveTransport(); got != tc.transport {
				t.Errorf("EffectiveTransport = %q, want %q", got, tc.transport)
			}
			if got := u.RemoteName(); got != tc.name {
				t.Errorf("RemoteName = %q, want %q", got, tc.name)
			}
			wantStr := tc.str
			if wantStr == "" {
				wantStr = tc.in
			}
			if got := u.String(); got != wantStr {
				t.Errorf("String = %q, want %q", got, wantStr)
			}
			again, err := ParseURI(u.String())
			if err != nil {
				t.Fatalf("re-parse of %q: %v", u.String(), err)
			}
			if diff := cmp.Diff(u, again); diff != "" {
				t.Errorf("round trip (-first +second):\n%s", diff)
			}
		})
	}
}

func TestParseURIErrors(t *testing.T) {
	tests := []struct {
		in   string
		want string // substring of the error
	}{
		{"", "missing scheme"},
		{"/var/run/libvirt/libvirt-sock", "missing scheme"},
		{"qemu", "missing scheme"},
		{"1qemu:///system", "bad scheme"},
		{"+ssh://h/system", "bad scheme"},
		{"qemu+carrier-pigeon://h/system", `unknown transport "carrier-pigeon"`},
		{"qemu+ssh+tls://h/system", `unknown transport "ssh+tls"`},
		{"qemu:system", `expected "//"`},
		{"qemu:/system", `expected "//"`},
		{"qemu+unix://host/system", `using unix socket and remote server "host" is not supported`},
		{"qemu+tcp://h:70000/system", "port 70000 out of range"},
		{"qemu+tcp://h:99999999999999999999/system", "out of range"},
		{"qemu+tcp://h:ab/system", `bad port "ab"`},
		{"qemu+tcp://:5000/system", "port 5000 given without a host"},
		{"qemu+ssh://root:secret@h/system", "carry no password"},
		{"qemu+tcp://[::1/system", "without closing ']'"},
		{"qemu+tcp://[not-ip]/system", "bad IPv6 literal"},
		{"qemu+tcp://[::1]x/system", "after IPv6 literal"},
		{"qemu+tcp://[10.0.0.1]/system", "bad IPv6 literal"},
		{"qemu+tcp://h%2Fx/system", "bad host name"},
		{"qemu:///sys tem", "must be percent-encoded"},
		{"qemu:///system?socket=/a b", "must be percent-encoded"},
		{"qemu:///system?socket=%zz", "bad percent-escape"},
		{"qemu:///system?socket=%4", "bad percent-escape"},
		{"qemu:///system#a#b", "must be percent-encoded"},
		{"qemu:///system?no_verify=yes", `no_verify="yes": want an integer`},
		{"qemu:///system?no_tty=", `no_tty="": want an integer`},
		{"qemu:///system?no_sanity=1x", "want an integer"},
		{"qemu:///system?mode=fast", `unknown remote mode "fast"`},
		{"qemu+ssh://h/system?proxy=socat", `unknown proxy type "socat"`},
		{"qemu+libssh://h/system?known_hosts_verify=maybe", "want normal, auto or ignore"},
		{"qemu+libssh://h/system?sshauth=agent,gssapi", `unknown method "gssapi"`},
		{"qemu+tls://h/system?auth=kerberos", `auth="kerberos"`},
		{"qemu:///system?mode=Direct", `unknown remote mode "Direct"`},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			u, err := ParseURI(tc.in)
			if err == nil {
				t.Fatalf("ParseURI(%q) = %v, want error containing %q", tc.in, u, tc.want)
			}
			if !errors.Is(err, ErrInvalidURI) {
				t.Errorf("error %v does not wrap ErrInvalidURI", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestPasswordNeverShown(t *testing.T) {
	for _, in := range []string{
		"qemu+ssh://root:hunter2@h/system",
		"qemu+ssh://root:hunter2@h",
		"qemu+ssh://root:hunter2@[::1]:22/system?x=1",
	} {
		_, err := ParseURI(in)
		if err == nil {
			t.Fatalf("%q accepted", in)
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("error shows the password: %v", err)
		}
		if !strings.Contains(err.Error(), "root:*****@") {
			t.Errorf("error %q does not show the redacted user info", err)
		}
	}
}

func TestParamAccessors(t *testing.T) {
	u, err := ParseURI("qemu+libssh://h/system?socket=/s1&Socket=/s2&command=c&netcat=nc2&keyfile=k&known_hosts=kh" +
		"&known_hosts_verify=AUTO&sshauth=PrivKey,agent&no_verify=0&no_tty=-3&no_sanity=%201&pkipath=pp&tls_priority=NORMAL" +
		"&authfile=af&auth=SASL&mode=legacy&proxy=netcat")
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"Socket (last wins)", u.Socket(), "/s2"},
		{"Command", u.Command(), "c"},
		{"Netcat", u.Netcat(), "nc2"},
		{"KeyFile", u.KeyFile(), "k"},
		{"KnownHosts", u.KnownHosts(), "kh"},
		{"KnownHostsVerify", u.KnownHostsVerify(), VerifyAuto},
		{"SSHAuth", u.SSHAuth(), []SSHAuthMethod{AuthPrivKey, AuthAgent}},
		{"NoVerify", u.NoVerify(), false},
		{"NoTTY", u.NoTTY(), true},
		{"NoSanity", u.NoSanity(), true},
		{"PKIPath", u.PKIPath(), "pp"},
		{"TLSPriority", u.TLSPriority(), "NORMAL"},
		{"AuthFile", u.AuthFile(), "af"},
		{"Auth", u.Auth(), "SASL"},
		{"Mode", u.Mode(), ModeLegacy},
		{"Proxy", u.Proxy(), ProxyNetcat},
		{"Hostname", u.Hostname(), "h"},
	}
	for _, c := range checks {
		if diff := cmp.Diff(c.want, c.got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
	}
	if name, ok := u.Name(); ok || name != "" {
		t.Errorf("Name = %q, %v; want absent", name, ok)
	}
	if got := u.RemoteName(); got != "qemu:///system" {
		t.Errorf("RemoteName = %q", got)
	}
	if got := u.helperName(); got != "qemu:///system?socket=%2Fs1&Socket=%2Fs2&mode=legacy" {
		t.Errorf("helperName = %q", got)
	}
	empty := &URI{Driver: "qemu"}
	if empty.Hostname() != "localhost" || empty.SSHAuth() != nil || empty.Mode() != "" {
		t.Errorf("defaults of an empty URI: %q %v %q", empty.Hostname(), empty.SSHAuth(), empty.Mode())
	}
}

func TestTransportSecure(t *testing.T) {
	want := map[Kind]bool{TLS: true, Unix: true, SSH: true, LibSSH: true, LibSSH2: true, TCP: false, Ext: false}
	for tr, w := range want {
		if tr.Secure() != w {
			t.Errorf("%s.Secure() = %v, want %v", tr, tr.Secure(), w)
		}
	}
}

func FuzzParseURI(f *testing.F) {
	for _, tc := range uriCases {
		f.Add(tc.in)
	}
	f.Add("qemu+ssh://u@[::1]:22/p?a=%00&b=%ff#%23")
	f.Add("x+tcp://h:/?;;&=&a")
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseURI(s)
		if err != nil {
			return
		}
		_ = u.RemoteName()
		_ = u.helperName()
		out := u.String()
		again, err := ParseURI(out)
		if err != nil {
			t.Fatalf("String() of %q gave %q, which does not parse: %v", s, out, err)
		}
		if diff := cmp.Diff(u, again); diff != "" {
			t.Fatalf("%q -> %q does not round-trip (-first +second):\n%s", s, out, diff)
		}
	})
}
