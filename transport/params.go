package transport

import (
	"fmt"
	"strconv"
	"strings"
)

// Mode chooses between the monolithic libvirtd and the modular per-driver
// daemons for local (unix) connections: the mode= parameter, or remote_mode
// in libvirt.conf.
type Mode string

// The values of mode=.
const (
	ModeAuto   Mode = "auto"   // pick by which socket exists
	ModeLegacy Mode = "legacy" // libvirtd (libvirt-sock)
	ModeDirect Mode = "direct" // virt${DRIVER}d (virtqemud-sock...)
)

// Proxy chooses the program an ssh transport runs on the remote host: the
// proxy= parameter, or remote_proxy in libvirt.conf.
type Proxy string

// The values of proxy=.
const (
	ProxyAuto   Proxy = "auto"   // virt-ssh-helper if installed, else netcat
	ProxyNetcat Proxy = "netcat" // nc -U socket
	ProxyNative Proxy = "native" // virt-ssh-helper
)

// KnownHostsVerify says how the native ssh transport treats the server's
// host key: the known_hosts_verify= parameter.
type KnownHostsVerify string

// The values of known_hosts_verify=, as libvirt defines them.
const (
	// VerifyNormal accepts known keys, refuses changed ones and asks the
	// credential callback (an echo prompt answered "y") about unknown ones,
	// adding accepted keys to the known_hosts file.
	VerifyNormal KnownHostsVerify = "normal"
	// VerifyAuto accepts and records unknown keys; changed keys are refused.
	VerifyAuto KnownHostsVerify = "auto"
	// VerifyIgnore does no host key checking at all.
	VerifyIgnore KnownHostsVerify = "ignore"
)

// SSHAuthMethod is one entry of sshauth=.
type SSHAuthMethod string

// The values sshauth= may list.
const (
	AuthAgent               SSHAuthMethod = "agent"
	AuthPrivKey             SSHAuthMethod = "privkey"
	AuthPassword            SSHAuthMethod = "password"
	AuthKeyboardInteractive SSHAuthMethod = "keyboard-interactive"
)

func (u *URI) str(name string) string {
	v, _ := u.Param(name)
	return v
}

// Name is the name= parameter: the remote name to send instead of the one
// derived from the URI.
func (u *URI) Name() (string, bool) { return u.Param("name") }

// Socket is the socket= parameter: the unix socket path (local for unix,
// remote for the ssh transports' netcat proxy). "" when not given.
func (u *URI) Socket() string { return u.str("socket") }

// Command is the command= parameter: the ssh binary for the ssh transport,
// the program to run for ext. "" when not given.
func (u *URI) Command() string { return u.str("command") }

// Netcat is the netcat= parameter: the nc binary on the remote host. Giving
// it selects the netcat proxy when proxy= is auto.
func (u *URI) Netcat() string { return u.str("netcat") }

// KeyFile is the keyfile= parameter: the ssh private key to use.
func (u *URI) KeyFile() string { return u.str("keyfile") }

// KnownHosts is the known_hosts= parameter: the known_hosts file for the
// native ssh transport.
func (u *URI) KnownHosts() string { return u.str("known_hosts") }

// PKIPath is the pkipath= parameter: the folder holding cacert.pem,
// clientcert.pem and clientkey.pem for tls.
func (u *URI) PKIPath() string { return u.str("pkipath") }

// TLSPriority is the tls_priority= parameter: a GnuTLS priority string.
func (u *URI) TLSPriority() string { return u.str("tls_priority") }

// AuthFile is the authfile= parameter: the path of libvirt's auth file.
func (u *URI) AuthFile() string { return u.str("authfile") }

// Auth is the auth= parameter: "sasl", "sasl.MECH" or "polkit", the
// authentication type (and SASL mechanism) the client insists on.
func (u *URI) Auth() string { return u.str("auth") }

// Mode is the mode= parameter, "" when not given.
func (u *URI) Mode() Mode { return Mode(u.str("mode")) }

// Proxy is the proxy= parameter, "" when not given.
func (u *URI) Proxy() Proxy { return Proxy(u.str("proxy")) }

// KnownHostsVerify is the known_hosts_verify= parameter (lower-cased), ""
// when not given.
func (u *URI) KnownHostsVerify() KnownHostsVerify {
	return KnownHostsVerify(strings.ToLower(u.str("known_hosts_verify")))
}

// SSHAuth is the sshauth= parameter split on commas (lower-cased), nil when
// not given.
func (u *URI) SSHAuth() []SSHAuthMethod {
	v, ok := u.Param("sshauth")
	if !ok {
		return nil
	}
	var out []SSHAuthMethod
	for _, m := range strings.Split(v, ",") {
		out = append(out, SSHAuthMethod(strings.ToLower(strings.TrimSpace(m))))
	}
	return out
}

// NoVerify reports no_verify= set to a non-zero number: skip the server
// certificate check (tls) or accept new host keys, still refusing changed
// ones (ssh; see SSHConfig.InsecureAcceptChangedHostKeys).
func (u *URI) NoVerify() bool { return u.flag("no_verify") }

// NoTTY reports no_tty= set to a non-zero number: never prompt on a
// terminal (external ssh runs with BatchMode=yes).
func (u *URI) NoTTY() bool { return u.flag("no_tty") }

// NoSanity reports no_sanity= set to a non-zero number: skip the check of
// the client's own certificate against the CA before connecting.
func (u *URI) NoSanity() bool { return u.flag("no_sanity") }

func (u *URI) flag(name string) bool {
	v, ok := u.Param(name)
	if !ok {
		return false
	}
	n, err := parseCInt(v)
	return err == nil && n != 0
}

// parseCInt parses an int the way libvirt's virStrToLong_i does: strtol in
// base 10 (leading blanks and a sign allowed), the whole string consumed,
// no overflow.
func parseCInt(s string) (int32, error) {
	t := strings.TrimLeft(s, " \t\n\v\f\r")
	n, err := strconv.ParseInt(t, 10, 32)
	if err != nil || t == "" || t[0] == '_' {
		return 0, fmt.Errorf("%q is not an integer", s)
	}
	return int32(n), nil
}

// checkParams rejects client parameters whose values libvirt would refuse.
func (u *URI) checkParams() error {
	for _, p := range u.Params {
		name := strings.ToLower(p.Name)
		switch name {
		case "no_verify", "no_tty", "no_sanity":
			if _, err := parseCInt(p.Value); err != nil {
				return fmt.Errorf("parameter %s=%q: want an integer (0 or 1)", p.Name, p.Value)
			}
		case "mode":
			if err := Mode(p.Value).check(); err != nil {
				return err
			}
		case "proxy":
			if err := Proxy(p.Value).check(); err != nil {
				return err
			}
		case "known_hosts_verify":
			switch KnownHostsVerify(strings.ToLower(p.Value)) {
			case VerifyNormal, VerifyAuto, VerifyIgnore:
			default:
				return fmt.Errorf("parameter known_hosts_verify=%q: want normal, auto or ignore", p.Value)
			}
		case "sshauth":
			for _, m := range strings.Split(p.Value, ",") {
				switch SSHAuthMethod(strings.ToLower(strings.TrimSpace(m))) {
				case AuthAgent, AuthPrivKey, AuthPassword, AuthKeyboardInteractive:
				default:
					return fmt.Errorf("parameter sshauth=%q: unknown method %q (want agent, privkey, password, keyboard-interactive)", p.Value, m)
				}
			}
		case "auth":
			v := strings.ToLower(p.Value)
			if v != "sasl" && v != "polkit" && !(strings.HasPrefix(v, "sasl.") && len(v) > len("sasl.")) {
				return fmt.Errorf("parameter auth=%q: want sasl, sasl.MECHANISM or polkit", p.Value)
			}
		}
	}
	return nil
}

func (m Mode) check() error {
	switch m {
	case ModeAuto, ModeLegacy, ModeDirect:
		return nil
	}
	return fmt.Errorf("unknown remote mode %q (want auto, legacy or direct)", string(m))
}

func (p Proxy) check() error {
	switch p {
	case ProxyAuto, ProxyNetcat, ProxyNative:
		return nil
	}
	return fmt.Errorf("unknown proxy type %q (want auto, netcat or native)", string(p))
}
