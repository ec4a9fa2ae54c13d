// Package sasl is the client side of SASL authentication as libvirt's
// remote protocol carries it, without any I/O of its own. The caller runs
// the RPC calls:
//
//	c := sasl.NewClient(cfg)
//	mech, data, err := c.Start(ctx, mechlist)          // from AUTH_SASL_INIT
//	complete, in := authSASLStart(mech, data)           // AUTH_SASL_START
//	for {
//		out, done, err := c.Step(ctx, in, complete)
//		if err != nil || done { break }
//		complete, in = authSASLStep(out)                // AUTH_SASL_STEP
//	}
//
// It implements SCRAM-SHA-512, SCRAM-SHA-256 and SCRAM-SHA-1 (with the
// server's signature verified) and PLAIN. None of them negotiates a SASL
// security layer, so, as in libvirt's client, they are used only on a
// secure channel (TLS, unix, ssh): on plain TCP SCRAM would hand an
// impostor daemon the user name and a proof to attack offline, and leave
// the session unprotected. Config.AllowInsecureChannel permits SCRAM there;
// PLAIN, which sends the password itself, never.
package sasl

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/virtwire/virtwire/internal/saslhook"
)

// The mechanisms this package implements.
const (
	SCRAMSHA512 = "SCRAM-SHA-512"
	SCRAMSHA256 = "SCRAM-SHA-256"
	SCRAMSHA1   = "SCRAM-SHA-1"
	Plain       = "PLAIN"
)

// preference is the order mechanisms are picked in, strongest first.
var preference = []string{SCRAMSHA512, SCRAMSHA256, SCRAMSHA1, Plain}

// securityLayer lists mechanisms libvirt offers on plain TCP because they
// can encrypt the session (a SASL security layer); this client does not
// implement them.
var securityLayer = []string{"DIGEST-MD5", "GSSAPI"}

var (
	// ErrNoMechanism: the server offers no mechanism this client may use.
	ErrNoMechanism = errors.New("no usable SASL mechanism")
	// ErrSecurityLayer: the server only offers mechanisms that need a SASL
	// security layer (as libvirtd does on plain TCP).
	ErrSecurityLayer = errors.New("SASL security layers are not supported")
	// ErrServerSignature: the server failed to prove it knows the password.
	ErrServerSignature = errors.New("SASL server signature verification failed")
	// ErrAuthFailed: the server reported that authentication failed.
	ErrAuthFailed = errors.New("SASL authentication failed")
	// ErrInsecureChannel: the server offers mechanisms this client
	// implements, but the channel is neither encrypted nor local and none
	// of them negotiates a security layer.
	ErrInsecureChannel = saslhook.ErrInsecureChannel
)

// ParseMechList splits the server's mechanism list (comma-separated, as
// libvirtd sends it; blanks are accepted too) into upper-case names,
// without empties or repeats.
func ParseMechList(s string) []string {
	var out []string
	for _, m := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r' }) {
		m = strings.ToUpper(m)
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

// Choose picks the mechanism to use from the server's list (the
// AUTH_SASL_INIT reply) as cfg permits: cfg.Want if given (it must be
// offered and usable), else the strongest usable one that cfg.Allowed
// permits (nil allows all). On a channel that is not cfg.Secure nothing is
// usable, since no mechanism here negotiates a security layer, except
// SCRAM with cfg.AllowInsecureChannel; PLAIN never. The refusal comes
// before any credential is asked for or sent.
func Choose(serverList string, cfg Config) (string, error) {
	offered := ParseMechList(serverList)
	if len(offered) == 0 {
		return "", fmt.Errorf("%w: the server offered no SASL mechanisms (libvirtd offers none when its mech_list only has mechanisms it refuses on this channel)", ErrNoMechanism)
	}
	usable := func(m string) error {
		if !slices.Contains(preference, m) {
			return fmt.Errorf("%w: mechanism %s is not implemented (implemented: %s)", ErrNoMechanism, m, strings.Join(preference, ", "))
		}
		if cfg.Allowed != nil && !slices.ContainsFunc(cfg.Allowed, func(a string) bool { return strings.EqualFold(a, m) }) {
			return fmt.Errorf("%w: mechanism %s is not in the allowed list %v", ErrNoMechanism, m, cfg.Allowed)
		}
		if cfg.Secure {
			return nil
		}
		if m == Plain {
			return fmt.Errorf("%w: PLAIN would send the password in clear text on an insecure channel", ErrNoMechanism)
		}
		if !cfg.AllowInsecureChannel {
			return fmt.Errorf("%w: the server offers %s, but %s has no SASL security layer, so it would give an impostor daemon the user name and a proof to attack offline, and leave the session unprotected (libvirt's client refuses it here too); connect with TLS (driver+tls://host/...)", ErrInsecureChannel, strings.Join(offered, ","), m)
		}
		return nil
	}
	if want := strings.ToUpper(cfg.Want); want != "" {
		if !slices.Contains(offered, want) {
			return "", fmt.Errorf("%w: SASL mechanism %s not supported by server (it offers %s)", ErrNoMechanism, want, strings.Join(offered, ","))
		}
		if err := usable(want); err != nil {
			return "", err
		}
		return want, nil
	}
	var insecure error // the strongest mechanism refused only for the channel
	for _, m := range preference {
		if !slices.Contains(offered, m) {
			continue
		}
		err := usable(m)
		if err == nil {
			return m, nil
		}
		if insecure == nil && errors.Is(err, ErrInsecureChannel) {
			insecure = err
		}
	}
	if insecure != nil {
		return "", insecure
	}
	if !slices.ContainsFunc(offered, func(m string) bool { return !slices.Contains(securityLayer, m) }) {
		return "", fmt.Errorf("%w: the server offers only %s, which need a SASL security layer (libvirtd offers these on plain TCP); connect with TLS instead (driver+tls://host/...) and use SCRAM", ErrSecurityLayer, strings.Join(offered, ","))
	}
	why := ""
	if slices.Contains(offered, Plain) && !cfg.Secure {
		why = "; PLAIN is refused on an insecure channel, use TLS"
	}
	return "", fmt.Errorf("%w: the server offers %s; this client implements %s%s", ErrNoMechanism, strings.Join(offered, ","), strings.Join(preference, ","), why)
}
