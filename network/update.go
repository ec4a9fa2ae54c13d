package network

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/xmlspec"
)

// Scope says which configuration an update changes, as libvirt's
// virNetworkUpdateFlags do.
type Scope = virtwire.NetworkUpdateFlags

// Scopes for Update; AffectLive|AffectConfig changes both.
const (
	// AffectCurrent changes the running configuration of an active network, the
	// persistent one of an inactive network.
	AffectCurrent Scope = virtwire.NetworkUpdateAffectCurrent
	// AffectLive changes the running configuration (the network must be active).
	AffectLive Scope = virtwire.NetworkUpdateAffectLive
	// AffectConfig changes the persistent configuration (the network must be
	// persistent).
	AffectConfig Scope = virtwire.NetworkUpdateAffectConfig
)

// Command is what Update does to a section: add an element first or last,
// modify or delete one.
type Command = virtwire.NetworkUpdateCommand

// Section is the part of the configuration Update changes: ip-dhcp-host,
// ip-dhcp-range, dns-host, portgroup...
type Section = virtwire.NetworkUpdateSection

// Update applies one change to a section of the network's configuration:
// command (add first or last, modify, delete) with xml, one element of
// that section (a <host>, <range>, <portgroup>...). parentIndex picks the
// <ip> element for the ip-dhcp-* sections (-1: the first that fits).
//
// Daemons that still expect libvirt's old, swapped order of command and
// section get them swapped on the wire by virtwire's Conn.NetworkUpdate, as
// libvirt's own client does; callers always pass them as documented.
func (n *Network) Update(ctx context.Context, command Command, section Section, parentIndex int, xml string, scope Scope) error {
	if err := n.conn.NetworkUpdate(ctx, n.ref, command, section, int32(parentIndex), xml, scope); err != nil {
		return n.errorf(fmt.Sprintf("update %s %s", sectionName(section), commandName(command)), err)
	}
	return nil
}

// sectionName and commandName spell the values as virsh net-update does.
func sectionName(s Section) string {
	if name, ok := sectionNames[s]; ok {
		return name
	}
	return s.String()
}

func commandName(c Command) string {
	if name, ok := commandNames[c]; ok {
		return name
	}
	return c.String()
}

var sectionNames = map[Section]string{
	virtwire.NetworkSectionBridge: "bridge", virtwire.NetworkSectionDomain: "domain",
	virtwire.NetworkSectionIP: "ip", virtwire.NetworkSectionIPDHCPHost: "ip-dhcp-host",
	virtwire.NetworkSectionIPDHCPRange: "ip-dhcp-range", virtwire.NetworkSectionForward: "forward",
	virtwire.NetworkSectionForwardInterface: "forward-interface", virtwire.NetworkSectionForwardPf: "forward-pf",
	virtwire.NetworkSectionPortgroup: "portgroup", virtwire.NetworkSectionDNSHost: "dns-host",
	virtwire.NetworkSectionDNSTxt: "dns-txt", virtwire.NetworkSectionDNSSrv: "dns-srv",
}

var commandNames = map[Command]string{
	virtwire.NetworkUpdateCommandModify: "modify", virtwire.NetworkUpdateCommandDelete: "delete",
	virtwire.NetworkUpdateCommandAddLast: "add-last", virtwire.NetworkUpdateCommandAddFirst: "add-first",
}

// element writes v as the single element name, the XML Update sends.
func element(name string, v any) (string, error) {
	var b bytes.Buffer
	enc := xml.NewEncoder(&b)
	if err := enc.EncodeElement(v, xml.StartElement{Name: xml.Name{Local: name}}); err != nil {
		return "", err
	}
	if err := enc.Close(); err != nil {
		return "", err
	}
	return b.String(), nil
}

func (n *Network) updateElement(ctx context.Context, command Command, section Section, parentIndex int, name string, v any, scope Scope) error {
	doc, err := element(name, v)
	if err != nil {
		return n.errorf(fmt.Sprintf("update %s: writing the XML", sectionName(section)), err)
	}
	return n.Update(ctx, command, section, parentIndex, doc, scope)
}

// checkHost checks a DHCP host entry before it goes to the daemon, so that
// a typo gets a clear message rather than libvirt's.
func checkHost(h xmlspec.DHCPHost) error {
	if h.MAC != nil && len(h.MAC) != 6 {
		return fmt.Errorf("%w: DHCP host MAC %s is not 6 bytes", ErrInvalid, h.MAC)
	}
	if _, err := netip.ParseAddr(h.IP); err != nil {
		return fmt.Errorf("%w: DHCP host IP %q: %v", ErrInvalid, h.IP, err)
	}
	if h.MAC == nil && h.ID == "" && h.Name == "" {
		return fmt.Errorf("%w: DHCP host needs a MAC address, a DUID or a name", ErrInvalid)
	}
	return nil
}

// scopeXML returns the configuration an update with scope will change:
// the persistent one for AffectConfig alone (or the running one where the
// driver cannot show the persistent one of an active network: the test
// driver), else the running one (the persistent one of an inactive
// network).
func (n *Network) scopeXML(ctx context.Context, scope Scope) (*xmlspec.Network, error) {
	if scope&AffectConfig != 0 && scope&AffectLive == 0 {
		def, err := n.XML(ctx, true)
		if !virtwire.IsUnsupported(err) {
			return def, err
		}
	}
	return n.XML(ctx, false)
}

// ErrNoHost is wrapped by the error for modifying or deleting a DHCP host
// the network does not have.
var ErrNoHost = errors.New("no such DHCP host")

// sameHost reports whether a and b are the same host entry: the same MAC
// address, or without MACs the same DUID or name.
func sameHost(a, b *xmlspec.DHCPHost) bool {
	switch {
	case a.MAC != nil || b.MAC != nil:
		return a.MAC != nil && b.MAC != nil && bytes.Equal(a.MAC, b.MAC)
	case a.ID != "" || b.ID != "":
		return a.ID == b.ID
	default:
		return strings.EqualFold(a.Name, b.Name)
	}
}

func hostKey(h xmlspec.DHCPHost) string {
	switch {
	case h.MAC != nil:
		return "MAC " + h.MAC.String()
	case h.ID != "":
		return "id " + h.ID
	}
	return "name " + h.Name
}

// placeHost checks h against def, from which the host matching h (if any)
// has been removed, and returns the index of the <ip> element whose subnet
// holds h's address. libvirt itself, given no index, puts a host in the
// first <ip> of its family whether or not the subnet holds it, and
// modifies or deletes whichever entry shares any of its MAC, name or
// address.
func placeHost(def *xmlspec.Network, h xmlspec.DHCPHost) (int, error) {
	stored, err := def.AddDHCPHost(h)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	for i := range def.IPs {
		if d := def.IPs[i].DHCP; d != nil && len(d.Hosts) > 0 && &d.Hosts[len(d.Hosts)-1] == stored {
			return i, nil
		}
	}
	return 0, fmt.Errorf("%w: DHCP host %s: no <ip> element took it", ErrInvalid, hostKey(h))
}

// AddDHCPHost adds a static DHCP host (MAC, DUID or name to IP) to the <ip>
// element whose subnet holds its address. An address outside every subnet,
// or a MAC, name or address another host has, is refused before anything
// is changed.
func (n *Network) AddDHCPHost(ctx context.Context, h xmlspec.DHCPHost, scope Scope) error {
	if err := checkHost(h); err != nil {
		return n.errorf("add DHCP host", err)
	}
	def, err := n.scopeXML(ctx, scope)
	if err != nil {
		return err
	}
	idx, err := placeHost(def, h)
	if err != nil {
		return n.errorf("add DHCP host", err)
	}
	return n.updateElement(ctx, virtwire.NetworkUpdateCommandAddLast, virtwire.NetworkSectionIPDHCPHost, idx, "host", h, scope)
}

// ModifyDHCPHost replaces the static DHCP host that has h's MAC address
// (without one, its DUID or name) with h. A host the network does not
// have gives an error wrapping ErrNoHost.
func (n *Network) ModifyDHCPHost(ctx context.Context, h xmlspec.DHCPHost, scope Scope) error {
	if err := checkHost(h); err != nil {
		return n.errorf("modify DHCP host", err)
	}
	def, err := n.scopeXML(ctx, scope)
	if err != nil {
		return err
	}
	old := def.RemoveDHCPHosts(func(o *xmlspec.DHCPHost) bool { return sameHost(o, &h) })
	if len(old) == 0 {
		return n.errorf("modify DHCP host", fmt.Errorf("%w: %s", ErrNoHost, hostKey(h)))
	}
	idx, err := placeHost(def, h)
	if err != nil {
		return n.errorf("modify DHCP host", err)
	}
	return n.updateElement(ctx, virtwire.NetworkUpdateCommandModify, virtwire.NetworkSectionIPDHCPHost, idx, "host", h, scope)
}

// DeleteDHCPHost removes the static DHCP host with MAC address mac. A MAC
// the network has no host for gives an error wrapping ErrNoHost.
func (n *Network) DeleteDHCPHost(ctx context.Context, mac net.HardwareAddr, scope Scope) error {
	if len(mac) != 6 {
		return n.errorf("delete DHCP host", fmt.Errorf("%w: MAC %s is not 6 bytes", ErrInvalid, mac))
	}
	def, err := n.scopeXML(ctx, scope)
	if err != nil {
		return err
	}
	for i := range def.IPs {
		if d := def.IPs[i].DHCP; d != nil {
			for _, h := range d.Hosts {
				if h.MAC != nil && bytes.Equal(h.MAC, mac) {
					// libvirt matches the entry to delete on every attribute
					// given, so send the entry as it is.
					return n.updateElement(ctx, virtwire.NetworkUpdateCommandDelete, virtwire.NetworkSectionIPDHCPHost, i, "host", h, scope)
				}
			}
		}
	}
	return n.errorf("delete DHCP host", fmt.Errorf("%w: MAC %s", ErrNoHost, mac))
}

func checkRange(start, end netip.Addr) error {
	if !start.IsValid() || !end.IsValid() {
		return fmt.Errorf("%w: DHCP range needs a start and an end address", ErrInvalid)
	}
	if start.Is4() != end.Is4() || start.Compare(end) > 0 {
		return fmt.Errorf("%w: DHCP range %s-%s is empty or mixes address families", ErrInvalid, start, end)
	}
	return nil
}

// AddDHCPRange adds a DHCP range to the <ip> element whose subnet holds it.
func (n *Network) AddDHCPRange(ctx context.Context, start, end netip.Addr, scope Scope) error {
	if err := checkRange(start, end); err != nil {
		return n.errorf("add DHCP range", err)
	}
	r := xmlspec.DHCPRange{Start: start.String(), End: end.String()}
	return n.updateElement(ctx, virtwire.NetworkUpdateCommandAddLast, virtwire.NetworkSectionIPDHCPRange, -1, "range", r, scope)
}

// DeleteDHCPRange removes the DHCP range start-end.
func (n *Network) DeleteDHCPRange(ctx context.Context, start, end netip.Addr, scope Scope) error {
	if err := checkRange(start, end); err != nil {
		return n.errorf("delete DHCP range", err)
	}
	r := xmlspec.DHCPRange{Start: start.String(), End: end.String()}
	return n.updateElement(ctx, virtwire.NetworkUpdateCommandDelete, virtwire.NetworkSectionIPDHCPRange, -1, "range", r, scope)
}

func checkDNSHost(h xmlspec.DNSHost) error {
	if _, err := netip.ParseAddr(h.IP); err != nil {
		return fmt.Errorf("%w: DNS host IP %q: %v", ErrInvalid, h.IP, err)
	}
	return nil
}

// AddDNSHost adds a DNS address record: h.IP with its host names.
func (n *Network) AddDNSHost(ctx context.Context, h xmlspec.DNSHost, scope Scope) error {
	if err := checkDNSHost(h); err != nil {
		return n.errorf("add DNS host", err)
	}
	if len(h.Hostnames) == 0 {
		return n.errorf("add DNS host", fmt.Errorf("%w: DNS host %s has no host name", ErrInvalid, h.IP))
	}
	return n.updateElement(ctx, virtwire.NetworkUpdateCommandAddLast, virtwire.NetworkSectionDNSHost, -1, "host", h, scope)
}

// DeleteDNSHost removes the DNS address record of ip.
func (n *Network) DeleteDNSHost(ctx context.Context, ip netip.Addr, scope Scope) error {
	if !ip.IsValid() {
		return n.errorf("delete DNS host", fmt.Errorf("%w: no IP address", ErrInvalid))
	}
	return n.updateElement(ctx, virtwire.NetworkUpdateCommandDelete, virtwire.NetworkSectionDNSHost, -1, "host", xmlspec.DNSHost{IP: ip.String()}, scope)
}

// AddPortGroup adds a port group.
func (n *Network) AddPortGroup(ctx context.Context, pg xmlspec.PortGroup, scope Scope) error {
	if pg.Name == "" {
		return n.errorf("add port group", fmt.Errorf("%w: port group without a name", ErrInvalid))
	}
	return n.updateElement(ctx, virtwire.NetworkUpdateCommandAddLast, virtwire.NetworkSectionPortgroup, -1, "portgroup", pg, scope)
}

// ModifyPortGroup replaces the port group with pg's name.
func (n *Network) ModifyPortGroup(ctx context.Context, pg xmlspec.PortGroup, scope Scope) error {
	if pg.Name == "" {
		return n.errorf("modify port group", fmt.Errorf("%w: port group without a name", ErrInvalid))
	}
	return n.updateElement(ctx, virtwire.NetworkUpdateCommandModify, virtwire.NetworkSectionPortgroup, -1, "portgroup", pg, scope)
}

// DeletePortGroup removes the port group called name.
func (n *Network) DeletePortGroup(ctx context.Context, name string, scope Scope) error {
	if name == "" {
		return n.errorf("delete port group", fmt.Errorf("%w: empty port group name", ErrInvalid))
	}
	return n.updateElement(ctx, virtwire.NetworkUpdateCommandDelete, virtwire.NetworkSectionPortgroup, -1, "portgroup", xmlspec.PortGroup{Name: name}, scope)
}
