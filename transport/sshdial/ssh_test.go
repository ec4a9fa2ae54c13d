package sshdial

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/virtwire/virtwire/internal/conntest"
	"github.com/virtwire/virtwire/transport"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"
)

func newSigner(t *testing.T) (ssh.Signer, ed25519.PrivateKey) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s, priv
}

// writeKey saves priv as an OpenSSH key file, encrypted when passphrase
// is set.
func writeKey(t *testing.T, priv ed25519.PrivateKey, passphrase string) string {
	t.Helper()
	var block *pem.Block
	var err error
	if passphrase == "" {
		block, err = ssh.MarshalPrivateKey(priv, "")
	} else {
		block, err = ssh.MarshalPrivateKeyWithPassphrase(priv, "", []byte(passphrase))
	}
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "id_ed25519")
	if err := os.WriteFile(p, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// sshServer is an in-process ssh server. Each exec request is handed to
// run, which gets the command and the channel (stdout; stderr via
// Stderr()) and returns the exit status.
type sshServer struct {
	addr     string
	hostKey  ssh.Signer
	mu       sync.Mutex
	commands []string
}

func (s *sshServer) lastCommand() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.commands) == 0 {
		return ""
	}
	return s.commands[len(s.commands)-1]
}

func echoRun(cmd string, ch ssh.Channel) uint32 {
	_, _ = io.Copy(ch, ch)
	return 0
}

func startSSHServer(t *testing.T, cfg *ssh.ServerConfig, run func(string, ssh.Channel) uint32) *sshServer {
	t.Helper()
	hostKey, _ := newSigner(t)
	cfg.AddHostKey(hostKey)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &sshServer{addr: ln.Addr().String(), hostKey: hostKey}
	var wg sync.WaitGroup
	var connsMu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		connsMu.Lock()
		for _, c := range conns {
			c.Close()
		}
		connsMu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			connsMu.Lock()
			conns = append(conns, c)
			connsMu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				_, chans, reqs, err := ssh.NewServerConn(c, cfg)
				if err != nil {
					return
				}
				wg.Add(1)
				go func() { defer wg.Done(); ssh.DiscardRequests(reqs) }()
				for nc := range chans {
					if nc.ChannelType() != "session" {
						_ = nc.Reject(ssh.UnknownChannelType, "no")
						continue
					}
					ch, chReqs, err := nc.Accept()
					if err != nil {
						return
					}
					wg.Add(1)
					go func() {
						defer wg.Done()
						for req := range chReqs {
							if req.Type != "exec" {
								_ = req.Reply(false, nil)
								continue
							}
							var p struct{ Command string }
							if err := ssh.Unmarshal(req.Payload, &p); err != nil {
								_ = req.Reply(false, nil)
								continue
							}
							s.mu.Lock()
							s.commands = append(s.commands, p.Command)
							s.mu.Unlock()
							_ = req.Reply(true, nil)
							wg.Add(1)
							go func() {
								defer wg.Done()
								status := run(p.Command, ch)
								_, _ = ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{status}))
								ch.Close()
							}()
						}
					}()
				}
			}()
		}
	}()
	return s
}

func (s *sshServer) knownHostsFile(t *testing.T, key ssh.PublicKey) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "known_hosts")
	line := knownhosts.Line([]string{knownhosts.Normalize(s.addr)}, key) + "\n"
	if err := os.WriteFile(p, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func pubKeyAuth(allowed ssh.PublicKey) func(ssh.ConnMetadata, ssh.PublicKey) (*ssh.Permissions, error) {
	return func(_ ssh.ConnMetadata, k ssh.PublicKey) (*ssh.Permissions, error) {
		if bytes.Equal(k.Marshal(), allowed.Marshal()) {
			return nil, nil
		}
		return nil, errors.New("key not authorized")
	}
}

// sshTestSystem is a machine with a fresh home folder, running as root.
func sshTestSystem(t *testing.T) (*transport.System, string) {
	home := t.TempDir()
	env := map[string]string{"HOME": home, "USER": "tester"}
	return &transport.System{
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		Geteuid:   func() int { return 0 },
	}, home
}

func dialSSH(t *testing.T, uri string, cfg *transport.Config) (net.Conn, error) {
	t.Helper()
	u, err := transport.ParseURI(uri)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Client = &transport.ClientConfig{}
	cfg.SSH.Mode = transport.SSHNative
	if cfg.System == nil {
		cfg.System, _ = sshTestSystem(t)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return transport.Dial(ctx, u, cfg)
}

func TestSSHNativeKey(t *testing.T) {
	client, priv := newSigner(t)
	srv := startSSHServer(t, &ssh.ServerConfig{PublicKeyCallback: pubKeyAuth(client.PublicKey())}, echoRun)
	kh := srv.knownHostsFile(t, srv.hostKey.PublicKey())
	key := writeKey(t, priv, "")

	uri := "qemu+libssh://root@" + srv.addr + "/system?keyfile=" + key + "&known_hosts=" + kh + "&socket=/run/s"
	cfg := &transport.Config{}
	conn, err := dialSSH(t, uri, cfg)
	if err != nil {
		t.Fatal(err)
	}
	conntest.Echo(t, conn)
	u, err := transport.ParseURI(uri)
	if err != nil {
		t.Fatal(err)
	}
	want, err := transport.RemoteCommand(u, false, cfg.Client, cfg.System)
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.lastCommand(); got != want {
		t.Errorf("remote command %q, want %q", got, want)
	}
	if err := conn.SetDeadline(time.Now()); !errors.Is(err, transport.ErrUnsupported) {
		t.Errorf("SetDeadline: %v", err)
	}
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestSSHNativeHostKeys(t *testing.T) {
	client, priv := newSigner(t)
	srv := startSSHServer(t, &ssh.ServerConfig{PublicKeyCallback: pubKeyAuth(client.PublicKey())}, echoRun)
	key := writeKey(t, priv, "")
	base := "qemu+libssh2://" + srv.addr + "/system?keyfile=" + key

	t.Run("unknown host refused by default", func(t *testing.T) {
		kh := filepath.Join(t.TempDir(), "known_hosts")
		_, err := dialSSH(t, base+"&known_hosts="+kh, &transport.Config{})
		if !errors.Is(err, transport.ErrHostKeyUnknown) {
			t.Fatalf("err = %v, want ErrHostKeyUnknown", err)
		}
		if _, err := os.Stat(kh); !errors.Is(err, os.ErrNotExist) {
			t.Error("a refused key was recorded")
		}
	})
	t.Run("unknown host accepted by the callback, then known", func(t *testing.T) {
		kh := filepath.Join(t.TempDir(), "sub", "known_hosts")
		var prompt string
		cb := func(_ context.Context, creds []*transport.Credential) error {
			prompt = creds[0].Prompt
			if creds[0].Type != transport.CredEchoPrompt {
				return fmt.Errorf("type %v", creds[0].Type)
			}
			creds[0].Result = "y"
			return nil
		}
		conn, err := dialSSH(t, base+"&known_hosts="+kh, &transport.Config{Credentials: cb})
		if err != nil {
			t.Fatal(err)
		}
		conn.Close()
		if !strings.Contains(prompt, ssh.FingerprintSHA256(srv.hostKey.PublicKey())) {
			t.Errorf("prompt %q lacks the fingerprint", prompt)
		}
		conn, err = dialSSH(t, base+"&known_hosts="+kh, &transport.Config{})
		if err != nil {
			t.Fatalf("recorded key not trusted: %v", err)
		}
		conn.Close()
	})
	t.Run("unknown host declined", func(t *testing.T) {
		cb := func(_ context.Context, creds []*transport.Credential) error { creds[0].Result = "n"; return nil }
		_, err := dialSSH(t, base+"&known_hosts="+filepath.Join(t.TempDir(), "kh"), &transport.Config{Credentials: cb})
		if !errors.Is(err, transport.ErrHostKeyUnknown) || !strings.Contains(err.Error(), "not accepted") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("auto records new keys", func(t *testing.T) {
		kh := filepath.Join(t.TempDir(), "known_hosts")
		conn, err := dialSSH(t, base+"&known_hosts_verify=auto&known_hosts="+kh, &transport.Config{})
		if err != nil {
			t.Fatal(err)
		}
		conn.Close()
		data, _ := os.ReadFile(kh)
		if !strings.Contains(string(data), strings.TrimSpace(string(ssh.MarshalAuthorizedKey(srv.hostKey.PublicKey())))) {
			t.Errorf("known_hosts = %q", data)
		}
	})
	t.Run("ignore", func(t *testing.T) {
		kh := filepath.Join(t.TempDir(), "known_hosts")
		conn, err := dialSSH(t, base+"&known_hosts_verify=ignore&known_hosts="+kh, &transport.Config{})
		if err != nil {
			t.Fatal(err)
		}
		conn.Close()
		if _, err := os.Stat(kh); !errors.Is(err, os.ErrNotExist) {
			t.Error("ignore mode wrote known_hosts")
		}
	})
	t.Run("changed key refused even in auto mode", func(t *testing.T) {
		other, _ := newSigner(t)
		kh := srv.knownHostsFile(t, other.PublicKey())
		_, err := dialSSH(t, base+"&known_hosts_verify=auto&known_hosts="+kh, &transport.Config{})
		if !errors.Is(err, transport.ErrHostKeyMismatch) {
			t.Fatalf("err = %v, want ErrHostKeyMismatch", err)
		}
	})
	t.Run("ssh URI with no_verify=1: new key recorded, changed key refused unless asked", func(t *testing.T) {
		sshBase := "qemu+ssh://" + srv.addr + "/system?no_verify=1&keyfile=" + key
		kh := filepath.Join(t.TempDir(), "known_hosts")
		conn, err := dialSSH(t, sshBase+"&known_hosts="+kh, &transport.Config{})
		if err != nil {
			t.Fatalf("no_verify=1 refused a new host key: %v", err)
		}
		conn.Close()
		if data, _ := os.ReadFile(kh); !strings.Contains(string(data), strings.TrimSpace(string(ssh.MarshalAuthorizedKey(srv.hostKey.PublicKey())))) {
			t.Errorf("the new key was not recorded: %q", data)
		}
		other, _ := newSigner(t)
		changed := srv.knownHostsFile(t, other.PublicKey())
		if _, err := dialSSH(t, sshBase+"&known_hosts="+changed, &transport.Config{}); !errors.Is(err, transport.ErrHostKeyMismatch) {
			t.Fatalf("changed key with no_verify=1: err = %v, want ErrHostKeyMismatch", err)
		}
		conn, err = dialSSH(t, sshBase+"&known_hosts="+changed, &transport.Config{SSH: transport.SSHConfig{InsecureAcceptChangedHostKeys: true}})
		if err != nil {
			t.Fatalf("changed key with InsecureAcceptChangedHostKeys: %v", err)
		}
		conn.Close()
		if data, _ := os.ReadFile(changed); strings.Count(string(data), "\n") != 1 {
			t.Errorf("the changed key was recorded: %q", data)
		}
		if _, err := dialSSH(t, base+"&known_hosts="+changed, &transport.Config{SSH: transport.SSHConfig{InsecureAcceptChangedHostKeys: true}}); !errors.Is(err, transport.ErrHostKeyMismatch) {
			t.Fatalf("libssh2 URI without no_verify, InsecureAcceptChangedHostKeys: err = %v, want ErrHostKeyMismatch", err)
		}
	})
	t.Run("libvirt's default file under XDG_CONFIG_HOME", func(t *testing.T) {
		sys, home := sshTestSystem(t)
		conn, err := dialSSH(t, base+"&known_hosts_verify=auto", &transport.Config{System: sys})
		if err != nil {
			t.Fatal(err)
		}
		conn.Close()
		if _, err := os.Stat(filepath.Join(home, ".config/libvirt/known_hosts")); err != nil {
			t.Errorf("default known_hosts not written: %v", err)
		}
	})
	t.Run("an unreadable ssh program's known_hosts is skipped", func(t *testing.T) {
		sys, home := sshTestSystem(t)
		if err := os.MkdirAll(filepath.Join(home, ".ssh"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(home, ".ssh/known_hosts"), []byte("this is not a known_hosts line\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		conn, err := dialSSH(t, base+"&known_hosts_verify=auto", &transport.Config{System: sys})
		if err != nil {
			t.Fatal(err)
		}
		conn.Close()
	})
	t.Run("ssh program's known_hosts is trusted too", func(t *testing.T) {
		sys, home := sshTestSystem(t)
		if err := os.MkdirAll(filepath.Join(home, ".ssh"), 0o700); err != nil {
			t.Fatal(err)
		}
		line := knownhosts.Line([]string{knownhosts.Normalize(srv.addr)}, srv.hostKey.PublicKey()) + "\n"
		if err := os.WriteFile(filepath.Join(home, ".ssh/known_hosts"), []byte(line), 0o600); err != nil {
			t.Fatal(err)
		}
		conn, err := dialSSH(t, base, &transport.Config{System: sys})
		if err != nil {
			t.Fatal(err)
		}
		conn.Close()
	})
}

func TestSSHNativeAuth(t *testing.T) {
	client, priv := newSigner(t)
	var mu sync.Mutex
	var users []string
	cfg := &ssh.ServerConfig{
		PublicKeyCallback: func(m ssh.ConnMetadata, k ssh.PublicKey) (*ssh.Permissions, error) {
			mu.Lock()
			users = append(users, m.User())
			mu.Unlock()
			return pubKeyAuth(client.PublicKey())(m, k)
		},
		PasswordCallback: func(m ssh.ConnMetadata, pw []byte) (*ssh.Permissions, error) {
			if m.User() == "alice" && string(pw) == "s3cret" {
				return nil, nil
			}
			return nil, errors.New("bad password")
		},
		KeyboardInteractiveCallback: func(m ssh.ConnMetadata, c ssh.KeyboardInteractiveChallenge) (*ssh.Permissions, error) {
			ans, err := c("lab", "answer please", []string{"Code: ", "Password: "}, []bool{true, false})
			if err == nil && len(ans) == 2 && ans[0] == "42" && ans[1] == "s3cret" {
				return nil, nil
			}
			return nil, errors.New("bad answers")
		},
	}
	srv := startSSHServer(t, cfg, echoRun)
	kh := srv.knownHostsFile(t, srv.hostKey.PublicKey())
	base := "qemu+libssh://" + srv.addr + "/system?known_hosts=" + kh

	t.Run("wrong key refused", func(t *testing.T) {
		_, otherPriv := newSigner(t)
		_, err := dialSSH(t, base+"&sshauth=privkey&keyfile="+writeKey(t, otherPriv, ""), &transport.Config{})
		if err == nil || !strings.Contains(err.Error(), "unable to authenticate") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("default user is root for libssh", func(t *testing.T) {
		conn, err := dialSSH(t, base+"&keyfile="+writeKey(t, priv, ""), &transport.Config{})
		if err != nil {
			t.Fatal(err)
		}
		conn.Close()
		mu.Lock()
		defer mu.Unlock()
		if users[len(users)-1] != "root" {
			t.Errorf("user %q", users[len(users)-1])
		}
	})
	t.Run("encrypted key asks for the passphrase", func(t *testing.T) {
		var asked []string
		cb := func(_ context.Context, creds []*transport.Credential) error {
			for _, c := range creds {
				asked = append(asked, c.Prompt)
				c.Result = "pass phrase"
			}
			return nil
		}
		key := writeKey(t, priv, "pass phrase")
		conn, err := dialSSH(t, base+"&sshauth=privkey&keyfile="+key, &transport.Config{Credentials: cb})
		if err != nil {
			t.Fatal(err)
		}
		conn.Close()
		if len(asked) != 1 || !strings.Contains(asked[0], key) {
			t.Errorf("asked %q", asked)
		}
	})
	t.Run("encrypted key, wrong passphrase", func(t *testing.T) {
		cb := func(_ context.Context, creds []*transport.Credential) error { creds[0].Result = "nope"; return nil }
		_, err := dialSSH(t, base+"&sshauth=privkey&keyfile="+writeKey(t, priv, "pass phrase"), &transport.Config{Credentials: cb})
		if err == nil || !strings.Contains(err.Error(), "wrong passphrase") || strings.Contains(err.Error(), "nope") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("password through the callback", func(t *testing.T) {
		var got *transport.Credential
		cb := func(_ context.Context, creds []*transport.Credential) error {
			got = creds[0]
			creds[0].Result = "s3cret"
			return nil
		}
		conn, err := dialSSH(t, strings.Replace(base, "libssh://", "libssh://alice@", 1)+"&sshauth=password", &transport.Config{Credentials: cb})
		if err != nil {
			t.Fatal(err)
		}
		conn.Close()
		if got.Type != transport.CredPassphrase || got.Service != "ssh" || got.Host != "127.0.0.1" || !strings.Contains(got.Prompt, "alice") {
			t.Errorf("credential %+v service %q host %q", got, got.Service, got.Host)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		n := 0
		cb := func(_ context.Context, creds []*transport.Credential) error { n++; creds[0].Result = "bad"; return nil }
		_, err := dialSSH(t, strings.Replace(base, "libssh://", "libssh://alice@", 1)+"&sshauth=password", &transport.Config{Credentials: cb})
		if err == nil || n != 3 {
			t.Fatalf("err = %v after %d tries, want failure after 3", err, n)
		}
	})
	t.Run("keyboard-interactive", func(t *testing.T) {
		cb := func(_ context.Context, creds []*transport.Credential) error {
			if len(creds) != 2 || creds[0].Type != transport.CredEchoPrompt || creds[1].Type != transport.CredNoEchoPrompt || !strings.HasPrefix(creds[0].Prompt, "lab\nanswer please\n") {
				return fmt.Errorf("unexpected questions %v", creds)
			}
			creds[0].Result, creds[1].Result = "42", "s3cret"
			return nil
		}
		conn, err := dialSSH(t, base+"&sshauth=keyboard-interactive", &transport.Config{Credentials: cb})
		if err != nil {
			t.Fatal(err)
		}
		conn.Close()
	})
	t.Run("agent", func(t *testing.T) {
		ring := agent.NewKeyring()
		if err := ring.Add(agent.AddedKey{PrivateKey: priv}); err != nil {
			t.Fatal(err)
		}
		conn, err := dialSSH(t, base+"&sshauth=agent", &transport.Config{Options: []transport.Option{WithConfig(Config{Agent: ring})}})
		if err != nil {
			t.Fatal(err)
		}
		conn.Close()
	})
	t.Run("no credentials at all", func(t *testing.T) {
		_, err := dialSSH(t, base+"&sshauth=password", &transport.Config{})
		if err == nil || !strings.Contains(err.Error(), "no credential callback") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestSSHNativeRemoteFailure(t *testing.T) {
	client, priv := newSigner(t)
	srv := startSSHServer(t, &ssh.ServerConfig{PublicKeyCallback: pubKeyAuth(client.PublicKey())}, func(cmd string, ch ssh.Channel) uint32 {
		fmt.Fprintln(ch.Stderr(), "sh: 1: nc: not found")
		return 127
	})
	kh := srv.knownHostsFile(t, srv.hostKey.PublicKey())
	conn, err := dialSSH(t, "qemu+libssh://"+srv.addr+"/system?proxy=netcat&keyfile="+writeKey(t, priv, "")+"&known_hosts="+kh, &transport.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, err = conn.Read(make([]byte, 4))
	var ce *transport.CommandError
	if !errors.As(err, &ce) || !errors.Is(err, io.EOF) || !strings.Contains(err.Error(), "nc: not found") || !strings.Contains(err.Error(), "127") {
		t.Fatalf("err = %v", err)
	}
}

func TestSSHNativeCancel(t *testing.T) {
	addr, ctx := conntest.SilentServer(t)
	u, _ := transport.ParseURI("qemu+libssh://" + addr + "/system?known_hosts_verify=ignore")
	sys, _ := sshTestSystem(t)
	_, err := transport.Dial(ctx, u, &transport.Config{Client: &transport.ClientConfig{}, System: sys, SSH: transport.SSHConfig{Mode: transport.SSHNative}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestKnownHostsFor(t *testing.T) {
	env := map[string]string{"HOME": "/home/u", "XDG_CONFIG_HOME": "/cfg"}
	insecure := transport.SSHConfig{InsecureAcceptChangedHostKeys: true}
	userFiles := []string{"/home/u/.ssh/known_hosts", "/etc/ssh/ssh_known_hosts"}
	sshFiles := []string{"/etc/ssh/ssh_known_hosts"}
	tests := []struct {
		uri  string
		cfg  transport.SSHConfig
		want knownHostsSetup
	}{
		{"qemu+libssh://h/system", transport.SSHConfig{}, knownHostsSetup{verify: transport.VerifyNormal, primary: "/cfg/libvirt/known_hosts", readOnly: userFiles}},
		{"qemu+libssh2://h/system?no_verify=1", transport.SSHConfig{}, knownHostsSetup{verify: transport.VerifyNormal, primary: "/cfg/libvirt/known_hosts", readOnly: userFiles}},
		{"qemu+libssh2://h/system?no_verify=1", insecure, knownHostsSetup{verify: transport.VerifyNormal, primary: "/cfg/libvirt/known_hosts", readOnly: userFiles}},
		{"qemu+ssh://h/system", transport.SSHConfig{}, knownHostsSetup{verify: transport.VerifyNormal, primary: "/home/u/.ssh/known_hosts", readOnly: sshFiles}},
		{"qemu+ssh://h/system", insecure, knownHostsSetup{verify: transport.VerifyNormal, primary: "/home/u/.ssh/known_hosts", readOnly: sshFiles}},
		{"qemu+ssh://h/system?no_verify=1", transport.SSHConfig{}, knownHostsSetup{verify: transport.VerifyAuto, primary: "/home/u/.ssh/known_hosts", readOnly: sshFiles}},
		{"qemu+ssh://h/system?no_verify=1", insecure, knownHostsSetup{verify: transport.VerifyAuto, primary: "/home/u/.ssh/known_hosts", readOnly: sshFiles, acceptChanged: true}},
		{"qemu+ssh://h/system?no_verify=1&known_hosts_verify=Ignore", transport.SSHConfig{}, knownHostsSetup{verify: transport.VerifyIgnore, primary: "/home/u/.ssh/known_hosts", readOnly: sshFiles}},
		{"qemu+ssh://h/system?no_verify=1&known_hosts_verify=normal", insecure, knownHostsSetup{verify: transport.VerifyNormal, primary: "/home/u/.ssh/known_hosts", readOnly: sshFiles}},
		{"qemu+libssh://h/system?known_hosts=/k&known_hosts_verify=auto", transport.SSHConfig{}, knownHostsSetup{verify: transport.VerifyAuto, primary: "/k"}},
	}
	for _, tc := range tests {
		u, _ := transport.ParseURI(tc.uri)
		got, err := knownHostsFor(u, tc.cfg, envSystem(env))
		if err != nil || fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s %+v: %+v, %v; want %+v", tc.uri, tc.cfg, got, err, tc.want)
		}
	}
}

// TestSSHAuthOrder checks that sshauth= decides the order methods are
// tried in: the first listed method the server allows is used.
func TestSSHAuthOrder(t *testing.T) {
	srv := startSSHServer(t, &ssh.ServerConfig{
		PasswordCallback: func(ssh.ConnMetadata, []byte) (*ssh.Permissions, error) { return nil, nil },
		KeyboardInteractiveCallback: func(_ ssh.ConnMetadata, c ssh.KeyboardInteractiveChallenge) (*ssh.Permissions, error) {
			_, err := c("", "", []string{"Code: "}, []bool{true})
			return nil, err
		},
	}, echoRun)
	kh := srv.knownHostsFile(t, srv.hostKey.PublicKey())
	for _, order := range []string{"password,keyboard-interactive", "keyboard-interactive,password"} {
		var first transport.CredentialType
		cb := func(_ context.Context, creds []*transport.Credential) error {
			if first == 0 {
				first = creds[0].Type
			}
			creds[0].Result = "x"
			return nil
		}
		conn, err := dialSSH(t, "qemu+libssh://"+srv.addr+"/system?known_hosts="+kh+"&sshauth="+order, &transport.Config{Credentials: cb})
		if err != nil {
			t.Fatal(err)
		}
		conn.Close()
		want := transport.CredPassphrase
		if strings.HasPrefix(order, "keyboard") {
			want = transport.CredEchoPrompt
		}
		if first != want {
			t.Errorf("sshauth=%s asked %s first, want %s", order, first, want)
		}
	}
}

// envSystem is a machine of a user other than root with environment env
// and no files.
func envSystem(env map[string]string) *transport.System {
	return &transport.System{
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		Geteuid:   func() int { return 1000 },
		Stat: func(name string) (fs.FileInfo, error) {
			return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
		},
	}
}
