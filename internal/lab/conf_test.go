//go:build linux

package lab

import (
	"strings"
	"testing"
)

// TestExtraConfigReplacesLabLines checks WithConfig's promise: libvirtd
// honours only the first line of a key, so an extra line must replace the
// lab's own line, not follow it.
func TestExtraConfigReplacesLabLines(t *testing.T) {
	d := &libvirtd{root: "/tmp/x", authUnix: "none", extra: []string{"listen_tls = 1", "max_anonymous_clients = 5000", "max_workers = 64"}}
	conf := d.conf()
	for _, tc := range []struct {
		key, want string
	}{
		{"listen_tls", "listen_tls = 1"},
		{"max_anonymous_clients", "max_anonymous_clients = 5000"},
		{"max_workers", "max_workers = 64"},
		{"auth_unix_rw", `auth_unix_rw = "none"`},
	} {
		var got []string
		for _, l := range strings.Split(conf, "\n") {
			if confKey(l) == tc.key {
				got = append(got, l)
			}
		}
		if len(got) != 1 || got[0] != tc.want {
			t.Errorf("lines setting %s = %q, want exactly [%q]\nconfig:\n%s", tc.key, got, tc.want, conf)
		}
	}
}
