package xmlspec

import (
	"encoding/xml"
	"net"
)

// Host interface types, the values of HostInterface.Type.
const (
	HostInterfaceEthernet = "ethernet"
	HostInterfaceBridge   = "bridge"
	HostInterfaceBond     = "bond"
	HostInterfaceVLAN     = "vlan"
)

// HostInterface is a network interface of the host, the <interface>
// document of libvirt's interface driver (virInterfaceDefineXML, schema
// interface.rng): an Ethernet device, a bridge, a bond or a VLAN, with its
// start mode and addressing. It is not a guest's NIC, which is Interface.
//
// A bridge's ports (Bridge.Interfaces), a bond's members (Bond.Interfaces)
// and a VLAN's parent device (VLAN.Interface) are HostInterfaces too; they
// carry no start mode or addressing of their own.
type HostInterface struct {
	XMLName   xml.Name                `xml:"interface"`
	Type      string                  `xml:"type,attr"`
	Name      string                  `xml:"name,attr"` // eth0, br0, bond0, eth0.42
	Start     *HostInterfaceStart     `xml:"start"`
	MAC       *NetworkMAC             `xml:"mac"`
	Link      *HostInterfaceLink      `xml:"link"`
	MTU       *MTU                    `xml:"mtu"`
	Protocols []HostInterfaceProtocol `xml:"protocol"`
	Bridge    *HostBridge             `xml:"bridge"`
	Bond      *HostBond               `xml:"bond"`
	VLAN      *HostVLAN               `xml:"vlan"`
	Extra     Extra                   `xml:"-"`
}

// HostInterfaceStart is <start mode='...'/>: when the interface comes up.
type HostInterfaceStart struct {
	Mode  string `xml:"mode,attr"` // onboot, none, hotplug
	Extra Extra  `xml:"-"`
}

// HostInterfaceLink is <link speed='...' state='...'/>: a host network
// device's link as libvirt reports it, for host interfaces and node
// devices.
type HostInterfaceLink struct {
	Speed *uint  `xml:"speed,attr"` // Mbit/s
	State string `xml:"state,attr"` // up, down, unknown, notpresent, lowerlayerdown, testing, dormant
	Extra Extra  `xml:"-"`
}

// HostInterfaceProtocol is a <protocol>: the interface's IPv4 or IPv6
// addressing.
type HostInterfaceProtocol struct {
	Family   string             `xml:"family,attr"` // ipv4, ipv6
	Autoconf *Flag              `xml:"autoconf"`    // IPv6 only: SLAAC
	DHCP     *HostInterfaceDHCP `xml:"dhcp"`
	IPs      []InterfaceIP      `xml:"ip"` // Address and Prefix
	Route    *Route             `xml:"route"`
	Extra    Extra              `xml:"-"`
}

// HostInterfaceDHCP is <dhcp>: the address comes from a DHCP server.
type HostInterfaceDHCP struct {
	PeerDNS string `xml:"peerdns,attr"` // "no": keep the host's resolver settings
	Extra   Extra  `xml:"-"`
}

// HostBridge is a bridge's <bridge>: its settings and ports.
type HostBridge struct {
	STP        string          `xml:"stp,attr"`   // on, off
	Delay      string          `xml:"delay,attr"` // forward delay in seconds, fractional
	Interfaces []HostInterface `xml:"interface"`
	Extra      Extra           `xml:"-"`
}

// HostBond is a bond's <bond>: its mode, link monitoring and
// members (the first is the primary in active-backup mode).
type HostBond struct {
	Mode       string          `xml:"mode,attr"` // balance-rr, active-backup, balance-xor, broadcast, 802.3ad, balance-tlb, balance-alb
	MIIMon     *HostBondMIIMon `xml:"miimon"`
	ARPMon     *HostBondARPMon `xml:"arpmon"`
	Interfaces []HostInterface `xml:"interface"`
	Extra      Extra           `xml:"-"`
}

// HostBondMIIMon is <miimon>: link monitoring through MII.
type HostBondMIIMon struct {
	Freq      uint   `xml:"freq,attr"` // ms
	DownDelay *uint  `xml:"downdelay,attr"`
	UpDelay   *uint  `xml:"updelay,attr"`
	Carrier   string `xml:"carrier,attr"` // ioctl, netif
	Extra     Extra  `xml:"-"`
}

// HostBondARPMon is <arpmon>: link monitoring by ARP probes.
type HostBondARPMon struct {
	Interval uint   `xml:"interval,attr"` // ms
	Target   string `xml:"target,attr"`   // IPv4 address
	Validate string `xml:"validate,attr"` // none, active, backup, all
	Extra    Extra  `xml:"-"`
}

// HostVLAN is a VLAN's <vlan>: its tag and parent device.
type HostVLAN struct {
	Tag       uint           `xml:"tag,attr"`
	Interface *HostInterface `xml:"interface"` // only Name is used
	Extra     Extra          `xml:"-"`
}

// ParseHostInterface reads a host <interface> document.
func ParseHostInterface(data []byte) (*HostInterface, error) {
	return parseAs[HostInterface](data, "interface")
}

// Marshal writes i as an indented XML document.
func (i *HostInterface) Marshal() ([]byte, error) { return marshalIndent(i) }

// NewHostBridge returns a bridge named name that starts at boot, gets its
// IPv4 address by DHCP and has the host devices ports as its ports; libvirt
// moves the ports' addressing to the bridge when it is defined.
func NewHostBridge(name string, ports ...string) *HostInterface {
	br := &HostInterface{
		Type:      HostInterfaceBridge,
		Name:      name,
		Start:     &HostInterfaceStart{Mode: "onboot"},
		Protocols: []HostInterfaceProtocol{{Family: "ipv4", DHCP: &HostInterfaceDHCP{}}},
		Bridge:    &HostBridge{STP: "off"},
	}
	for _, p := range ports {
		br.Bridge.Interfaces = append(br.Bridge.Interfaces, HostInterface{Type: HostInterfaceEthernet, Name: p})
	}
	return br
}

// MACAddress returns the interface's MAC address, or nil.
func (i *HostInterface) MACAddress() net.HardwareAddr {
	if i.MAC == nil {
		return nil
	}
	return i.MAC.Address
}

// Protocol returns the interface's addressing for family ("ipv4" or
// "ipv6"), or nil.
func (i *HostInterface) Protocol(family string) *HostInterfaceProtocol {
	return findItem(i.Protocols, func(p *HostInterfaceProtocol) bool { return p.Family == family })
}

// Members returns the interfaces this one is made of: a bridge's ports, a
// bond's members, a VLAN's parent device; nil for an Ethernet device.
func (i *HostInterface) Members() []*HostInterface {
	var list []HostInterface
	switch {
	case i.Bridge != nil:
		list = i.Bridge.Interfaces
	case i.Bond != nil:
		list = i.Bond.Interfaces
	case i.VLAN != nil && i.VLAN.Interface != nil:
		return []*HostInterface{i.VLAN.Interface}
	}
	out := make([]*HostInterface, len(list))
	for k := range list {
		out[k] = &list[k]
	}
	return out
}
