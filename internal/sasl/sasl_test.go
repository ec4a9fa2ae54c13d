package sasl

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xdg-go/scram"

	"github.com/virtwire/virtwire/transport"
)

func TestParseMechList(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"SCRAM-SHA-512,SCRAM-SHA-384,SCRAM-SHA-256,SCRAM-SHA-224,SCRAM-SHA-1,DIGEST-MD5,CRAM-MD5,NTLM,PLAIN,LOGIN,ANONYMOUS",
			[]string{"SCRAM-SHA-512", "SCRAM-SHA-384", "SCRAM-SHA-256", "SCRAM-SHA-224", "SCRAM-SHA-1", "DIGEST-MD5", "CRAM-MD5", "NTLM", "PLAIN", "LOGIN", "ANONYMOUS"}},
		{"", nil},
		{" scram-sha-256 , ,digest-md5 scram-sha-256\n", []string{"SCRAM-SHA-256", "DIGEST-MD5"}},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, ParseMechList(tc.in)); diff != "" {
			t.Errorf("ParseMechList(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestChoose(t *testing.T) {
	const all = "SCRAM-SHA-512,SCRAM-SHA-384,SCRAM-SHA-256,SCRAM-SHA-224,SCRAM-SHA-1,DIGEST-MD5,CRAM-MD5,NTLM,PLAIN,LOGIN,ANONYMOUS"
	tests := []struct {
		name     string
		list     string
		allowed  []string
		want     string
		secure   bool
		insecure bool // AllowInsecureChannel
		mech     string
		err      error
		errText  string
	}{
		{name: "lab TLS default list picks SHA-512", list: all, secure: true, mech: SCRAMSHA512},
		{name: "lab scram-sha-256 only", list: "SCRAM-SHA-256", secure: true, mech: SCRAMSHA256},
		{name: "lab scram-sha-256 digest-md5", list: "SCRAM-SHA-256,DIGEST-MD5", secure: true, mech: SCRAMSHA256},
		{name: "SHA-1 when alone", list: "SCRAM-SHA-1,CRAM-MD5", secure: true, mech: SCRAMSHA1},
		{name: "allowed list narrows", list: all, allowed: []string{"scram-sha-1", "PLAIN"}, secure: true, mech: SCRAMSHA1},
		{name: "PLAIN on TLS", list: "PLAIN,LOGIN", secure: true, mech: Plain},
		{name: "PLAIN never on TCP", list: "PLAIN,LOGIN", err: ErrNoMechanism, errText: "PLAIN is refused on an insecure channel"},
		{name: "PLAIN never on TCP, even with AllowInsecureChannel", list: "PLAIN,LOGIN", insecure: true, err: ErrNoMechanism, errText: "PLAIN is refused on an insecure channel"},
		{name: "SCRAM refused on TCP", list: "SCRAM-SHA-256", err: ErrInsecureChannel, errText: "SCRAM-SHA-256 has no SASL security layer"},
		{name: "SCRAM refused on TCP, the strongest named", list: all, err: ErrInsecureChannel, errText: "SCRAM-SHA-512 has no SASL security layer"},
		{name: "SCRAM refused on TCP beside DIGEST-MD5 (a relay rewriting the list)", list: "DIGEST-MD5,SCRAM-SHA-256", err: ErrInsecureChannel, errText: "connect with TLS"},
		{name: "SCRAM refused on TCP, PLAIN not taken instead", list: "PLAIN,SCRAM-SHA-256", err: ErrInsecureChannel, errText: "impostor"},
		{name: "want SCRAM on TCP", list: all, want: "scram-sha-1", err: ErrInsecureChannel, errText: "SCRAM-SHA-1 has no SASL security layer"},
		{name: "SCRAM on TCP with AllowInsecureChannel", list: "PLAIN,SCRAM-SHA-256", insecure: true, mech: SCRAMSHA256},
		{name: "want SCRAM on TCP with AllowInsecureChannel", list: all, want: "SCRAM-SHA-1", insecure: true, mech: SCRAMSHA1},
		{name: "allowed list before the channel", list: "SCRAM-SHA-256", allowed: []string{"PLAIN"}, err: ErrNoMechanism, errText: "the server offers SCRAM-SHA-256"},
		{name: "want from auth=sasl.X", list: all, want: "scram-sha-256", secure: true, mech: SCRAMSHA256},
		{name: "want not offered", list: "SCRAM-SHA-1", want: "SCRAM-SHA-256", err: ErrNoMechanism, errText: "SASL mechanism SCRAM-SHA-256 not supported by server (it offers SCRAM-SHA-1)"},
		{name: "want not implemented", list: "CRAM-MD5", want: "CRAM-MD5", err: ErrNoMechanism, errText: "not implemented"},
		{name: "want PLAIN on TCP", list: "PLAIN", want: "PLAIN", err: ErrNoMechanism, errText: "clear text"},
		{name: "want PLAIN on TCP with AllowInsecureChannel", list: "PLAIN", want: "PLAIN", insecure: true, err: ErrNoMechanism, errText: "clear text"},
		{name: "want outside allowed", list: "SCRAM-SHA-1", want: "SCRAM-SHA-1", allowed: []string{"PLAIN"}, err: ErrNoMechanism, errText: "allowed list"},
		{name: "lab plain TCP: DIGEST-MD5 only", list: "DIGEST-MD5", err: ErrSecurityLayer, errText: "offers only DIGEST-MD5, which need a SASL security layer"},
		{name: "lab plain TCP with AllowInsecureChannel: DIGEST-MD5 only", list: "DIGEST-MD5", insecure: true, err: ErrSecurityLayer, errText: "connect with TLS"},
		{name: "GSSAPI and DIGEST-MD5 only", list: "GSSAPI,DIGEST-MD5", err: ErrSecurityLayer, errText: "connect with TLS"},
		{name: "empty list", list: "", err: ErrNoMechanism, errText: "offered no SASL mechanisms"},
		{name: "nothing implemented", list: "CRAM-MD5,LOGIN", err: ErrNoMechanism, errText: "the server offers CRAM-MD5,LOGIN"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Choose(tc.list, Config{Allowed: tc.allowed, Want: tc.want, Secure: tc.secure, AllowInsecureChannel: tc.insecure})
			if tc.err != nil {
				if !errors.Is(err, tc.err) || !strings.Contains(err.Error(), tc.errText) {
					t.Fatalf("Choose = %q, %v; want %v containing %q", got, err, tc.err, tc.errText)
				}
				return
			}
			if err != nil || got != tc.mech {
				t.Fatalf("Choose = %q, %v; want %q", got, err, tc.mech)
			}
		})
	}
}

// scramServer is xdg-go/scram's server side holding one user's password.
func scramServer(t *testing.T, hash scram.HashGeneratorFcn, user, password string) *scram.ServerConversation {
	t.Helper()
	client, err := hash.NewClient(user, password, "")
	if err != nil {
		t.Fatal(err)
	}
	stored, err := client.GetStoredCredentialsWithError(scram.KeyFactors{Salt: "c2FsdHNhbHQ=", Iters: 4096})
	if err != nil {
		t.Fatal(err)
	}
	server, err := hash.NewServer(func(name string) (scram.StoredCredentials, error) {
		if name != user {
			return scram.StoredCredentials{}, fmt.Errorf("unknown user %q", name)
		}
		return stored, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return server.NewConversation()
}

// run drives c against srv the way libvirt's remote protocol does:
// AUTH_SASL_START, then AUTH_SASL_STEP until the client is done. tamper may
// change what the server sends.
func run(t *testing.T, c *Client, srv *scram.ServerConversation, mechlist string, tamper func(string) string) error {
	t.Helper()
	ctx := context.Background()
	_, data, err := c.Start(ctx, mechlist)
	if err != nil {
		return err
	}
	for i := 0; i < 5; i++ {
		reply, serr := srv.Step(string(data))
		if serr != nil && reply == "" {
			// libvirtd answers a failed step with an RPC error.
			return fmt.Errorf("%w: %v", errServerRejected, serr)
		}
		if tamper != nil {
			reply = tamper(reply)
		}
		out, done, err := c.Step(ctx, []byte(reply), srv.Done())
		if err != nil {
			return err
		}
		if done {
			return nil
		}
		data = out
	}
	return errors.New("exchange did not finish")
}

var errServerRejected = errors.New("server rejected the client")

func TestSCRAMAgainstServer(t *testing.T) {
	hashes := map[string]scram.HashGeneratorFcn{SCRAMSHA512: scram.SHA512, SCRAMSHA256: scram.SHA256, SCRAMSHA1: scram.SHA1}
	for mech, hash := range hashes {
		t.Run(mech+"/right password", func(t *testing.T) {
			c := NewClient(Config{Username: "alice", Password: "labpass1", Secure: true})
			if err := run(t, c, scramServer(t, hash, "alice", "labpass1"), mech, nil); err != nil {
				t.Fatalf("exchange failed: %v", err)
			}
			if c.Mechanism() != mech {
				t.Errorf("Mechanism = %q", c.Mechanism())
			}
		})
		t.Run(mech+"/wrong password", func(t *testing.T) {
			c := NewClient(Config{Username: "alice", Password: "wrong", Secure: true})
			err := run(t, c, scramServer(t, hash, "alice", "labpass1"), mech, nil)
			if !errors.Is(err, errServerRejected) && !errors.Is(err, ErrAuthFailed) {
				t.Fatalf("err = %v, want the server's rejection", err)
			}
			if strings.Contains(err.Error(), "wrong") {
				t.Errorf("error shows the password: %v", err)
			}
		})
		t.Run(mech+"/bad server signature", func(t *testing.T) {
			c := NewClient(Config{Username: "alice", Password: "labpass1", Secure: true})
			forged := func(s string) string {
				if strings.HasPrefix(s, "v=") {
					return "v=" + base64.StdEncoding.EncodeToString(make([]byte, 64))
				}
				return s
			}
			err := run(t, c, scramServer(t, hash, "alice", "labpass1"), mech, forged)
			if !errors.Is(err, ErrServerSignature) {
				t.Fatalf("err = %v, want ErrServerSignature", err)
			}
		})
	}
}

func TestSCRAMServerErrors(t *testing.T) {
	ctx := context.Background()
	start := func(t *testing.T) *Client {
		c := NewClient(Config{Username: "alice", Password: "p", Secure: true})
		if _, _, err := c.Start(ctx, "SCRAM-SHA-256"); err != nil {
			t.Fatal(err)
		}
		return c
	}
	t.Run("complete before the exchange", func(t *testing.T) {
		if _, _, err := start(t).Step(ctx, nil, true); !errors.Is(err, ErrServerSignature) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("server error message", func(t *testing.T) {
		if _, _, err := start(t).Step(ctx, []byte("e=other-error"), false); !errors.Is(err, ErrAuthFailed) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("garbage server-first", func(t *testing.T) {
		if _, _, err := start(t).Step(ctx, []byte("nonsense"), false); err == nil {
			t.Error("garbage accepted")
		}
	})
}

func TestSCRAMEmptyFinalStep(t *testing.T) {
	// A server that sends its signature but completes only on the next step.
	ctx := context.Background()
	srv := scramServer(t, scram.SHA256, "alice", "pw")
	c := NewClient(Config{Username: "alice", Password: "pw", Secure: true})
	_, first, err := c.Start(ctx, "SCRAM-SHA-256")
	if err != nil {
		t.Fatal(err)
	}
	s1, _ := srv.Step(string(first))
	final, done, err := c.Step(ctx, []byte(s1), false)
	if err != nil || done {
		t.Fatal(err, done)
	}
	s2, err := srv.Step(string(final))
	if err != nil {
		t.Fatal(err)
	}
	out, done, err := c.Step(ctx, []byte(s2), false)
	if err != nil || done || out == nil || len(out) != 0 {
		t.Fatalf("after server-final without completion: %q %v %v; want an empty step", out, done, err)
	}
	if _, done, err = c.Step(ctx, nil, true); err != nil || !done {
		t.Fatalf("final completion: %v %v", done, err)
	}
	if _, _, err := NewClient(Config{Secure: true}).Step(ctx, nil, true); err == nil {
		t.Error("Step without Start succeeded")
	}
}

func TestPlain(t *testing.T) {
	ctx := context.Background()
	c := NewClient(Config{Username: "bob", Password: "pw", Secure: true})
	mech, data, err := c.Start(ctx, "PLAIN")
	if err != nil || mech != Plain || string(data) != "\x00bob\x00pw" {
		t.Fatalf("Start = %q %q %v", mech, data, err)
	}
	if _, done, err := c.Step(ctx, nil, true); err != nil || !done {
		t.Fatalf("Step = %v %v", done, err)
	}
	c2 := NewClient(Config{Username: "bob", Password: "pw", Secure: true})
	if _, _, err := c2.Start(ctx, "PLAIN"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c2.Step(ctx, []byte("more?"), false); err == nil {
		t.Error("PLAIN continued after the credentials")
	}
	if _, _, err := NewClient(Config{Username: "bob", Password: "pw"}).Start(ctx, "PLAIN"); !errors.Is(err, ErrNoMechanism) {
		t.Errorf("PLAIN on insecure channel: %v", err)
	}
}

// On an insecure channel SCRAM is refused before anything is asked or
// produced; AllowInsecureChannel lets it run.
func TestInsecureChannel(t *testing.T) {
	ctx := context.Background()
	asked := 0
	cb := func(_ context.Context, creds []*transport.Credential) error {
		asked++
		for _, c := range creds {
			c.Result = "alice"
		}
		return nil
	}
	c := NewClient(Config{Credentials: cb})
	mech, data, err := c.Start(ctx, "SCRAM-SHA-256,SCRAM-SHA-1")
	if !errors.Is(err, ErrInsecureChannel) || mech != "" || data != nil {
		t.Fatalf("Start = %q %q %v, want ErrInsecureChannel", mech, data, err)
	}
	if asked != 0 {
		t.Errorf("the credential callback was asked %d times", asked)
	}
	if _, _, err := c.Step(ctx, []byte("r=x,s=c2FsdA==,i=4096"), false); err == nil {
		t.Error("Step after a refused Start went on")
	}
	c = NewClient(Config{Credentials: cb, AllowInsecureChannel: true})
	mech, data, err = c.Start(ctx, "SCRAM-SHA-256,SCRAM-SHA-1")
	if err != nil || mech != SCRAMSHA256 || !strings.HasPrefix(string(data), "n,,n=alice,r=") || asked != 1 {
		t.Fatalf("Start with AllowInsecureChannel = %q %q %v (asked %d)", mech, data, err, asked)
	}
}

func TestCredentialsFromCallback(t *testing.T) {
	var asked []*transport.Credential
	cb := func(ctx context.Context, creds []*transport.Credential) error {
		asked = creds
		for _, c := range creds {
			switch c.Type {
			case transport.CredAuthname:
				c.Result = "alice"
			case transport.CredPassphrase:
				c.Result = "labpass1"
			}
		}
		return nil
	}
	c := NewClient(Config{Credentials: cb, Host: "10.0.0.5", Secure: true})
	if err := run(t, c, scramServer(t, scram.SHA256, "alice", "labpass1"), "SCRAM-SHA-256", nil); err != nil {
		t.Fatal(err)
	}
	if len(asked) != 2 || asked[0].Type != transport.CredAuthname || asked[1].Type != transport.CredPassphrase ||
		asked[0].Service != "libvirt" || asked[1].Host != "10.0.0.5" {
		t.Errorf("asked %v", asked)
	}
	// Only the missing password is asked for.
	asked = nil
	c = NewClient(Config{Username: "alice", Credentials: cb, Secure: true})
	if err := run(t, c, scramServer(t, scram.SHA256, "alice", "labpass1"), "SCRAM-SHA-256", nil); err != nil {
		t.Fatal(err)
	}
	if len(asked) != 1 || asked[0].Type != transport.CredPassphrase || asked[0].Host != "localhost" {
		t.Errorf("asked %v", asked)
	}
}

func TestCredentialErrors(t *testing.T) {
	ctx := context.Background()
	if _, _, err := NewClient(Config{Secure: true}).Start(ctx, "SCRAM-SHA-256"); !errors.Is(err, transport.ErrNoCredentials) {
		t.Errorf("no callback: %v", err)
	}
	boom := errors.New("user cancelled")
	failing := func(context.Context, []*transport.Credential) error { return boom }
	if _, _, err := NewClient(Config{Credentials: failing, Secure: true}).Start(ctx, "SCRAM-SHA-256"); !errors.Is(err, boom) {
		t.Errorf("failing callback: %v", err)
	}
	blank := func(_ context.Context, creds []*transport.Credential) error {
		for _, c := range creds {
			c.Result = "  "
		}
		return nil
	}
	if _, _, err := NewClient(Config{Credentials: blank, Secure: true}).Start(ctx, "SCRAM-SHA-256"); err == nil || !strings.Contains(err.Error(), "no authentication name") {
		t.Errorf("blank name: %v", err)
	}
	c := NewClient(Config{Username: "u", Password: "hunter2", Secure: true})
	if strings.Contains(c.String(), "hunter2") || strings.Contains(fmt.Sprintf("%v %+v", c, c), "hunter2") {
		t.Errorf("String shows the password: %s", c)
	}
	if _, _, err := c.Start(ctx, "SCRAM-SHA-1"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Start(ctx, "SCRAM-SHA-1"); err == nil {
		t.Error("second Start accepted")
	}
}

func FuzzParseMechList(f *testing.F) {
	f.Add("SCRAM-SHA-256,DIGEST-MD5")
	f.Add(" , plain\tgssapi\n")
	f.Fuzz(func(t *testing.T, s string) {
		mechs := ParseMechList(s)
		for _, m := range mechs {
			if m == "" || strings.ContainsAny(m, ", \t\r\n") || m != strings.ToUpper(m) {
				t.Fatalf("bad mechanism %q from %q", m, s)
			}
		}
		if m, err := Choose(s, Config{Secure: true}); err == nil && len(mechs) == 0 {
			t.Fatalf("Choose picked %q from an empty list %q", m, s)
		}
		// No mechanism here has a security layer: nothing is ever picked
		// on an insecure channel, and PLAIN not even when asked to.
		if m, err := Choose(s, Config{}); err == nil {
			t.Fatalf("Choose picked %q from %q on an insecure channel", m, s)
		}
		if m, err := Choose(s, Config{AllowInsecureChannel: true}); err == nil && m == Plain {
			t.Fatalf("Choose picked PLAIN from %q on an insecure channel", s)
		}
	})
}
