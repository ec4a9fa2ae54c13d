package xmlspec

import (
	"bytes"
	"net"
)

// NewNetworkInterface returns a virtio NIC on the libvirt network named
// network. With a nil mac the NIC has no <mac> and libvirt assigns one
// (52:54:00:...) when the domain is defined or the NIC attached; use
// RandomMAC to know it in advance.
func NewNetworkInterface(network string, mac net.HardwareAddr) *Interface {
	return newInterface(InterfaceNetwork, &InterfaceSource{Network: network}, mac)
}

// NewBridgeInterface returns a virtio NIC on the host bridge named bridge.
// A nil mac is handled as by NewNetworkInterface.
func NewBridgeInterface(bridge string, mac net.HardwareAddr) *Interface {
	return newInterface(InterfaceBridge, &InterfaceSource{Bridge: bridge}, mac)
}

func newInterface(typ string, src *InterfaceSource, mac net.HardwareAddr) *Interface {
	iface := &Interface{
		Type:   typ,
		Source: src,
		Model:  &InterfaceModel{Type: "virtio"},
	}
	iface.SetMAC(mac)
	return iface
}

// ParseInterface reads an <interface> element on its own, as libvirt's
// device attach and detach calls and device events use it.
func ParseInterface(data []byte) (*Interface, error) { return parseAs[Interface](data, "interface") }

// Marshal writes the interface on its own as indented XML, for attaching or
// detaching it.
func (i *Interface) Marshal() ([]byte, error) { return marshalIndent(i) }

// MACAddress returns the NIC's MAC address, or nil if it has none.
func (i *Interface) MACAddress() net.HardwareAddr {
	if i.MAC == nil {
		return nil
	}
	return i.MAC.Address
}

// SetMAC sets the NIC's MAC address; nil removes <mac> so that libvirt
// assigns one.
func (i *Interface) SetMAC(mac net.HardwareAddr) {
	if mac == nil {
		i.MAC = nil
		return
	}
	if i.MAC == nil {
		i.MAC = &InterfaceMAC{}
	}
	i.MAC.Address = append(net.HardwareAddr(nil), mac...)
}

// TargetDev returns the host-side device name (vnet0, macvtap1...), which
// libvirt reports for a running domain, or "".
func (i *Interface) TargetDev() string {
	if i.Target == nil {
		return ""
	}
	return i.Target.Dev
}

// SourceName returns what the NIC is connected to: the network name of a
// network NIC, the bridge of a bridge NIC, the host device of a direct,
// user or vdpa NIC, the socket path of a vhostuser NIC; "" otherwise.
func (i *Interface) SourceName() string {
	if i.Source == nil {
		return ""
	}
	switch i.Type {
	case InterfaceNetwork:
		return i.Source.Network
	case InterfaceBridge:
		return i.Source.Bridge
	case InterfaceDirect, InterfaceUser, InterfaceVDPA:
		return i.Source.Dev
	case InterfaceVhostUser:
		return i.Source.Path
	}
	return ""
}

// Interfaces returns pointers to the domain's NICs, in document order, for
// reading or editing in place. Adding or removing NICs invalidates them.
func (d *Domain) Interfaces() []*Interface {
	if d.Devices == nil {
		return nil
	}
	out := make([]*Interface, len(d.Devices.Interfaces))
	for i := range d.Devices.Interfaces {
		out[i] = &d.Devices.Interfaces[i]
	}
	return out
}

// InterfaceByMAC returns the NIC with MAC address mac, or nil. Addresses
// compare as bytes, so the document's spelling (upper or lower case) does
// not matter.
func (d *Domain) InterfaceByMAC(mac net.HardwareAddr) *Interface {
	for _, i := range d.Interfaces() {
		if m := i.MACAddress(); m != nil && bytes.Equal(m, mac) {
			return i
		}
	}
	return nil
}

// InterfaceByTarget returns the NIC whose host-side device is dev (vnet0),
// or nil.
func (d *Domain) InterfaceByTarget(dev string) *Interface {
	if dev == "" {
		return nil
	}
	for _, i := range d.Interfaces() {
		if i.TargetDev() == dev {
			return i
		}
	}
	return nil
}

// AddInterface appends a copy of iface to the domain's devices (creating
// <devices> if needed) and returns a pointer to the copy. Marshal writes it
// after the domain's existing NICs.
func (d *Domain) AddInterface(iface Interface) *Interface {
	if d.Devices == nil {
		d.Devices = &Devices{}
	}
	d.Devices.Interfaces = append(d.Devices.Interfaces, iface)
	return &d.Devices.Interfaces[len(d.Devices.Interfaces)-1]
}

// RemoveInterface removes the NIC with MAC address mac and returns it (to
// detach it from a running domain, libvirt wants its XML).
func (d *Domain) RemoveInterface(mac net.HardwareAddr) (Interface, bool) {
	removed := d.RemoveInterfaces(func(i *Interface) bool {
		m := i.MACAddress()
		return m != nil && bytes.Equal(m, mac)
	})
	if len(removed) == 0 {
		return Interface{}, false
	}
	return removed[0], true
}

// RemoveInterfaces removes every NIC for which match returns true and
// returns them in document order.
func (d *Domain) RemoveInterfaces(match func(*Interface) bool) []Interface {
	if d.Devices == nil {
		return nil
	}
	var removed []Interface
	d.Devices.Interfaces, removed = removeWhere(d.Devices.Interfaces, match)
	return removed
}

// removeWhere removes the items for which match returns true, in place,
// and returns the rest and the removed ones.
func removeWhere[T any](items []T, match func(*T) bool) (kept, removed []T) {
	kept = items[:0]
	for i := range items {
		if match(&items[i]) {
			removed = append(removed, items[i])
		} else {
			kept = append(kept, items[i])
		}
	}
	clear(items[len(kept):])
	return kept, removed
}

// findItem returns a pointer to the first item for which match is true, or
// nil.
func findItem[T any](items []T, match func(*T) bool) *T {
	for i := range items {
		if match(&items[i]) {
			return &items[i]
		}
	}
	return nil
}
