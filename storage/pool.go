package storage

import (
	"cmp"
	"context"
	"errors"
	"slices"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/xmlspec"
)

// Pool is a handle on one storage pool of a libvirt connection: the
// connection and the pool's name and UUID. It holds no other state, so it
// stays valid while the pool is started, stopped or redefined, and reports
// virtwire.ErrNoStoragePool once the pool is gone. It is safe for
// concurrent use.
type Pool struct {
	conn *virtwire.Conn
	ref  virtwire.StoragePool
}

// PoolFromRef wraps a pool reference that a virtwire.Conn call or event
// returned in a handle.
func PoolFromRef(conn *virtwire.Conn, ref virtwire.StoragePool) *Pool {
	return &Pool{conn: conn, ref: ref}
}

// Name returns the pool's name.
func (p *Pool) Name() string { return p.ref.Name }

// UUID returns the pool's UUID.
func (p *Pool) UUID() xmlspec.UUID { return xmlspec.UUID(p.ref.UUID) }

// Ref returns the protocol's reference to the pool, for the virtwire.Conn
// methods this package does not wrap.
func (p *Pool) Ref() virtwire.StoragePool { return p.ref }

// Conn returns the connection the handle uses.
func (p *Pool) Conn() *virtwire.Conn { return p.conn }

func (p *Pool) wrap(op string, err error) error { return poolError(p.ref.Name, op, err) }

// LookupPool finds the pool named name (virsh pool-info NAME).
func LookupPool(ctx context.Context, conn *virtwire.Conn, name string) (*Pool, error) {
	if err := checkName("pool", name); err != nil {
		return nil, poolError(name, "lookup", err)
	}
	ref, err := conn.StoragePoolLookupByName(ctx, name)
	if err != nil {
		return nil, poolError(name, "lookup", err)
	}
	return PoolFromRef(conn, ref), nil
}

// LookupPoolByUUID finds the pool whose UUID is uuid.
func LookupPoolByUUID(ctx context.Context, conn *virtwire.Conn, uuid xmlspec.UUID) (*Pool, error) {
	ref, err := conn.StoragePoolLookupByUUID(ctx, virtwire.UUID(uuid))
	if err != nil {
		return nil, poolError(uuid.String(), "lookup by UUID", err)
	}
	return PoolFromRef(conn, ref), nil
}

// PoolFilter selects pools in ListPools. The zero PoolFilter lists every
// pool; flags from one group (active or inactive, persistent or transient,
// autostart or not, the pool types) combine with "or", groups with "and",
// as in virConnectListAllStoragePools.
type PoolFilter = virtwire.ConnectListAllStoragePoolsFlags

// ListPools returns the pools that match filter, sorted by name as virsh
// pool-list sorts them.
func ListPools(ctx context.Context, conn *virtwire.Conn, filter PoolFilter) ([]*Pool, error) {
	refs, _, err := conn.ConnectListAllStoragePools(ctx, 1, filter)
	if err != nil {
		return nil, poolError("", "list pools", err)
	}
	slices.SortFunc(refs, func(a, b virtwire.StoragePool) int { return cmp.Compare(a.Name, b.Name) })
	out := make([]*Pool, len(refs))
	for i, r := range refs {
		out[i] = PoolFromRef(conn, r)
	}
	return out, nil
}

// PoolInfo is a pool's state and sizes: a row of virsh pool-list
// --details. Sizes are bytes; an inactive pool reports them as 0.
type PoolInfo struct {
	Name       string
	UUID       xmlspec.UUID
	State      virtwire.StoragePoolState
	Persistent bool
	Autostart  bool
	Capacity   uint64 // the size of the pool's storage
	Allocation uint64 // what its volumes take of it
	Available  uint64 // what is left for new volumes
}

// Info returns the pool's state, sizes and flags.
func (p *Pool) Info(ctx context.Context) (PoolInfo, error) {
	st, capacity, alloc, avail, err := p.conn.StoragePoolGetInfo(ctx, p.ref)
	if err != nil {
		return PoolInfo{}, p.wrap("get info", err)
	}
	in := PoolInfo{Name: p.ref.Name, UUID: p.UUID(), State: virtwire.StoragePoolState(st),
		Capacity: capacity, Allocation: alloc, Available: avail}
	if in.Persistent, err = p.IsPersistent(ctx); err != nil {
		return PoolInfo{}, err
	}
	if in.Autostart, err = p.Autostart(ctx); err != nil {
		return PoolInfo{}, err
	}
	return in, nil
}

// ListPoolInfo returns Info for every pool that matches filter, sorted by
// name: virsh pool-list --details. A pool removed while the list is made is
// left out.
func ListPoolInfo(ctx context.Context, conn *virtwire.Conn, filter PoolFilter) ([]PoolInfo, error) {
	pools, err := ListPools(ctx, conn, filter)
	if err != nil {
		return nil, err
	}
	out := make([]PoolInfo, 0, len(pools))
	for _, p := range pools {
		in, err := p.Info(ctx)
		if errors.Is(err, virtwire.ErrNoStoragePool) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, nil
}

// poolStateNames are virsh's words for the states.
var poolStateNames = [...]string{
	virtwire.StoragePoolInactive:     "inactive",
	virtwire.StoragePoolBuilding:     "building",
	virtwire.StoragePoolRunning:      "running",
	virtwire.StoragePoolDegraded:     "degraded",
	virtwire.StoragePoolInaccessible: "inaccessible",
}

// PoolStateName returns virsh's word for a pool state ("running",
// "inactive"...), "unknown" for one it does not know.
func PoolStateName(s virtwire.StoragePoolState) string {
	if s < 0 || int(s) >= len(poolStateNames) {
		return "unknown"
	}
	return poolStateNames[s]
}

// DefinePool makes def a persistent pool, inactive until Start, and
// returns it: virsh pool-define. A dir pool's directory need not exist:
// Build makes it (or Start with virtwire.StoragePoolCreateWithBuild).
// xmlspec.NewDirPool, NewLogicalPool, NewNetFSPool... write the usual ones.
func DefinePool(ctx context.Context, conn *virtwire.Conn, def *xmlspec.StoragePool, flags virtwire.StoragePoolDefineFlags) (*Pool, error) {
	if def == nil {
		return nil, poolError("", "define", invalid("no definition given"))
	}
	if err := checkName("pool", def.Name); err != nil {
		return nil, poolError(def.Name, "define", err)
	}
	doc, err := def.Marshal()
	if err != nil {
		return nil, poolError(def.Name, "define", err)
	}
	return definePool(ctx, conn, def.Name, string(doc), flags)
}

// DefinePoolXML is DefinePool for a libvirt <pool> document as text.
func DefinePoolXML(ctx context.Context, conn *virtwire.Conn, doc string, flags virtwire.StoragePoolDefineFlags) (*Pool, error) {
	def, err := xmlspec.ParseStoragePool([]byte(doc))
	if err != nil {
		return nil, poolError("?", "define", invalid("reading the pool's XML: %v", err))
	}
	if err := checkName("pool", def.Name); err != nil {
		return nil, poolError(def.Name, "define", err)
	}
	return definePool(ctx, conn, def.Name, doc, flags)
}

func definePool(ctx context.Context, conn *virtwire.Conn, name, doc string, flags virtwire.StoragePoolDefineFlags) (*Pool, error) {
	ref, err := conn.StoragePoolDefineXML(ctx, doc, flags)
	if err != nil {
		return nil, poolError(name, "define", err)
	}
	return PoolFromRef(conn, ref), nil
}

// Build makes the pool's underlying storage (a dir pool's directory, a
// logical pool's volume group...): virsh pool-build. flags may refuse to
// overwrite what is there (virtwire.StoragePoolBuildNoOverwrite) or ask to.
func (p *Pool) Build(ctx context.Context, flags virtwire.StoragePoolBuildFlags) error {
	return p.wrap("build", p.conn.StoragePoolBuild(ctx, p.ref, flags))
}

// Start activates a defined pool (virsh pool-start); with
// virtwire.StoragePoolCreateWithBuild it builds it first.
func (p *Pool) Start(ctx context.Context, flags virtwire.StoragePoolCreateFlags) error {
	return p.wrap("start", p.conn.StoragePoolCreate(ctx, p.ref, flags))
}

// Stop deactivates the pool (virsh pool-destroy). Its volumes stay where
// they are; a transient pool is gone afterwards.
func (p *Pool) Stop(ctx context.Context) error {
	return p.wrap("stop", p.conn.StoragePoolDestroy(ctx, p.ref))
}

// Delete removes the pool's underlying storage (a dir pool's directory,
// which must be empty): virsh pool-delete. The pool must be inactive; its
// definition stays.
func (p *Pool) Delete(ctx context.Context, flags virtwire.StoragePoolDeleteFlags) error {
	return p.wrap("delete", p.conn.StoragePoolDelete(ctx, p.ref, flags))
}

// Undefine removes the pool's persistent definition (virsh
// pool-undefine). An active pool keeps running as a transient one.
func (p *Pool) Undefine(ctx context.Context) error {
	return p.wrap("undefine", p.conn.StoragePoolUndefine(ctx, p.ref))
}

// Refresh rescans the pool's storage for volumes made or changed behind
// libvirt's back (virsh pool-refresh).
func (p *Pool) Refresh(ctx context.Context) error {
	return p.wrap("refresh", p.conn.StoragePoolRefresh(ctx, p.ref, 0))
}

// Autostart reports whether the pool starts when the daemon does.
func (p *Pool) Autostart(ctx context.Context) (bool, error) {
	v, err := p.conn.StoragePoolGetAutostart(ctx, p.ref)
	return v != 0, p.wrap("get autostart", err)
}

// SetAutostart sets whether the (persistent) pool starts when the daemon
// does: virsh pool-autostart [--disable].
func (p *Pool) SetAutostart(ctx context.Context, on bool) error {
	var v int32
	if on {
		v = 1
	}
	return p.wrap("set autostart", p.conn.StoragePoolSetAutostart(ctx, p.ref, v))
}

// IsActive reports whether the pool is active.
func (p *Pool) IsActive(ctx context.Context) (bool, error) {
	v, err := p.conn.StoragePoolIsActive(ctx, p.ref)
	return v != 0, p.wrap("is active", err)
}

// IsPersistent reports whether the pool has a persistent definition.
func (p *Pool) IsPersistent(ctx context.Context) (bool, error) {
	v, err := p.conn.StoragePoolIsPersistent(ctx, p.ref)
	return v != 0, p.wrap("is persistent", err)
}

// XMLString returns the pool's definition as libvirt writes it (virsh
// pool-dumpxml [--inactive]).
func (p *Pool) XMLString(ctx context.Context, inactive bool) (string, error) {
	var flags virtwire.StorageXMLFlags
	if inactive {
		flags = virtwire.StorageXMLInactive
	}
	s, err := p.conn.StoragePoolGetXMLDesc(ctx, p.ref, flags)
	return s, p.wrap("get XML", err)
}

// XML returns the pool's definition as XMLString does, parsed.
func (p *Pool) XML(ctx context.Context, inactive bool) (*xmlspec.StoragePool, error) {
	s, err := p.XMLString(ctx, inactive)
	if err != nil {
		return nil, err
	}
	def, err := xmlspec.ParseStoragePool([]byte(s))
	if err != nil {
		return nil, p.wrap("get XML", err)
	}
	return def, nil
}

// TargetPath returns where the pool's volumes appear on the daemon's host
// (a dir pool's directory, /dev/VG of a logical pool), "" if it has none.
func (p *Pool) TargetPath(ctx context.Context) (string, error) {
	def, err := p.XML(ctx, false)
	if err != nil {
		return "", err
	}
	return def.TargetPath(), nil
}
