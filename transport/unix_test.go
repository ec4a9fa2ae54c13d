//go:build unix

package transport

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/virtwire/virtwire/internal/conntest"
)

// unixEcho listens at path and echoes, passing any received descriptors
// back as their numbers; it stops when the test ends.
func unixEcho(t *testing.T, path string) {
	t.Helper()
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		buf := make([]byte, 64)
		oob := make([]byte, 64)
		for {
			n, oobn, _, _, err := c.(*net.UnixConn).ReadMsgUnix(buf, oob)
			if err != nil {
				return
			}
			reply := buf[:n]
			if oobn > 0 {
				msgs, _ := syscall.ParseSocketControlMessage(oob[:oobn])
				for _, m := range msgs {
					fds, _ := syscall.ParseUnixRights(&m)
					for _, fd := range fds {
						syscall.Close(fd)
					}
					reply = append(reply, []byte("+fd")...)
				}
			}
			if _, err := c.Write(reply); err != nil {
				return
			}
		}
	}()
}

func TestUnixDialSession(t *testing.T) {
	runtime := t.TempDir()
	if err := os.Mkdir(filepath.Join(runtime, "libvirt"), 0o700); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(runtime, "libvirt", "virtqemud-sock")
	unixEcho(t, sock)
	sys := &System{
		LookupEnv: func(k string) (string, bool) {
			v, ok := map[string]string{"HOME": t.TempDir(), "XDG_RUNTIME_DIR": runtime}[k]
			return v, ok
		},
		Geteuid: func() int { return 1000 },
	}
	u, _ := ParseURI("qemu:///session")
	conn, err := Dial(context.Background(), u, &Config{Client: &ClientConfig{}, System: sys})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	uc, ok := conn.(*net.UnixConn)
	if !ok {
		t.Fatalf("conn is %T, want *net.UnixConn", conn)
	}
	if got := uc.RemoteAddr().String(); got != sock {
		t.Errorf("connected to %s, want the modular session socket %s", got, sock)
	}
	// File descriptors travel, as libvirt's fd-passing calls need.
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, _, err := uc.WriteMsgUnix([]byte("x"), syscall.UnixRights(int(f.Fd())), nil); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	n, err := uc.Read(buf)
	if err != nil || string(buf[:n]) != "x+fd" {
		t.Errorf("reply %q, %v; want the descriptor acknowledged", buf[:n], err)
	}
}

func TestUnixDialErrorNamesSocketAndDaemon(t *testing.T) {
	sys := &System{
		LookupEnv: func(k string) (string, bool) {
			return map[string]string{"XDG_RUNTIME_DIR": "/nonexistent/run"}[k], k == "XDG_RUNTIME_DIR"
		},
		Geteuid: func() int { return 1000 },
	}
	u, _ := ParseURI("qemu:///session?mode=direct")
	_, err := Dial(context.Background(), u, &Config{Client: &ClientConfig{}, System: sys})
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/run/libvirt/virtqemud-sock (virtqemud)") {
		t.Fatalf("err = %v", err)
	}
}

func TestUnixSocketParam(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "libvirt sock")
	unixEcho(t, sock)
	u, err := ParseURI("qemu+unix:///system?socket=" + escape(sock, isUnreserved))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := Dial(context.Background(), u, &Config{Client: &ClientConfig{}, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conntest.Echo(t, conn)
}

// TestDialReadsLibvirtConf: with both sockets present, remote_mode in the
// user's libvirt.conf decides.
func TestDialReadsLibvirtConf(t *testing.T) {
	runtime := t.TempDir()
	if err := os.Mkdir(filepath.Join(runtime, "libvirt"), 0o700); err != nil {
		t.Fatal(err)
	}
	legacy := filepath.Join(runtime, "libvirt", "libvirt-sock")
	unixEcho(t, legacy)
	unixEcho(t, filepath.Join(runtime, "libvirt", "virtqemud-sock"))
	env := map[string]string{"HOME": "/home/u", "XDG_RUNTIME_DIR": runtime, "XDG_CONFIG_HOME": "/cfg"}
	sys := &System{
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		Geteuid:   func() int { return 1000 },
		ReadFile: func(name string) ([]byte, error) {
			if name == "/cfg/libvirt/libvirt.conf" {
				return []byte(`remote_mode = "legacy"` + "\n"), nil
			}
			return os.ReadFile(name)
		},
	}
	u, _ := ParseURI("qemu:///session")
	conn, err := Dial(context.Background(), u, &Config{System: sys})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if got := conn.RemoteAddr().String(); got != legacy {
		t.Errorf("connected to %s, want %s (remote_mode=legacy)", got, legacy)
	}
}
