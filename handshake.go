package virtwire

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/virtwire/virtwire/protocol/remote"
)

// DriverFeature is a feature a daemon or its driver may support, asked with
// SupportsFeature (libvirt's internal virDrvFeature; the numbers are part of
// the wire ABI).
type DriverFeature int32

// Driver features.
const (
	FeatureMigrationV1                  DriverFeature = 1  // VIR_DRV_FEATURE_MIGRATION_V1
	FeatureRemote                       DriverFeature = 2  // VIR_DRV_FEATURE_REMOTE
	FeatureMigrationV2                  DriverFeature = 3  // VIR_DRV_FEATURE_MIGRATION_V2
	FeatureMigrationP2P                 DriverFeature = 4  // VIR_DRV_FEATURE_MIGRATION_P2P
	FeatureMigrationDirect              DriverFeature = 5  // VIR_DRV_FEATURE_MIGRATION_DIRECT
	FeatureMigrationV3                  DriverFeature = 6  // VIR_DRV_FEATURE_MIGRATION_V3
	FeatureMigrateChangeProtection      DriverFeature = 7  // VIR_DRV_FEATURE_MIGRATE_CHANGE_PROTECTION
	FeatureFDPassing                    DriverFeature = 8  // VIR_DRV_FEATURE_FD_PASSING
	FeatureTypedParamString             DriverFeature = 9  // VIR_DRV_FEATURE_TYPED_PARAM_STRING
	FeatureProgramKeepalive             DriverFeature = 10 // VIR_DRV_FEATURE_PROGRAM_KEEPALIVE
	FeatureXMLMigratable                DriverFeature = 11 // VIR_DRV_FEATURE_XML_MIGRATABLE
	FeatureMigrationOffline             DriverFeature = 12 // VIR_DRV_FEATURE_MIGRATION_OFFLINE
	FeatureMigrationParams              DriverFeature = 13 // VIR_DRV_FEATURE_MIGRATION_PARAMS
	FeatureRemoteEventCallback          DriverFeature = 14 // VIR_DRV_FEATURE_REMOTE_EVENT_CALLBACK
	FeatureRemoteCloseCallback          DriverFeature = 15 // VIR_DRV_FEATURE_REMOTE_CLOSE_CALLBACK
	FeatureNetworkUpdateHasCorrectOrder DriverFeature = 16 // VIR_DRV_FEATURE_NETWORK_UPDATE_HAS_CORRECT_ORDER
)

const (
	featureTypedParamString    = int32(FeatureTypedParamString)
	featureProgramKeepalive    = int32(FeatureProgramKeepalive)
	featureRemoteEventCallback = int32(FeatureRemoteEventCallback)
)

// SupportsFeature asks the daemon whether it supports feature
// (CONNECT_SUPPORTS_FEATURE).
func (c *Conn) SupportsFeature(ctx context.Context, feature DriverFeature) (bool, error) {
	return c.supportsFeature(ctx, int32(feature))
}

// handshake runs libvirt's connection setup in the order its remote driver
// uses: authentication, the keepalive probe, CONNECT_OPEN, then what only
// an opened connection can answer. The keepalive probe, which the daemon
// answers without an open connection, goes out together with CONNECT_OPEN
// (the daemon answers each call by its serial), so opening costs three
// round trips. Whether the daemon filters events by callback is asked at
// the first subscription that needs to know (eventFilter), not here: most
// connections never subscribe.
func (c *Conn) handshake(ctx context.Context, auth authenticator) error {
	if err := c.authenticate(ctx, auth); err != nil {
		return err
	}
	probe, probeErr := c.send(ctx, remote.Program, remote.ProtocolVersion, int32(remote.ProcConnectSupportsFeature), &remote.ConnectSupportsFeatureArgs{Feature: featureProgramKeepalive})
	args := remote.ConnectOpenArgs{Name: c.settings.opts.name}
	if c.settings.opts.readOnly {
		args.Flags = uint32(ConnectRO)
	}
	openErr := c.call(ctx, remote.Program, remote.ProtocolVersion, int32(remote.ProcConnectOpen), &args, nil)
	var keepalive remote.ConnectSupportsFeatureRet
	if probeErr == nil {
		probeErr = probe.Wait(ctx, keepalive.DecodeXDR)
	}
	if openErr != nil {
		name := "the default URI"
		if c.settings.opts.name != nil {
			name = fmt.Sprintf("%q", *c.settings.opts.name)
		}
		return fmt.Errorf("virtwire: opening %s: %w", name, openErr)
	}
	if probeErr != nil {
		return fmt.Errorf("virtwire: asking whether the daemon supports keepalive: %w", probeErr)
	}
	c.settings.features.keepalive = keepalive.Supported != 0
	// A daemon that can tell its client that its own connection to the
	// driver closed is asked to, so that such a Conn ends (with its
	// reason) instead of failing every later call. The registration is
	// its own probe (libvirt's client asks FeatureRemoteCloseCallback
	// first): a daemon that refuses it, one older than libvirt 1.2.3 that
	// does not know the procedure, sends no such events.
	err := c.registerCloseCallback(ctx)
	if re := (*Error)(nil); err != nil && !errors.As(err, &re) {
		return fmt.Errorf("virtwire: registering for connection-closed events: %w", err)
	}
	c.settings.features.closeRefused = err
	return nil
}

// eventFilter reports whether the daemon filters events by callback
// (FeatureRemoteEventCallback, libvirt 1.2.1 and later), asking once per
// connection.
func (c *Conn) eventFilter(ctx context.Context) (bool, error) {
	ok, err := c.askedFeature(ctx, &c.eventCallback, featureRemoteEventCallback)
	if err != nil {
		return false, fmt.Errorf("virtwire: asking whether the daemon filters events: %w", err)
	}
	return ok, nil
}

// askedFeature asks the daemon for feature the first time and keeps its
// answer in cache: 0 not asked yet, 1 supported, 2 not. An error is not
// kept, so a later call asks again.
func (c *Conn) askedFeature(ctx context.Context, cache *atomic.Int32, feature int32) (bool, error) {
	switch cache.Load() {
	case 1:
		return true, nil
	case 2:
		return false, nil
	}
	ok, err := c.supportsFeature(ctx, feature)
	if err != nil {
		return false, err
	}
	if ok {
		cache.Store(1)
	} else {
		cache.Store(2)
	}
	return ok, nil
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
	ok, err := c.askedFeature(ctx, &c.typedParamString, featureTypedParamString)
	if err != nil {
		return 0, fmt.Errorf("virtwire: asking whether the daemon supports string parameters: %w", err)
	}
	if ok {
		return uint32(TypedParamStringOkay), nil
	}
	return 0, nil
}

// networkUpdateOrder returns command and section in the order the daemon
// expects them on the wire. libvirt's public API long passed them to the
// remote driver swapped, so daemons that do not report
// FeatureNetworkUpdateHasCorrectOrder read them swapped; libvirt's client
// asks before every update, and so does this.
func (c *Conn) networkUpdateOrder(ctx context.Context, command, section uint32) (uint32, uint32, error) {
	correct, err := c.supportsFeature(ctx, int32(FeatureNetworkUpdateHasCorrectOrder))
	if err != nil {
		return 0, 0, fmt.Errorf("virtwire: asking the daemon for NetworkUpdate's argument order: %w", err)
	}
	if correct {
		return command, section, nil
	}
	return section, command, nil
}
