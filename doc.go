// Package virtwire is a pure-Go client for libvirt. It speaks libvirt's XDR
// remote protocol directly to the daemon (libvirtd, virtqemud,
// virtnetworkd, virtproxyd...) over unix, tcp, tls and ssh, with no cgo and
// no libvirt.so.
//
// Dial takes the URIs virsh takes and returns a *Conn; NewConn runs the
// handshake on a net.Conn the caller made. A Conn has a typed method for
// every procedure of libvirt's remote, qemu and lxc programs, named as the
// procedure (DomainGetXMLDesc for REMOTE_PROC_DOMAIN_GET_XML_DESC), and is
// safe for concurrent use:
//
//	conn, err := virtwire.Dial(ctx, "qemu:///system")
//	if err != nil {
//		return err
//	}
//	defer conn.Close()
//	dom, err := conn.DomainLookupByName(ctx, "guest1")
//	if errors.Is(err, virtwire.ErrNoDomain) {
//		// ...
//	}
//	xml, err := conn.DomainGetXMLDesc(ctx, dom, virtwire.DomainXMLInactive)
//
// The methods behave like libvirt's C API where its client adds to the
// plain call: the methods that start, stop, save or rename a domain update
// the Domain they are given (DomainCreate(ctx, &dom) sets dom.ID, as
// virDomainCreate does), text that the protocol carries in char arrays
// comes back as a string (NodeGetInfo's CPU model), a UUID prints and
// parses as libvirt's (UUID.String, ParseUUID), and a list is never nil:
// when there is nothing in it, it has length 0.
//
// Errors the daemon reports are *Error values; every libvirt error number
// (ErrNoDomain, ErrOperationInvalid, ...) works with errors.Is. Connection
// failures wrap ErrDisconnected, ErrProtocol, ErrKeepaliveTimeout or
// ErrConnClosed.
//
// Events arrive through subscriptions (SubscribeDomainEvents and its
// siblings), bulk data through a *Stream returned by the procedures that
// carry one (StorageVolDownload, DomainScreenshot, DomainOpenConsole...), and
// file descriptors are passed over unix sockets by the procedures that take
// or return them. The domain and network packages build the common
// workflows on top of Conn, and xmlspec holds libvirt's XML as Go structs.
package virtwire
