package domain

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/xmlspec"
)

// NICs returns the NICs in the domain's definition, in document order:
// the live definition of a running domain, or with
// virtwire.DomainXMLInactive the persistent one (virsh domiflist
// [--inactive]).
func (d *Domain) NICs(ctx context.Context, flags virtwire.DomainXMLFlags) ([]*xmlspec.Interface, error) {
	def, err := d.XML(ctx, flags)
	if err != nil {
		return nil, err
	}
	return def.Interfaces(), nil
}

// NIC returns the NIC whose MAC address is mac from the live or (with
// virtwire.DomainXMLInactive) the persistent definition. The error wraps
// ErrNoNIC if there is none, ErrDuplicateMAC if there are several.
func (d *Domain) NIC(ctx context.Context, mac net.HardwareAddr, flags virtwire.DomainXMLFlags) (*xmlspec.Interface, error) {
	op := "find NIC " + mac.String()
	if err := checkMAC(mac); err != nil {
		return nil, d.wrap(op, err)
	}
	def, err := d.XML(ctx, flags)
	if err != nil {
		return nil, err
	}
	nic, err := onlyNIC(def, mac)
	return nic, d.wrap(op, err)
}

// LinkUp reports whether the link of the NIC with MAC address mac is up
// (virsh domif-getlink), in the live or (with virtwire.DomainXMLInactive)
// the persistent definition. A NIC without <link> is up.
func (d *Domain) LinkUp(ctx context.Context, mac net.HardwareAddr, flags virtwire.DomainXMLFlags) (bool, error) {
	nic, err := d.NIC(ctx, mac, flags)
	if err != nil {
		return false, err
	}
	return nic.Link == nil || nic.Link.State != "down", nil
}

// AttachNIC adds nic to the domain (virsh attach-device for an
// <interface>): with virtwire.DomainDeviceModifyLive to the running guest
// (hotplug), with DomainDeviceModifyConfig to the persistent definition,
// with both to both, with neither to whichever the domain's current state
// uses. Build nic with xmlspec.NewNetworkInterface or
// xmlspec.NewBridgeInterface, or any *xmlspec.Interface.
//
// If nic has no MAC address, AttachNIC picks a random one with libvirt's
// prefix that the domain does not use (nic itself is not changed). It
// returns the MAC address of the attached NIC.
//
// Before asking the daemon to change anything, AttachNIC checks that the
// domain has no NIC with the same MAC address in any definition it would
// change (ErrDuplicateMAC: libvirt itself accepts a duplicate in the
// persistent definition) and that the network of a network NIC exists
// (virtwire.ErrNoNetwork). Asking for a live change on a domain that is not
// running fails with libvirt's error (virtwire.ErrOperationInvalid).
func (d *Domain) AttachNIC(ctx context.Context, nic *xmlspec.Interface, flags virtwire.DomainDeviceModifyFlags) (net.HardwareAddr, error) {
	if nic == nil {
		return nil, d.wrap("attach NIC", errors.New("no NIC given"))
	}
	op := "attach NIC"
	if mac := nic.MACAddress(); mac != nil {
		op += " " + mac.String()
		if err := checkMAC(mac); err != nil {
			return nil, d.wrap(op, err)
		}
	}
	if nic.Type == "" {
		return nil, d.wrap(op, errors.New("the NIC has no type (network, bridge...)"))
	}
	if nic.Type == xmlspec.InterfaceNetwork {
		if err := d.checkNetwork(ctx, nic.SourceName()); err != nil {
			return nil, d.wrap(op, err)
		}
	}
	defs, err := d.definitions(ctx, flags)
	if err != nil {
		return nil, err
	}
	dev := *nic
	mac := nic.MACAddress()
	if mac == nil {
		if mac, err = unusedMAC(defs); err != nil {
			return nil, d.wrap(op, err)
		}
		op += " " + mac.String()
		dev.MAC = nil
		dev.SetMAC(mac)
	}
	for _, def := range defs {
		if len(nicsWithMAC(def, mac)) > 0 {
			return nil, d.wrap(op, fmt.Errorf("%w: the %s definition has a NIC with MAC %s", ErrDuplicateMAC, defName(def), mac))
		}
	}
	doc, err := dev.Marshal()
	if err != nil {
		return nil, d.wrap(op, err)
	}
	if err := d.conn.DomainAttachDeviceFlags(ctx, d.ref, string(doc), flags); err != nil {
		return nil, d.wrap(op, err)
	}
	return mac, nil
}

// DetachNIC removes the NIC whose MAC address is mac from the running
// guest, the persistent definition, or both, as flags say (see AttachNIC),
// and returns its definition as it was (from the persistent definition when
// flags include DomainDeviceModifyConfig).
//
// If a definition flags name has no NIC with that MAC address, or more than
// one, DetachNIC changes nothing and the error wraps ErrNoNIC or
// ErrDuplicateMAC.
//
// A live detach asks the guest to release the device. libvirt waits a few
// seconds for it; a guest that takes longer loses the NIC later, and
// WaitNICRemoved waits for that.
func (d *Domain) DetachNIC(ctx context.Context, mac net.HardwareAddr, flags virtwire.DomainDeviceModifyFlags) (*xmlspec.Interface, error) {
	op := "detach NIC " + mac.String()
	if err := checkMAC(mac); err != nil {
		return nil, d.wrap(op, err)
	}
	defs, err := d.definitions(ctx, flags)
	if err != nil {
		return nil, err
	}
	var found *xmlspec.Interface
	for _, def := range defs {
		nic, err := onlyNIC(def, mac)
		if err != nil {
			return nil, d.wrap(op, fmt.Errorf("%w in the %s definition", err, defName(def)))
		}
		if found == nil || flags&virtwire.DomainDeviceModifyConfig != 0 && isInactive(def) {
			found = nic
		}
	}
	doc, err := matchXML(found)
	if err != nil {
		return nil, d.wrap(op, err)
	}
	if err := d.conn.DomainDetachDeviceFlags(ctx, d.ref, string(doc), flags); err != nil {
		return nil, d.wrap(op, err)
	}
	return found, nil
}

// WaitNICRemoved waits until the running guest has released the NIC whose
// MAC address is mac, after a live DetachNIC: at once if the live
// definition no longer has it (or the domain is not running), otherwise
// when libvirt reports the device removed. It fails if libvirt reports that
// the guest refused to release it, or when ctx ends first (a guest may
// ignore the request for good).
func (d *Domain) WaitNICRemoved(ctx context.Context, mac net.HardwareAddr) error {
	op := "wait for the removal of NIC " + mac.String()
	if err := checkMAC(mac); err != nil {
		return d.wrap(op, err)
	}
	// Subscribe before looking, so that no removal falls in between.
	ref := d.ref
	sub, err := d.conn.SubscribeDomainEvents(ctx, &ref, virtwire.DomainEventIDDeviceRemoved, virtwire.DomainEventIDDeviceRemovalFailed)
	if err != nil {
		return d.wrap(op, err)
	}
	defer sub.Close()
	gone := func() (alias string, done bool, err error) {
		def, err := d.XML(ctx, 0)
		if err != nil {
			return "", false, err
		}
		nics := nicsWithMAC(def, mac)
		if len(nics) == 0 || isInactive(def) {
			return "", true, nil
		}
		if nics[0].Alias != nil {
			alias = nics[0].Alias.Name
		}
		return alias, false, nil
	}
	alias, done, err := gone()
	if done || err != nil {
		return err
	}
	for {
		select {
		case ev, ok := <-sub.Events():
			if !ok {
				return d.wrap(op, sub.Err())
			}
			switch e := ev.(type) {
			case *virtwire.DomainEventDeviceRemoved:
				if alias != "" && e.DevAlias == alias {
					return nil
				}
				if alias == "" { // no alias to match: look again
					if alias, done, err = gone(); done || err != nil {
						return err
					}
				}
			case *virtwire.DomainEventDeviceRemovalFailed:
				if alias != "" && e.DevAlias == alias {
					return d.wrap(op, fmt.Errorf("the guest did not release device %s", alias))
				}
			}
		case <-ctx.Done():
			return d.wrap(op, ctx.Err())
		}
	}
}

// SetLinkState sets the link of the NIC whose MAC address is mac up or down
// (virsh domif-setlink): in the running guest, the persistent definition,
// or both, as flags say (see AttachNIC). Each definition is updated with
// its own copy of the NIC, so the rest of the NIC stays as each had it.
func (d *Domain) SetLinkState(ctx context.Context, mac net.HardwareAddr, up bool, flags virtwire.DomainDeviceModifyFlags) error {
	state := "down"
	if up {
		state = "up"
	}
	return d.updateNIC(ctx, "set link "+state+" on NIC "+mac.String(), mac, func(nic *xmlspec.Interface) error {
		old := nic.Link
		nic.Link = &xmlspec.InterfaceLink{State: state}
		if old != nil {
			nic.Link.Extra = old.Extra
		}
		return nil
	}, flags)
}

// UpdateNIC changes the NIC whose MAC address is mac in place (virsh
// update-device for an <interface>): its network or bridge, model, link
// state, bandwidth... in the running guest, the persistent definition, or
// both, as flags say (see AttachNIC). edit is called once per definition,
// the live one first, on a copy of that definition's NIC, and the edited
// copy is what the daemon gets; edit must keep the MAC address, by which
// libvirt finds the device.
//
// libvirt changes some things of a running guest's NIC only in the
// persistent definition (the model, for one) and refuses them live. If the
// daemon refuses the second definition after changing the first,
// UpdateNIC puts the first back as it was, so that the two do not end up
// half changed, and returns the refusal.
func (d *Domain) UpdateNIC(ctx context.Context, mac net.HardwareAddr, edit func(*xmlspec.Interface) error, flags virtwire.DomainDeviceModifyFlags) error {
	if edit == nil {
		return d.wrap("update NIC "+mac.String(), errors.New("no change given"))
	}
	return d.updateNIC(ctx, "update NIC "+mac.String(), mac, edit, flags)
}

// rollbackTimeout bounds the calls that undo half a change.
const rollbackTimeout = 30 * time.Second

func (d *Domain) updateNIC(ctx context.Context, op string, mac net.HardwareAddr, edit func(*xmlspec.Interface) error, flags virtwire.DomainDeviceModifyFlags) error {
	if err := checkMAC(mac); err != nil {
		return d.wrap(op, err)
	}
	views := viewsOf(flags)
	olds := make([][]byte, len(views))
	news := make([][]byte, len(views))
	for i, v := range views {
		def, err := d.XML(ctx, v.xml)
		if err != nil {
			return err
		}
		old, err := onlyNIC(def, mac)
		if err != nil {
			return d.wrap(op, fmt.Errorf("%w in the %s definition", err, defName(def)))
		}
		if olds[i], err = old.Marshal(); err != nil {
			return d.wrap(op, err)
		}
		nic, err := xmlspec.ParseInterface(olds[i]) // a deep copy for edit
		if err != nil {
			return d.wrap(op, err)
		}
		if err := edit(nic); err != nil {
			return d.wrap(op, err)
		}
		if !bytes.Equal(nic.MACAddress(), mac) {
			return d.wrap(op, fmt.Errorf("the change would give the NIC MAC address %s; detach it and attach a new one instead", nic.MACAddress()))
		}
		if news[i], err = nic.Marshal(); err != nil {
			return d.wrap(op, err)
		}
	}
	for i, v := range views {
		err := d.conn.DomainUpdateDeviceFlags(ctx, d.ref, string(news[i]), v.modify)
		if err == nil {
			continue
		}
		// Put back what was already changed, newest first, even when ctx
		// has ended, but not for longer than a call may reasonably take.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
		for j := i - 1; j >= 0; j-- {
			if rerr := d.conn.DomainUpdateDeviceFlags(rctx, d.ref, string(olds[j]), views[j].modify); rerr != nil {
				err = errors.Join(err, fmt.Errorf("putting the NIC back as it was: %w", rerr))
			}
		}
		cancel()
		return d.wrap(op, err)
	}
	return nil
}

// view is one definition a device change affects: the XML flags that read
// it and the modify flags that change it alone.
type view struct {
	xml    virtwire.DomainXMLFlags
	modify virtwire.DomainDeviceModifyFlags
}

// viewsOf returns the definitions flags affect, the live one first.
func viewsOf(flags virtwire.DomainDeviceModifyFlags) []view {
	rest := flags &^ (virtwire.DomainDeviceModifyLive | virtwire.DomainDeviceModifyConfig)
	var vs []view
	if flags&virtwire.DomainDeviceModifyLive != 0 {
		vs = append(vs, view{0, rest | virtwire.DomainDeviceModifyLive})
	}
	if flags&virtwire.DomainDeviceModifyConfig != 0 {
		vs = append(vs, view{virtwire.DomainXMLInactive, rest | virtwire.DomainDeviceModifyConfig})
	}
	if len(vs) == 0 {
		// Current: the live definition of a running domain, the persistent
		// one of a stopped domain; XML without flags is exactly that.
		vs = append(vs, view{0, rest})
	}
	return vs
}

// definitions reads every definition flags affect.
func (d *Domain) definitions(ctx context.Context, flags virtwire.DomainDeviceModifyFlags) ([]*xmlspec.Domain, error) {
	var defs []*xmlspec.Domain
	for _, v := range viewsOf(flags) {
		def, err := d.XML(ctx, v.xml)
		if err != nil {
			return nil, err
		}
		defs = append(defs, def)
	}
	return defs, nil
}

// isInactive reports whether def is a persistent definition rather than a
// running domain's: libvirt gives a running domain's XML an id.
func isInactive(def *xmlspec.Domain) bool { return def.ID == nil }

func defName(def *xmlspec.Domain) string {
	if isInactive(def) {
		return "persistent"
	}
	return "live"
}

// checkNetwork makes sure the libvirt network name exists, since libvirt
// only finds out that it does not when the NIC is plugged in.
func (d *Domain) checkNetwork(ctx context.Context, name string) error {
	if name == "" {
		return errors.New("the network NIC names no network")
	}
	_, err := d.conn.NetworkLookupByName(ctx, name)
	if err != nil && !virtwire.IsUnsupported(err) {
		return fmt.Errorf("network %q: %w", name, err)
	}
	return nil
}

func checkMAC(mac net.HardwareAddr) error {
	if len(mac) != 6 {
		return fmt.Errorf("invalid MAC address %q: want six bytes", mac.String())
	}
	return nil
}

func nicsWithMAC(def *xmlspec.Domain, mac net.HardwareAddr) []*xmlspec.Interface {
	var out []*xmlspec.Interface
	for _, nic := range def.Interfaces() {
		if bytes.Equal(nic.MACAddress(), mac) {
			out = append(out, nic)
		}
	}
	return out
}

// onlyNIC returns the one NIC of def with MAC address mac.
func onlyNIC(def *xmlspec.Domain, mac net.HardwareAddr) (*xmlspec.Interface, error) {
	switch nics := nicsWithMAC(def, mac); len(nics) {
	case 0:
		return nil, ErrNoNIC
	case 1:
		return nics[0], nil
	default:
		return nil, fmt.Errorf("%w: %d NICs have it", ErrDuplicateMAC, len(nics))
	}
}

// unusedMAC picks a random libvirt MAC address no NIC of defs has.
func unusedMAC(defs []*xmlspec.Domain) (net.HardwareAddr, error) {
	for range 16 {
		mac, err := xmlspec.RandomMAC()
		if err != nil {
			return nil, err
		}
		used := false
		for _, def := range defs {
			used = used || len(nicsWithMAC(def, mac)) > 0
		}
		if !used {
			return mac, nil
		}
	}
	return nil, errors.New("found no unused MAC address")
}

// matchXML is the <interface> libvirt needs to find a NIC to detach: its
// type and source (which the parser requires) and its MAC address (which
// libvirt matches on). Leaving out the alias, guest address and target
// lets one document match the NIC in both the live and the persistent
// definition, where those differ.
func matchXML(nic *xmlspec.Interface) ([]byte, error) {
	m := xmlspec.Interface{Type: nic.Type, Source: nic.Source, Managed: nic.Managed}
	m.SetMAC(nic.MACAddress())
	return m.Marshal()
}
