// Package transport parses libvirt connection URIs and opens the byte
// stream to a libvirt daemon over unix, tcp, tls, ssh (native or the ssh
// program) or an external command, the way libvirt's own client does.
//
// It knows nothing of libvirt's RPC protocol: Dial returns a net.Conn that
// the caller speaks the protocol over.
//
//	u, err := transport.ParseURI("qemu+ssh://root@host/system?keyfile=/k")
//	if err != nil { ... }
//	conn, err := transport.Dial(ctx, u, &transport.Config{ReadOnly: true})
//	if err != nil { ... }
//	defer conn.Close()
//	name := u.RemoteName() // "qemu:///system", for CONNECT_OPEN
package transport
