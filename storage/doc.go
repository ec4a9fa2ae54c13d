// Package storage manages libvirt storage pools and volumes through a
// virtwire.Conn: define, build, start and delete pools, list them with
// their sizes; create volumes, qcow2 overlays on a backing volume and
// clones, resize, wipe and delete them; upload and download their contents
// as an io.Reader or io.Writer with progress, keeping holes; find a volume
// by its path. It is what a tool that creates guests needs for their
// disks, as virter's image pull and virt-install's --disk do.
//
//	conn, err := virtwire.Dial(ctx, "qemu:///system")
//	if err != nil {
//		return err
//	}
//	pool, err := storage.LookupPool(ctx, conn, "default")
//	if err != nil {
//		return err // errors.Is(err, virtwire.ErrNoStoragePool) if there is none
//	}
//	base, err := pool.CreateVolumeAs(ctx, storage.VolumeSpec{Name: "debian-12.qcow2", Format: "qcow2"}, 0)
//	if err != nil {
//		return err
//	}
//	img, err := os.Open("debian-12-genericcloud-amd64.qcow2")
//	if err != nil {
//		return err
//	}
//	defer img.Close()
//	if _, err := base.Upload(ctx, img, nil); err != nil {
//		return err
//	}
//	disk, err := pool.CreateOverlay(ctx, "web1.qcow2", base, 20<<30)
//
// Definitions are xmlspec's: DefinePool takes an *xmlspec.StoragePool
// (xmlspec.NewDirPool...), CreateVolume an *xmlspec.StorageVolume, and XML
// returns them; the ...XML variants take libvirt's documents as text, and
// VolumeSpec with CreateVolumeAs covers what virsh vol-create-as asks.
//
// Pools and Volumes are handles: a connection and the protocol's reference
// (name, UUID or key). Every method is one or a few calls to the daemon;
// nothing is cached. Errors are *Error values naming the pool or volume and
// the operation and wrapping the daemon's *virtwire.Error, so errors.Is
// works with virtwire's error numbers (virtwire.ErrNoStoragePool,
// virtwire.ErrNoStorageVol, virtwire.ErrStorageVolExist...) and with this
// package's ErrInvalid.
//
// Creating, cloning and resizing qcow2 volumes in a dir pool runs qemu-img
// on the daemon's host: install it there (Debian's qemu-utils).
package storage
