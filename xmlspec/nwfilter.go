package xmlspec

import "encoding/xml"

// NWFilter is a network filter, the <filter> document of
// formatnwfilter.rst: firewall rules, and references to other filters, that
// libvirt applies to the traffic of the guest NICs that name it in their
// <filterref>.
//
// Rules and filter references keep the order they were read in. One added
// in Go goes after the last of its kind (AddRule, AddFilterRef).
type NWFilter struct {
	XMLName    xml.Name       `xml:"filter"`
	Name       string         `xml:"name,attr"`
	Chain      string         `xml:"chain,attr"`    // root, or a protocol prefix: mac, stp, vlan, arp, rarp, ipv4, ipv6
	Priority   *int           `xml:"priority,attr"` // -1000 to 1000; lower chains are evaluated first
	UUID       *UUID          `xml:"uuid"`
	FilterRefs []FilterRef    `xml:"filterref"`
	Rules      []NWFilterRule `xml:"rule"`
	Extra      Extra          `xml:"-"`
}

// Rule actions, the values of NWFilterRule.Action.
const (
	NWFilterAccept   = "accept"
	NWFilterDrop     = "drop"
	NWFilterReject   = "reject"
	NWFilterContinue = "continue"
	NWFilterReturn   = "return"
)

// Rule directions, the values of NWFilterRule.Direction: traffic from the
// guest is "out", to the guest "in".
const (
	NWFilterIn    = "in"
	NWFilterOut   = "out"
	NWFilterInOut = "inout"
)

// NWFilterRule is a <rule>: an action for the traffic that its one
// protocol element matches. A rule without a protocol element matches all
// traffic. The protocol fields are named after libvirt's protocol elements;
// those of one layer share a type, since libvirt gives them the same
// attributes.
//
// Attribute values in the protocol structs are strings, as libvirt's are:
// besides addresses and numbers (decimal or hex) they may name a filter
// variable ("$IP", "$MAC[@1]") that libvirt fills in per NIC.
type NWFilterRule struct {
	Action     string `xml:"action,attr"`
	Direction  string `xml:"direction,attr"`
	Priority   *int   `xml:"priority,attr"`   // -1000 to 1000, 500 by default
	StateMatch string `xml:"statematch,attr"` // "false" or "0": no connection tracking

	MAC  *NWFilterMAC  `xml:"mac"`
	VLAN *NWFilterVLAN `xml:"vlan"`
	STP  *NWFilterSTP  `xml:"stp"`
	ARP  *NWFilterARP  `xml:"arp"`
	RARP *NWFilterARP  `xml:"rarp"`
	IP   *NWFilterIP   `xml:"ip"`
	IPv6 *NWFilterIPv6 `xml:"ipv6"`

	TCP     *NWFilterTCP      `xml:"tcp"`
	UDP     *NWFilterUDP      `xml:"udp"`
	SCTP    *NWFilterUDP      `xml:"sctp"`
	ICMP    *NWFilterICMP     `xml:"icmp"`
	IGMP    *NWFilterProtocol `xml:"igmp"`
	All     *NWFilterProtocol `xml:"all"`
	ESP     *NWFilterProtocol `xml:"esp"`
	AH      *NWFilterProtocol `xml:"ah"`
	UDPLite *NWFilterProtocol `xml:"udplite"`

	TCPIPv6     *NWFilterTCP      `xml:"tcp-ipv6"`
	UDPIPv6     *NWFilterUDP      `xml:"udp-ipv6"`
	SCTPIPv6    *NWFilterUDP      `xml:"sctp-ipv6"`
	ICMPv6      *NWFilterICMP     `xml:"icmpv6"`
	AllIPv6     *NWFilterProtocol `xml:"all-ipv6"`
	ESPIPv6     *NWFilterProtocol `xml:"esp-ipv6"`
	AHIPv6      *NWFilterProtocol `xml:"ah-ipv6"`
	UDPLiteIPv6 *NWFilterProtocol `xml:"udplite-ipv6"`

	Extra Extra `xml:"-"`
}

// NWFilterMAC matches Ethernet frames: <mac>.
type NWFilterMAC struct {
	Match      string `xml:"match,attr"` // "no" inverts the match
	SrcMACAddr string `xml:"srcmacaddr,attr"`
	SrcMACMask string `xml:"srcmacmask,attr"`
	DstMACAddr string `xml:"dstmacaddr,attr"`
	DstMACMask string `xml:"dstmacmask,attr"`
	ProtocolID string `xml:"protocolid,attr"` // arp, rarp, ipv4, ipv6, vlan, or an EtherType
	Comment    string `xml:"comment,attr"`
	Extra      Extra  `xml:"-"`
}

// NWFilterVLAN matches 802.1Q frames: <vlan>.
type NWFilterVLAN struct {
	Match         string `xml:"match,attr"`
	SrcMACAddr    string `xml:"srcmacaddr,attr"`
	SrcMACMask    string `xml:"srcmacmask,attr"`
	DstMACAddr    string `xml:"dstmacaddr,attr"`
	DstMACMask    string `xml:"dstmacmask,attr"`
	VLANID        string `xml:"vlanid,attr"`
	EncapProtocol string `xml:"encap-protocol,attr"`
	Comment       string `xml:"comment,attr"`
	Extra         Extra  `xml:"-"`
}

// NWFilterSTP matches spanning tree BPDUs: <stp>. The -hi attributes end a
// range that the attribute without the suffix starts.
type NWFilterSTP struct {
	Match             string `xml:"match,attr"`
	SrcMACAddr        string `xml:"srcmacaddr,attr"`
	SrcMACMask        string `xml:"srcmacmask,attr"`
	Type              string `xml:"type,attr"`
	Flags             string `xml:"flags,attr"`
	RootPriority      string `xml:"root-priority,attr"`
	RootPriorityHi    string `xml:"root-priority-hi,attr"`
	RootAddress       string `xml:"root-address,attr"`
	RootAddressMask   string `xml:"root-address-mask,attr"`
	RootCost          string `xml:"root-cost,attr"`
	RootCostHi        string `xml:"root-cost-hi,attr"`
	SenderPriority    string `xml:"sender-priority,attr"`
	SenderPriorityHi  string `xml:"sender-priority-hi,attr"`
	SenderAddress     string `xml:"sender-address,attr"`
	SenderAddressMask string `xml:"sender-address-mask,attr"`
	Port              string `xml:"port,attr"`
	PortHi            string `xml:"port-hi,attr"`
	Age               string `xml:"age,attr"`
	AgeHi             string `xml:"age-hi,attr"`
	MaxAge            string `xml:"max-age,attr"`
	MaxAgeHi          string `xml:"max-age-hi,attr"`
	HelloTime         string `xml:"hello-time,attr"`
	HelloTimeHi       string `xml:"hello-time-hi,attr"`
	ForwardDelay      string `xml:"forward-delay,attr"`
	ForwardDelayHi    string `xml:"forward-delay-hi,attr"`
	Comment           string `xml:"comment,attr"`
	Extra             Extra  `xml:"-"`
}

// NWFilterARP matches ARP or RARP packets: <arp>, <rarp>.
type NWFilterARP struct {
	Match         string `xml:"match,attr"`
	SrcMACAddr    string `xml:"srcmacaddr,attr"`
	SrcMACMask    string `xml:"srcmacmask,attr"`
	DstMACAddr    string `xml:"dstmacaddr,attr"`
	DstMACMask    string `xml:"dstmacmask,attr"`
	HWType        string `xml:"hwtype,attr"`
	ProtocolType  string `xml:"protocoltype,attr"`
	Opcode        string `xml:"opcode,attr"` // Request, Reply, ... or a number
	ARPSrcMACAddr string `xml:"arpsrcmacaddr,attr"`
	ARPDstMACAddr string `xml:"arpdstmacaddr,attr"`
	ARPSrcIPAddr  string `xml:"arpsrcipaddr,attr"`
	ARPDstIPAddr  string `xml:"arpdstipaddr,attr"`
	Gratuitous    string `xml:"gratuitous,attr"`
	Comment       string `xml:"comment,attr"`
	Extra         Extra  `xml:"-"`
}

// NWFilterIP matches IPv4 packets at the Ethernet layer: <ip>.
type NWFilterIP struct {
	Match        string `xml:"match,attr"`
	SrcMACAddr   string `xml:"srcmacaddr,attr"`
	SrcMACMask   string `xml:"srcmacmask,attr"`
	DstMACAddr   string `xml:"dstmacaddr,attr"`
	DstMACMask   string `xml:"dstmacmask,attr"`
	SrcIPAddr    string `xml:"srcipaddr,attr"`
	SrcIPMask    string `xml:"srcipmask,attr"`
	DstIPAddr    string `xml:"dstipaddr,attr"`
	DstIPMask    string `xml:"dstipmask,attr"`
	Protocol     string `xml:"protocol,attr"` // tcp, udp, ... or a number
	SrcPortStart string `xml:"srcportstart,attr"`
	SrcPortEnd   string `xml:"srcportend,attr"`
	DstPortStart string `xml:"dstportstart,attr"`
	DstPortEnd   string `xml:"dstportend,attr"`
	DSCP         string `xml:"dscp,attr"`
	Comment      string `xml:"comment,attr"`
	Extra        Extra  `xml:"-"`
}

// NWFilterIPv6 matches IPv6 packets at the Ethernet layer: <ipv6>.
type NWFilterIPv6 struct {
	Match        string `xml:"match,attr"`
	SrcMACAddr   string `xml:"srcmacaddr,attr"`
	SrcMACMask   string `xml:"srcmacmask,attr"`
	DstMACAddr   string `xml:"dstmacaddr,attr"`
	DstMACMask   string `xml:"dstmacmask,attr"`
	SrcIPAddr    string `xml:"srcipaddr,attr"`
	SrcIPMask    string `xml:"srcipmask,attr"`
	DstIPAddr    string `xml:"dstipaddr,attr"`
	DstIPMask    string `xml:"dstipmask,attr"`
	Protocol     string `xml:"protocol,attr"`
	SrcPortStart string `xml:"srcportstart,attr"`
	SrcPortEnd   string `xml:"srcportend,attr"`
	DstPortStart string `xml:"dstportstart,attr"`
	DstPortEnd   string `xml:"dstportend,attr"`
	Type         string `xml:"type,attr"` // ICMPv6 type, to TypeEnd
	TypeEnd      string `xml:"typeend,attr"`
	Code         string `xml:"code,attr"` // ICMPv6 code, to CodeEnd
	CodeEnd      string `xml:"codeend,attr"`
	Comment      string `xml:"comment,attr"`
	Extra        Extra  `xml:"-"`
}

// NWFilterTCP matches TCP over IPv4 or IPv6: <tcp>, <tcp-ipv6>. State,
// ConnLimitAbove and IPSet apply to IPv4 only.
type NWFilterTCP struct {
	Match          string `xml:"match,attr"`
	SrcMACAddr     string `xml:"srcmacaddr,attr"`
	SrcIPAddr      string `xml:"srcipaddr,attr"`
	SrcIPMask      string `xml:"srcipmask,attr"`
	DstIPAddr      string `xml:"dstipaddr,attr"`
	DstIPMask      string `xml:"dstipmask,attr"`
	SrcIPFrom      string `xml:"srcipfrom,attr"`
	SrcIPTo        string `xml:"srcipto,attr"`
	DstIPFrom      string `xml:"dstipfrom,attr"`
	DstIPTo        string `xml:"dstipto,attr"`
	SrcPortStart   string `xml:"srcportstart,attr"`
	SrcPortEnd     string `xml:"srcportend,attr"`
	DstPortStart   string `xml:"dstportstart,attr"`
	DstPortEnd     string `xml:"dstportend,attr"`
	DSCP           string `xml:"dscp,attr"`
	ConnLimitAbove string `xml:"connlimit-above,attr"`
	State          string `xml:"state,attr"` // NEW,ESTABLISHED,RELATED,INVALID or NONE
	IPSet          string `xml:"ipset,attr"`
	IPSetFlags     string `xml:"ipsetflags,attr"`
	Flags          string `xml:"flags,attr"` // mask/flags: "SYN,ACK/SYN"
	Comment        string `xml:"comment,attr"`
	Extra          Extra  `xml:"-"`
}

// NWFilterUDP matches UDP or SCTP over IPv4 or IPv6: <udp>, <sctp>,
// <udp-ipv6>, <sctp-ipv6>, which take the same attributes.
type NWFilterUDP struct {
	Match          string `xml:"match,attr"`
	SrcMACAddr     string `xml:"srcmacaddr,attr"`
	SrcIPAddr      string `xml:"srcipaddr,attr"`
	SrcIPMask      string `xml:"srcipmask,attr"`
	DstIPAddr      string `xml:"dstipaddr,attr"`
	DstIPMask      string `xml:"dstipmask,attr"`
	SrcIPFrom      string `xml:"srcipfrom,attr"`
	SrcIPTo        string `xml:"srcipto,attr"`
	DstIPFrom      string `xml:"dstipfrom,attr"`
	DstIPTo        string `xml:"dstipto,attr"`
	SrcPortStart   string `xml:"srcportstart,attr"`
	SrcPortEnd     string `xml:"srcportend,attr"`
	DstPortStart   string `xml:"dstportstart,attr"`
	DstPortEnd     string `xml:"dstportend,attr"`
	DSCP           string `xml:"dscp,attr"`
	ConnLimitAbove string `xml:"connlimit-above,attr"`
	State          string `xml:"state,attr"`
	IPSet          string `xml:"ipset,attr"`
	IPSetFlags     string `xml:"ipsetflags,attr"`
	Comment        string `xml:"comment,attr"`
	Extra          Extra  `xml:"-"`
}

// NWFilterICMP matches ICMP or ICMPv6: <icmp>, <icmpv6>.
type NWFilterICMP struct {
	Match          string `xml:"match,attr"`
	SrcMACAddr     string `xml:"srcmacaddr,attr"`
	SrcIPAddr      string `xml:"srcipaddr,attr"`
	SrcIPMask      string `xml:"srcipmask,attr"`
	DstIPAddr      string `xml:"dstipaddr,attr"`
	DstIPMask      string `xml:"dstipmask,attr"`
	SrcIPFrom      string `xml:"srcipfrom,attr"`
	SrcIPTo        string `xml:"srcipto,attr"`
	DstIPFrom      string `xml:"dstipfrom,attr"`
	DstIPTo        string `xml:"dstipto,attr"`
	Type           string `xml:"type,attr"`
	Code           string `xml:"code,attr"`
	DSCP           string `xml:"dscp,attr"`
	ConnLimitAbove string `xml:"connlimit-above,attr"`
	State          string `xml:"state,attr"`
	IPSet          string `xml:"ipset,attr"`
	IPSetFlags     string `xml:"ipsetflags,attr"`
	Comment        string `xml:"comment,attr"`
	Extra          Extra  `xml:"-"`
}

// NWFilterProtocol matches an IP protocol by addresses only: <all>,
// <igmp>, <esp>, <ah>, <udplite> and their -ipv6 forms.
type NWFilterProtocol struct {
	Match          string `xml:"match,attr"`
	SrcMACAddr     string `xml:"srcmacaddr,attr"`
	SrcIPAddr      string `xml:"srcipaddr,attr"`
	SrcIPMask      string `xml:"srcipmask,attr"`
	DstIPAddr      string `xml:"dstipaddr,attr"`
	DstIPMask      string `xml:"dstipmask,attr"`
	SrcIPFrom      string `xml:"srcipfrom,attr"`
	SrcIPTo        string `xml:"srcipto,attr"`
	DstIPFrom      string `xml:"dstipfrom,attr"`
	DstIPTo        string `xml:"dstipto,attr"`
	DSCP           string `xml:"dscp,attr"`
	ConnLimitAbove string `xml:"connlimit-above,attr"`
	State          string `xml:"state,attr"`
	IPSet          string `xml:"ipset,attr"`
	IPSetFlags     string `xml:"ipsetflags,attr"`
	Comment        string `xml:"comment,attr"`
	Extra          Extra  `xml:"-"`
}

// NWFilterBinding is the binding of a network filter to one guest NIC, the
// <filterbinding> document of formatnwfilter.rst: libvirt creates one per
// NIC with a <filterref>, and a program can create its own for a port that
// libvirt does not manage.
type NWFilterBinding struct {
	XMLName   xml.Name            `xml:"filterbinding"`
	Owner     *NetworkPortOwner   `xml:"owner"`   // the domain
	PortDev   *NWFilterBindingDev `xml:"portdev"` // the host side of the NIC (vnet0)
	LinkDev   *NWFilterBindingDev `xml:"linkdev"` // a macvtap port's parent device
	MAC       *NetworkMAC         `xml:"mac"`
	FilterRef *FilterRef          `xml:"filterref"`
	Extra     Extra               `xml:"-"`
}

// NWFilterBindingDev names a host network device: <portdev name='vnet0'/>.
type NWFilterBindingDev struct {
	Name  string `xml:"name,attr"`
	Extra Extra  `xml:"-"`
}

// ParseNWFilter reads a <filter> document.
func ParseNWFilter(data []byte) (*NWFilter, error) { return parseAs[NWFilter](data, "filter") }

// Marshal writes f as an indented XML document.
func (f *NWFilter) Marshal() ([]byte, error) { return marshalIndent(f) }

// ParseNWFilterBinding reads a <filterbinding> document.
func ParseNWFilterBinding(data []byte) (*NWFilterBinding, error) {
	return parseAs[NWFilterBinding](data, "filterbinding")
}

// Marshal writes b as an indented XML document.
func (b *NWFilterBinding) Marshal() ([]byte, error) { return marshalIndent(b) }

// Protocol returns the name of the rule's protocol element ("tcp",
// "ipv6", "all-ipv6"...), or "" for a rule that matches all traffic.
func (r *NWFilterRule) Protocol() string {
	for _, p := range []struct {
		name string
		set  bool
	}{
		{"mac", r.MAC != nil}, {"vlan", r.VLAN != nil}, {"stp", r.STP != nil},
		{"arp", r.ARP != nil}, {"rarp", r.RARP != nil}, {"ip", r.IP != nil}, {"ipv6", r.IPv6 != nil},
		{"tcp", r.TCP != nil}, {"udp", r.UDP != nil}, {"sctp", r.SCTP != nil}, {"icmp", r.ICMP != nil},
		{"igmp", r.IGMP != nil}, {"all", r.All != nil}, {"esp", r.ESP != nil}, {"ah", r.AH != nil},
		{"udplite", r.UDPLite != nil},
		{"tcp-ipv6", r.TCPIPv6 != nil}, {"udp-ipv6", r.UDPIPv6 != nil}, {"sctp-ipv6", r.SCTPIPv6 != nil},
		{"icmpv6", r.ICMPv6 != nil}, {"all-ipv6", r.AllIPv6 != nil}, {"esp-ipv6", r.ESPIPv6 != nil},
		{"ah-ipv6", r.AHIPv6 != nil}, {"udplite-ipv6", r.UDPLiteIPv6 != nil},
	} {
		if p.set {
			return p.name
		}
	}
	return ""
}

// AddRule appends a copy of r to the filter's rules and returns a pointer
// to the copy. Marshal writes it after the filter's existing rules.
func (f *NWFilter) AddRule(r NWFilterRule) *NWFilterRule {
	f.Rules = append(f.Rules, r)
	return &f.Rules[len(f.Rules)-1]
}

// AddFilterRef makes the filter include the filter named filter, with the
// given parameters, and returns the new reference. A parameter named twice
// holds a list of values, as libvirt reads it.
func (f *NWFilter) AddFilterRef(filter string, params ...FilterParam) *FilterRef {
	f.FilterRefs = append(f.FilterRefs, *NewFilterRef(filter, params...))
	return &f.FilterRefs[len(f.FilterRefs)-1]
}

// NewFilterRef returns a reference to the filter named filter with the
// given parameters, for a guest NIC, a filter binding or a filter.
func NewFilterRef(filter string, params ...FilterParam) *FilterRef {
	return &FilterRef{Filter: filter, Parameters: append([]FilterParam(nil), params...)}
}

// Values returns the values of the parameter named name, in document
// order: libvirt reads a parameter given more than once (IP) as a list.
func (r *FilterRef) Values(name string) []string {
	var out []string
	for _, p := range r.Parameters {
		if p.Name == name {
			out = append(out, p.Value)
		}
	}
	return out
}
