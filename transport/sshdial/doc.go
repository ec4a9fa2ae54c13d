// Package sshdial adds the built-in ssh client (golang.org/x/crypto/ssh)
// to transport.Dial and virtwire.Dial: importing it registers the dialer
// that libssh and libssh2 URIs need, and ssh URIs where no ssh program is
// installed or transport.SSHNative is asked for. ssh URIs otherwise run
// the ssh program, which needs no import.
//
//	import _ "github.com/virtwire/virtwire/transport/sshdial"
//
//	conn, err := virtwire.Dial(ctx, "qemu+libssh://root@host/system")
//
// Keys, an agent and a host key callback of the caller's are given with
// WithConfig.
package sshdial
