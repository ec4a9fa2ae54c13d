package storage_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/storage"
	"github.com/virtwire/virtwire/xmlspec"
)

// A dir pool's whole life, checked with virsh pool-info and the folder
// itself: define, build, start, autostart, sizes, refresh, list, stop,
// delete, undefine.
func TestPoolLifecycle(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	dir := filepath.Join(t.TempDir(), "pool")
	name := unique(t, "vwst")
	p, err := storage.DefinePoolXML(ctx, e.conn, dirPoolXML(name, dir), 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.removePool(t, p) })
	if got, err := storage.LookupPool(ctx, e.conn, name); err != nil || got.UUID() != p.UUID() {
		t.Fatalf("LookupPool: %v, %v", got, err)
	}
	if got, err := storage.LookupPoolByUUID(ctx, e.conn, p.UUID()); err != nil || got.Name() != name {
		t.Fatalf("LookupPoolByUUID: %v, %v", got, err)
	}
	in, err := p.Info(ctx)
	if err != nil || in.State != virtwire.StoragePoolInactive || !in.Persistent || in.Autostart {
		t.Fatalf("Info of a defined pool: %+v, %v", in, err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the folder exists before Build: %v", err)
	}
	if err := p.Build(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		t.Fatalf("Build made no folder: %v", err)
	}
	if err := p.Start(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if err := p.SetAutostart(ctx, true); err != nil {
		t.Fatal(err)
	}
	if path, err := p.TargetPath(ctx); err != nil || path != dir {
		t.Fatalf("TargetPath = %q, %v; want %s", path, err, dir)
	}
	if def, err := p.XML(ctx, true); err != nil || def.Name != name || def.Type != xmlspec.StoragePoolDir || def.UUID == nil || *def.UUID != p.UUID() {
		t.Fatalf("XML: %+v, %v", def, err)
	}

	// Info is virsh pool-info's.
	in, err = p.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m := fields(e.virsh(t, "pool-info", "--bytes", name))
	want := storage.PoolInfo{Name: name, UUID: p.UUID(), State: virtwire.StoragePoolRunning, Persistent: true, Autostart: true,
		Capacity: bytesField(t, m, "Capacity"), Allocation: bytesField(t, m, "Allocation"), Available: bytesField(t, m, "Available")}
	if diff := cmp.Diff(want, in); diff != "" {
		t.Errorf("Info differs from virsh pool-info (-virsh +got):\n%s", diff)
	}
	if m["State"] != storage.PoolStateName(in.State) || m["Autostart"] != "yes" || m["Persistent"] != "yes" || m["UUID"] != p.UUID().String() {
		t.Errorf("virsh pool-info: %v", m)
	}
	if in.Capacity == 0 || in.Available == 0 {
		t.Errorf("a running dir pool with no size: %+v", in)
	}
	infos, err := storage.ListPoolInfo(ctx, e.conn, storage.PoolFilter(virtwire.ConnectListStoragePoolsActive|virtwire.ConnectListStoragePoolsDir))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, i := range infos {
		names = append(names, i.Name)
		if i.Name == name && !cmp.Equal(i, in) {
			t.Errorf("ListPoolInfo's row %+v, Info %+v", i, in)
		}
	}
	if !strings.Contains(e.virsh(t, "pool-list", "--name", "--type", "dir"), name) || !contains(names, name) {
		t.Errorf("ListPoolInfo %v lacks %s", names, name)
	}

	// A file made behind libvirt's back is a volume after Refresh.
	writeFile(t, filepath.Join(dir, "stray.img"), bytes.Repeat([]byte{1}, 4096))
	if _, err := p.LookupVolume(ctx, "stray.img"); !errors.Is(err, virtwire.ErrNoStorageVol) {
		t.Fatalf("LookupVolume before Refresh: %v", err)
	}
	if err := p.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	v, err := p.LookupVolume(ctx, "stray.img")
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Delete(ctx, 0); err != nil {
		t.Fatal(err)
	}

	// Stop, delete (the folder), undefine.
	if err := p.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if active, err := p.IsActive(ctx); err != nil || active {
		t.Fatalf("IsActive after Stop: %v, %v", active, err)
	}
	if err := p.Delete(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the folder is still there after Delete: %v", err)
	}
	if err := p.Undefine(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = storage.LookupPool(ctx, e.conn, name)
	var se *storage.Error
	if !errors.Is(err, virtwire.ErrNoStoragePool) || !errors.As(err, &se) || se.Pool != name {
		t.Fatalf("LookupPool after Undefine: %v", err)
	}
	if _, err := p.Info(ctx); !errors.Is(err, virtwire.ErrNoStoragePool) {
		t.Fatalf("Info of an undefined pool: %v", err)
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// Bad definitions are refused before anything reaches the daemon, or by
// the daemon, and leave no pool behind.
func TestPoolBadInput(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	before := e.virsh(t, "pool-list", "--all", "--name")
	for _, tc := range []struct {
		doc    string
		target error
		want   string
	}{
		{"<pool type='dir'><name></name></pool>", storage.ErrInvalid, "empty pool name"},
		{"<pool type='dir'><name>a/b</name></pool>", storage.ErrInvalid, "contains '/'"},
		{"not XML", storage.ErrInvalid, "reading the pool's XML"},
		{"<pool type='dir'><name>vwst-notarget</name></pool>", virtwire.ErrXMLError, "target"},
		{"<pool type='nonsense'><name>vwst-nonsense</name></pool>", nil, "nonsense"},
	} {
		_, err := storage.DefinePoolXML(ctx, e.conn, tc.doc, 0)
		if err == nil || tc.target != nil && !errors.Is(err, tc.target) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("DefinePoolXML(%q): %v; want %v saying %q", tc.doc, err, tc.target, tc.want)
		}
	}
	if _, err := storage.DefinePool(ctx, e.conn, nil, 0); !errors.Is(err, storage.ErrInvalid) {
		t.Errorf("DefinePool(nil): %v", err)
	}
	if _, err := storage.DefinePool(ctx, e.conn, xmlspec.NewDirPool("a/b", "/tmp/x"), 0); !errors.Is(err, storage.ErrInvalid) {
		t.Errorf("DefinePool with a bad name: %v", err)
	}
	if _, err := storage.LookupPool(ctx, e.conn, ""); !errors.Is(err, storage.ErrInvalid) {
		t.Errorf("LookupPool(\"\"): %v", err)
	}
	if after := e.virsh(t, "pool-list", "--all", "--name"); after != before {
		t.Errorf("pools changed:\n%s", cmp.Diff(before, after))
	}
}

// Volumes: create (raw, qcow2), list with sizes as virsh vol-list
// --details and vol-info show them, look up by name and path, resize,
// clone, overlay, delete; bad input changes nothing.
func TestVolumes(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	p, dir := e.dirPool(t)
	raw, err := p.CreateVolumeAs(ctx, storage.VolumeSpec{Name: "raw.img", Capacity: 64 << 20}, 0)
	if err != nil {
		t.Fatal(err)
	}
	qcow, err := p.CreateVolumeAs(ctx, storage.VolumeSpec{Name: "disk.qcow2", Capacity: 32 << 20, Format: "qcow2"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	full, err := p.CreateVolumeXML(ctx, "<volume><name>full.img</name><capacity unit='MiB'>2</capacity></volume>", 0)
	if err != nil {
		t.Fatal(err)
	}
	typed, err := p.CreateVolume(ctx, xmlspec.NewQcow2Volume("typed.qcow2", 8<<20), 0)
	if err != nil {
		t.Fatal(err)
	}
	def, err := typed.XML(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := def.CapacityBytes(); def.Name != "typed.qcow2" || def.TargetFormat() != "qcow2" || c != 8<<20 ||
		def.TargetPath() != filepath.Join(dir, "typed.qcow2") {
		t.Errorf("XML of a volume made from an xmlspec definition: %+v", def)
	}
	if err := typed.Delete(ctx, 0); err != nil {
		t.Fatal(err)
	}
	infos, err := p.VolumeInfos(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var want []storage.VolumeInfo
	for _, v := range []*storage.Volume{qcow, full, raw} { // by name
		want = append(want, e.volInfo(t, v))
	}
	if diff := cmp.Diff(want, infos); diff != "" {
		t.Errorf("VolumeInfos differ from virsh vol-info (-virsh +got):\n%s", diff)
	}
	if infos[2].Allocation != 0 || infos[1].Allocation != 2<<20 || infos[2].Path != filepath.Join(dir, "raw.img") {
		t.Errorf("a sparse raw volume and libvirt's default (fully allocated): %+v", infos)
	}
	if f, err := qcow.Format(ctx); err != nil || f != "qcow2" {
		t.Errorf("Format = %q, %v", f, err)
	}
	if f, err := raw.Format(ctx); err != nil || f != "raw" {
		t.Errorf("Format = %q, %v", f, err)
	}

	// Lookup by path and key find the same volume.
	byPath, err := storage.LookupVolumeByPath(ctx, e.conn, filepath.Join(dir, "disk.qcow2"))
	if err != nil || byPath.Ref() != qcow.Ref() {
		t.Fatalf("LookupVolumeByPath: %+v, %v; want %+v", byPath, err, qcow.Ref())
	}
	if byKey, err := storage.LookupVolumeByKey(ctx, e.conn, qcow.Key()); err != nil || byKey.Ref() != qcow.Ref() {
		t.Fatalf("LookupVolumeByKey: %v", err)
	}
	if vp, err := qcow.Pool(ctx); err != nil || vp.Name() != p.Name() {
		t.Fatalf("Volume.Pool: %v", err)
	}
	for _, err := range []error{
		func() error {
			_, err := storage.LookupVolumeByPath(ctx, e.conn, filepath.Join(dir, "nope"))
			return err
		}(),
		func() error { _, err := p.LookupVolume(ctx, "nope"); return err }(),
	} {
		if !errors.Is(err, virtwire.ErrNoStorageVol) || !strings.Contains(err.Error(), "nope") {
			t.Errorf("a missing volume: %v", err)
		}
	}

	// Resize, raw and qcow2 (qemu-img).
	if err := raw.Resize(ctx, 128<<20, 0); err != nil {
		t.Fatal(err)
	}
	if err := qcow.Resize(ctx, 16<<20, virtwire.StorageVolResizeDelta); err != nil {
		t.Fatal(err)
	}
	if got := e.volInfo(t, raw).Capacity; got != 128<<20 {
		t.Errorf("virsh vol-info after Resize: capacity %d", got)
	}
	if got := e.volInfo(t, qcow).Capacity; got != 48<<20 {
		t.Errorf("virsh vol-info after a delta Resize: capacity %d", got)
	}
	if err := raw.Resize(ctx, 1<<20, 0); !errors.Is(err, virtwire.ErrInvalidArg) {
		t.Errorf("shrinking without the flag: %v", err)
	}

	// Clone: same format and capacity, same contents.
	payload := bytes.Repeat([]byte("virtwire"), 1<<16)
	if _, err := full.Upload(ctx, bytes.NewReader(payload), nil); err != nil {
		t.Fatal(err)
	}
	clone, err := p.CloneVolume(ctx, "clone.img", full, 0)
	if err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	if _, err := full.Download(ctx, &a, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := clone.Download(ctx, &b, nil); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) || !bytes.HasPrefix(a.Bytes(), payload) {
		t.Errorf("the clone's contents differ (%d and %d bytes)", a.Len(), b.Len())
	}
	if ci, fi := e.volInfo(t, clone), e.volInfo(t, full); ci.Capacity != fi.Capacity || ci.Type != fi.Type {
		t.Errorf("clone %+v of %+v", ci, fi)
	}
	qclone, err := p.CloneVolume(ctx, "clone.qcow2", qcow, 0)
	if err != nil {
		t.Fatal(err)
	}
	if f, _ := qclone.Format(ctx); f != "qcow2" || e.volInfo(t, qclone).Capacity != 48<<20 {
		t.Errorf("qcow2 clone: format %q, %+v", f, e.volInfo(t, qclone))
	}

	// Bad input: refused, nothing created.
	before := e.virsh(t, "vol-list", p.Name())
	for _, tc := range []struct {
		err    error
		target error
		want   string
	}{
		{func() error { _, err := p.CreateVolumeAs(ctx, storage.VolumeSpec{Name: ""}, 0); return err }(), storage.ErrInvalid, "empty volume name"},
		{func() error { _, err := p.CreateVolumeAs(ctx, storage.VolumeSpec{Name: "../x"}, 0); return err }(), storage.ErrInvalid, "'/'"},
		{func() error {
			_, err := p.CreateVolumeAs(ctx, storage.VolumeSpec{Name: "x", Capacity: 1, Allocation: 2}, 0)
			return err
		}(), storage.ErrInvalid, "more than the capacity"},
		{func() error {
			_, err := p.CreateVolumeAs(ctx, storage.VolumeSpec{Name: "raw.img", Capacity: 1}, 0)
			return err
		}(), virtwire.ErrStorageVolExist, "raw.img"},
		{func() error { _, err := p.CreateVolumeXML(ctx, "<volume>", 0); return err }(), storage.ErrInvalid, "reading the volume's XML"},
		{func() error { _, err := p.CreateOverlay(ctx, "o.qcow2", nil, 0); return err }(), storage.ErrInvalid, "no backing volume"},
		{func() error { _, err := p.CloneVolume(ctx, "c", nil, 0); return err }(), storage.ErrInvalid, "no volume to clone"},
		{func() error { _, err := storage.LookupVolumeByPath(ctx, e.conn, ""); return err }(), storage.ErrInvalid, "empty path"},
	} {
		if !errors.Is(tc.err, tc.target) || !strings.Contains(tc.err.Error(), tc.want) {
			t.Errorf("%v; want %v saying %q", tc.err, tc.target, tc.want)
		}
	}
	if after := e.virsh(t, "vol-list", p.Name()); after != before {
		t.Errorf("bad input changed the pool:\n%s", cmp.Diff(before, after))
	}

	// Delete.
	if err := clone.Delete(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := clone.Info(ctx); !errors.Is(err, virtwire.ErrNoStorageVol) {
		t.Errorf("Info of a deleted volume: %v", err)
	}
	if _, err := e.lab.RunVirsh(ctx, e.uri, "vol-info", "--pool", p.Name(), "clone.img"); err == nil {
		t.Error("virsh still finds the deleted volume")
	}
}

// An overlay guest disk: a qcow2 volume on a backing volume, which virsh
// vol-dumpxml shows with its backing store, and a domain that uses it.
func TestOverlayGuestDisk(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	p, _ := e.dirPool(t)
	base, err := p.CreateVolumeAs(ctx, storage.VolumeSpec{Name: "base.qcow2", Capacity: 256 << 20, Format: "qcow2"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	rawBase, err := p.CreateVolumeAs(ctx, storage.VolumeSpec{Name: "base.raw", Capacity: 64 << 20}, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		backing  *storage.Volume
		name     string
		capacity uint64
		format   string
		want     uint64
	}{
		{base, "guest1.qcow2", 0, "qcow2", 256 << 20},
		{base, "guest2.qcow2", 1 << 30, "qcow2", 1 << 30},
		{rawBase, "guest3.qcow2", 0, "raw", 64 << 20},
	} {
		disk, err := p.CreateOverlay(ctx, tc.name, tc.backing, tc.capacity)
		if err != nil {
			t.Fatal(err)
		}
		backingPath, _ := tc.backing.Path(ctx)
		dump := e.virsh(t, "vol-dumpxml", "--pool", p.Name(), tc.name)
		target, bs, ok := strings.Cut(dump, "<backingStore>")
		if !ok || !strings.Contains(target, "<format type='qcow2'/>") {
			t.Fatalf("virsh vol-dumpxml %s: no backing store, or not qcow2:\n%s", tc.name, dump)
		}
		if !strings.Contains(bs, "<path>"+backingPath+"</path>") || !strings.Contains(bs, "<format type='"+tc.format+"'/>") {
			t.Errorf("virsh vol-dumpxml %s: backing store is not %s (%s):\n%s", tc.name, backingPath, tc.format, dump)
		}
		path, format, err := disk.BackingStore(ctx)
		if err != nil || path != backingPath || format != tc.format {
			t.Errorf("BackingStore = %q, %q, %v", path, format, err)
		}
		if got := e.volInfo(t, disk).Capacity; got != tc.want {
			t.Errorf("%s: capacity %d, want %d", tc.name, got, tc.want)
		}
	}

	// A guest defined on the overlay: its disk is the volume.
	disk, err := p.LookupVolume(ctx, "guest1.qcow2")
	if err != nil {
		t.Fatal(err)
	}
	// A clone of the overlay keeps the backing store, as virsh vol-clone's
	// does.
	clone, err := p.CloneVolume(ctx, "guest1-copy.qcow2", disk, 0)
	if err != nil {
		t.Fatal(err)
	}
	basePath, _ := base.Path(ctx)
	if path, format, err := clone.BackingStore(ctx); err != nil || path != basePath || format != "qcow2" {
		t.Errorf("the clone's backing store: %q %q %v", path, format, err)
	}
	if !strings.Contains(e.virsh(t, "vol-dumpxml", "--pool", p.Name(), "guest1-copy.qcow2"), "<path>"+basePath+"</path>") {
		t.Error("virsh vol-dumpxml of the clone has no backing store")
	}
	path, _ := disk.Path(ctx)
	name := unique(t, "vwst-guest")
	doc := `<domain type='qemu'><name>` + name + `</name><memory unit='MiB'>64</memory><os><type arch='x86_64'>hvm</type></os>
<devices><disk type='volume' device='disk'><driver name='qemu' type='qcow2'/><source pool='` + p.Name() + `' volume='guest1.qcow2'/><target dev='vda' bus='virtio'/></disk></devices></domain>`
	ref, err := e.conn.DomainDefineXML(ctx, doc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.conn.DomainUndefine(ctxT(t), ref) })
	blk := e.virsh(t, "domblklist", "--details", name)
	if !strings.Contains(blk, "guest1.qcow2") {
		t.Errorf("virsh domblklist:\n%s", blk)
	}
	if v, err := storage.LookupVolumeByPath(ctx, e.conn, path); err != nil || v.Name() != "guest1.qcow2" {
		t.Errorf("the guest's disk by path: %v", err)
	}
}

// virter's image pull: an image uploaded into an empty qcow2 volume makes
// the volume that image, capacity and all, as libvirt reads it back; an
// overlay on it is a guest's disk.
func TestUploadImageIntoEmptyVolume(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	p, _ := e.dirPool(t)
	// An image to pull: a qcow2 file qemu-img made on the daemon's side,
	// downloaded.
	made, err := p.CreateVolumeAs(ctx, storage.VolumeSpec{Name: "made.qcow2", Capacity: 300 << 20, Format: "qcow2"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	image := filepath.Join(t.TempDir(), "image.qcow2")
	f, err := os.Create(image)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := made.Download(ctx, f, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Seek(0, 0); err != nil {
		t.Fatal(err)
	}
	st, _ := f.Stat()

	vol, err := p.CreateVolumeAs(ctx, storage.VolumeSpec{Name: "pulled.qcow2", Format: "qcow2"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := vol.Upload(ctx, f, nil); err != nil || n != st.Size() {
		t.Fatalf("Upload = %d, %v; want %d", n, err, st.Size())
	}
	if in := e.volInfo(t, vol); in.Capacity != 300<<20 {
		t.Errorf("virsh vol-info after the upload: capacity %d, want the image's 300 MiB", in.Capacity)
	}
	if in := mustInfo(t, vol); in.Capacity != 300<<20 {
		t.Errorf("Info after the upload: capacity %d", in.Capacity)
	}
	disk, err := p.CreateOverlay(ctx, "guest.qcow2", vol, 0)
	if err != nil {
		t.Fatal(err)
	}
	if path, format, err := disk.BackingStore(ctx); err != nil || format != "qcow2" || path != mustPath(t, vol) {
		t.Errorf("the overlay's backing store: %q %q %v", path, format, err)
	}
}

func mustPath(t *testing.T, v *storage.Volume) string {
	t.Helper()
	p, err := v.Path(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	return p
}
