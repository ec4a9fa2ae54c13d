package transport

import (
	"context"
	"fmt"
)

// CredentialType says what a Credential asks for. The values are libvirt's
// virConnectCredentialType.
type CredentialType int

// The credential types, as in libvirt.
const (
	CredUsername     CredentialType = 1 // identity to act as
	CredAuthname     CredentialType = 2 // identity to authorize as (SASL)
	CredLanguage     CredentialType = 3 // RFC 1766 language code
	CredCNonce       CredentialType = 4 // client-supplied nonce
	CredPassphrase   CredentialType = 5 // a password or key passphrase
	CredEchoPrompt   CredentialType = 6 // a challenge whose answer may be shown
	CredNoEchoPrompt CredentialType = 7 // a challenge whose answer is secret
	CredRealm        CredentialType = 8 // authentication realm
	CredExternal     CredentialType = 9 // externally managed credential
)

var credTypeNames = map[CredentialType]string{
	CredUsername: "username", CredAuthname: "authname", CredLanguage: "language",
	CredCNonce: "cnonce", CredPassphrase: "passphrase", CredEchoPrompt: "echoprompt",
	CredNoEchoPrompt: "noechoprompt", CredRealm: "realm", CredExternal: "external",
}

// String is libvirt's name for the type, lower-cased.
func (t CredentialType) String() string {
	if n, ok := credTypeNames[t]; ok {
		return n
	}
	return fmt.Sprintf("CredentialType(%d)", int(t))
}

// Secret reports whether answers of this type are secret.
func (t CredentialType) Secret() bool {
	return t == CredPassphrase || t == CredNoEchoPrompt
}

// Credential is one question put to the user during authentication,
// modeled on libvirt's virConnectCredential. The callback fills Result.
//
// Service and Host say what is being logged in to ("ssh" or "libvirt", and
// the host name), so that a callback can look answers up, as libvirt does
// in its auth file.
type Credential struct {
	Type      CredentialType
	Prompt    string // what to show the user
	Challenge string // extra context, e.g. the host name
	DefResult string // default answer
	Result    string // the answer, filled by the callback
	Service   string // "libvirt" (SASL) or "ssh"; "" when no lookup applies
	Host      string
}

// String describes c without its answer, so printing a Credential never
// shows a secret.
func (c *Credential) String() string {
	state := "unanswered"
	if c.Result != "" {
		state = "answered"
	}
	return fmt.Sprintf("credential %s %q (%s)", c.Type, c.Prompt, state)
}

// GoString is String, for %#v.
func (c *Credential) GoString() string { return c.String() }

// CredentialFunc answers credentials by filling their Result fields. It may
// leave a credential unanswered; an error aborts authentication. It is
// called with a ctx that ends when the dial or handshake is abandoned.
type CredentialFunc func(ctx context.Context, creds []*Credential) error

// Ask puts one question to f and returns the answer; without f it fails
// with ErrNoCredentials naming the prompt.
func Ask(ctx context.Context, f CredentialFunc, c *Credential) (string, error) {
	if f == nil {
		return "", fmt.Errorf("%w: cannot ask %q", ErrNoCredentials, c.Prompt)
	}
	if err := f(ctx, []*Credential{c}); err != nil {
		return "", fmt.Errorf("credential callback: %w", err)
	}
	return c.Result, nil
}
