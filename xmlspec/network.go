package xmlspec

import (
	"encoding/xml"
	"net"
)

// Network is a libvirt virtual network definition, the <network> document
// of formatnetwork.rst.
type Network struct {
	XMLName             xml.Name        `xml:"network"`
	Connections         *uint           `xml:"connections,attr"`
	IPv6                string          `xml:"ipv6,attr"`
	TrustGuestRxFilters string          `xml:"trustGuestRxFilters,attr"`
	Name                string          `xml:"name"`
	UUID                *UUID           `xml:"uuid"`
	Title               string          `xml:"title"`
	Description         string          `xml:"description"`
	Metadata            *Metadata       `xml:"metadata"`
	Forward             *Forward        `xml:"forward"`
	Bridge              *NetworkBridge  `xml:"bridge"`
	MTU                 *MTU            `xml:"mtu"`
	MAC                 *NetworkMAC     `xml:"mac"`
	Domain              *NetworkDomain  `xml:"domain"`
	DNS                 *DNS            `xml:"dns"`
	Bandwidth           *Bandwidth      `xml:"bandwidth"`
	VLAN                *VLAN           `xml:"vlan"`
	Port                *PortOptions    `xml:"port"`
	VirtualPort         *VirtualPort    `xml:"virtualport"`
	PortGroups          []PortGroup     `xml:"portgroup"`
	IPs                 []NetworkIP     `xml:"ip"`
	Routes              []Route         `xml:"route"`
	DnsmasqOptions      *DnsmasqOptions `xml:"http://libvirt.org/schemas/network/dnsmasq/1.0 options"`
	Extra               Extra           `xml:"-"`
}

// NetworkBridge is the host bridge of the network.
type NetworkBridge struct {
	Name            string  `xml:"name,attr"`
	Zone            string  `xml:"zone,attr"`
	STP             string  `xml:"stp,attr"`
	Delay           *uint64 `xml:"delay,attr"`
	MACTableManager string  `xml:"macTableManager,attr"`
	Extra           Extra   `xml:"-"`
}

// NetworkMAC is a <mac address='...'/>.
type NetworkMAC struct {
	Address net.HardwareAddr `xml:"address,attr"`
	Extra   Extra            `xml:"-"`
}

// NetworkDomain is the DNS domain of the network's DHCP clients.
type NetworkDomain struct {
	Name      string `xml:"name,attr"`
	LocalOnly string `xml:"localOnly,attr"`
	Register  string `xml:"register,attr"`
	Extra     Extra  `xml:"-"`
}

// Forward modes, the values of Forward.Mode. No <forward> at all means an
// isolated network.
const (
	ForwardNAT         = "nat"
	ForwardRoute       = "route"
	ForwardOpen        = "open"
	ForwardBridge      = "bridge"
	ForwardPassthrough = "passthrough"
	ForwardPrivate     = "private"
	ForwardVEPA        = "vepa"
	ForwardHostdev     = "hostdev"
)

// Forward is <forward>: how the network reaches the outside.
type Forward struct {
	Dev        string             `xml:"dev,attr"`
	Mode       string             `xml:"mode,attr"`
	Managed    string             `xml:"managed,attr"`
	Driver     *HostdevDriver     `xml:"driver"`
	PF         *ForwardPF         `xml:"pf"`
	NAT        *ForwardNATConfig  `xml:"nat"`
	Interfaces []ForwardInterface `xml:"interface"`
	Addresses  []ForwardAddress   `xml:"address"`
	Extra      Extra              `xml:"-"`
}

// ForwardInterface is a host device in a forward pool.
type ForwardInterface struct {
	Dev         string `xml:"dev,attr"`
	Connections *uint  `xml:"connections,attr"`
	Extra       Extra  `xml:"-"`
}

// ForwardAddress is a PCI device (an SR-IOV VF) in a hostdev forward pool.
type ForwardAddress struct {
	Type          string  `xml:"type,attr"`
	Domain        *uint32 `xml:"domain,attr" format:"0x%04x"`
	Bus           *uint   `xml:"bus,attr" format:"0x%02x"`
	Slot          *uint   `xml:"slot,attr" format:"0x%02x"`
	Function      *uint   `xml:"function,attr" format:"0x%x"`
	Multifunction string  `xml:"multifunction,attr"`
	Connections   *uint   `xml:"connections,attr"`
	Extra         Extra   `xml:"-"`
}

// ForwardPF is the SR-IOV physical function whose VFs form the pool.
type ForwardPF struct {
	Dev   string `xml:"dev,attr"`
	Extra Extra  `xml:"-"`
}

// ForwardNATConfig is <nat>: the address and port ranges used for NAT.
type ForwardNATConfig struct {
	IPv6    string           `xml:"ipv6,attr"`
	Address *NATAddressRange `xml:"address"`
	Port    *NATPortRange    `xml:"port"`
	Extra   Extra            `xml:"-"`
}

// NATAddressRange is the public IPv4 range for NAT.
type NATAddressRange struct {
	Start string `xml:"start,attr"`
	End   string `xml:"end,attr"`
	Extra Extra  `xml:"-"`
}

// NATPortRange is the source port range for NAT.
type NATPortRange struct {
	Start uint  `xml:"start,attr"`
	End   uint  `xml:"end,attr"`
	Extra Extra `xml:"-"`
}

// PortGroup is a <portgroup>: settings shared by the NICs that name it.
type PortGroup struct {
	Name                string       `xml:"name,attr"`
	Default             string       `xml:"default,attr"`
	TrustGuestRxFilters string       `xml:"trustGuestRxFilters,attr"`
	VirtualPort         *VirtualPort `xml:"virtualport"`
	Bandwidth           *Bandwidth   `xml:"bandwidth"`
	VLAN                *VLAN        `xml:"vlan"`
	Extra               Extra        `xml:"-"`
}

// DNS is <dns>: the network's DNS server settings.
type DNS struct {
	Enable            string         `xml:"enable,attr"`
	ForwardPlainNames string         `xml:"forwardPlainNames,attr"`
	Forwarders        []DNSForwarder `xml:"forwarder"`
	TXTs              []DNSTXT       `xml:"txt"`
	SRVs              []DNSSRV       `xml:"srv"`
	Hosts             []DNSHost      `xml:"host"`
	Extra             Extra          `xml:"-"`
}

// DNSForwarder is an upstream DNS server, optionally for one domain only.
type DNSForwarder struct {
	Addr   string `xml:"addr,attr"`
	Domain string `xml:"domain,attr"`
	Extra  Extra  `xml:"-"`
}

// DNSTXT is a TXT record.
type DNSTXT struct {
	XMLName xml.Name `xml:"txt"`
	Name    string   `xml:"name,attr"`
	Value   string   `xml:"value,attr"`
	Extra   Extra    `xml:"-"`
}

// DNSSRV is an SRV record.
type DNSSRV struct {
	XMLName  xml.Name `xml:"srv"`
	Service  string   `xml:"service,attr"`
	Protocol string   `xml:"protocol,attr"`
	Domain   string   `xml:"domain,attr"`
	Target   string   `xml:"target,attr"`
	Port     *uint    `xml:"port,attr"`
	Priority *uint    `xml:"priority,attr"`
	Weight   *uint    `xml:"weight,attr"`
	Extra    Extra    `xml:"-"`
}

// DNSHost is an address record: IP and its host names.
type DNSHost struct {
	XMLName   xml.Name `xml:"host"`
	IP        string   `xml:"ip,attr"`
	Hostnames []string `xml:"hostname"`
	Extra     Extra    `xml:"-"`
}

// NetworkIP is an <ip>: an address of the host on the network, with its
// DHCP server settings.
type NetworkIP struct {
	Address  string       `xml:"address,attr"`
	Netmask  string       `xml:"netmask,attr"`
	Prefix   *uint        `xml:"prefix,attr"`
	Family   string       `xml:"family,attr"` // ipv4 (the default), ipv6
	LocalPtr string       `xml:"localPtr,attr"`
	TFTP     *NetworkTFTP `xml:"tftp"`
	DHCP     *DHCP        `xml:"dhcp"`
	Extra    Extra        `xml:"-"`
}

// NetworkTFTP is the root of the network's TFTP server.
type NetworkTFTP struct {
	Root  string `xml:"root,attr"`
	Extra Extra  `xml:"-"`
}

// DHCP is <dhcp>: address ranges, static hosts and boot settings.
type DHCP struct {
	Ranges []DHCPRange `xml:"range"`
	Hosts  []DHCPHost  `xml:"host"`
	BootP  *DHCPBootP  `xml:"bootp"`
	Extra  Extra       `xml:"-"`
}

// DHCPRange is a range of addresses handed out dynamically.
type DHCPRange struct {
	XMLName xml.Name   `xml:"range"`
	Start   string     `xml:"start,attr"`
	End     string     `xml:"end,attr"`
	Lease   *DHCPLease `xml:"lease"`
	Extra   Extra      `xml:"-"`
}

// DHCPHost is a static DHCP assignment: the host with MAC (or, for IPv6,
// DUID ID, or Name) gets IP.
type DHCPHost struct {
	XMLName xml.Name         `xml:"host"`
	MAC     net.HardwareAddr `xml:"mac,attr"`
	ID      string           `xml:"id,attr"`
	Name    string           `xml:"name,attr"`
	IP      string           `xml:"ip,attr"`
	Lease   *DHCPLease       `xml:"lease"`
	Extra   Extra            `xml:"-"`
}

// DHCPLease is a lease time; expiry 0 means infinite.
type DHCPLease struct {
	Expiry *uint64 `xml:"expiry,attr"`
	Unit   string  `xml:"unit,attr"` // seconds, minutes (the default), hours
	Extra  Extra   `xml:"-"`
}

// DHCPBootP is <bootp>: the network boot file and server.
type DHCPBootP struct {
	File   string `xml:"file,attr"`
	Server string `xml:"server,attr"`
	Extra  Extra  `xml:"-"`
}

// DnsmasqOptions is <dnsmasq:options>: raw options for the network's
// dnsmasq, in libvirt's dnsmasq namespace.
type DnsmasqOptions struct {
	Options []DnsmasqOption `xml:"http://libvirt.org/schemas/network/dnsmasq/1.0 option"`
	Extra   Extra           `xml:"-"`
}

// DnsmasqOption is one <dnsmasq:option value='...'/>.
type DnsmasqOption struct {
	Value string `xml:"value,attr"`
	Extra Extra  `xml:"-"`
}

// NetworkPort is a port of a virtual network, the <networkport> document of
// formatnetworkport.rst: the network's record of one connected NIC.
type NetworkPort struct {
	XMLName     xml.Name           `xml:"networkport"`
	UUID        *UUID              `xml:"uuid"`
	Owner       *NetworkPortOwner  `xml:"owner"`
	Group       string             `xml:"group"`
	MAC         *NetworkMAC        `xml:"mac"`
	RXFilters   *NetworkPortFilter `xml:"rxfilters"`
	VirtualPort *VirtualPort       `xml:"virtualport"`
	Bandwidth   *Bandwidth         `xml:"bandwidth"`
	VLAN        *VLAN              `xml:"vlan"`
	Port        *PortOptions       `xml:"port"`
	Plug        *NetworkPortPlug   `xml:"plug"`
	Extra       Extra              `xml:"-"`
}

// NetworkPortOwner is the domain owning the port.
type NetworkPortOwner struct {
	Name  string `xml:"name"`
	UUID  *UUID  `xml:"uuid"`
	Extra Extra  `xml:"-"`
}

// NetworkPortFilter is <rxfilters trustGuest='...'/>.
type NetworkPortFilter struct {
	TrustGuest string `xml:"trustGuest,attr"`
	Extra      Extra  `xml:"-"`
}

// NetworkPortPlug is how the port is plugged on the host: into a bridge
// (network, bridge), a macvtap device (direct) or as a PCI device
// (hostdev-pci).
type NetworkPortPlug struct {
	Type            string         `xml:"type,attr"`
	Bridge          string         `xml:"bridge,attr"`
	MACTableManager string         `xml:"macTableManager,attr"`
	Dev             string         `xml:"dev,attr"`
	Mode            string         `xml:"mode,attr"`
	Managed         string         `xml:"managed,attr"`
	Driver          *HostdevDriver `xml:"driver"`
	Address         *Address       `xml:"address"`
	Extra           Extra          `xml:"-"`
}
