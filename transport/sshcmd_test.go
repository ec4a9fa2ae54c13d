package transport

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestExternalSSHMatchesLibvirt compares the ssh argument lists with what
// libvirt 9.0's virsh ran for the same URIs (recorded on the lab machine
// with command= pointing at a script that saved its arguments), and shows
// the one place this client is stricter by default: no_verify=1.
func TestExternalSSHMatchesLibvirt(t *testing.T) {
	const (
		autoSys = `sh -c 'which virt-ssh-helper 1>/dev/null 2>&1; if test $? = 0; then     virt-ssh-helper 'qemu:///system'; else    if 'nc' -q 2>&1 | grep "requires an argument" >/dev/null 2>&1; then ARG=-q0;else ARG=;fi;'nc' $ARG -U /var/run/libvirt/libvirt-sock; fi'`
		ncSys   = `sh -c 'if 'nc' -q 2>&1 | grep "requires an argument" >/dev/null 2>&1; then ARG=-q0;else ARG=;fi;'nc' $ARG -U /var/run/libvirt/libvirt-sock'`
	)
	tests := []struct {
		uri  string
		cfg  SSHConfig
		want []string
	}{
		{"qemu+ssh://h/system", SSHConfig{}, []string{"-T", "-e", "none", "--", "h", autoSys}},
		{"qemu+ssh://h/system?proxy=native", SSHConfig{}, []string{"-T", "-e", "none", "--", "h", `sh -c 'virt-ssh-helper 'qemu:///system''`}},
		// libvirt 9.0 dropped socket= and mode= from the helper's URI; libvirt 11
		// keeps them (virtSshURI), and so does this client.
		{"qemu+ssh://h/system?proxy=native&socket=/s", SSHConfig{}, []string{"-T", "-e", "none", "--", "h", `sh -c 'virt-ssh-helper '''\''qemu:///system?socket=%2Fs'\'''''`}},
		{"qemu+ssh://h/system?proxy=netcat", SSHConfig{}, []string{"-T", "-e", "none", "--", "h", ncSys}},
		{"qemu+ssh://h/system?netcat=/opt/nc%20x", SSHConfig{}, []string{"-T", "-e", "none", "--", "h",
			`sh -c 'if '''\''/opt/nc x'\'''' -q 2>&1 | grep "requires an argument" >/dev/null 2>&1; then ARG=-q0;else ARG=;fi;'''\''/opt/nc x'\'''' $ARG -U /var/run/libvirt/libvirt-sock'`}},
		{"qemu+ssh://u@[::1]:2222/system?name=qemu:///session", SSHConfig{}, []string{"-p", "2222", "-l", "u", "-T", "-e", "none", "--", "::1",
			strings.Replace(autoSys, "qemu:///system", "qemu:///session", 1)}},
		{"remote+ssh://h/", SSHConfig{}, []string{"-T", "-e", "none", "--", "h",
			`sh -c 'which virt-ssh-helper 1>/dev/null 2>&1; if test $? = 0; then     virt-ssh-helper '''\'''\''''; else    if 'nc' -q 2>&1 | grep "requires an argument" >/dev/null 2>&1; then ARG=-q0;else ARG=;fi;'nc' $ARG -U /var/run/libvirt/libvirt-sock; fi'`}},
		// libvirt 9.0 wrote the socket path bare here (-U /run/a b's/libvirt-sock),
		// which breaks in the remote shell; this client quotes it.
		{"test+ssh://root@127.0.0.1:16620/default?socket=/run/a%20b's/libvirt-sock&keyfile=/k%20x&no_verify=1&no_tty=1", SSHConfig{InsecureAcceptChangedHostKeys: true},
			[]string{"-p", "16620", "-l", "root", "-i", "/k x", "-T", "-e", "none", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "--", "127.0.0.1",
				`sh -c 'if 'nc' -q 2>&1 | grep "requires an argument" >/dev/null 2>&1; then ARG=-q0;else ARG=;fi;'nc' $ARG -U '''\''/run/a b'\''\'\'''\''s/libvirt-sock'\'''''`}},
		// libvirt gives StrictHostKeyChecking=no for no_verify=1, with which
		// OpenSSH logs in to a host whose key changed; by default this client
		// gives accept-new, as libvirt's documentation of no_verify promises.
		{"test+ssh://root@127.0.0.1:16620/default?socket=/run/a%20b's/libvirt-sock&keyfile=/k%20x&no_verify=1&no_tty=1", SSHConfig{},
			[]string{"-p", "16620", "-l", "root", "-i", "/k x", "-T", "-e", "none", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=accept-new", "--", "127.0.0.1",
				`sh -c 'if 'nc' -q 2>&1 | grep "requires an argument" >/dev/null 2>&1; then ARG=-q0;else ARG=;fi;'nc' $ARG -U '''\''/run/a b'\''\'\'''\''s/libvirt-sock'\'''''`}},
		{"qemu+ssh://h/system?no_verify=0", SSHConfig{InsecureAcceptChangedHostKeys: true}, []string{"-T", "-e", "none", "--", "h", autoSys}},
	}
	sys := fakeSystem(0, map[string]string{"HOME": "/root"}, files())
	for _, tc := range tests {
		t.Run(tc.uri, func(t *testing.T) {
			u, err := ParseURI(tc.uri)
			if err != nil {
				t.Fatal(err)
			}
			cmd, err := RemoteCommand(u, false, &ClientConfig{}, sys)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, ExternalSSHArgs(u, cmd, tc.cfg)); diff != "" {
				t.Errorf("(-libvirt +ours):\n%s", diff)
			}
		})
	}
}

func TestRemoteCommandChoices(t *testing.T) {
	userEnv := map[string]string{"HOME": "/home/u", "XDG_RUNTIME_DIR": "/run/user/1000"}
	tests := []struct {
		name     string
		uri      string
		euid     int
		readOnly bool
		cfg      *ClientConfig
		contains []string
		err      string
	}{
		{name: "read-only helper gets -r", uri: "qemu+ssh://h/system?proxy=native", readOnly: true, contains: []string{"virt-ssh-helper -r 'qemu:///system'"}},
		{name: "read-only netcat uses -ro socket", uri: "qemu+ssh://h/system?proxy=netcat", readOnly: true, contains: []string{"-U /var/run/libvirt/libvirt-sock-ro'"}},
		{name: "session URI as user is native", uri: "qemu+ssh://h/session", euid: 1000, contains: []string{`sh -c 'virt-ssh-helper 'qemu:///session''`}},
		{name: "session URI as root is auto", uri: "qemu+ssh://h/session", euid: 0, contains: []string{"which virt-ssh-helper"}},
		{name: "socket= picks netcat", uri: "qemu+ssh://h/system?socket=/s", contains: []string{"-U /s'"}},
		{name: "remote_proxy from libvirt.conf", uri: "qemu+ssh://h/system", cfg: &ClientConfig{RemoteProxy: ProxyNative}, contains: []string{`sh -c 'virt-ssh-helper 'qemu:///system''`}},
		{name: "proxy= beats remote_proxy", uri: "qemu+ssh://h/system?proxy=netcat", cfg: &ClientConfig{RemoteProxy: ProxyNative}, contains: []string{"-U /var/run/libvirt/libvirt-sock'"}},
		{name: "helper keeps mode and socket (libvirt 11)", uri: "qemu+ssh://h/system?socket=/s&proxy=auto&mode=legacy&foo=b%20ar", contains: []string{`virt-ssh-helper '''\''qemu:///system?socket=%2Fs&mode=legacy&foo=b%20ar'\''''`, "-U /s;"}},
		{name: "netcat with native", uri: "qemu+ssh://h/system?proxy=native&netcat=nc", err: "netcat path not valid with native proxy mode"},
		{name: "direct mode over ssh", uri: "qemu+ssh://h/system?proxy=netcat&mode=direct", err: "cannot use direct socket mode for ssh transport"},
		{name: "bad remote_proxy", uri: "qemu+ssh://h/system", cfg: &ClientConfig{RemoteProxy: "x"}, err: "unknown proxy type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, err := ParseURI(tc.uri)
			if err != nil {
				t.Fatal(err)
			}
			got, err := RemoteCommand(u, tc.readOnly, tc.cfg, fakeSystem(tc.euid, userEnv, files()))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range tc.contains {
				if !strings.Contains(got, c) {
					t.Errorf("command %s\ndoes not contain %s", got, c)
				}
			}
		})
	}
}

func TestShellQuote(t *testing.T) {
	tests := map[string]string{
		"":                  "''",
		"/usr/bin/nc":       "/usr/bin/nc",
		"qemu:///system":    "qemu:///system",
		"a b":               "'a b'",
		"it's":              `'it'\''s'`,
		"$HOME":             "'$HOME'",
		"x;rm -rf /":        "'x;rm -rf /'",
		"tab\there":         "'tab\there'",
		"back\\slash":       `'back\slash'`,
		"q?u*e[r]y{}~^`|<>": "'q?u*e[r]y{}~^`|<>'",
	}
	for in, want := range tests {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestRemoteCommandThroughShell runs the generated command the way sshd
// does (the login shell gets it as one string) with fake nc and
// virt-ssh-helper on PATH that record the arguments they receive.
func TestRemoteCommandThroughShell(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Fatalf("this test needs sh: %v", err)
	}
	weird := []string{
		"/run/libvirt/libvirt-sock",
		"/tmp/with space/libvirt-sock",
		`/tmp/it's "quoted"/sock`,
		"/tmp/$HOME;`id`|&/sock",
		"/tmp/back\\slash\ttab/sock",
	}
	for _, sock := range weird {
		for _, proxy := range []string{"netcat", "auto-no-helper"} {
			t.Run(proxy+" "+sock, func(t *testing.T) {
				bin := t.TempDir()
				out := filepath.Join(t.TempDir(), "args")
				writeRecorder(t, filepath.Join(bin, "nc"), out, true)
				u := &URI{Driver: "qemu", Transport: SSH, Host: "h", Path: "/system", Params: []Param{{"socket", sock}, {"proxy", "netcat"}}}
				if proxy != "netcat" {
					u.Params[1].Value = "auto"
				}
				cmd, err := RemoteCommand(u, false, &ClientConfig{}, fakeSystem(0, nil, files()))
				if err != nil {
					t.Fatal(err)
				}
				runLoginShell(t, bin, cmd)
				if diff := cmp.Diff([]string{"-q0", "-U", sock}, readArgs(t, out)); diff != "" {
					t.Errorf("nc got (-want +got):\n%s\ncommand: %s", diff, cmd)
				}
			})
		}
	}
	t.Run("netcat path with spaces and quotes", func(t *testing.T) {
		bin := t.TempDir()
		out := filepath.Join(t.TempDir(), "args")
		nc := filepath.Join(bin, `my "net" cat's`)
		writeRecorder(t, nc, out, false)
		u := &URI{Driver: "qemu", Transport: SSH, Host: "h", Path: "/system", Params: []Param{{"netcat", nc}}}
		cmd, err := RemoteCommand(u, true, &ClientConfig{}, fakeSystem(0, nil, files()))
		if err != nil {
			t.Fatal(err)
		}
		runLoginShell(t, bin, cmd)
		if diff := cmp.Diff([]string{"-U", "/var/run/libvirt/libvirt-sock-ro"}, readArgs(t, out)); diff != "" {
			t.Errorf("nc got (-want +got):\n%s\ncommand: %s", diff, cmd)
		}
	})
	for _, name := range []string{"qemu:///system", "test:///de fault?x='1'&y=$(id)"} {
		t.Run("helper "+name, func(t *testing.T) {
			bin := t.TempDir()
			out := filepath.Join(t.TempDir(), "args")
			writeRecorder(t, filepath.Join(bin, "virt-ssh-helper"), out, false)
			writeRecorder(t, filepath.Join(bin, "nc"), filepath.Join(t.TempDir(), "nc-must-not-run"), false)
			u := &URI{Driver: "qemu", Transport: SSH, Host: "h", Path: "/system", Params: []Param{{"name", name}}}
			cmd, err := RemoteCommand(u, true, &ClientConfig{}, fakeSystem(0, nil, files()))
			if err != nil {
				t.Fatal(err)
			}
			runLoginShell(t, bin, cmd)
			if diff := cmp.Diff([]string{"-r", name}, readArgs(t, out)); diff != "" {
				t.Errorf("virt-ssh-helper got (-want +got):\n%s\ncommand: %s", diff, cmd)
			}
		})
	}
}

// writeRecorder writes a fake program that saves its arguments to out
// (NUL-separated). With wantQ it behaves like OpenBSD nc, whose -q needs an
// argument.
func writeRecorder(t *testing.T, path, out string, wantQ bool) {
	t.Helper()
	script := "#!/bin/sh\n"
	if wantQ {
		script += `if [ "$1" = "-q" ] && [ $# -eq 1 ]; then echo "nc: option requires an argument -- q" >&2; exit 1; fi` + "\n"
	} else {
		script += `if [ "$1" = "-q" ] && [ $# -eq 1 ]; then echo "nc: invalid option -- q" >&2; exit 1; fi` + "\n"
	}
	script += `printf '%s\0' "$@" > ` + shellQuote(out) + "\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
}

// runLoginShell does what sshd does with an exec request: $SHELL -c CMD,
// with PATH holding the fakes in bin and only sh, grep and which besides.
func runLoginShell(t *testing.T, bin, cmd string) {
	t.Helper()
	tools := t.TempDir()
	for _, name := range []string{"sh", "grep", "which"} {
		p, err := exec.LookPath(name)
		if err != nil {
			t.Fatalf("this test needs %s: %v", name, err)
		}
		if err := os.Symlink(p, filepath.Join(tools, name)); err != nil {
			t.Fatal(err)
		}
	}
	c := exec.Command(filepath.Join(tools, "sh"), "-c", cmd)
	c.Env = []string{"PATH=" + bin + ":" + tools}
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("remote command failed: %v\n%s\ncommand: %s", err, out, cmd)
	}
}

func readArgs(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the program did not run: %v", err)
	}
	return strings.Split(strings.TrimSuffix(string(data), "\x00"), "\x00")
}
