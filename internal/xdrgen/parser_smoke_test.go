package xdrgen

import (
	"os"
	"path/filepath"
	"testing"
)

func TestParseLibvirtFiles(t *testing.T) {
	dir := sourceDir(t)
	for _, name := range []string{"virnetprotocol.x", "virkeepaliveprotocol.x", "remote_protocol.x", "qemu_protocol.x", "lxc_protocol.x", "admin_protocol.x"} {
		src, err := os.ReadFile(filepath.Join(dir, "protocol", name))
		if err != nil {
			t.Fatal(err)
		}
		f, err := Parse(name, string(src))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d consts %d enums %d types", name, len(f.Const), len(f.Enum), len(f.Type))
	}
}
