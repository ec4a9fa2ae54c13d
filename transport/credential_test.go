package transport

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestCredentialNeverPrintsTheAnswer(t *testing.T) {
	c := &Credential{Type: CredPassphrase, Prompt: "Enter root's password for h", Result: "hunter2", Service: "ssh", Host: "h"}
	for _, s := range []string{c.String(), fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), fmt.Sprint([]*Credential{c})} {
		if strings.Contains(s, "hunter2") {
			t.Errorf("%q shows the secret", s)
		}
		if !strings.Contains(s, "passphrase") || !strings.Contains(s, "answered") {
			t.Errorf("%q does not describe the credential", s)
		}
	}
}

func TestCredentialTypes(t *testing.T) {
	if CredPassphrase != 5 || CredExternal != 9 || CredUsername != 1 {
		t.Error("values differ from libvirt's virConnectCredentialType")
	}
	if CredAuthname.String() != "authname" || CredentialType(99).String() != "CredentialType(99)" {
		t.Errorf("String: %s %s", CredAuthname, CredentialType(99))
	}
	if !CredNoEchoPrompt.Secret() || CredEchoPrompt.Secret() {
		t.Error("Secret")
	}
}

func TestAsk(t *testing.T) {
	c := &Credential{Type: CredEchoPrompt, Prompt: "q"}
	if _, err := Ask(context.Background(), nil, c); !errors.Is(err, ErrNoCredentials) {
		t.Errorf("nil callback: %v", err)
	}
	boom := errors.New("boom")
	if _, err := Ask(context.Background(), func(context.Context, []*Credential) error { return boom }, c); !errors.Is(err, boom) {
		t.Errorf("failing callback: %v", err)
	}
	got, err := Ask(context.Background(), func(_ context.Context, cs []*Credential) error { cs[0].Result = "y"; return nil }, c)
	if err != nil || got != "y" {
		t.Errorf("ask = %q, %v", got, err)
	}
}
