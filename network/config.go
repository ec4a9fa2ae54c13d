package network

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/xmlspec"
)

// Errors that CheckConflicts and Config.Definition wrap, for errors.Is.
var (
	// ErrExists means another network already has the name or UUID.
	ErrExists = errors.New("network already exists")
	// ErrOverlap means the subnet overlaps another network's.
	ErrOverlap = errors.New("subnet overlaps another network")
	// ErrBridgeInUse means another network already uses the bridge.
	ErrBridgeInUse = errors.New("bridge already used by another network")
	// ErrInvalid means an argument (a definition, CIDR, host entry...) is
	// malformed; nothing was sent to the daemon.
	ErrInvalid = errors.New("invalid argument")
)

// Forward modes that Config accepts (the values of xmlspec.Forward.Mode).
// An empty mode, or "none", means an isolated network without <forward>.
const (
	ForwardNone  = "none"
	ForwardNAT   = xmlspec.ForwardNAT
	ForwardRoute = xmlspec.ForwardRoute
	ForwardOpen  = xmlspec.ForwardOpen
)

// Config describes a routed, NATed, open or isolated network on a bridge
// of its own: what virter's `network add` and virt-manager's new-network
// wizard ask for. Definition turns it into libvirt's XML; anything more
// elaborate is written as an *xmlspec.Network directly.
type Config struct {
	Name string
	// CIDR is the host's address on the network and the prefix length,
	// for example 10.255.0.1/24. The zero value gives a network without
	// an IP configuration (the host does not take part).
	CIDR netip.Prefix
	// DHCP serves addresses from the host's address + 1 to the subnet's
	// last usable address (192.168.122.2-192.168.122.254 for
	// 192.168.122.1/24), at most MaxDHCPRange of them; it needs a CIDR.
	// See DHCPRange.
	DHCP bool
	// ForwardMode is "", "none", "nat", "route" or "open".
	ForwardMode string
	// Domain is the DNS domain of the network's hosts, optional.
	Domain string
	// Bridge is the name of the bridge the daemon creates; empty lets
	// libvirt pick one (virbr0, virbr1...).
	Bridge string
}

// ParseCIDR reads a host address with its prefix length, such as
// "10.255.0.1/24" or "fd00:1::1/64", as Config.CIDR wants it, and checks
// that the address can be a host's: not the subnet's own address, not its
// broadcast address, with room for at least one other host.
func ParseCIDR(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(strings.TrimSpace(s))
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%w: CIDR %q: want an address and a prefix length such as 10.255.0.1/24", ErrInvalid, s)
	}
	if err := checkCIDR(p); err != nil {
		return netip.Prefix{}, err
	}
	return p, nil
}

func checkCIDR(p netip.Prefix) error {
	if !p.IsValid() {
		return fmt.Errorf("%w: CIDR %s is not valid", ErrInvalid, p)
	}
	addr := p.Addr()
	if addr.Zone() != "" || addr.Is4In6() {
		return fmt.Errorf("%w: CIDR %s: use a plain IPv4 or IPv6 address", ErrInvalid, p)
	}
	if addr.IsMulticast() || addr.IsUnspecified() || addr.IsLoopback() {
		return fmt.Errorf("%w: CIDR %s: %s cannot be a host's address on a network", ErrInvalid, p, addr)
	}
	first, last := bounds(p)
	hostBits := addr.BitLen() - p.Bits()
	if hostBits < 2 {
		return fmt.Errorf("%w: CIDR %s: a /%d leaves no room for hosts", ErrInvalid, p, p.Bits())
	}
	if addr == first {
		return fmt.Errorf("%w: CIDR %s: %s is the subnet's own address; give the host's address, such as %s/%d",
			ErrInvalid, p, addr, first.Next(), p.Bits())
	}
	if addr.Is4() && addr == last {
		return fmt.Errorf("%w: CIDR %s: %s is the subnet's broadcast address", ErrInvalid, p, addr)
	}
	return nil
}

// bounds returns the first and last address of p's subnet.
func bounds(p netip.Prefix) (first, last netip.Addr) {
	first = p.Masked().Addr()
	b := first.AsSlice()
	hostBits := first.BitLen() - p.Bits()
	for i := len(b) - 1; hostBits > 0; i-- {
		if hostBits >= 8 {
			b[i] = 0xff
			hostBits -= 8
		} else {
			b[i] |= byte(1<<hostBits - 1)
			hostBits = 0
		}
	}
	last, _ = netip.AddrFromSlice(b)
	return first, last
}

// MaxDHCPRange is the most addresses in one DHCP range that every libvirt
// takes. libvirt 9.0 (Debian 12's) refuses a range whose start and end
// differ outside their last 16 bits, IPv4 or IPv6 ("range ... is too large
// (> 65535)"); later versions refuse an IPv4 range of more than 65536
// addresses. A range inside one 16-bit-aligned block of addresses passes
// both.
const MaxDHCPRange = 1 << 16

// DHCPRange returns the DHCP range Config uses for the host address and
// prefix p: the larger of the two runs of usable addresses beside the
// host's (all of them after it when the host has the first address), cut
// to the addresses nearest the host's that share their upper bits with it
// but for the last 16, as libvirt requires (see MaxDHCPRange):
// 10.0.0.2-10.0.255.255 for 10.0.0.1/8, fd00::2-fd00::ffff for fd00::1/64.
func DHCPRange(p netip.Prefix) (start, end netip.Addr, err error) {
	if err := checkCIDR(p); err != nil {
		return netip.Addr{}, netip.Addr{}, err
	}
	first, last := bounds(p)
	lo, hi := first.Next(), last
	if p.Addr().Is4() {
		hi = last.Prev() // the broadcast address
	}
	host := p.Addr()
	// Usable addresses below the host: lo..host-1; above it: host+1..hi.
	below := host.Prev()
	above := host.Next()
	if host == lo || (above.Compare(hi) <= 0 && distance(above, hi) >= distance(lo, below)) {
		if above.Compare(hi) > 0 {
			return netip.Addr{}, netip.Addr{}, fmt.Errorf("%w: CIDR %s leaves no address for DHCP", ErrInvalid, p)
		}
		if last := rangeEnd(above); last.Compare(hi) < 0 {
			hi = last
		}
		return above, hi, nil
	}
	if first := rangeStart(below); first.Compare(lo) > 0 {
		lo = first
	}
	return lo, below, nil
}

// rangeEnd returns the last address of the block of MaxDHCPRange
// addresses that start is in: start with its last 16 bits set.
func rangeEnd(start netip.Addr) netip.Addr {
	b := start.AsSlice()
	b[len(b)-2], b[len(b)-1] = 0xff, 0xff
	a, _ := netip.AddrFromSlice(b)
	return a
}

// rangeStart returns the first address of the block of MaxDHCPRange
// addresses that end is in: end with its last 16 bits cleared.
func rangeStart(end netip.Addr) netip.Addr {
	b := end.AsSlice()
	b[len(b)-2], b[len(b)-1] = 0, 0
	a, _ := netip.AddrFromSlice(b)
	return a
}

// distance compares run lengths; only its order matters, so for IPv6 it
// saturates rather than overflow.
func distance(a, b netip.Addr) uint64 {
	x, y := a.AsSlice(), b.AsSlice()
	var d uint64
	for i := range x {
		if d > 1<<55 {
			return 1 << 63
		}
		d = d<<8 + uint64(y[i]) - uint64(x[i])
	}
	return d
}

// checkName applies libvirt's rules for network names: not empty, no '/'.
func checkName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: empty network name", ErrInvalid)
	case strings.ContainsRune(name, '/'):
		return fmt.Errorf("%w: network name %q contains '/'", ErrInvalid, name)
	case strings.TrimSpace(name) != name || strings.ContainsFunc(name, func(r rune) bool { return r < ' ' }):
		return fmt.Errorf("%w: network name %q has leading, trailing or control white space", ErrInvalid, name)
	}
	return nil
}

// checkBridge applies Linux's rules for interface names (libvirt's
// bridges): at most 15 bytes, no '/', ':' or white space.
func checkBridge(name string) error {
	switch {
	case len(name) > 15:
		return fmt.Errorf("%w: bridge name %q is longer than 15 characters", ErrInvalid, name)
	case name == "." || name == "..":
		return fmt.Errorf("%w: bridge name %q", ErrInvalid, name)
	case strings.ContainsAny(name, "/: \t\n\r"):
		return fmt.Errorf("%w: bridge name %q contains '/', ':' or white space", ErrInvalid, name)
	}
	return nil
}

// checkDomain applies DNS's rules for names to a network's DNS domain.
func checkDomain(name string) error {
	if len(name) > 253 {
		return fmt.Errorf("%w: DNS domain %q is too long", ErrInvalid, name)
	}
	for _, label := range strings.Split(name, ".") {
		ok := label != "" && len(label) <= 63 && label[0] != '-' && label[len(label)-1] != '-'
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				ok = false
			}
		}
		if !ok {
			return fmt.Errorf("%w: DNS domain %q: %q is not a DNS label", ErrInvalid, name, label)
		}
	}
	return nil
}

// Definition checks c and returns the network's libvirt definition.
func (c Config) Definition() (*xmlspec.Network, error) {
	if err := checkName(c.Name); err != nil {
		return nil, err
	}
	def := &xmlspec.Network{Name: c.Name}
	switch c.ForwardMode {
	case "", ForwardNone:
	case ForwardNAT, ForwardRoute, ForwardOpen:
		def.Forward = &xmlspec.Forward{Mode: c.ForwardMode}
	default:
		return nil, fmt.Errorf("%w: forward mode %q: want nat, route, open or none", ErrInvalid, c.ForwardMode)
	}
	if c.Bridge != "" {
		if err := checkBridge(c.Bridge); err != nil {
			return nil, err
		}
		def.Bridge = &xmlspec.NetworkBridge{Name: c.Bridge}
	}
	if c.Domain != "" {
		if err := checkDomain(c.Domain); err != nil {
			return nil, err
		}
		def.Domain = &xmlspec.NetworkDomain{Name: c.Domain}
	}
	if !c.CIDR.IsValid() {
		if c.DHCP {
			return nil, fmt.Errorf("%w: DHCP needs a CIDR (the host's address and prefix)", ErrInvalid)
		}
		if c.ForwardMode == ForwardRoute || c.ForwardMode == ForwardNAT || c.ForwardMode == ForwardOpen {
			return nil, fmt.Errorf("%w: forward mode %s needs a CIDR (the host's address and prefix)", ErrInvalid, c.ForwardMode)
		}
		return def, nil
	}
	if err := checkCIDR(c.CIDR); err != nil {
		return nil, err
	}
	bits := uint(c.CIDR.Bits())
	ip := xmlspec.NetworkIP{Address: c.CIDR.Addr().String(), Prefix: &bits}
	if c.CIDR.Addr().Is6() {
		ip.Family = "ipv6"
	}
	if c.DHCP {
		start, end, err := DHCPRange(c.CIDR)
		if err != nil {
			return nil, err
		}
		ip.DHCP = &xmlspec.DHCP{Ranges: []xmlspec.DHCPRange{{Start: start.String(), End: end.String()}}}
	}
	def.IPs = []xmlspec.NetworkIP{ip}
	return def, nil
}

// CheckConflicts reports whether def would clash with a network the daemon
// has: the same name or UUID (ErrExists), the same bridge (ErrBridgeInUse),
// or a subnet that overlaps one of its subnets (ErrOverlap). libvirt checks
// none of this when a network is defined (a definition with an existing
// name replaces that network), and overlaps only against the host's routes
// when it starts one.
func CheckConflicts(ctx context.Context, conn *virtwire.Conn, def *xmlspec.Network) error {
	if def == nil {
		return errors.New("network: nil definition")
	}
	if err := checkName(def.Name); err != nil {
		return err
	}
	mine, err := subnets(def)
	if err != nil {
		return wrap(def.Name, "check", fmt.Errorf("%w: %w", ErrInvalid, err))
	}
	nets, err := List(ctx, conn, 0)
	if err != nil {
		return err
	}
	for _, n := range nets {
		if n.Name() == def.Name {
			return wrap(def.Name, "check", ErrExists)
		}
		if def.UUID != nil && *def.UUID == n.UUID() {
			return wrap(def.Name, "check", fmt.Errorf("%w: network %q has UUID %s", ErrExists, n.Name(), n.UUID()))
		}
		other, err := n.XML(ctx, false)
		if errors.Is(err, virtwire.ErrNoNetwork) {
			continue // removed meanwhile
		}
		if err != nil {
			return err
		}
		if def.Bridge != nil && def.Bridge.Name != "" && other.Bridge != nil && other.Bridge.Name == def.Bridge.Name {
			return wrap(def.Name, "check", fmt.Errorf("%w: network %q has bridge %s", ErrBridgeInUse, n.Name(), def.Bridge.Name))
		}
		theirs, _ := subnets(other) // a subnet we cannot read cannot be compared
		for _, a := range mine {
			for _, b := range theirs {
				if a.Overlaps(b) {
					return wrap(def.Name, "check", fmt.Errorf("%w: %s overlaps %s of network %q", ErrOverlap, a, b, n.Name()))
				}
			}
		}
	}
	return nil
}

// subnets returns the subnets of def's <ip> elements.
func subnets(def *xmlspec.Network) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for i := range def.IPs {
		p, err := def.IPs[i].Subnet()
		if err != nil {
			return out, err
		}
		out = append(out, p.Masked())
	}
	return out, nil
}
