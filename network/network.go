package network

import (
	"context"
	"errors"
	"fmt"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/xmlspec"
)

// Network is a handle to one virtual network of a libvirt connection. It
// holds the network's name and UUID; every method asks the daemon, so a
// handle stays valid across start and stop, and reports
// virtwire.ErrNoNetwork once the network is gone.
type Network struct {
	conn *virtwire.Conn
	ref  virtwire.Network
}

// FromRef wraps a network reference that a virtwire.Conn call returned
// (from an event, say) in a handle.
func FromRef(conn *virtwire.Conn, ref virtwire.Network) *Network {
	return &Network{conn: conn, ref: ref}
}

// Name returns the network's name.
func (n *Network) Name() string { return n.ref.Name }

// UUID returns the network's UUID.
func (n *Network) UUID() xmlspec.UUID { return xmlspec.UUID(n.ref.UUID) }

// Ref returns the protocol's reference to the network, for the virtwire.Conn
// methods this package does not wrap.
func (n *Network) Ref() virtwire.Network { return n.ref }

// Conn returns the connection the handle uses.
func (n *Network) Conn() *virtwire.Conn { return n.conn }

// wrap names the network and the operation in an error, keeping libvirt's
// error reachable with errors.Is and errors.As.
func wrap(name, op string, err error) error {
	return fmt.Errorf("network %q: %s: %w", name, op, err)
}

func (n *Network) errorf(op string, err error) error { return wrap(n.ref.Name, op, err) }

// Lookup returns the network called name. An unknown name gives an error
// wrapping virtwire.ErrNoNetwork.
func Lookup(ctx context.Context, conn *virtwire.Conn, name string) (*Network, error) {
	if name == "" {
		return nil, errors.New("network: lookup: empty network name")
	}
	ref, err := conn.NetworkLookupByName(ctx, name)
	if err != nil {
		return nil, wrap(name, "lookup", err)
	}
	return FromRef(conn, ref), nil
}

// LookupByUUID returns the network with the given UUID.
func LookupByUUID(ctx context.Context, conn *virtwire.Conn, uuid xmlspec.UUID) (*Network, error) {
	ref, err := conn.NetworkLookupByUUID(ctx, virtwire.UUID(uuid))
	if err != nil {
		return nil, fmt.Errorf("network %s: lookup: %w", uuid, err)
	}
	return FromRef(conn, ref), nil
}

// Filter selects networks in List. The zero Filter lists every network;
// otherwise each group (active or inactive, persistent or transient,
// autostart or not) that has a flag set restricts the list to networks
// matching one of that group's flags, as libvirt's virConnectListAllNetworks
// does.
type Filter = virtwire.ConnectListAllNetworksFlags

// Filters for List; combine them with |.
const (
	Active      Filter = virtwire.ConnectListNetworksActive
	Inactive    Filter = virtwire.ConnectListNetworksInactive
	Persistent  Filter = virtwire.ConnectListNetworksPersistent
	Transient   Filter = virtwire.ConnectListNetworksTransient
	Autostart   Filter = virtwire.ConnectListNetworksAutostart
	NoAutostart Filter = virtwire.ConnectListNetworksNoAutostart
)

// List returns the networks that match filter, in the daemon's order.
func List(ctx context.Context, conn *virtwire.Conn, filter Filter) ([]*Network, error) {
	refs, _, err := conn.ConnectListAllNetworks(ctx, 1, filter)
	if err != nil {
		return nil, fmt.Errorf("network: listing networks (%v): %w", filter, err)
	}
	out := make([]*Network, len(refs))
	for i, r := range refs {
		out[i] = FromRef(conn, r)
	}
	return out, nil
}

// Define makes def a persistent network, inactive until Start, and returns
// it. As libvirt does, a definition whose name (and UUID, if it has one)
// matches an existing network replaces that network's persistent
// configuration; call CheckConflicts first to refuse that instead.
func Define(ctx context.Context, conn *virtwire.Conn, def *xmlspec.Network) (*Network, error) {
	doc, err := marshal(def)
	if err != nil {
		return nil, err
	}
	ref, err := conn.NetworkDefineXML(ctx, string(doc))
	if err != nil {
		return nil, wrap(def.Name, "define", err)
	}
	return FromRef(conn, ref), nil
}

// Create starts def as a transient network: it runs until Stop and leaves
// no configuration behind.
func Create(ctx context.Context, conn *virtwire.Conn, def *xmlspec.Network) (*Network, error) {
	doc, err := marshal(def)
	if err != nil {
		return nil, err
	}
	ref, err := conn.NetworkCreateXML(ctx, string(doc))
	if err != nil {
		return nil, wrap(def.Name, "create", err)
	}
	return FromRef(conn, ref), nil
}

func marshal(def *xmlspec.Network) ([]byte, error) {
	if def == nil {
		return nil, errors.New("network: nil definition")
	}
	if err := checkName(def.Name); err != nil {
		return nil, err
	}
	doc, err := def.Marshal()
	if err != nil {
		return nil, wrap(def.Name, "writing the XML", err)
	}
	return doc, nil
}

// Start starts a defined, inactive network.
func (n *Network) Start(ctx context.Context) error {
	if err := n.conn.NetworkCreate(ctx, n.ref); err != nil {
		return n.errorf("start", err)
	}
	return nil
}

// Stop stops an active network (libvirt's destroy). A transient network
// is gone afterwards; a persistent one stays defined.
func (n *Network) Stop(ctx context.Context) error {
	if err := n.conn.NetworkDestroy(ctx, n.ref); err != nil {
		return n.errorf("stop", err)
	}
	return nil
}

// Undefine removes the network's persistent configuration. An active
// network keeps running, as a transient one, until stopped.
func (n *Network) Undefine(ctx context.Context) error {
	if err := n.conn.NetworkUndefine(ctx, n.ref); err != nil {
		return n.errorf("undefine", err)
	}
	return nil
}

// Remove stops the network if it is active and undefines it if it is
// persistent, so that it is gone either way.
func (n *Network) Remove(ctx context.Context) error {
	active, err := n.IsActive(ctx)
	if err != nil {
		return err
	}
	persistent, err := n.IsPersistent(ctx)
	if err != nil {
		return err
	}
	if active {
		if err := n.Stop(ctx); err != nil {
			return err
		}
	}
	if persistent {
		return n.Undefine(ctx)
	}
	return nil
}

// Autostart reports whether the network starts when the daemon does.
func (n *Network) Autostart(ctx context.Context) (bool, error) {
	v, err := n.conn.NetworkGetAutostart(ctx, n.ref)
	if err != nil {
		return false, n.errorf("get autostart", err)
	}
	return v != 0, nil
}

// SetAutostart sets whether the (persistent) network starts when the daemon
// does.
func (n *Network) SetAutostart(ctx context.Context, on bool) error {
	var v int32
	if on {
		v = 1
	}
	if err := n.conn.NetworkSetAutostart(ctx, n.ref, v); err != nil {
		return n.errorf("set autostart", err)
	}
	return nil
}

// IsActive reports whether the network is running.
func (n *Network) IsActive(ctx context.Context) (bool, error) {
	v, err := n.conn.NetworkIsActive(ctx, n.ref)
	if err != nil {
		return false, n.errorf("is active", err)
	}
	return v != 0, nil
}

// IsPersistent reports whether the network has a persistent configuration.
func (n *Network) IsPersistent(ctx context.Context) (bool, error) {
	v, err := n.conn.NetworkIsPersistent(ctx, n.ref)
	if err != nil {
		return false, n.errorf("is persistent", err)
	}
	return v != 0, nil
}

// BridgeName returns the name of the network's host bridge.
func (n *Network) BridgeName(ctx context.Context) (string, error) {
	name, err := n.conn.NetworkGetBridgeName(ctx, n.ref)
	if err != nil {
		return "", n.errorf("get bridge name", err)
	}
	return name, nil
}

// Info is the summary virsh net-info prints.
type Info struct {
	Name       string
	UUID       xmlspec.UUID
	Active     bool
	Persistent bool
	Autostart  bool
	Bridge     string // "" when the network has no bridge (or none yet)
}

// Info returns the network's state and bridge, as virsh net-info shows
// them.
func (n *Network) Info(ctx context.Context) (Info, error) {
	in := Info{Name: n.ref.Name, UUID: n.UUID()}
	var err error
	if in.Active, err = n.IsActive(ctx); err != nil {
		return Info{}, err
	}
	if in.Persistent, err = n.IsPersistent(ctx); err != nil {
		return Info{}, err
	}
	if in.Autostart, err = n.Autostart(ctx); err != nil {
		return Info{}, err
	}
	// Networks without a bridge (macvtap or hostdev pools) make libvirt
	// fail here; virsh then leaves the line empty too.
	if b, err := n.conn.NetworkGetBridgeName(ctx, n.ref); err == nil {
		in.Bridge = b
	} else if errors.Is(err, virtwire.ErrNoNetwork) {
		return Info{}, n.errorf("get bridge name", err)
	}
	return in, nil
}

// XMLString returns the network's XML as libvirt writes it: the running
// configuration of an active network, or with inactive set the persistent
// configuration (which may differ after a config-only update).
func (n *Network) XMLString(ctx context.Context, inactive bool) (string, error) {
	var flags virtwire.NetworkXMLFlags
	if inactive {
		flags = virtwire.NetworkXMLInactive
	}
	s, err := n.conn.NetworkGetXMLDesc(ctx, n.ref, flags)
	if err != nil {
		return "", n.errorf("get XML", err)
	}
	return s, nil
}

// XML returns the network's configuration as XMLString does, parsed.
func (n *Network) XML(ctx context.Context, inactive bool) (*xmlspec.Network, error) {
	s, err := n.XMLString(ctx, inactive)
	if err != nil {
		return nil, err
	}
	def, err := xmlspec.ParseNetwork([]byte(s))
	if err != nil {
		return nil, n.errorf("parsing its XML", err)
	}
	return def, nil
}
