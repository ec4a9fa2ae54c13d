package xdrgen

import (
	"os"
	"path/filepath"
	"testing"
)

func TestParseLibvirtFiles(t *testing.T) {
	dir := sourceDir(t)
	for _, rel := range []string{"rpc/virnetprotocol.x", "rpc/virkeepaliveprotocol.x", "remote/remote_protocol.x", "remote/qemu_protocol.x", "remote/lxc_protocol.x", "admin/admin_protocol.x"} {
		name := filepath.Base(rel)
		src, err := os.ReadFile(filepath.Join(dir, "src", rel))
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
