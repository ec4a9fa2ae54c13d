package lab

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func fixedLab() *Lab {
	return &Lab{
		Dir:              "/l",
		UnixSocket:       "/l/main/sock/libvirt-sock",
		UnixROSocket:     "/l/main/sock/libvirt-sock-ro",
		TCPAddr:          "127.0.0.1:1001",
		TLSAddr:          "127.0.0.1:1002",
		TLSWrongNameAddr: "127.0.0.1:1003",
		PKIDir:           "/l/pki/client",
		RoguePKIDir:      "/l/pki/rogue",
		SASLTLSAddr:      "127.0.0.1:1004",
		SASLUnixSocket:   "/l/sasl-daemon/sock/libvirt-sock",
		DigestTCPAddr:    "127.0.0.1:1005",
		SSHAddr:          "127.0.0.1:1006",
		SSHUser:          "root",
		SSHKey:           "/l/ssh/id_ed25519",
		SSHKnownHosts:    "/l/ssh/known_hosts",
		SSHCommand:       "/l/ssh/ssh",
	}
}

func TestURI(t *testing.T) {
	l := fixedLab()
	const ssh = "keyfile=/l/ssh/id_ed25519&known_hosts=/l/ssh/known_hosts"
	tests := []struct {
		ep   Endpoint
		want string
	}{
		{UnixRW, "test+unix:///default?socket=/l/main/sock/libvirt-sock"},
		{UnixRO, "test+unix:///default?socket=/l/main/sock/libvirt-sock-ro"},
		{TCP, "test+tcp://127.0.0.1:1001/default"},
		{TLS, "test+tls://127.0.0.1:1002/default?pkipath=/l/pki/client"},
		{TLSWrongName, "test+tls://127.0.0.1:1003/default?pkipath=/l/pki/client"},
		{TLSRogue, "test+tls://127.0.0.1:1002/default?pkipath=/l/pki/rogue"},
		{SASLTLS, "test+tls://127.0.0.1:1004/default?pkipath=/l/pki/client"},
		{SASLUnix, "test+unix:///default?socket=/l/sasl-daemon/sock/libvirt-sock"},
		{DigestTCP, "test+tcp://127.0.0.1:1005/default"},
		{SSH, "test+ssh://root@127.0.0.1:1006/default?socket=/l/main/sock/libvirt-sock&" + ssh + "&command=/l/ssh/ssh"},
		{SSHNative, "test+ssh://root@127.0.0.1:1006/default?proxy=native&" + ssh + "&command=/l/ssh/ssh"},
		{LibSSH, "test+libssh://root@127.0.0.1:1006/default?socket=/l/main/sock/libvirt-sock&" + ssh + "&sshauth=privkey"},
		{LibSSH2, "test+libssh2://root@127.0.0.1:1006/default?socket=/l/main/sock/libvirt-sock&" + ssh + "&sshauth=privkey"},
	}
	if len(tests) != len(Endpoints()) {
		t.Fatalf("table covers %d endpoints, there are %d", len(tests), len(Endpoints()))
	}
	for _, tt := range tests {
		t.Run(tt.ep.String(), func(t *testing.T) {
			if got := l.URI(tt.ep); got != tt.want {
				t.Errorf("URI = %q\nwant  %q", got, tt.want)
			}
		})
	}
	if got, want := l.DriverURI(TCP, "qemu", "/system"), "qemu+tcp://127.0.0.1:1001/system"; got != want {
		t.Errorf("DriverURI = %q, want %q", got, want)
	}
	if got := l.URI(Endpoint(99)); got != "" {
		t.Errorf("URI of an unknown endpoint = %q, want empty", got)
	}
}

func TestEscapeParam(t *testing.T) {
	for in, want := range map[string]string{
		"/tmp/a-b_c.d/sock": "/tmp/a-b_c.d/sock",
		"/tmp/a b&c=d":      "/tmp/a%20b%26c%3Dd",
		"100%#?+":           "100%25%23%3F%2B",
	} {
		if got := escapeParam(in); got != want {
			t.Errorf("escapeParam(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseEndpoint(t *testing.T) {
	for _, ep := range Endpoints() {
		got, err := ParseEndpoint(ep.String())
		if err != nil || got != ep {
			t.Errorf("ParseEndpoint(%q) = %v, %v; want %v", ep.String(), got, err, ep)
		}
	}
	if _, err := ParseEndpoint("telnet"); err == nil || !strings.Contains(err.Error(), `"telnet"`) {
		t.Errorf("ParseEndpoint(telnet): err = %v, want one naming it", err)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name, path, want string
	}{
		{"missing", filepath.Join(dir, "none.json"), "no such file"},
		{"not json", write("bad.json", "{"), "unexpected end"},
		{"no lab", write("empty.json", "{}"), "describes no lab"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Load(tt.path); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load: err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestRunningNeedsAnAnsweringDaemon(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, StateFile)
	data := `{"dir": "` + dir + `", "unix_socket": "` + filepath.Join(dir, "no-such-sock") + `"}`
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvVar, path)
	if _, err := running(); err == nil || !strings.Contains(err.Error(), "does not answer") {
		t.Errorf("running() with a dead lab: err = %v", err)
	}
	t.Setenv(EnvVar, filepath.Join(dir, "nothing.json"))
	if _, err := running(); err == nil {
		t.Error("running() without lab.json succeeded")
	}
}
