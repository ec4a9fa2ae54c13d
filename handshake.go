package virtwire

import (
	"context"
	"fmt"
	"slices"

	"github.com/virtwire/virtwire/protocol/remote"
)

// Driver features the client asks about with CONNECT_SUPPORTS_FEATURE. They
// are libvirt-internal numbers (virDrvFeature), fixed by the wire ABI.
const (
	featureTypedParamString    = 9
	featureProgramKeepalive    = 10
	featureRemoteEventCallback = 14
)

// handshake runs libvirt's connection setup in the order its remote driver
// uses: authentication, the keepalive probe, CONNECT_OPEN, then the probes
// that only an opened connection can answer.
func (c *Conn) handshake(ctx context.Context, auth authenticator) error {
	if err := c.authenticate(ctx, auth); err != nil {
		return err
	}
	var err error
	if c.features.keepalive, err = c.supportsFeature(ctx, featureProgramKeepalive); err != nil {
		return fmt.Errorf("virtwire: asking whether the daemon supports keepalive: %w", err)
	}
	args := remote.ConnectOpenArgs{Name: c.opts.name}
	if c.opts.readOnly {
		args.Flags = uint32(ConnectRO)
	}
	if err := c.call(ctx, remote.Program, remote.ProtocolVersion, int32(remote.ProcConnectOpen), &args, nil); err != nil {
		name := "the default URI"
		if c.opts.name != nil {
			name = fmt.Sprintf("%q", *c.opts.name)
		}
		return fmt.Errorf("virtwire: opening %s: %w", name, err)
	}
	if c.features.eventCallback, err = c.supportsFeature(ctx, featureRemoteEventCallback); err != nil {
		return fmt.Errorf("virtwire: asking whether the daemon filters events: %w", err)
	}
	return nil
}

func (c *Conn) supportsFeature(ctx context.Context, feature int32) (bool, error) {
	args := remote.ConnectSupportsFeatureArgs{Feature: feature}
	var ret remote.ConnectSupportsFeatureRet
	if err := c.call(ctx, remote.Program, remote.ProtocolVersion, int32(remote.ProcConnectSupportsFeature), &args, &ret); err != nil {
		return false, err
	}
	return ret.Supported != 0, nil
}

// authenticate lists the daemon's authentication types and runs the first
// one, as libvirt's client does: none needs nothing, polkit is one call
// (the daemon checks the peer's credentials), SASL is an exchange that Dial
// supplies.
func (c *Conn) authenticate(ctx context.Context, auth authenticator) error {
	var list remote.AuthListRet
	if err := c.call(ctx, remote.Program, remote.ProtocolVersion, int32(remote.ProcAuthList), nil, &list); err != nil {
		return fmt.Errorf("virtwire: listing authentication types: %w", err)
	}
	if len(list.Types) == 0 || slices.Contains(list.Types, remote.AuthNone) {
		return nil
	}
	switch list.Types[0] {
	case remote.AuthPolkit:
		var ret remote.AuthPolkitRet
		if err := c.call(ctx, remote.Program, remote.ProtocolVersion, int32(remote.ProcAuthPolkit), nil, &ret); err != nil {
			return fmt.Errorf("virtwire: polkit authentication: %w", err)
		}
		return nil
	case remote.AuthSASL:
		if auth == nil {
			return fmt.Errorf("virtwire: the daemon requires SASL authentication; connect with Dial and give credentials")
		}
		return auth(ctx, c, list.Types)
	default:
		return fmt.Errorf("virtwire: the daemon requires authentication type %v, which this client does not know", list.Types[0])
	}
}

// stringOkay returns TypedParamStringOkay when the daemon's driver supports
// string typed parameters, asking once per connection, as libvirt's client
// library does before the calls that return typed parameters.
func (c *Conn) stringOkay(ctx context.Context) (uint32, error) {
	switch c.typedParamString.Load() {
	case 1:
		return uint32(TypedParamStringOkay), nil
	case 2:
		return 0, nil
	}
	ok, err := c.supportsFeature(ctx, featureTypedParamString)
	if err != nil {
		return 0, fmt.Errorf("virtwire: asking whether the daemon supports string parameters: %w", err)
	}
	if ok {
		c.typedParamString.Store(1)
		return uint32(TypedParamStringOkay), nil
	}
	c.typedParamString.Store(2)
	return 0, nil
}
