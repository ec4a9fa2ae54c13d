package lab

import (
	"os"
	"time"
)

// GuestImage is a bootable guest for the lab: a Debian cloud kernel and a
// busybox initramfs with the guest agent, built from Debian packages by
// BuildGuestImage and kept in a cache folder named by its Key.
type GuestImage struct {
	// Key names the cache entry: a hash of the package versions and of the
	// recipe that built it.
	Key string `json:"key"`
	// Dir is the cache entry's folder, which holds Kernel and Initrd.
	Dir string `json:"dir"`
	// Kernel is the kernel image (vmlinuz).
	Kernel string `json:"kernel"`
	// Initrd is the initramfs, an uncompressed newc cpio archive.
	Initrd string `json:"initrd"`
	// KernelRelease is the kernel's release, such as 6.1.0-56-cloud-amd64.
	KernelRelease string `json:"kernel_release"`
	// Packages are the Debian packages used, as name=version.
	Packages []string `json:"packages"`
	// Modules are the kernel modules the guest loads, in load order.
	Modules []string `json:"modules"`
	// Libraries are the shared libraries copied for qemu-ga, as paths in
	// the guest.
	Libraries []string `json:"libraries"`
	// Built is when the entry was built.
	Built time.Time `json:"built"`
	// BuildSeconds is how long building took, downloads included.
	BuildSeconds float64 `json:"build_seconds"`
}

// GuestCacheEnv names the environment variable that overrides
// DefaultGuestCache.
const GuestCacheEnv = "VIRTWIRE_GUEST_CACHE"

// DefaultGuestCache is where guest images are cached when GuestCacheEnv is
// not set: kept between runs, so only a new package version makes the lab
// download and build again.
const DefaultGuestCache = "/var/cache/virtwire-lab"

// GuestCache returns $VIRTWIRE_GUEST_CACHE, else DefaultGuestCache.
func GuestCache() string {
	if d := os.Getenv(GuestCacheEnv); d != "" {
		return d
	}
	return DefaultGuestCache
}
