package transport

// SSHMode chooses how the ssh transports connect.
type SSHMode int

const (
	// SSHAuto: libssh and libssh2 URIs connect natively; ssh URIs run the
	// ssh program (command=, else "ssh" if it is installed) so users' ssh
	// configs, jump hosts and control masters work, and connect natively
	// when no ssh program is installed.
	SSHAuto SSHMode = iota
	// SSHNative always uses the built-in client (golang.org/x/crypto/ssh),
	// which the package SSHPackage names adds to the program.
	SSHNative
	// SSHExternal always runs the ssh program.
	SSHExternal
)

// SSHConfig tunes the ssh transports. The built-in client's keys, agent
// and host key callback are set through the package SSHPackage names
// (sshdial.WithConfig), so that programs that do not use it do not link
// golang.org/x/crypto/ssh.
type SSHConfig struct {
	Mode SSHMode
	// InsecureAcceptChangedHostKeys makes no_verify=1 on ssh URIs accept a
	// host key that differs from the recorded one, as libvirt's client does
	// (it runs the ssh program with StrictHostKeyChecking=no, with which
	// OpenSSH logs in with a key whatever the host key). A changed key is
	// what a man in the middle shows. Without it, no_verify=1 accepts new
	// host keys only, as libvirt's documentation promises: the ssh program
	// runs with StrictHostKeyChecking=accept-new, and the built-in client
	// refuses a changed key with ErrHostKeyMismatch.
	InsecureAcceptChangedHostKeys bool
}

// useExternalSSH reports whether u is dialled through the ssh program.
func (c *Config) useExternalSSH(u *URI) bool {
	switch c.SSH.Mode {
	case SSHNative:
		return false
	case SSHExternal:
		return true
	}
	if u.EffectiveTransport() != SSH {
		return false
	}
	if u.Command() != "" {
		return true
	}
	_, err := c.System.lookPath("ssh")
	return err == nil
}

// sshWhy says why a dial of u needs the built-in ssh client.
func (c *Config) sshWhy(u *URI) string {
	switch {
	case c.SSH.Mode == SSHNative:
		return "SSHNative was asked for"
	case u.EffectiveTransport() == SSH:
		return "no ssh program is installed"
	}
	return "libvirt's " + string(u.EffectiveTransport()) + " transport is a library, not the ssh program"
}
