//go:build unix

package transport

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/virtwire/virtwire/internal/conntest"
)

// script writes an executable shell script and returns its path.
func script(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "cmd")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func dialExt(t *testing.T, command string) (net.Conn, error) {
	t.Helper()
	u := &URI{Driver: "qemu", Transport: Ext, Path: "/system", Params: []Param{{"command", command}}}
	return Dial(context.Background(), u, &Config{Client: &ClientConfig{}})
}

func TestExtEcho(t *testing.T) {
	conn, err := dialExt(t, script(t, "exec cat\n"))
	if err != nil {
		t.Fatal(err)
	}
	conntest.Echo(t, conn)
	if conn.RemoteAddr().Network() != "exec" || !strings.HasSuffix(conn.RemoteAddr().String(), "/cmd") {
		t.Errorf("RemoteAddr = %v", conn.RemoteAddr())
	}
	if err := conn.SetReadDeadline(time.Now().Add(10 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("read past deadline: %v", err)
	}
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}
	if err := conn.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestExtEarlyExitReportsStderr(t *testing.T) {
	conn, err := dialExt(t, script(t, "echo 'nc: unix connect failed: No such file or directory' >&2\nexit 3\n"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, err = conn.Read(make([]byte, 16))
	var ce *CommandError
	if !errors.As(err, &ce) || !errors.Is(err, io.EOF) {
		t.Fatalf("err = %v (%T), want a CommandError wrapping io.EOF", err, err)
	}
	if !strings.Contains(err.Error(), "exit status 3") || !strings.Contains(err.Error(), "unix connect failed") {
		t.Errorf("error %q lacks the exit status or stderr", err)
	}
}

func TestExtStderrIsBounded(t *testing.T) {
	conn, err := dialExt(t, script(t, "head -c 100000 /dev/zero | tr '\\0' x >&2\necho END >&2\nexit 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, err = conn.Read(make([]byte, 1))
	var ce *CommandError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v", err)
	}
	if len(ce.Stderr) > stderrLimit || !strings.HasSuffix(ce.Stderr, "END\n") {
		t.Errorf("stderr kept %d bytes ending %q", len(ce.Stderr), ce.Stderr[max(0, len(ce.Stderr)-10):])
	}
}

func TestExtCleanExitIsEOF(t *testing.T) {
	conn, err := dialExt(t, script(t, "printf hi\n"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	data, err := io.ReadAll(conn)
	if err != nil || string(data) != "hi" {
		t.Errorf("ReadAll = %q, %v", data, err)
	}
}

func TestExtCloseKillsStubbornChild(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	conn, err := dialExt(t, script(t, "echo $$ > "+pidFile+"\ntrap '' TERM INT HUP\nexec sleep 600\n"))
	if err != nil {
		t.Fatal(err)
	}
	cc := conn.(*cmdConn)
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-cc.done:
	default:
		t.Fatal("Close returned before the child was reaped")
	}
	if cc.cmd.ProcessState == nil || cc.cmd.ProcessState.Exited() {
		t.Errorf("child state %v, want killed by a signal", cc.cmd.ProcessState)
	}
}

func TestExtErrors(t *testing.T) {
	u := &URI{Driver: "qemu", Transport: Ext, Path: "/system"}
	if _, err := Dial(context.Background(), u, &Config{Client: &ClientConfig{}}); err == nil || !strings.Contains(err.Error(), "command is required") {
		t.Errorf("no command: %v", err)
	}
	if _, err := dialExt(t, "/nonexistent/tunnel"); err == nil || !strings.Contains(err.Error(), "/nonexistent/tunnel") {
		t.Errorf("missing program: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	u.Params = []Param{{"command", "/bin/cat"}}
	if _, err := Dial(ctx, u, &Config{Client: &ClientConfig{}}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled dial: %v", err)
	}
}

// TestSSHExternal runs the ssh transport through a fake ssh program that
// checks its arguments and then runs the remote command locally, as ssh
// would on the server, with a fake nc that echoes.
func TestSSHExternal(t *testing.T) {
	bin := t.TempDir()
	log := filepath.Join(t.TempDir(), "args")
	fakeSSH := filepath.Join(bin, "fake ssh")
	// The last argument is the remote command; run it with sh like sshd.
	body := `printf '%s\0' "$@" > ` + shellQuote(log) + "\n" +
		`for last; do :; done` + "\n" +
		`PATH=` + shellQuote(bin) + `:$PATH exec sh -c "$last"` + "\n"
	if err := os.WriteFile(fakeSSH, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "nc"), []byte("#!/bin/sh\n[ $# -le 1 ] && exit 1\nexec cat\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	u, err := ParseURI("qemu+ssh://root@host.example:2222/system?proxy=netcat&socket=/run/my%20socket&command=" + escape(fakeSSH, isUnreserved))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := Dial(context.Background(), u, &Config{Client: &ClientConfig{}})
	if err != nil {
		t.Fatal(err)
	}
	conntest.Echo(t, conn)
	conn.Close()
	args := readArgs(t, log)
	want := []string{"-p", "2222", "-l", "root", "-T", "-e", "none", "--", "host.example"}
	if len(args) != len(want)+1 || strings.Join(args[:len(want)], " ") != strings.Join(want, " ") {
		t.Errorf("ssh args %q, want %q + command", args, want)
	}
}
