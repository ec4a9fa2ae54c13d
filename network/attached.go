package network

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/xmlspec"
)

// AddressSource says where an Attachment's addresses and host name come
// from.
type AddressSource string

// Address sources, in the order ListAttached tries them.
const (
	// FromNone: no source knew an address for the NIC.
	FromNone AddressSource = ""
	// FromLease: the network's DHCP leases (virsh net-dhcp-leases).
	FromLease AddressSource = "lease"
	// FromDHCPHost: a static DHCP host entry for the NIC's MAC address in
	// the network's configuration, used when no lease has the MAC.
	FromDHCPHost AddressSource = "dhcp-host"
	// FromDomainLease: the domain's interface addresses from the lease
	// source (virsh domifaddr --source lease), asked only when the driver
	// cannot list the network's leases (the test driver, which reports
	// made-up addresses there).
	FromDomainLease AddressSource = "domain-lease"
)

// Attachment is one domain NIC on the network.
type Attachment struct {
	Domain     string
	DomainUUID xmlspec.UUID
	Active     bool // the domain is running
	MAC        net.HardwareAddr
	IPs        []netip.Addr
	Hostname   string
	// HostDevice is the NIC's device on the host (vnet1) while the domain
	// runs, "" otherwise.
	HostDevice string
	// Source says where IPs and Hostname were found.
	Source AddressSource
	// Interface is the NIC's XML, from the domain's running configuration
	// when it is active.
	Interface *xmlspec.Interface
}

// ListAttached returns every NIC of every domain, running or not, that is
// on the network: NICs of type network naming it, and NICs of type bridge
// on its bridge. For each it joins the domain's XML (MAC, host device) with
// the network's DHCP leases (IPs, host name). A NIC without a lease gets
// the address and name of the network's static DHCP host entry for its
// MAC; failing that, when the driver cannot list leases at all, the
// running domain's lease addresses (virsh domifaddr). Source says which
// answered. Attachments come sorted by domain name, NICs
// in document order.
func (n *Network) ListAttached(ctx context.Context) ([]Attachment, error) {
	def, err := n.XML(ctx, false)
	if err != nil {
		return nil, err
	}
	bridge := ""
	if def.Bridge != nil {
		bridge = def.Bridge.Name
	}
	leases, err := n.DHCPLeases(ctx, nil)
	leasesSupported := true
	switch {
	case virtwire.IsUnsupported(err):
		leasesSupported = false
	case err != nil:
		return nil, err
	}
	doms, _, err := n.conn.ConnectListAllDomains(ctx, 1, 0)
	if err != nil {
		return nil, n.errorf("list attached: listing domains", err)
	}
	slices.SortFunc(doms, func(a, b virtwire.Domain) int { return cmp.Compare(a.Name, b.Name) })

	var out []Attachment
	for _, dom := range doms {
		s, err := n.conn.DomainGetXMLDesc(ctx, dom, 0)
		if errors.Is(err, virtwire.ErrNoDomain) {
			continue // undefined meanwhile
		}
		if err != nil {
			return nil, n.errorf("list attached: domain "+dom.Name, err)
		}
		ddef, err := xmlspec.ParseDomain([]byte(s))
		if err != nil {
			return nil, n.errorf("list attached: parsing the XML of domain "+dom.Name, err)
		}
		active := dom.ID >= 0
		var domAddrs []virtwire.DomainInterface
		askedDomain := false
		for _, nic := range ddef.Interfaces() {
			if !onNetwork(nic, def.Name, bridge) {
				continue
			}
			a := Attachment{
				Domain:     dom.Name,
				DomainUUID: xmlspec.UUID(dom.UUID),
				Active:     active,
				MAC:        nic.MACAddress(),
				Interface:  nic,
			}
			if active {
				a.HostDevice = nic.TargetDev()
			}
			if a.MAC != nil {
				for _, l := range leases {
					if bytes.Equal(l.MAC, a.MAC) {
						a.IPs = append(a.IPs, l.IP)
						if a.Hostname == "" {
							a.Hostname = l.Hostname
						}
						a.Source = FromLease
					}
				}
				if h := def.DHCPHostByMAC(a.MAC); h != nil {
					ip, err := netip.ParseAddr(h.IP)
					if a.Source == FromNone && err == nil {
						a.IPs = []netip.Addr{ip}
						a.Source = FromDHCPHost
					}
					if a.Hostname == "" {
						a.Hostname = h.Name
					}
				}
				if a.Source == FromNone && !leasesSupported && active {
					if !askedDomain {
						// Best effort: a domain that stopped meanwhile, or a
						// driver without the lease source, just has no
						// addresses here.
						domAddrs, _ = n.conn.DomainInterfaceAddresses(ctx, dom, virtwire.DomainInterfaceAddressesSrcLease, 0)
						askedDomain = true
					}
					a.IPs = domainAddresses(domAddrs, a.MAC)
					if len(a.IPs) > 0 {
						a.Source = FromDomainLease
					}
				}
			}
			out = append(out, a)
		}
	}
	return out, nil
}

// onNetwork reports whether nic is on the network called name with the
// given bridge.
func onNetwork(nic *xmlspec.Interface, name, bridge string) bool {
	if nic.Source == nil {
		return false
	}
	switch nic.Type {
	case xmlspec.InterfaceNetwork:
		return nic.Source.Network == name
	case xmlspec.InterfaceBridge:
		return bridge != "" && nic.Source.Bridge == bridge
	}
	return false
}

// domainAddresses returns the addresses libvirt reported for the domain
// NIC with MAC address mac.
func domainAddresses(ifaces []virtwire.DomainInterface, mac net.HardwareAddr) []netip.Addr {
	var out []netip.Addr
	for _, in := range ifaces {
		if in.Hwaddr == nil {
			continue
		}
		hw, err := xmlspec.ParseMAC(*in.Hwaddr)
		if err != nil || !bytes.Equal(hw, mac) {
			continue
		}
		for _, a := range in.Addrs {
			if ip, err := netip.ParseAddr(a.Addr); err == nil {
				out = append(out, ip)
			}
		}
	}
	return out
}
