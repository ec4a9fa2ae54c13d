package transport

import (
	"io/fs"
	"os"
	"strings"
	"testing"
	"time"
)

// fakeFile is what a fake System's Stat returns.
type fakeFile struct{ name string }

func (f fakeFile) Name() string       { return f.name }
func (f fakeFile) Size() int64        { return 0 }
func (f fakeFile) Mode() fs.FileMode  { return fs.ModeSocket }
func (f fakeFile) ModTime() time.Time { return time.Time{} }
func (f fakeFile) IsDir() bool        { return false }
func (f fakeFile) Sys() any           { return nil }

// fakeSystem is a machine with the given user, environment and files.
func fakeSystem(euid int, env map[string]string, files map[string]string) *System {
	return &System{
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		Geteuid:   func() int { return euid },
		Stat: func(name string) (fs.FileInfo, error) {
			if _, ok := files[name]; ok {
				return fakeFile{name}, nil
			}
			return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
		},
		ReadFile: func(name string) ([]byte, error) {
			if data, ok := files[name]; ok {
				return []byte(data), nil
			}
			return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
		},
		LookPath: func(file string) (string, error) {
			return "", &fs.PathError{Op: "lookpath", Path: file, Err: fs.ErrNotExist}
		},
	}
}

func files(paths ...string) map[string]string {
	m := map[string]string{}
	for _, p := range paths {
		m[p] = ""
	}
	return m
}

func TestChooseSocket(t *testing.T) {
	userEnv := map[string]string{"HOME": "/home/u", "XDG_RUNTIME_DIR": "/run/user/1000"}
	noRuntime := map[string]string{"HOME": "/home/u"}
	const (
		legacy   = "/var/run/libvirt/libvirt-sock"
		legacyRO = "/var/run/libvirt/libvirt-sock-ro"
		qemu     = "/var/run/libvirt/virtqemud-sock"
		qemuRO   = "/var/run/libvirt/virtqemud-sock-ro"
		network  = "/var/run/libvirt/virtnetworkd-sock"
	)
	tests := []struct {
		name     string
		uri      string
		readOnly bool
		euid     int
		env      map[string]string
		files    map[string]string
		cfg      *ClientConfig
		want     Socket
		err      string
	}{
		{name: "socket= wins", uri: "qemu+unix:///system?socket=/opt/s", euid: 0, files: files(qemu), want: Socket{Path: "/opt/s"}},
		{name: "root, nothing exists: legacy", uri: "qemu:///system", euid: 0, files: files(), want: Socket{Path: legacy, Daemon: "libvirtd", Mode: ModeLegacy}},
		{name: "root, only libvirtd", uri: "qemu:///system", euid: 0, files: files(legacy), want: Socket{Path: legacy, Daemon: "libvirtd", Mode: ModeLegacy}},
		{name: "root, modular qemu present", uri: "qemu:///system", euid: 0, files: files(legacy, qemu), want: Socket{Path: qemu, Daemon: "virtqemud", Mode: ModeDirect}},
		{name: "read-only modular", uri: "qemu:///system", readOnly: true, euid: 0, files: files(qemuRO), want: Socket{Path: qemuRO, Daemon: "virtqemud", Mode: ModeDirect}},
		{name: "read-only probes the -ro socket", uri: "qemu:///system", readOnly: true, euid: 0, files: files(qemu, legacyRO), want: Socket{Path: legacyRO, Daemon: "libvirtd", Mode: ModeLegacy}},
		{name: "network driver maps to virtnetworkd", uri: "network:///system", euid: 0, files: files(network), want: Socket{Path: network, Daemon: "virtnetworkd", Mode: ModeDirect}},
		{name: "mode=legacy ignores modular socket", uri: "qemu:///system?mode=legacy", euid: 0, files: files(qemu), want: Socket{Path: legacy, Daemon: "libvirtd", Mode: ModeLegacy}},
		{name: "mode=direct without sockets", uri: "qemu:///system?mode=direct", euid: 0, files: files(legacy), want: Socket{Path: qemu, Daemon: "virtqemud", Mode: ModeDirect}},
		{name: "remote_mode from libvirt.conf", uri: "qemu:///system", euid: 0, files: files(legacy), cfg: &ClientConfig{RemoteMode: ModeDirect}, want: Socket{Path: qemu, Daemon: "virtqemud", Mode: ModeDirect}},
		{name: "mode= beats remote_mode", uri: "qemu:///system?mode=legacy", euid: 0, files: files(qemu), cfg: &ClientConfig{RemoteMode: ModeDirect}, want: Socket{Path: legacy, Daemon: "libvirtd", Mode: ModeLegacy}},
		{name: "direct build default with nothing present", uri: "qemu:///system", euid: 0, files: files(), cfg: &ClientConfig{DirectByDefault: true}, want: Socket{Path: qemu, Daemon: "virtqemud", Mode: ModeDirect}},
		{name: "session as a user", uri: "qemu:///session", euid: 1000, env: userEnv, files: files(), want: Socket{Path: "/run/user/1000/libvirt/libvirt-sock", Daemon: "libvirtd", Mode: ModeLegacy}},
		{name: "session modular as a user", uri: "qemu:///session", euid: 1000, env: userEnv, files: files("/run/user/1000/libvirt/virtqemud-sock"), want: Socket{Path: "/run/user/1000/libvirt/virtqemud-sock", Daemon: "virtqemud", Mode: ModeDirect}},
		{name: "session has no -ro socket", uri: "qemu:///session", readOnly: true, euid: 1000, env: userEnv, files: files(), want: Socket{Path: "/run/user/1000/libvirt/libvirt-sock", Daemon: "libvirtd", Mode: ModeLegacy}},
		{name: "session without XDG_RUNTIME_DIR uses the cache folder", uri: "qemu:///session", euid: 1000, env: noRuntime, files: files(), want: Socket{Path: "/home/u/.cache/libvirt/libvirt-sock", Daemon: "libvirtd", Mode: ModeLegacy}},
		{name: "session as root is the system socket", uri: "qemu:///session", euid: 0, env: userEnv, files: files(), want: Socket{Path: legacy, Daemon: "libvirtd", Mode: ModeLegacy}},
		{name: "system as a user", uri: "qemu:///system", euid: 1000, env: userEnv, files: files(legacy), want: Socket{Path: legacy, Daemon: "libvirtd", Mode: ModeLegacy}},
		{name: "test+unix is a session URI for users", uri: "test+unix:///default", euid: 1000, env: userEnv, files: files(), want: Socket{Path: "/run/user/1000/libvirt/libvirt-sock", Daemon: "libvirtd", Mode: ModeLegacy}},
		{name: "test without transport is not", uri: "test:///default", euid: 1000, env: userEnv, files: files(), want: Socket{Path: legacy, Daemon: "libvirtd", Mode: ModeLegacy}},
		{name: "ssh always legacy in auto", uri: "qemu+ssh://h/system", euid: 0, files: files(qemu), want: Socket{Path: legacy, Daemon: "libvirtd", Mode: ModeLegacy}},
		{name: "ssh read-only", uri: "qemu+ssh://h/system", readOnly: true, euid: 0, files: files(), want: Socket{Path: legacyRO, Daemon: "libvirtd", Mode: ModeLegacy}},
		{name: "ssh direct is an error", uri: "qemu+ssh://h/system?mode=direct", euid: 0, files: files(), err: "cannot use direct socket mode for ssh transport"},
		{name: "remote driver has no modular daemon", uri: "remote:///?mode=direct", euid: 0, files: files(), err: "names no driver"},
		{name: "remote driver auto is libvirt-sock", uri: "remote:///", euid: 0, files: files(), want: Socket{Path: legacy, Daemon: "libvirtd", Mode: ModeLegacy}},
		{name: "remote driver probes in a direct build", uri: "remote:///", euid: 0, files: files("/run/libvirt/virtlxcd-sock"), cfg: &ClientConfig{DirectByDefault: true}, want: Socket{Path: "/var/run/libvirt/virtlxcd-sock", Daemon: "virtlxcd", Mode: ModeDirect}},
		{name: "remote driver probes binaries as a user", uri: "remote:///", euid: 1000, env: userEnv, files: files("/usr/sbin/virtqemud"), cfg: &ClientConfig{DirectByDefault: true}, want: Socket{Path: qemu, Daemon: "virtqemud", Mode: ModeDirect}},
		{name: "session without HOME or XDG", uri: "qemu:///session", euid: 1000, env: map[string]string{}, files: files(), err: "HOME"},
		{name: "bad remote_mode", uri: "qemu:///system", euid: 0, files: files(), cfg: &ClientConfig{RemoteMode: "sometimes"}, err: "unknown remote mode"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, err := ParseURI(tc.uri)
			if err != nil {
				t.Fatal(err)
			}
			sys := fakeSystem(tc.euid, tc.env, tc.files)
			got, err := ChooseSocket(u, tc.readOnly, tc.cfg, sys)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want one containing %q (socket %+v)", err, tc.err, got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestSocketString(t *testing.T) {
	s := Socket{Path: "/var/run/libvirt/libvirt-sock", Daemon: "libvirtd"}
	if got := s.String(); got != "/var/run/libvirt/libvirt-sock (libvirtd)" {
		t.Errorf("String = %q", got)
	}
	if got := (Socket{Path: "/x"}).String(); got != "/x" {
		t.Errorf("String = %q", got)
	}
}

func TestSystemDefaultsUseTheOS(t *testing.T) {
	var sys *System
	if sys.euid() != os.Geteuid() {
		t.Errorf("euid %d, want %d", sys.euid(), os.Geteuid())
	}
	t.Setenv("VIRTWIRE_TEST_ENV", "x")
	if sys.Getenv("VIRTWIRE_TEST_ENV") != "x" {
		t.Error("env not read from the OS")
	}
	dir := t.TempDir()
	if !sys.Exists(dir) || sys.Exists(dir+"/missing") {
		t.Error("exists does not reflect the file system")
	}
	f := dir + "/sub/kh"
	if err := sys.Append(f, []byte("a\n")); err != nil {
		t.Fatal(err)
	}
	if err := sys.Append(f, []byte("b\n")); err != nil {
		t.Fatal(err)
	}
	data, err := sys.Read(f)
	if err != nil || string(data) != "a\nb\n" {
		t.Errorf("appendFile/readFile: %q, %v", data, err)
	}
	if fi, err := os.Stat(f); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("appended file mode: %v %v", fi.Mode(), err)
	}
}
