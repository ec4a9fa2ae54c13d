// Package network manages libvirt virtual networks: define, start, stop and
// remove them, read and edit their XML as *xmlspec.Network, change a running
// network's DHCP hosts and ranges, DNS hosts and port groups in place, read
// its DHCP leases and ports, and list which domain NICs are attached to it.
//
// It works on a *virtwire.Conn and returns errors that name the network and
// wrap libvirt's, so errors.Is(err, virtwire.ErrNoNetwork) and friends work.
//
//	conn, err := virtwire.Dial(ctx, "qemu:///system")
//	if err != nil {
//		return err
//	}
//	def, err := network.Config{Name: "net1", CIDR: netip.MustParsePrefix("10.255.0.1/24"), DHCP: true}.Definition()
//	if err != nil {
//		return err
//	}
//	if err := network.CheckConflicts(ctx, conn, def); err != nil {
//		return err // the name, bridge or subnet is taken
//	}
//	n, err := network.Define(ctx, conn, def)
//	if err != nil {
//		return err
//	}
//	err = n.Start(ctx)
package network
