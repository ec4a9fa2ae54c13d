package sshdial

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/virtwire/virtwire/transport"
)

// knownHostsSetup says where host keys are checked and how.
type knownHostsSetup struct {
	verify        transport.KnownHostsVerify
	primary       string   // checked, and where accepted keys are added
	readOnly      []string // also trusted, never written
	acceptChanged bool     // transport.SSHConfig.InsecureAcceptChangedHostKeys with no_verify=1
}

// knownHostsFor applies libvirt's rules: for libssh and libssh2,
// known_hosts_verify= (default normal) and known_hosts= (default
// $XDG_CONFIG_HOME/libvirt/known_hosts); for ssh run natively, the ssh
// program's files (~/.ssh/known_hosts) and no_verify=1 meaning auto, as
// StrictHostKeyChecking=accept-new does (changed keys are refused unless
// cfg.InsecureAcceptChangedHostKeys). Without known_hosts=, the user's and
// the system's OpenSSH files are trusted too.
func knownHostsFor(u *transport.URI, cfg transport.SSHConfig, sys *transport.System) (knownHostsSetup, error) {
	s := knownHostsSetup{verify: u.KnownHostsVerify()}
	if s.verify == "" {
		s.verify = transport.VerifyNormal
		if u.EffectiveTransport() == transport.SSH && u.NoVerify() {
			s.verify = transport.VerifyAuto
			s.acceptChanged = cfg.InsecureAcceptChangedHostKeys
		}
	}
	if s.primary = u.KnownHosts(); s.primary != "" {
		return s, nil
	}
	home, err := sys.Home()
	if err != nil {
		return s, err
	}
	openssh := home + "/.ssh/known_hosts"
	if u.EffectiveTransport() == transport.SSH {
		s.primary = openssh
	} else {
		dir, err := sys.UserConfigDir()
		if err != nil {
			return s, err
		}
		s.primary = dir + "/known_hosts"
		s.readOnly = append(s.readOnly, openssh)
	}
	s.readOnly = append(s.readOnly, "/etc/ssh/ssh_known_hosts")
	return s, nil
}

// hostKeyCallback checks the server's host key as known_hosts_verify says.
// Unknown keys are put to creds as an echo prompt (answer "y") in normal
// mode, accepted in auto mode; accepted keys are appended to the primary
// file. A changed key is refused, unless the caller asked for libvirt's
// insecure no_verify=1 (acceptChanged): then it is used and not recorded,
// as OpenSSH does with StrictHostKeyChecking=no. A revoked key is always
// refused.
func hostKeyCallback(ctx context.Context, setup knownHostsSetup, creds transport.CredentialFunc, sys *transport.System) ssh.HostKeyCallback {
	if setup.verify == transport.VerifyIgnore {
		return ssh.InsecureIgnoreHostKey()
	}
	return func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		var files []string
		if _, err := os.Stat(setup.primary); err == nil {
			files = append(files, setup.primary)
		}
		// The extra files are the ssh program's; skip one this parser
		// cannot read rather than fail.
		for _, f := range setup.readOnly {
			if _, err := knownhosts.New(f); err == nil {
				files = append(files, f)
			}
		}
		check, err := knownhosts.New(files...)
		if err != nil {
			return fmt.Errorf("reading known hosts: %w", err)
		}
		err = check(hostname, remote, key)
		var keyErr *knownhosts.KeyError
		var revoked *knownhosts.RevokedError
		fp := ssh.FingerprintSHA256(key)
		switch {
		case err == nil:
			return nil
		case errors.As(err, &revoked):
			return fmt.Errorf("%w: host key %s of %s is revoked in %s", transport.ErrHostKeyMismatch, fp, hostname, revoked.Revoked.Filename)
		case errors.As(err, &keyErr) && len(keyErr.Want) > 0:
			if setup.acceptChanged {
				return nil
			}
			w := keyErr.Want[0]
			return fmt.Errorf("%w: the identity of host %s differs from the one stored in %s:%d (possible man in the middle attack); the server offered %s", transport.ErrHostKeyMismatch, hostname, w.Filename, w.Line, fp)
		case !errors.As(err, &keyErr):
			return err
		}
		if setup.verify == transport.VerifyNormal {
			prompt := fmt.Sprintf("Accept SSH host key with hash '%s' for host '%s' (y/n)?", fp, hostname)
			c := &transport.Credential{Type: transport.CredEchoPrompt, Prompt: prompt, Challenge: hostname}
			if creds == nil {
				return fmt.Errorf("%w: host %s offered %s, which is not in %s, and there is no credential callback to confirm it (use known_hosts_verify=auto to accept new keys)", transport.ErrHostKeyUnknown, hostname, fp, setup.primary)
			}
			answer, err := transport.Ask(ctx, creds, c)
			if err != nil {
				return err
			}
			if !strings.EqualFold(strings.TrimSpace(answer), "y") {
				return fmt.Errorf("%w: SSH host key %s for %s was not accepted", transport.ErrHostKeyUnknown, fp, hostname)
			}
		}
		line := knownhosts.Line([]string{knownhosts.Normalize(hostname)}, key) + "\n"
		if err := sys.Append(setup.primary, []byte(line)); err != nil {
			return fmt.Errorf("failed to write known_hosts file '%s': %w", setup.primary, err)
		}
		return nil
	}
}
