package domain

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/virtwire/virtwire"
)

// Interface is a network interface of a running domain and its IP
// addresses, as one source of address information reports them
// (virDomainInterfaceAddresses, virsh domifaddr).
type Interface struct {
	// Name is the host-side device (vnet0) for the lease and arp sources,
	// the guest's own name for the NIC (eth0, lo) for the agent source.
	Name string
	// HWAddr is the interface's MAC address, or nil if libvirt reports
	// none.
	HWAddr net.HardwareAddr
	// Addrs are the addresses in the order libvirt reports them.
	Addrs []Address
}

// Address is one IP address of an Interface.
type Address struct {
	Addr netip.Addr
	// Prefix is the length of the network prefix; the arp source always
	// reports 0 since the ARP table has no netmasks.
	Prefix int
	// Type is the address family libvirt reports: virtwire.IPAddrTypeIPv4
	// or virtwire.IPAddrTypeIPv6.
	Type virtwire.IPAddrType
}

// String returns the address in CIDR notation, "192.168.122.3/24".
func (a Address) String() string { return a.Addr.String() + "/" + strconv.Itoa(a.Prefix) }

// sourceNames are the names virsh domifaddr --source takes.
var sourceNames = map[string]virtwire.DomainInterfaceAddressesSource{
	"lease": virtwire.DomainInterfaceAddressesSrcLease,
	"agent": virtwire.DomainInterfaceAddressesSrcAgent,
	"arp":   virtwire.DomainInterfaceAddressesSrcARP,
}

// ParseSource reads the name of a source of address information as virsh
// domifaddr --source takes it: "lease" (libvirt's DHCP server), "agent"
// (the QEMU guest agent) or "arp" (the host's ARP table).
func ParseSource(s string) (virtwire.DomainInterfaceAddressesSource, error) {
	src, ok := sourceNames[s]
	if !ok {
		return 0, fmt.Errorf("unknown address source %q: want lease, agent or arp", s)
	}
	return src, nil
}

// Interfaces returns the domain's network interfaces and their IP
// addresses, as the source says: virtwire.DomainInterfaceAddressesSrcLease
// asks libvirt's DHCP server (only NICs on libvirt networks with DHCP),
// ...SrcAgent the guest agent inside the guest (every interface, with
// static addresses, if the agent runs), ...SrcARP the host's ARP table
// (prefix 0, possibly stale). The domain must be running. Interfaces and
// addresses come in the order libvirt reports them.
//
// What the agent source reports comes from inside the guest, so nothing in
// it is trusted. When some values do not parse (an address, a prefix
// length, an address type, a hardware address), Interfaces returns every
// interface with the values that did, and an error wrapping ErrUnparsable
// that names each value left out; a caller that wants all or nothing
// treats any error as failure.
func (d *Domain) Interfaces(ctx context.Context, source virtwire.DomainInterfaceAddressesSource) ([]Interface, error) {
	raw, err := d.conn.DomainInterfaceAddresses(ctx, d.ref, source, 0)
	if err != nil {
		return nil, d.wrap("interface addresses", err)
	}
	out, err := convertInterfaces(raw)
	return out, d.wrap("interface addresses", err)
}

// convertInterfaces turns the daemon's answer into Interfaces, leaving out
// what does not parse and saying so in the error (ErrUnparsable).
func convertInterfaces(raw []virtwire.DomainInterface) ([]Interface, error) {
	out := make([]Interface, len(raw))
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrUnparsable}, args...)...))
	}
	for i, r := range raw {
		iface := Interface{Name: r.Name}
		if r.Hwaddr != nil && *r.Hwaddr != "" {
			hw, err := parseHWAddr(*r.Hwaddr)
			if err != nil {
				bad("interface %q: %v", r.Name, err)
			} else {
				iface.HWAddr = hw
			}
		}
		for _, a := range r.Addrs {
			addr, err := netip.ParseAddr(a.Addr)
			switch {
			case err != nil:
				bad("interface %q: address %q: %v", r.Name, a.Addr, err)
				continue
			case a.Prefix > uint32(addr.BitLen()):
				bad("interface %q: address %s: prefix length %d out of range", r.Name, a.Addr, a.Prefix)
				continue
			}
			typ := virtwire.IPAddrType(a.Type)
			if typ != virtwire.IPAddrTypeIPv4 && typ != virtwire.IPAddrTypeIPv6 {
				bad("interface %q: address %s: unknown address type %d", r.Name, a.Addr, a.Type)
				continue
			}
			iface.Addrs = append(iface.Addrs, Address{Addr: addr, Prefix: int(a.Prefix), Type: typ})
		}
		out[i] = iface
	}
	return out, errors.Join(errs...)
}

// parseHWAddr reads a hardware address as libvirt formats it: bytes in
// hex, separated by colons. Unlike net.ParseMAC it takes any length up to
// 32 bytes, since a guest agent reports whatever the guest's interfaces
// have.
func parseHWAddr(s string) (net.HardwareAddr, error) {
	parts := strings.Split(s, ":")
	if len(parts) > 32 {
		return nil, fmt.Errorf("hardware address %q: too long", s)
	}
	hw := make(net.HardwareAddr, len(parts))
	for i, p := range parts {
		if len(p) != 2 {
			return nil, fmt.Errorf("hardware address %q: want hex bytes separated by colons", s)
		}
		if _, err := hex.Decode(hw[i:i+1], []byte(p)); err != nil {
			return nil, fmt.Errorf("hardware address %q: want hex bytes separated by colons", s)
		}
	}
	return hw, nil
}
