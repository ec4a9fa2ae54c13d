// Package domain manages libvirt domains (virtual machines) and their NICs
// through a virtwire.Conn: look them up and list them, define, start, stop
// and undefine them, read their state and their XML as *xmlspec.Domain,
// list the IP addresses of their interfaces, attach and detach NICs by MAC
// address, and watch their lifecycle events.
//
//	conn, err := virtwire.Dial(ctx, "qemu:///system")
//	if err != nil {
//		return err
//	}
//	defer conn.Close()
//	dom, err := domain.LookupByName(ctx, conn, "web1")
//	if err != nil {
//		return err // errors.Is(err, virtwire.ErrNoDomain) if there is none
//	}
//	ifaces, err := dom.Interfaces(ctx, virtwire.DomainInterfaceAddressesSrcLease)
//
// A Domain is a handle: a connection and the domain's name and UUID. Every
// method is one or a few calls to the daemon; nothing is cached. Errors are
// *Error values naming the domain and the operation, wrapping the daemon's
// *virtwire.Error, so errors.Is works with virtwire's error numbers
// (virtwire.ErrNoDomain, virtwire.ErrOperationInvalid...) and with this
// package's ErrNoNIC and ErrDuplicateMAC.
//
// Flags are virtwire's generated types, named as in libvirt's C API:
// virtwire.ConnectListAllDomainsFlags for List, DomainDeviceModifyFlags for
// the NIC calls (live, config or both), DomainUndefineFlagsValues for
// Undefine, and so on.
package domain
