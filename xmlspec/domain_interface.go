package xmlspec

import (
	"encoding/xml"
	"net"
)

// Interface types, the values of Interface.Type.
const (
	InterfaceNetwork   = "network"
	InterfaceBridge    = "bridge"
	InterfaceUser      = "user"
	InterfaceEthernet  = "ethernet"
	InterfaceDirect    = "direct"
	InterfaceHostdev   = "hostdev"
	InterfaceVhostUser = "vhostuser"
	InterfaceVDPA      = "vdpa"
	InterfaceMcast     = "mcast"
	InterfaceServer    = "server"
	InterfaceClient    = "client"
	InterfaceUDP       = "udp"
	InterfaceNull      = "null"
	InterfaceVDS       = "vds"
	InterfaceInternal  = "internal"
)

// Interface is an <interface>: a guest NIC and what it connects to on the
// host.
type Interface struct {
	XMLName             xml.Name          `xml:"interface"`
	Type                string            `xml:"type,attr"`
	Managed             string            `xml:"managed,attr"` // hostdev
	TrustGuestRxFilters string            `xml:"trustGuestRxFilters,attr"`
	MAC                 *InterfaceMAC     `xml:"mac"`
	Source              *InterfaceSource  `xml:"source"`
	VirtualPort         *VirtualPort      `xml:"virtualport"`
	Bandwidth           *Bandwidth        `xml:"bandwidth"`
	VLAN                *VLAN             `xml:"vlan"`
	Port                *PortOptions      `xml:"port"`
	IPs                 []InterfaceIP     `xml:"ip"`
	Routes              []Route           `xml:"route"`
	PortForwards        []PortForward     `xml:"portForward"`
	Script              *InterfaceScript  `xml:"script"`
	DownScript          *InterfaceScript  `xml:"downscript"`
	BackendDomain       *BackendDomain    `xml:"backenddomain"`
	Target              *InterfaceTarget  `xml:"target"`
	Guest               *InterfaceGuest   `xml:"guest"`
	Model               *InterfaceModel   `xml:"model"`
	Driver              *InterfaceDriver  `xml:"driver"`
	Backend             *InterfaceBackend `xml:"backend"`
	FilterRef           *FilterRef        `xml:"filterref"`
	Tune                *InterfaceTune    `xml:"tune"`
	Teaming             *Teaming          `xml:"teaming"`
	Link                *InterfaceLink    `xml:"link"`
	MTU                 *MTU              `xml:"mtu"`
	Coalesce            *Coalesce         `xml:"coalesce"`
	Boot                *DeviceBoot       `xml:"boot"`
	ROM                 *ROM              `xml:"rom"`
	Alias               *Alias            `xml:"alias"`
	ACPI                *DeviceACPI       `xml:"acpi"`
	Address             *Address          `xml:"address"`
	Extra               Extra             `xml:"-"`
}

// InterfaceSource is what the NIC connects to on the host. Which attributes
// apply depends on the interface type:
//
//	network    Network, PortGroup, PortID (and Bridge once running)
//	bridge     Bridge, MACTableManager
//	direct     Dev, Mode (vepa, bridge, private, passthrough)
//	ethernet   IPs and Routes of the host side
//	user       Dev
//	vhostuser  Type (unix), Path, Mode (server, client), Dev, Reconnect
//	vdpa       Dev
//	mcast, client, server, udp  Address, Port (udp also Local)
//	hostdev    Address, or Vendor and Product for USB
//	vds        SwitchID, PortID, PortGroupID, ConnectionID
//	internal   Name
type InterfaceSource struct {
	Network         string                `xml:"network,attr"`
	PortGroup       string                `xml:"portgroup,attr"`
	PortID          string                `xml:"portid,attr"` // a UUID for network, a number for vds
	Bridge          string                `xml:"bridge,attr"`
	MACTableManager string                `xml:"macTableManager,attr"`
	Dev             string                `xml:"dev,attr"`
	Mode            string                `xml:"mode,attr"`
	Type            string                `xml:"type,attr"`
	Path            string                `xml:"path,attr"`
	Name            string                `xml:"name,attr"`
	Address         string                `xml:"address,attr"`
	Port            *int                  `xml:"port,attr"`
	Missing         string                `xml:"missing,attr"`
	SwitchID        *UUID                 `xml:"switchid,attr"`
	PortGroupID     string                `xml:"portgroupid,attr"`
	ConnectionID    *int64                `xml:"connectionid,attr"`
	Local           *InterfaceSourceLocal `xml:"local"`
	Reconnect       *Reconnect            `xml:"reconnect"`
	IPs             []InterfaceIP         `xml:"ip"`
	Routes          []Route               `xml:"route"`
	Vendor          *USBID                `xml:"vendor"`
	Product         *USBID                `xml:"product"`
	HostAddress     *Address              `xml:"address"`
	Extra           Extra                 `xml:"-"`
}

// InterfaceSourceLocal is the local end of a udp interface.
type InterfaceSourceLocal struct {
	Address string `xml:"address,attr"`
	Port    *int   `xml:"port,attr"`
	Extra   Extra  `xml:"-"`
}

// InterfaceLink is <link state='up|down'/>.
type InterfaceLink struct {
	State string `xml:"state,attr"`
	Extra Extra  `xml:"-"`
}

// MTU is <mtu size='...'/>.
type MTU struct {
	Size  uint  `xml:"size,attr"`
	Extra Extra `xml:"-"`
}

// Coalesce is a NIC's interrupt coalescing.
type Coalesce struct {
	RX    *CoalesceRX `xml:"rx"`
	Extra Extra       `xml:"-"`
}

// CoalesceRX is receive coalescing.
type CoalesceRX struct {
	Frames *CoalesceFrames `xml:"frames"`
	Extra  Extra           `xml:"-"`
}

// CoalesceFrames bounds the frames per interrupt.
type CoalesceFrames struct {
	Max   *uint `xml:"max,attr"`
	Extra Extra `xml:"-"`
}

// InterfaceTarget is the host-side device (tap, macvtap) of the NIC.
type InterfaceTarget struct {
	Dev     string `xml:"dev,attr"`
	Managed string `xml:"managed,attr"`
	Extra   Extra  `xml:"-"`
}

// InterfaceGuest is the NIC's name inside a container.
type InterfaceGuest struct {
	Dev    string `xml:"dev,attr"`
	Actual string `xml:"actual,attr"`
	Extra  Extra  `xml:"-"`
}

// InterfaceMAC is the NIC's <mac>. Address keeps the spelling it was read
// with (upper or lower case) until it is changed.
type InterfaceMAC struct {
	Address        net.HardwareAddr `xml:"address,attr"`
	Type           string           `xml:"type,attr"` // generated, static
	Check          string           `xml:"check,attr"`
	CurrentAddress net.HardwareAddr `xml:"currentAddress,attr"`
	Extra          Extra            `xml:"-"`
}

// InterfaceIP is an IP address of the guest (or, in a source, host) side.
type InterfaceIP struct {
	Address string `xml:"address,attr"`
	Family  string `xml:"family,attr"` // ipv4, ipv6
	Prefix  *uint  `xml:"prefix,attr"`
	Peer    string `xml:"peer,attr"`
	Extra   Extra  `xml:"-"`
}

// Route is a static <route>, on an interface or a network.
type Route struct {
	Family  string `xml:"family,attr"`
	Address string `xml:"address,attr"`
	Netmask string `xml:"netmask,attr"`
	Prefix  *uint  `xml:"prefix,attr"`
	Gateway string `xml:"gateway,attr"`
	Metric  *uint  `xml:"metric,attr"`
	Extra   Extra  `xml:"-"`
}

// PortForward forwards host ports to a passt-backed NIC.
type PortForward struct {
	Proto   string             `xml:"proto,attr"` // tcp, udp
	Address string             `xml:"address,attr"`
	Dev     string             `xml:"dev,attr"`
	Ranges  []PortForwardRange `xml:"range"`
	Extra   Extra              `xml:"-"`
}

// PortForwardRange is one forwarded port range.
type PortForwardRange struct {
	Start   *int   `xml:"start,attr"`
	End     *int   `xml:"end,attr"`
	To      *int   `xml:"to,attr"`
	Exclude string `xml:"exclude,attr"`
	Extra   Extra  `xml:"-"`
}

// InterfaceScript is a <script> or <downscript> run on the host.
type InterfaceScript struct {
	Path  string `xml:"path,attr"`
	Extra Extra  `xml:"-"`
}

// InterfaceModel is the emulated NIC model: virtio, e1000e, rtl8139...
type InterfaceModel struct {
	Type  string `xml:"type,attr"`
	Extra Extra  `xml:"-"`
}

// InterfaceBackend is the host backend of a NIC (passt for user
// networking, tap or vhost device paths).
type InterfaceBackend struct {
	Type    string `xml:"type,attr"` // default, passt
	Tap     string `xml:"tap,attr"`
	Vhost   string `xml:"vhost,attr"`
	LogFile string `xml:"logFile,attr"`
	Extra   Extra  `xml:"-"`
}

// InterfaceDriver is a NIC's <driver>: the virtio backend and its queues
// and offloads, or for hostdev NICs the assignment backend (Name vfio, Model).
type InterfaceDriver struct {
	Name          string             `xml:"name,attr"` // qemu, vhost; vfio, kvm, xen
	Model         string             `xml:"model,attr"`
	Queues        *uint              `xml:"queues,attr"`
	RXQueueSize   *uint              `xml:"rx_queue_size,attr"`
	TXQueueSize   *uint              `xml:"tx_queue_size,attr"`
	TXMode        string             `xml:"txmode,attr"`
	IOEventFD     string             `xml:"ioeventfd,attr"`
	EventIdx      string             `xml:"event_idx,attr"`
	RSS           string             `xml:"rss,attr"`
	RSSHashReport string             `xml:"rss_hash_report,attr"`
	IOMMU         string             `xml:"iommu,attr"`
	ATS           string             `xml:"ats,attr"`
	Packed        string             `xml:"packed,attr"`
	PagePerVQ     string             `xml:"page_per_vq,attr"`
	Host          *InterfaceOffloads `xml:"host"`
	Guest         *InterfaceOffloads `xml:"guest"`
	Extra         Extra              `xml:"-"`
}

// InterfaceOffloads switches host- or guest-side offloads of a virtio NIC
// (each "on" or "off"; GSO and MrgRXBuf exist on the host side only).
type InterfaceOffloads struct {
	CSum     string `xml:"csum,attr"`
	GSO      string `xml:"gso,attr"`
	TSO4     string `xml:"tso4,attr"`
	TSO6     string `xml:"tso6,attr"`
	ECN      string `xml:"ecn,attr"`
	UFO      string `xml:"ufo,attr"`
	MrgRXBuf string `xml:"mrg_rxbuf,attr"`
	Extra    Extra  `xml:"-"`
}

// FilterRef applies an nwfilter to the NIC.
type FilterRef struct {
	Filter     string        `xml:"filter,attr"`
	Parameters []FilterParam `xml:"parameter"`
	Extra      Extra         `xml:"-"`
}

// FilterParam is one filter parameter.
type FilterParam struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
	Extra Extra  `xml:"-"`
}

// InterfaceTune is <tune>.
type InterfaceTune struct {
	SndBuf *uint `xml:"sndbuf"`
	Extra  Extra `xml:"-"`
}

// PortOptions is <port isolated='yes|no'/>.
type PortOptions struct {
	Isolated string `xml:"isolated,attr"`
	Extra    Extra  `xml:"-"`
}

// Bandwidth is <bandwidth>: traffic shaping in each direction.
type Bandwidth struct {
	ClassID  *uint          `xml:"classID,attr"`
	Inbound  *BandwidthRate `xml:"inbound"`
	Outbound *BandwidthRate `xml:"outbound"`
	Extra    Extra          `xml:"-"`
}

// BandwidthRate is one direction's rates: average, peak and floor in
// kilobytes per second, burst in kilobytes.
type BandwidthRate struct {
	Average *uint64 `xml:"average,attr"`
	Peak    *uint64 `xml:"peak,attr"`
	Floor   *uint64 `xml:"floor,attr"`
	Burst   *uint   `xml:"burst,attr"`
	Extra   Extra   `xml:"-"`
}

// VLAN is <vlan>: the VLAN tags of a port.
type VLAN struct {
	Trunk string    `xml:"trunk,attr"`
	Tags  []VLANTag `xml:"tag"`
	Extra Extra     `xml:"-"`
}

// VLANTag is one VLAN id.
type VLANTag struct {
	ID         *uint  `xml:"id,attr"`
	NativeMode string `xml:"nativeMode,attr"` // tagged, untagged
	Extra      Extra  `xml:"-"`
}

// VirtualPort is <virtualport>: 802.1Qbg, 802.1Qbh, openvswitch or midonet
// port settings.
type VirtualPort struct {
	Type       string                 `xml:"type,attr"`
	Parameters *VirtualPortParameters `xml:"parameters"`
	Extra      Extra                  `xml:"-"`
}

// VirtualPortParameters are a virtual port's parameters; which apply
// depends on the type.
type VirtualPortParameters struct {
	ManagerID     *uint  `xml:"managerid,attr"`
	TypeID        *uint  `xml:"typeid,attr"`
	TypeIDVersion *uint  `xml:"typeidversion,attr"`
	InstanceID    *UUID  `xml:"instanceid,attr"`
	ProfileID     string `xml:"profileid,attr"`
	InterfaceID   *UUID  `xml:"interfaceid,attr"`
	Extra         Extra  `xml:"-"`
}
