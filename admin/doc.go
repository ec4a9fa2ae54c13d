// Package admin is a client of libvirt's admin protocol: what virt-admin
// does, from Go. A daemon (libvirtd, or a modular one such as virtqemud or
// virtproxyd) serves it on a unix socket of its own, next to the
// hypervisor socket. Through it an operator lists the daemon's servers and
// their clients, reads and sets the servers' worker pools and client
// limits, reads and sets the daemon's log filters and outputs, looks at a
// client's identity and disconnects it, and makes a server reload its TLS
// certificates.
//
// Dial takes virt-admin's URIs (libvirtd:///system, virtqemud:///session,
// ...?socket=PATH); Conn has a generated method for every procedure of
// libvirt's admin program, and typed forms of the typed parameters
// (ServerThreadPool, ServerClientLimits, ClientInfo). Errors the daemon
// reports are the root package's *virtwire.Error, so errors.Is(err,
// virtwire.ErrNoServer) works as for every other call.
//
//	conn, err := admin.Dial(ctx, "virtqemud:///system")
//	if err != nil {
//		return err
//	}
//	defer conn.Close()
//	srv, err := conn.ConnectLookupServer(ctx, "virtqemud", 0)
//	if err != nil {
//		return err
//	}
//	pool, err := conn.ServerThreadPool(ctx, srv)
//	fmt.Println(pool.MaxWorkers, pool.FreeWorkers)
package admin

// methods.gen.go and constants.gen.go are written by internal/xdrgen,
// which the module root's generate.go runs for both packages.
