package transport

import (
	"errors"
	"strconv"
	"strings"
)

// shellSpecial are the bytes that make libvirt quote a word for sh.
const shellSpecial = "\r\t\n !\"#$&'()*;<>?[\\]^`{|}~"

// shellQuote quotes s for sh as libvirt's virBufferEscapeShell does: as is
// when it holds no special byte, else in single quotes with each ' written
// as '\”.
func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	if !strings.ContainsAny(s, shellSpecial) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// doubleQuote quotes s twice: the ssh server hands the command to the login
// shell, which runs "sh -c '...'", a second shell.
func doubleQuote(s string) string { return shellQuote(shellQuote(s)) }

// RemoteCommand is the command an ssh transport runs on the remote host to
// reach the daemon, built exactly as libvirt 9.0-11 builds it:
//
//   - proxy native: sh -c 'virt-ssh-helper [-r ]'URI”
//   - proxy netcat: sh -c 'if 'nc' -q ... fi;'nc' $ARG -U SOCKET'
//   - proxy auto: try virt-ssh-helper, fall back to netcat.
//
// Without proxy=, netcat is used when socket= is given (virt-ssh-helper
// ignores it), native for session URIs of non-root users, auto otherwise;
// netcat= turns auto into netcat. Every value is quoted for both shells
// (libvirt leaves the socket path bare; this client quotes it when it holds
// shell metacharacters, so a path with blanks or quotes reaches nc intact,
// and leaves ordinary paths exactly as libvirt writes them).
func RemoteCommand(u *URI, readOnly bool, cfg *ClientConfig, sys *System) (string, error) {
	proxy := u.Proxy()
	if proxy == "" && cfg != nil {
		proxy = cfg.RemoteProxy
	}
	if proxy == "" {
		switch {
		case u.Socket() != "":
			proxy = ProxyNetcat
		case SessionURI(u) && sys.euid() > 0:
			proxy = ProxyNative
		default:
			proxy = ProxyAuto
		}
	}
	if err := proxy.check(); err != nil {
		return "", err
	}
	netcat := u.Netcat()
	if proxy == ProxyAuto && netcat != "" {
		proxy = ProxyNetcat
	}
	if proxy == ProxyNative && netcat != "" {
		return "", errors.New("netcat path not valid with native proxy mode")
	}
	if netcat == "" {
		netcat = "nc"
	}
	sock := ""
	if proxy != ProxyNative {
		s, err := ChooseSocket(u, readOnly, cfg, sys)
		if err != nil {
			return "", err
		}
		sock = s.Path
	}
	return buildRemoteCommand(proxy, netcat, sock, u.helperName(), readOnly), nil
}

func buildRemoteCommand(proxy Proxy, netcat, sock, helperURI string, readOnly bool) string {
	nc := doubleQuote(netcat)
	if sock == "" || strings.ContainsAny(sock, shellSpecial) {
		sock = "'" + doubleQuote(sock) + "'"
	}
	ncCmd := "if '" + nc + `' -q 2>&1 | grep "requires an argument" >/dev/null 2>&1; then ARG=-q0;else ARG=;fi;'` + nc + "' $ARG -U " + sock
	flag := " "
	if readOnly {
		flag = " -r "
	}
	helperCmd := "virt-ssh-helper" + flag + "'" + doubleQuote(helperURI) + "'"
	switch proxy {
	case ProxyNetcat:
		return "sh -c '" + ncCmd + "'"
	case ProxyNative:
		return "sh -c '" + helperCmd + "'"
	}
	return "sh -c 'which virt-ssh-helper 1>/dev/null 2>&1; if test $? = 0; then     " + helperCmd + "; else    " + ncCmd + "; fi'"
}

// ExternalSSHArgs is the argument list libvirt gives the ssh program
// (command=, default "ssh") for u, ending with the remote command, with
// one difference: no_verify=1 becomes StrictHostKeyChecking=accept-new,
// which accepts new host keys and refuses changed ones, as libvirt's
// documentation of no_verify promises. libvirt itself passes
// StrictHostKeyChecking=no, with which OpenSSH still logs in with a key
// when the host key has changed; cfg.InsecureAcceptChangedHostKeys asks
// for that.
func ExternalSSHArgs(u *URI, remoteCommand string, cfg SSHConfig) []string {
	var args []string
	if u.Port != 0 {
		args = append(args, "-p", strconv.Itoa(u.Port))
	}
	if u.User != "" {
		args = append(args, "-l", u.User)
	}
	if k := u.KeyFile(); k != "" {
		args = append(args, "-i", k)
	}
	args = append(args, "-T", "-e", "none")
	if u.NoTTY() {
		args = append(args, "-o", "BatchMode=yes")
	}
	if u.NoVerify() {
		if cfg.InsecureAcceptChangedHostKeys {
			args = append(args, "-o", "StrictHostKeyChecking=no")
		} else {
			args = append(args, "-o", "StrictHostKeyChecking=accept-new")
		}
	}
	return append(args, "--", u.Hostname(), remoteCommand)
}
