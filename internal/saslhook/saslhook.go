// Package saslhook is the part of SASL the root package links whether or
// not a program authenticates with SASL: the configuration, the error of
// an insecure channel, and the hook that internal/sasl (which links SCRAM
// and its stringprep tables) sets when the public virtwire/sasl package is
// imported.
package saslhook

import (
	"context"
	"errors"

	"github.com/virtwire/virtwire/transport"
)

// ErrInsecureChannel: the server offers mechanisms this client implements,
// but the channel is neither encrypted nor local and none of them
// negotiates a security layer.
var ErrInsecureChannel = errors.New("SASL refused on a channel that is neither encrypted nor local")

// Config is what a Client needs to authenticate.
type Config struct {
	// Allowed limits the mechanisms that may be used; nil allows all.
	Allowed []string
	// Want insists on one mechanism, as auth=sasl.MECH does in a URI.
	Want string
	// Secure says the channel is encrypted or local (transport.Kind's
	// Secure). No mechanism of this package negotiates a SASL security
	// layer, so on any other channel none is used (see Choose).
	Secure bool
	// AllowInsecureChannel lets SCRAM run on a channel that is not Secure
	// (plain tcp, ext), as libvirt's client never does: an impostor daemon
	// then learns the user name and a proof it can attack offline, and the
	// session is unprotected. PLAIN stays refused.
	AllowInsecureChannel bool
	// Username and Password, when set, are used without asking.
	Username string
	Password string
	// Credentials is asked for whatever Username and Password leave out:
	// a CredAuthname and a CredPassphrase with Service "libvirt". Wrap it
	// with authfile.Credentials to answer from libvirt's auth file first.
	Credentials transport.CredentialFunc
	// Host is the server's host name, given to the callback ("localhost"
	// when empty).
	Host string
}

// Client runs one SASL exchange (internal/sasl's Client).
type Client interface {
	// Start chooses a mechanism from the server's list and returns the
	// client's first message (nil for none).
	Start(ctx context.Context, serverMechList string) (mech string, data []byte, err error)
	// Step takes the server's message and returns the client's next one,
	// done once the exchange has ended well.
	Step(ctx context.Context, serverData []byte, serverComplete bool) (data []byte, done bool, err error)
}

// NewClient returns a client for one authentication; nil until
// internal/sasl is linked into the program.
var NewClient func(cfg Config) Client
