package network

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/xmlspec"
)

// Lease is one DHCP lease that the network's DHCP server handed out, as
// libvirt reports it.
type Lease struct {
	Interface string    // the network's bridge (virbr0)
	Expiry    time.Time // zero for a lease that never expires
	IP        netip.Addr
	Prefix    int // the subnet's prefix length
	MAC       net.HardwareAddr
	Hostname  string // what the client sent, if anything
	ClientID  string // the client identifier (IPv4) or DUID (IPv6)
	IAID      string // the IPv6 identity association, if any
}

// Subnet returns the lease's address with its prefix length.
func (l Lease) Subnet() netip.Prefix { return netip.PrefixFrom(l.IP, l.Prefix) }

// DHCPLeases returns the network's current DHCP leases; with a non-nil mac
// only that MAC address's. Drivers without a DHCP server of their own (the
// test driver among them) give an error for which virtwire.IsUnsupported
// is true.
func (n *Network) DHCPLeases(ctx context.Context, mac net.HardwareAddr) ([]Lease, error) {
	var filter virtwire.OptString
	if mac != nil {
		if len(mac) != 6 {
			return nil, n.errorf("DHCP leases", fmt.Errorf("%w: MAC %s is not 6 bytes", ErrInvalid, mac))
		}
		s := mac.String()
		filter = &s
	}
	raw, _, err := n.conn.NetworkGetDHCPLeases(ctx, n.ref, filter, 1, 0)
	if err != nil {
		return nil, n.errorf("DHCP leases", err)
	}
	out := make([]Lease, 0, len(raw))
	for _, r := range raw {
		l, err := convertLease(r)
		if err != nil {
			return nil, n.errorf("DHCP leases", err)
		}
		out = append(out, l)
	}
	return out, nil
}

func convertLease(r virtwire.NetworkDHCPLease) (Lease, error) {
	l := Lease{Interface: r.Iface, Prefix: int(r.Prefix)}
	ip, err := netip.ParseAddr(r.Ipaddr)
	if err != nil {
		return Lease{}, fmt.Errorf("the daemon sent lease address %q: %w", r.Ipaddr, err)
	}
	l.IP = ip
	if r.Prefix > uint32(ip.BitLen()) {
		return Lease{}, fmt.Errorf("the daemon sent prefix /%d for %s", r.Prefix, ip)
	}
	if r.Expirytime > 0 {
		l.Expiry = time.Unix(r.Expirytime, 0)
	}
	if r.MAC != nil && *r.MAC != "" {
		mac, err := xmlspec.ParseMAC(*r.MAC)
		if err != nil {
			return Lease{}, fmt.Errorf("the daemon sent lease MAC %q: %w", *r.MAC, err)
		}
		l.MAC = mac
	}
	deref := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	l.Hostname, l.ClientID, l.IAID = deref(r.Hostname), deref(r.Clientid), deref(r.Iaid)
	return l, nil
}
