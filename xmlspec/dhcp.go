package xmlspec

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// ErrNoSubnet is wrapped by the error for a DHCP host whose address lies in
// none of the network's <ip> subnets.
var ErrNoSubnet = errors.New("xmlspec: no subnet of the network holds the address")

// ErrDuplicateHost is wrapped by the error for a DHCP host whose MAC, name
// or address another host entry already has; libvirt rejects those too.
var ErrDuplicateHost = errors.New("xmlspec: DHCP host already defined")

// Subnet returns the subnet of the <ip> element: its address with the
// prefix length from Prefix or Netmask (or the classful default libvirt
// assumes for IPv4 without either).
func (ip *NetworkIP) Subnet() (netip.Prefix, error) {
	addr, err := netip.ParseAddr(ip.Address)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("xmlspec: network ip address %q: %w", ip.Address, err)
	}
	bits := -1
	switch {
	case ip.Prefix != nil:
		bits = int(*ip.Prefix)
	case ip.Netmask != "":
		mask, err := netip.ParseAddr(ip.Netmask)
		if err != nil || !mask.Is4() {
			return netip.Prefix{}, fmt.Errorf("xmlspec: network ip netmask %q is not an IPv4 mask", ip.Netmask)
		}
		m := mask.As4()
		ones, size := net.IPMask(m[:]).Size()
		if size == 0 {
			return netip.Prefix{}, fmt.Errorf("xmlspec: network ip netmask %q is not contiguous", ip.Netmask)
		}
		bits = ones
	case addr.Is4():
		// libvirt's default for an IPv4 network without a mask: the
		// address's class.
		switch first := addr.As4()[0]; {
		case first < 128:
			bits = 8
		case first < 192:
			bits = 16
		default:
			bits = 24
		}
	default:
		bits = 64
	}
	p, err := addr.Prefix(bits)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("xmlspec: network ip %s/%d: %w", ip.Address, bits, err)
	}
	return p, nil
}

// DHCPHosts returns pointers to every static DHCP host of every <ip>, for
// reading or editing in place.
func (n *Network) DHCPHosts() []*DHCPHost {
	var out []*DHCPHost
	for i := range n.IPs {
		if d := n.IPs[i].DHCP; d != nil {
			for j := range d.Hosts {
				out = append(out, &d.Hosts[j])
			}
		}
	}
	return out
}

// DHCPHostByMAC returns the static DHCP host with MAC address mac, or nil.
func (n *Network) DHCPHostByMAC(mac net.HardwareAddr) *DHCPHost {
	for _, h := range n.DHCPHosts() {
		if h.MAC != nil && bytes.Equal(h.MAC, mac) {
			return h
		}
	}
	return nil
}

// AddDHCPHost adds a static DHCP host to the <ip> whose subnet holds h.IP,
// creating its <dhcp> element if there is none, and returns a pointer to the
// stored copy. It fails if h has no valid IP, if no subnet holds it, or if
// another host has the same MAC, name or IP.
func (n *Network) AddDHCPHost(h DHCPHost) (*DHCPHost, error) {
	addr, err := netip.ParseAddr(h.IP)
	if err != nil {
		return nil, fmt.Errorf("xmlspec: DHCP host ip %q: %w", h.IP, err)
	}
	if h.MAC == nil && h.ID == "" && h.Name == "" {
		return nil, errors.New("xmlspec: DHCP host needs a MAC address, a DUID or a name")
	}
	for _, o := range n.DHCPHosts() {
		oaddr, _ := netip.ParseAddr(o.IP)
		switch {
		case h.MAC != nil && o.MAC != nil && bytes.Equal(h.MAC, o.MAC):
			return nil, fmt.Errorf("%w: MAC %s", ErrDuplicateHost, h.MAC)
		case h.Name != "" && strings.EqualFold(h.Name, o.Name):
			return nil, fmt.Errorf("%w: name %s", ErrDuplicateHost, h.Name)
		case oaddr == addr:
			return nil, fmt.Errorf("%w: ip %s", ErrDuplicateHost, h.IP)
		}
	}
	for i := range n.IPs {
		ip := &n.IPs[i]
		p, err := ip.Subnet()
		if err != nil || !p.Contains(addr) {
			continue
		}
		if ip.DHCP == nil {
			ip.DHCP = &DHCP{}
		}
		ip.DHCP.Hosts = append(ip.DHCP.Hosts, h)
		return &ip.DHCP.Hosts[len(ip.DHCP.Hosts)-1], nil
	}
	return nil, fmt.Errorf("%w: %s", ErrNoSubnet, h.IP)
}

// RemoveDHCPHost removes the static DHCP host with MAC address mac and
// returns it.
func (n *Network) RemoveDHCPHost(mac net.HardwareAddr) (DHCPHost, bool) {
	removed := n.RemoveDHCPHosts(func(h *DHCPHost) bool {
		return h.MAC != nil && bytes.Equal(h.MAC, mac)
	})
	if len(removed) == 0 {
		return DHCPHost{}, false
	}
	return removed[0], true
}

// RemoveDHCPHosts removes every static DHCP host for which match returns
// true and returns them.
func (n *Network) RemoveDHCPHosts(match func(*DHCPHost) bool) []DHCPHost {
	var removed []DHCPHost
	for i := range n.IPs {
		d := n.IPs[i].DHCP
		if d == nil {
			continue
		}
		var gone []DHCPHost
		d.Hosts, gone = removeWhere(d.Hosts, match)
		removed = append(removed, gone...)
	}
	return removed
}
