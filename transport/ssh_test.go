package transport

import (
	"errors"
	"testing"
)

func TestSSHModeChoice(t *testing.T) {
	found := &System{LookPath: func(string) (string, error) { return "/usr/bin/ssh", nil }}
	missing := &System{LookPath: func(f string) (string, error) { return "", errors.New("not found") }}
	tests := []struct {
		uri      string
		mode     SSHMode
		sys      *System
		external bool
	}{
		{"qemu+ssh://h/system", SSHAuto, found, true},
		{"qemu+ssh://h/system", SSHAuto, missing, false},
		{"qemu+ssh://h/system?command=/opt/ssh", SSHAuto, missing, true},
		{"qemu+libssh://h/system", SSHAuto, found, false},
		{"qemu+libssh2://h/system", SSHExternal, missing, true},
		{"qemu+ssh://h/system", SSHNative, found, false},
	}
	for _, tc := range tests {
		u, _ := ParseURI(tc.uri)
		c := &Config{SSH: SSHConfig{Mode: tc.mode}, System: tc.sys}
		if got := c.useExternalSSH(u); got != tc.external {
			t.Errorf("%s mode %d: external = %v, want %v", tc.uri, tc.mode, got, tc.external)
		}
	}
}
