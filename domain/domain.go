package domain

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/xmlspec"
)

// Domain is a handle on one libvirt domain: a connection and the protocol's
// reference to the domain (name, UUID and the ID it had when the handle was
// made). It holds no other state, so it stays valid while the domain is
// started, stopped or redefined; it is safe for concurrent use.
type Domain struct {
	conn *virtwire.Conn
	ref  virtwire.Domain
}

// New returns a handle for a domain reference obtained from a
// virtwire.Conn call or event.
func New(conn *virtwire.Conn, ref virtwire.Domain) *Domain {
	return &Domain{conn: conn, ref: ref}
}

// Name returns the domain's name.
func (d *Domain) Name() string { return d.ref.Name }

// UUID returns the domain's UUID.
func (d *Domain) UUID() xmlspec.UUID { return xmlspec.UUID(d.ref.UUID) }

// Ref returns the protocol's reference to the domain, for the
// virtwire.Conn methods this package does not wrap.
func (d *Domain) Ref() virtwire.Domain { return d.ref }

// Conn returns the connection the handle uses.
func (d *Domain) Conn() *virtwire.Conn { return d.conn }

func (d *Domain) wrap(op string, err error) error { return wrap(d.ref.Name, op, err) }

// LookupByName finds the domain named name.
func LookupByName(ctx context.Context, conn *virtwire.Conn, name string) (*Domain, error) {
	ref, err := conn.DomainLookupByName(ctx, name)
	if err != nil {
		return nil, wrap(name, "lookup by name", err)
	}
	return New(conn, ref), nil
}

// LookupByUUID finds the domain whose UUID is uuid.
func LookupByUUID(ctx context.Context, conn *virtwire.Conn, uuid xmlspec.UUID) (*Domain, error) {
	ref, err := conn.DomainLookupByUUID(ctx, virtwire.UUID(uuid))
	if err != nil {
		return nil, wrap(uuid.String(), "lookup by UUID", err)
	}
	return New(conn, ref), nil
}

// LookupByID finds the running domain whose ID is id.
func LookupByID(ctx context.Context, conn *virtwire.Conn, id int) (*Domain, error) {
	name := strconv.Itoa(id)
	if id < 0 || id > math.MaxInt32 {
		return nil, wrap(name, "lookup by ID", fmt.Errorf("ID %d out of range", id))
	}
	ref, err := conn.DomainLookupByID(ctx, int32(id))
	if err != nil {
		return nil, wrap(name, "lookup by ID", err)
	}
	return New(conn, ref), nil
}

// Lookup finds a domain the way virsh reads a domain argument: as an ID if
// s is a number, then as a UUID if s is one, then as a name.
func Lookup(ctx context.Context, conn *virtwire.Conn, s string) (*Domain, error) {
	if id, err := strconv.Atoi(s); err == nil && id >= 0 && id <= math.MaxInt32 {
		d, err := LookupByID(ctx, conn, id)
		if err == nil || !errors.Is(err, virtwire.ErrNoDomain) {
			return d, err
		}
	}
	if uuid, err := xmlspec.ParseUUID(s); err == nil {
		d, err := LookupByUUID(ctx, conn, uuid)
		if err == nil || !errors.Is(err, virtwire.ErrNoDomain) {
			return d, err
		}
	}
	return LookupByName(ctx, conn, s)
}

// List returns the domains that match flags, in the daemon's order. With
// no flags it returns every domain; flags from the same group (active and
// inactive, persistent and transient, the states, autostart or not...)
// combine with "or", groups with "and", as in virConnectListAllDomains:
//
//	running, err := domain.List(ctx, conn, virtwire.ConnectListDomainsActive|virtwire.ConnectListDomainsPersistent)
func List(ctx context.Context, conn *virtwire.Conn, flags virtwire.ConnectListAllDomainsFlags) ([]*Domain, error) {
	refs, _, err := conn.ConnectListAllDomains(ctx, 1, flags)
	if err != nil {
		return nil, fmt.Errorf("domain: list (%v): %w", flags, err)
	}
	out := make([]*Domain, len(refs))
	for i, ref := range refs {
		out[i] = New(conn, ref)
	}
	return out, nil
}

// Define makes def a persistent domain (or updates the domain of that name
// and UUID): virsh define. flags may ask the daemon to validate def against
// its schema (virtwire.DomainDefineValidate).
func Define(ctx context.Context, conn *virtwire.Conn, def *xmlspec.Domain, flags virtwire.DomainDefineFlags) (*Domain, error) {
	if def == nil {
		return nil, errors.New("domain: define: no definition given")
	}
	doc, err := def.Marshal()
	if err != nil {
		return nil, wrap(def.Name, "define", err)
	}
	var ref virtwire.Domain
	if flags == 0 {
		ref, err = conn.DomainDefineXML(ctx, string(doc))
	} else {
		ref, err = conn.DomainDefineXMLFlags(ctx, string(doc), flags)
	}
	if err != nil {
		return nil, wrap(def.Name, "define", err)
	}
	return New(conn, ref), nil
}

// Create starts def as a transient domain, one that disappears when it
// stops: virsh create.
func Create(ctx context.Context, conn *virtwire.Conn, def *xmlspec.Domain, flags virtwire.DomainCreateFlags) (*Domain, error) {
	if def == nil {
		return nil, errors.New("domain: create: no definition given")
	}
	doc, err := def.Marshal()
	if err != nil {
		return nil, wrap(def.Name, "create", err)
	}
	ref, err := conn.DomainCreateXML(ctx, string(doc), flags)
	if err != nil {
		return nil, wrap(def.Name, "create", err)
	}
	return New(conn, ref), nil
}

// ID returns the domain's current ID, or -1 when it is not running. (The
// ID in the handle's Ref is the one it had when the handle was made.)
func (d *Domain) ID(ctx context.Context) (int, error) {
	ref, err := d.conn.DomainLookupByUUID(ctx, d.ref.UUID)
	if err != nil {
		return 0, d.wrap("get ID", err)
	}
	return int(ref.ID), nil
}

// Start boots a defined domain: virsh start. flags may start it paused,
// have it destroyed when the connection closes, and so on.
func (d *Domain) Start(ctx context.Context, flags virtwire.DomainCreateFlags) error {
	ref := d.ref // the handle keeps its reference as made (see ID)
	_, err := d.conn.DomainCreateWithFlags(ctx, &ref, flags)
	return d.wrap("start", err)
}

// Shutdown asks the guest to power off (ACPI, agent... as flags choose, or
// the hypervisor's default): virsh shutdown. It returns before the guest
// has stopped; see WatchLifecycle to learn when it has.
func (d *Domain) Shutdown(ctx context.Context, flags virtwire.DomainShutdownFlagValues) error {
	var err error
	if flags == 0 {
		err = d.conn.DomainShutdown(ctx, d.ref)
	} else {
		err = d.conn.DomainShutdownFlags(ctx, d.ref, flags)
	}
	return d.wrap("shutdown", err)
}

// Reboot asks the guest to reboot: virsh reboot.
func (d *Domain) Reboot(ctx context.Context, flags virtwire.DomainRebootFlagValues) error {
	return d.wrap("reboot", d.conn.DomainReboot(ctx, d.ref, flags))
}

// Destroy stops the domain at once, like pulling the plug: virsh destroy.
// A transient domain then disappears.
func (d *Domain) Destroy(ctx context.Context, flags virtwire.DomainDestroyFlagsValues) error {
	var err error
	if flags == 0 {
		ref := d.ref
		err = d.conn.DomainDestroy(ctx, &ref)
	} else {
		err = d.conn.DomainDestroyFlags(ctx, d.ref, flags)
	}
	return d.wrap("destroy", err)
}

// Suspend pauses the domain's CPUs: virsh suspend.
func (d *Domain) Suspend(ctx context.Context) error {
	return d.wrap("suspend", d.conn.DomainSuspend(ctx, d.ref))
}

// Resume lets a paused domain run again: virsh resume.
func (d *Domain) Resume(ctx context.Context) error {
	return d.wrap("resume", d.conn.DomainResume(ctx, d.ref))
}

// Undefine removes the domain's persistent definition: virsh undefine. A
// running domain keeps running as a transient one. flags say what happens
// to what the definition owns: virtwire.DomainUndefineNVRAM removes the
// UEFI variable store, DomainUndefineKeepNVRAM keeps it (libvirt refuses to
// undefine a domain with an NVRAM file unless one of the two is given),
// DomainUndefineManagedSave, DomainUndefineSnapshotsMetadata... remove the
// rest.
func (d *Domain) Undefine(ctx context.Context, flags virtwire.DomainUndefineFlagsValues) error {
	var err error
	if flags == 0 {
		err = d.conn.DomainUndefine(ctx, d.ref)
	} else {
		err = d.conn.DomainUndefineFlags(ctx, d.ref, flags)
	}
	return d.wrap("undefine", err)
}

// IsActive reports whether the domain is running (or paused...), as
// opposed to shut off.
func (d *Domain) IsActive(ctx context.Context) (bool, error) {
	v, err := d.conn.DomainIsActive(ctx, d.ref)
	return v == 1, d.wrap("is active", err)
}

// IsPersistent reports whether the domain has a persistent definition.
func (d *Domain) IsPersistent(ctx context.Context) (bool, error) {
	v, err := d.conn.DomainIsPersistent(ctx, d.ref)
	return v == 1, d.wrap("is persistent", err)
}

// Autostart reports whether the domain starts when the host boots.
func (d *Domain) Autostart(ctx context.Context) (bool, error) {
	v, err := d.conn.DomainGetAutostart(ctx, d.ref)
	return v != 0, d.wrap("get autostart", err)
}

// SetAutostart sets whether the domain starts when the host boots: virsh
// autostart [--disable].
func (d *Domain) SetAutostart(ctx context.Context, on bool) error {
	var v int32
	if on {
		v = 1
	}
	return d.wrap("set autostart", d.conn.DomainSetAutostart(ctx, d.ref, v))
}

// XML returns the domain's definition: the live one of a running domain,
// or with virtwire.DomainXMLInactive the one it will boot with next
// (virsh dumpxml [--inactive]). virtwire.DomainXMLSecure includes secrets
// such as graphics passwords.
func (d *Domain) XML(ctx context.Context, flags virtwire.DomainXMLFlags) (*xmlspec.Domain, error) {
	doc, err := d.conn.DomainGetXMLDesc(ctx, d.ref, flags)
	if err != nil {
		return nil, d.wrap("get XML", err)
	}
	def, err := xmlspec.ParseDomain([]byte(doc))
	if err != nil {
		return nil, d.wrap("get XML", err)
	}
	return def, nil
}
