// Package all links every transport and authentication method into the
// program, so that virtwire.Dial accepts every URI libvirt's client does:
// tls (transport/tlsdial), the built-in ssh client for libssh, libssh2 and
// ssh without the ssh program (transport/sshdial), and SASL
// (virtwire/sasl). A program that dials only unix sockets need not import
// it and stays smaller by the size of crypto/tls, golang.org/x/crypto/ssh
// and SCRAM.
//
//	import _ "github.com/virtwire/virtwire/all"
//
//	conn, err := virtwire.Dial(ctx, uri) // any URI
package all

import (
	_ "github.com/virtwire/virtwire/sasl"              // SASL
	_ "github.com/virtwire/virtwire/transport/sshdial" // libssh, libssh2, native ssh
	_ "github.com/virtwire/virtwire/transport/tlsdial" // tls
)
