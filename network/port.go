package network

import (
	"context"
	"errors"
	"fmt"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/xmlspec"
)

// Port is a handle to one port of an active network: the network's record
// of a NIC plugged into it (libvirt 5.5 and later, the bridge network
// driver). Hypervisor drivers create and delete ports as guests start and
// stop; a program creates one itself only to plug a NIC libvirt does not
// manage.
type Port struct {
	net *Network
	ref virtwire.NetworkPort
}

// Network returns the network the port belongs to.
func (p *Port) Network() *Network { return p.net }

// UUID returns the port's UUID.
func (p *Port) UUID() xmlspec.UUID { return xmlspec.UUID(p.ref.UUID) }

// Ref returns the protocol's reference to the port.
func (p *Port) Ref() virtwire.NetworkPort { return p.ref }

func (p *Port) errorf(op string, err error) error {
	return p.net.errorf(fmt.Sprintf("port %s: %s", p.UUID(), op), err)
}

// Ports returns the network's ports.
func (n *Network) Ports(ctx context.Context) ([]*Port, error) {
	refs, _, err := n.conn.NetworkListAllPorts(ctx, n.ref, 1, 0)
	if err != nil {
		return nil, n.errorf("list ports", err)
	}
	out := make([]*Port, len(refs))
	for i, r := range refs {
		out[i] = &Port{net: n, ref: r}
	}
	return out, nil
}

// LookupPort returns the network's port with the given UUID; an unknown
// UUID gives an error wrapping virtwire.ErrNoNetworkPort.
func (n *Network) LookupPort(ctx context.Context, uuid xmlspec.UUID) (*Port, error) {
	ref, err := n.conn.NetworkPortLookupByUUID(ctx, n.ref, virtwire.UUID(uuid))
	if err != nil {
		return nil, n.errorf(fmt.Sprintf("port %s: lookup", uuid), err)
	}
	return &Port{net: n, ref: ref}, nil
}

// PortFlags modify CreatePort.
type PortFlags = virtwire.NetworkPortCreateFlags

// Flags for CreatePort.
const (
	// Reclaim records a port that already exists on the host (after a
	// daemon restart) instead of allocating a new one.
	Reclaim PortFlags = virtwire.NetworkPortCreateReclaim
	// Validate checks def against libvirt's schema first.
	Validate PortFlags = virtwire.NetworkPortCreateValidate
)

// CreatePort adds a port to the (active) network for the NIC def
// describes: it needs an owner (the domain's name and UUID) and a MAC
// address; the network fills in how the NIC is plugged. A definition
// without a UUID is sent with a random one (def itself is not changed).
func (n *Network) CreatePort(ctx context.Context, def *xmlspec.NetworkPort, flags PortFlags) (*Port, error) {
	if def == nil {
		return nil, n.errorf("create port", errors.New("nil port definition"))
	}
	if def.UUID == nil {
		u, err := xmlspec.NewUUID()
		if err != nil {
			return nil, n.errorf("create port", err)
		}
		cp := *def
		cp.UUID = &u
		def = &cp
	}
	doc, err := def.Marshal()
	if err != nil {
		return nil, n.errorf("create port: writing the XML", err)
	}
	ref, err := n.conn.NetworkPortCreateXML(ctx, n.ref, string(doc), flags)
	if err != nil {
		return nil, n.errorf("create port", err)
	}
	return &Port{net: n, ref: ref}, nil
}

// XML returns the port's definition.
func (p *Port) XML(ctx context.Context) (*xmlspec.NetworkPort, error) {
	s, err := p.net.conn.NetworkPortGetXMLDesc(ctx, p.ref, 0)
	if err != nil {
		return nil, p.errorf("get XML", err)
	}
	def, err := xmlspec.ParseNetworkPort([]byte(s))
	if err != nil {
		return nil, p.errorf("parsing its XML", err)
	}
	return def, nil
}

// Delete removes the port from the network.
func (p *Port) Delete(ctx context.Context) error {
	if err := p.net.conn.NetworkPortDelete(ctx, p.ref, 0); err != nil {
		return p.errorf("delete", err)
	}
	return nil
}
