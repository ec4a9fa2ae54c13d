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
// It implements the mechanisms that need no SASL security layer: SCRAM-SHA-512,
// SCRAM-SHA-256 and SCRAM-SHA-1 (with the server's signature verified) and
// PLAIN, which is only used on a secure channel (TLS, unix, ssh).
package sasl

import (
	"errors"
	"fmt"
	"slices"
	"strings"
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

// Choose picks the mechanism to use from the server's list: want if given
// (it must be offered and implemented), else the strongest implemented one
// that allowed permits (nil allows all). PLAIN is never picked on an
// insecure channel.
func Choose(serverList string, allowed []string, want string, secure bool) (string, error) {
	offered := ParseMechList(serverList)
	if len(offered) == 0 {
		return "", fmt.Errorf("%w: the server offered no SASL mechanisms (libvirtd offers none when its mech_list only has mechanisms it refuses on this channel)", ErrNoMechanism)
	}
	usable := func(m string) error {
		if !slices.Contains(preference, m) {
			return fmt.Errorf("mechanism %s is not implemented (implemented: %s)", m, strings.Join(preference, ", "))
		}
		if allowed != nil && !slices.ContainsFunc(allowed, func(a string) bool { return strings.EqualFold(a, m) }) {
			return fmt.Errorf("mechanism %s is not in the allowed list %v", m, allowed)
		}
		if m == Plain && !secure {
			return errors.New("PLAIN would send the password in clear text on an insecure channel")
		}
		return nil
	}
	if want != "" {
		want = strings.ToUpper(want)
		if !slices.Contains(offered, want) {
			return "", fmt.Errorf("%w: SASL mechanism %s not supported by server (it offers %s)", ErrNoMechanism, want, strings.Join(offered, ","))
		}
		if err := usable(want); err != nil {
			return "", fmt.Errorf("%w: %v", ErrNoMechanism, err)
		}
		return want, nil
	}
	for _, m := range preference {
		if slices.Contains(offered, m) && usable(m) == nil {
			return m, nil
		}
	}
	if !slices.ContainsFunc(offered, func(m string) bool { return !slices.Contains(securityLayer, m) }) {
		return "", fmt.Errorf("%w: the server offers only %s, which need a SASL security layer (libvirtd offers these on plain TCP); connect with TLS instead (driver+tls://host/...) and use SCRAM", ErrSecurityLayer, strings.Join(offered, ","))
	}
	why := ""
	if slices.Contains(offered, Plain) && !secure {
		why = "; PLAIN is refused on an insecure channel, use TLS"
	}
	return "", fmt.Errorf("%w: the server offers %s; this client implements %s%s", ErrNoMechanism, strings.Join(offered, ","), strings.Join(preference, ","), why)
}
