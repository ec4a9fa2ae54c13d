package transport

import (
	"errors"
	"testing"
)

func TestAdminSocket(t *testing.T) {
	user := fakeSystem(1000, map[string]string{"HOME": "/home/u", "XDG_RUNTIME_DIR": "/run/user/1000"}, nil)
	noRuntime := fakeSystem(1000, map[string]string{"HOME": "/home/u"}, nil)
	tests := []struct {
		uri  string
		sys  *System
		want string
	}{
		{"libvirtd:///system", user, "/run/libvirt/libvirt-admin-sock"},
		{"virtqemud:///system", user, "/run/libvirt/virtqemud-admin-sock"},
		{"virtproxyd:///system", user, "/run/libvirt/virtproxyd-admin-sock"},
		{"virtnetworkd:///system", user, "/run/libvirt/virtnetworkd-admin-sock"},
		{"libvirtd:///session", user, "/run/user/1000/libvirt/libvirt-admin-sock"},
		{"virtproxyd:///session", user, "/run/user/1000/libvirt/virtproxyd-admin-sock"},
		{"virtqemud:///session", noRuntime, "/home/u/.cache/libvirt/virtqemud-admin-sock"},
		{"libvirtd:///system?socket=/tmp/a%20b", user, "/tmp/a b"},
		{"libvirtd+unix:///system", user, "/run/libvirt/libvirt-admin-sock"},
		// socket= wins over the daemon and path, as in libvirt.
		{"virtqemud:///anything?socket=/x/s", user, "/x/s"},
	}
	for _, tt := range tests {
		u, err := ParseURI(tt.uri)
		if err != nil {
			t.Fatalf("ParseURI(%q): %v", tt.uri, err)
		}
		got, err := AdminSocket(u, tt.sys)
		if err != nil || got != tt.want {
			t.Errorf("AdminSocket(%q) = %q, %v; want %q", tt.uri, got, err, tt.want)
		}
	}
}

func TestAdminSocketRefuses(t *testing.T) {
	for _, uri := range []string{
		"libvirtd+tcp://host/system",
		"libvirtd+ssh://root@host/system",
		"virtqemud+tls://host/system",
		"libvirtd://host/system",
		"qemu:///system",
		"libvirtd:///default",
		"libvirtd://",
		"libvirtd:///system?mode=direct",
	} {
		u, err := ParseURI(uri)
		if err != nil {
			continue // refused already
		}
		if got, err := AdminSocket(u, fakeSystem(0, nil, nil)); !errors.Is(err, ErrAdminURI) {
			t.Errorf("AdminSocket(%q) = %q, %v; want an error wrapping ErrAdminURI", uri, got, err)
		}
	}
}

func TestDefaultAdminURI(t *testing.T) {
	const conf = "/etc/libvirt/libvirt-admin.conf"
	tests := []struct {
		name string
		sys  *System
		want string
	}{
		{"root", fakeSystem(0, nil, nil), "libvirtd:///system"},
		{"user", fakeSystem(1000, map[string]string{"HOME": "/home/u"}, nil), "libvirtd:///session"},
		{"env", fakeSystem(0, map[string]string{"LIBVIRT_ADMIN_DEFAULT_URI": "virtqemud:///system"}, map[string]string{conf: `uri_default = "virtproxyd:///system"`}), "virtqemud:///system"},
		{"config", fakeSystem(0, nil, map[string]string{conf: `uri_default = "virtproxyd:///system"`}), "virtproxyd:///system"},
		{"user config", fakeSystem(1000, map[string]string{"HOME": "/home/u"}, map[string]string{"/home/u/.config/libvirt/libvirt-admin.conf": `uri_default = "virtqemud:///session"`}), "virtqemud:///session"},
		// libvirt.conf is the hypervisor client's; virt-admin does not read it.
		{"not libvirt.conf", fakeSystem(0, nil, map[string]string{"/etc/libvirt/libvirt.conf": `uri_default = "qemu:///system"`}), "libvirtd:///system"},
	}
	for _, tt := range tests {
		got, err := DefaultAdminURI(tt.sys)
		if err != nil || got != tt.want {
			t.Errorf("%s: DefaultAdminURI = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
	bad := fakeSystem(0, nil, map[string]string{conf: "uri_default = 3"})
	if got, err := DefaultAdminURI(bad); err == nil {
		t.Errorf("malformed libvirt-admin.conf: DefaultAdminURI = %q, want an error", got)
	}
}
