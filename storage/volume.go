package storage

import (
	"cmp"
	"context"
	"errors"
	"slices"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/xmlspec"
)

// Volume is a handle on one storage volume: the connection and the
// protocol's reference (the pool's name, the volume's name and its key,
// which for a file is its path). Every method asks the daemon, so a
// handle reports virtwire.ErrNoStorageVol once the volume is gone. It is
// safe for concurrent use.
type Volume struct {
	conn *virtwire.Conn
	ref  virtwire.StorageVol
}

// VolumeFromRef wraps a volume reference that a virtwire.Conn call
// returned in a handle.
func VolumeFromRef(conn *virtwire.Conn, ref virtwire.StorageVol) *Volume {
	return &Volume{conn: conn, ref: ref}
}

// Name returns the volume's name.
func (v *Volume) Name() string { return v.ref.Name }

// Key returns libvirt's unique key for the volume (a file's path).
func (v *Volume) Key() string { return v.ref.Key }

// PoolName returns the name of the volume's pool.
func (v *Volume) PoolName() string { return v.ref.Pool }

// Ref returns the protocol's reference to the volume, for the
// virtwire.Conn methods this package does not wrap.
func (v *Volume) Ref() virtwire.StorageVol { return v.ref }

// Conn returns the connection the handle uses.
func (v *Volume) Conn() *virtwire.Conn { return v.conn }

func (v *Volume) wrap(op string, err error) error {
	return volumeError(v.ref.Pool, v.ref.Name, op, err)
}

// LookupVolume finds the volume named name in the pool (virsh vol-info
// --pool POOL NAME).
func (p *Pool) LookupVolume(ctx context.Context, name string) (*Volume, error) {
	if err := checkName("volume", name); err != nil {
		return nil, volumeError(p.ref.Name, name, "lookup", err)
	}
	ref, err := p.conn.StorageVolLookupByName(ctx, p.ref, name)
	if err != nil {
		return nil, volumeError(p.ref.Name, name, "lookup", err)
	}
	return VolumeFromRef(p.conn, ref), nil
}

// LookupVolumeByPath finds the volume whose file or device on the
// daemon's host is path, in whichever pool it is (virsh vol-info PATH):
// the way to go from a domain's <disk> source to its volume.
func LookupVolumeByPath(ctx context.Context, conn *virtwire.Conn, path string) (*Volume, error) {
	if path == "" {
		return nil, volumeError("", path, "lookup by path", invalid("empty path"))
	}
	ref, err := conn.StorageVolLookupByPath(ctx, path)
	if err != nil {
		return nil, volumeError("", path, "lookup by path", err)
	}
	return VolumeFromRef(conn, ref), nil
}

// LookupVolumeByKey finds the volume whose key is key.
func LookupVolumeByKey(ctx context.Context, conn *virtwire.Conn, key string) (*Volume, error) {
	if key == "" {
		return nil, volumeError("", key, "lookup by key", invalid("empty key"))
	}
	ref, err := conn.StorageVolLookupByKey(ctx, key)
	if err != nil {
		return nil, volumeError("", key, "lookup by key", err)
	}
	return VolumeFromRef(conn, ref), nil
}

// Pool returns the volume's pool.
func (v *Volume) Pool(ctx context.Context) (*Pool, error) {
	ref, err := v.conn.StoragePoolLookupByVolume(ctx, v.ref)
	if err != nil {
		return nil, v.wrap("lookup pool", err)
	}
	return PoolFromRef(v.conn, ref), nil
}

// Volumes returns the pool's volumes, sorted by name as virsh vol-list
// sorts them. The pool must be active.
func (p *Pool) Volumes(ctx context.Context) ([]*Volume, error) {
	refs, _, err := p.conn.StoragePoolListAllVolumes(ctx, p.ref, 1, 0)
	if err != nil {
		return nil, p.wrap("list volumes", err)
	}
	slices.SortFunc(refs, func(a, b virtwire.StorageVol) int { return cmp.Compare(a.Name, b.Name) })
	out := make([]*Volume, len(refs))
	for i, r := range refs {
		out[i] = VolumeFromRef(p.conn, r)
	}
	return out, nil
}

// VolumeInfo is a volume's path, type and sizes: a row of virsh vol-list
// --details. Sizes are bytes.
type VolumeInfo struct {
	Name string
	Path string
	Type virtwire.StorageVolType
	// Capacity is the size the guest sees; Allocation what the host has
	// given the volume so far (less for a sparse file or a qcow2 image).
	Capacity   uint64
	Allocation uint64
}

// Info returns the volume's path, type and sizes.
func (v *Volume) Info(ctx context.Context) (VolumeInfo, error) {
	typ, capacity, alloc, err := v.conn.StorageVolGetInfo(ctx, v.ref)
	if err != nil {
		return VolumeInfo{}, v.wrap("get info", err)
	}
	path, err := v.Path(ctx)
	if err != nil {
		return VolumeInfo{}, err
	}
	return VolumeInfo{Name: v.ref.Name, Path: path, Type: virtwire.StorageVolType(typ), Capacity: capacity, Allocation: alloc}, nil
}

// VolumeInfos returns Info for each of the pool's volumes, sorted by name:
// virsh vol-list --details. A volume deleted while the list is made is
// left out.
func (p *Pool) VolumeInfos(ctx context.Context) ([]VolumeInfo, error) {
	vols, err := p.Volumes(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]VolumeInfo, 0, len(vols))
	for _, v := range vols {
		in, err := v.Info(ctx)
		if errors.Is(err, virtwire.ErrNoStorageVol) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, nil
}

// volumeTypeNames are virsh's words for the volume types.
var volumeTypeNames = [...]string{
	virtwire.StorageVolFile:    "file",
	virtwire.StorageVolBlock:   "block",
	virtwire.StorageVolDir:     "dir",
	virtwire.StorageVolNetwork: "network",
	virtwire.StorageVolNetdir:  "netdir",
	virtwire.StorageVolPloop:   "ploop",
}

// VolumeTypeName returns virsh's word for a volume type ("file",
// "block"...), "unknown" for one it does not know.
func VolumeTypeName(t virtwire.StorageVolType) string {
	if t < 0 || int(t) >= len(volumeTypeNames) {
		return "unknown"
	}
	return volumeTypeNames[t]
}

// Path returns the volume's file or device on the daemon's host (virsh
// vol-path).
func (v *Volume) Path(ctx context.Context) (string, error) {
	s, err := v.conn.StorageVolGetPath(ctx, v.ref)
	return s, v.wrap("get path", err)
}

// XMLString returns the volume's definition as libvirt writes it (virsh
// vol-dumpxml).
func (v *Volume) XMLString(ctx context.Context) (string, error) {
	s, err := v.conn.StorageVolGetXMLDesc(ctx, v.ref, 0)
	return s, v.wrap("get XML", err)
}

// XML returns the volume's definition as XMLString does, parsed.
func (v *Volume) XML(ctx context.Context) (*xmlspec.StorageVolume, error) {
	s, err := v.XMLString(ctx)
	if err != nil {
		return nil, err
	}
	def, err := xmlspec.ParseStorageVolume([]byte(s))
	if err != nil {
		return nil, v.wrap("get XML", err)
	}
	return def, nil
}

// Format returns the volume's image format as libvirt reads it (raw,
// qcow2, iso...), "" if the pool has none.
func (v *Volume) Format(ctx context.Context) (string, error) {
	def, err := v.XML(ctx)
	if err != nil {
		return "", err
	}
	return def.TargetFormat(), nil
}

// BackingStore returns the path and format of the image a copy-on-write
// volume (qcow2) reads what it has not written itself, "" if it has none.
func (v *Volume) BackingStore(ctx context.Context) (path, format string, err error) {
	def, err := v.XML(ctx)
	if err != nil || def.BackingStore == nil {
		return "", "", err
	}
	if f := def.BackingStore.Format; f != nil {
		format = f.Type
	}
	return def.BackingStore.Path, format, nil
}

// VolumeSpec describes a new volume: what virsh vol-create-as asks for.
type VolumeSpec struct {
	Name string
	// Capacity is the size the guest sees, in bytes. A volume that will
	// receive an image by Upload may have 0: the dir pool makes the file
	// as large as what is uploaded.
	Capacity uint64
	// Allocation is how much to allocate now, in bytes; 0 makes a sparse
	// file that grows as it is written (unlike libvirt's own default,
	// which allocates the whole capacity).
	Allocation uint64
	// Format is the image format (raw, qcow2...); "" lets the pool choose
	// (raw for a dir pool).
	Format string
	// BackingPath and BackingFormat make the volume a copy-on-write
	// overlay on an image (qcow2 only); CreateOverlay fills them in.
	BackingPath   string
	BackingFormat string
}

// Definition checks s and returns the volume's libvirt definition.
func (s VolumeSpec) Definition() (*xmlspec.StorageVolume, error) {
	if err := checkName("volume", s.Name); err != nil {
		return nil, err
	}
	if s.Allocation > s.Capacity && s.Capacity > 0 {
		return nil, invalid("allocation %d is more than the capacity %d", s.Allocation, s.Capacity)
	}
	if s.BackingFormat != "" && s.BackingPath == "" {
		return nil, invalid("a backing format without a backing path")
	}
	def := &xmlspec.StorageVolume{Name: s.Name, Capacity: xmlspec.ByteSize(s.Capacity), Allocation: xmlspec.ByteSize(s.Allocation)}
	if s.Format != "" {
		def.Target = &xmlspec.StorageVolumeTarget{Format: &xmlspec.DiskFormat{Type: s.Format}}
	}
	if s.BackingPath != "" {
		def.SetBackingStore(s.BackingPath, s.BackingFormat)
	}
	return def, nil
}

// CreateVolume creates the volume def describes (virsh vol-create). The
// pool must be active. xmlspec.NewVolume and NewQcow2Volume write the
// usual definitions; VolumeSpec and CreateVolumeAs do it for you.
func (p *Pool) CreateVolume(ctx context.Context, def *xmlspec.StorageVolume, flags virtwire.StorageVolCreateFlags) (*Volume, error) {
	if def == nil {
		return nil, volumeError(p.ref.Name, "", "create", invalid("no definition given"))
	}
	if err := checkName("volume", def.Name); err != nil {
		return nil, volumeError(p.ref.Name, def.Name, "create", err)
	}
	doc, err := def.Marshal()
	if err != nil {
		return nil, volumeError(p.ref.Name, def.Name, "create", err)
	}
	return p.create(ctx, def.Name, string(doc), flags)
}

// CreateVolumeAs creates a volume as spec says (virsh vol-create-as).
func (p *Pool) CreateVolumeAs(ctx context.Context, spec VolumeSpec, flags virtwire.StorageVolCreateFlags) (*Volume, error) {
	def, err := spec.Definition()
	if err != nil {
		return nil, volumeError(p.ref.Name, spec.Name, "create", err)
	}
	return p.CreateVolume(ctx, def, flags)
}

// CreateVolumeXML is CreateVolume for a libvirt <volume> document as text.
func (p *Pool) CreateVolumeXML(ctx context.Context, doc string, flags virtwire.StorageVolCreateFlags) (*Volume, error) {
	def, err := xmlspec.ParseStorageVolume([]byte(doc))
	if err != nil {
		return nil, volumeError(p.ref.Name, "?", "create", invalid("reading the volume's XML: %v", err))
	}
	if err := checkName("volume", def.Name); err != nil {
		return nil, volumeError(p.ref.Name, def.Name, "create", err)
	}
	return p.create(ctx, def.Name, doc, flags)
}

func (p *Pool) create(ctx context.Context, name, doc string, flags virtwire.StorageVolCreateFlags) (*Volume, error) {
	ref, err := p.conn.StorageVolCreateXML(ctx, p.ref, doc, flags)
	if err != nil {
		return nil, volumeError(p.ref.Name, name, "create", err)
	}
	return VolumeFromRef(p.conn, ref), nil
}

// CreateOverlay creates a qcow2 volume named name whose backing store is
// the volume backing (raw or qcow2, in this pool or another): a guest's
// disk that reads its base image and writes only its own changes, as
// virter's and virt-install's linked clones are. capacity 0 gives it the
// backing volume's capacity; a larger one grows the disk beyond the
// image. The backing volume must stay unchanged for as long as the overlay
// lives.
func (p *Pool) CreateOverlay(ctx context.Context, name string, backing *Volume, capacity uint64) (*Volume, error) {
	if backing == nil {
		return nil, volumeError(p.ref.Name, name, "create overlay", invalid("no backing volume"))
	}
	bdef, err := backing.XML(ctx)
	if err != nil {
		return nil, err
	}
	if capacity == 0 {
		// Said outright rather than left to libvirt, which takes the
		// backing image's size only in some versions.
		if capacity, err = bdef.CapacityBytes(); err != nil {
			return nil, backing.wrap("create overlay", err)
		}
	}
	format := bdef.TargetFormat()
	if format == "" {
		format = "raw" // never let qemu-img probe a backing image's format
	}
	return p.CreateVolumeAs(ctx, VolumeSpec{Name: name, Capacity: capacity, Format: "qcow2",
		BackingPath: bdef.TargetPath(), BackingFormat: format}, 0)
}

// CloneVolume creates a volume named name in this pool with a full copy of
// src (in this pool or another) and src's format, capacity and backing
// store: virsh vol-clone. A clone of a qcow2 overlay is an overlay on the
// same backing volume.
func (p *Pool) CloneVolume(ctx context.Context, name string, src *Volume, flags virtwire.StorageVolCreateFlags) (*Volume, error) {
	if src == nil {
		return nil, volumeError(p.ref.Name, name, "clone", invalid("no volume to clone"))
	}
	sdef, err := src.XML(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkName("volume", name); err != nil {
		return nil, volumeError(p.ref.Name, name, "clone", err)
	}
	def := &xmlspec.StorageVolume{Name: name, Capacity: sdef.Capacity}
	if f := sdef.TargetFormat(); f != "" {
		def.Target = &xmlspec.StorageVolumeTarget{Format: &xmlspec.DiskFormat{Type: f}}
	}
	if bs := sdef.BackingStore; bs != nil {
		format := ""
		if bs.Format != nil {
			format = bs.Format.Type
		}
		def.SetBackingStore(bs.Path, format)
	}
	doc, err := def.Marshal()
	if err != nil {
		return nil, volumeError(p.ref.Name, name, "clone", err)
	}
	ref, err := p.conn.StorageVolCreateXMLFrom(ctx, p.ref, string(doc), src.ref, flags)
	if err != nil {
		return nil, volumeError(p.ref.Name, name, "clone "+src.ref.Name, err)
	}
	return VolumeFromRef(p.conn, ref), nil
}

// Resize changes the volume's capacity to capacity bytes (virsh
// vol-resize); with virtwire.StorageVolResizeDelta capacity is added to the
// current one. Shrinking needs virtwire.StorageVolResizeShrink and loses
// what lies beyond the new end.
func (v *Volume) Resize(ctx context.Context, capacity uint64, flags virtwire.StorageVolResizeFlags) error {
	return v.wrap("resize", v.conn.StorageVolResize(ctx, v.ref, capacity, flags))
}

// Wipe overwrites the volume's data (virsh vol-wipe): with zeros
// (virtwire.StorageVolWipeAlgZero), or one of the patterns of
// virStorageVolWipeAlgorithm, which take much longer.
func (v *Volume) Wipe(ctx context.Context, alg virtwire.StorageVolWipeAlgorithm) error {
	if alg == virtwire.StorageVolWipeAlgZero {
		return v.wrap("wipe", v.conn.StorageVolWipe(ctx, v.ref, 0))
	}
	if alg < 0 {
		return v.wrap("wipe", invalid("wipe algorithm %d", alg))
	}
	return v.wrap("wipe", v.conn.StorageVolWipePattern(ctx, v.ref, uint32(alg), 0))
}

// Delete removes the volume and its storage (virsh vol-delete).
func (v *Volume) Delete(ctx context.Context, flags virtwire.StorageVolDeleteFlags) error {
	return v.wrap("delete", v.conn.StorageVolDelete(ctx, v.ref, flags))
}
