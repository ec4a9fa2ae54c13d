package lab

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
)

// RootLibvirt is the libvirt release of the lab's libvirt root: the
// release bookworm-backports packages, which is also the release the
// project is generated from (internal/libvirtsrc) and the one the modular
// daemons are built from.
const RootLibvirt = "11.3.0"

// ModularPrefix is where the modular daemons are installed in the libvirt
// root (ModularPrefix/sbin/virtqemud...).
const ModularPrefix = "/opt/libvirt-11.3"

// Root is a libvirt root: a Debian 12 (bookworm) tree, made with
// debootstrap, in which libvirt's daemons and clients are those of
// bookworm-backports (RootLibvirt) and everything else, QEMU among it, is
// bookworm's as on the host; libvirt's modular daemons, which Debian does
// not package, are built from the release source and installed under
// ModularPrefix. Daemons and tests run chrooted in it (EnterCommand), each
// in a private mount namespace, so the host's packages and any libvirtd of
// the machine are never touched.
//
// Building a root takes about a minute, the modular daemons about two more;
// both are cached as tarballs in RootCache (BuildRoot, BuildModular), and
// PrepareRoot unpacks them in seconds.
type Root struct {
	// Dir is the root's folder.
	Dir string `json:"dir"`
	// Libvirt is the Debian version of its libvirt packages, such as
	// 11.3.0-2~bpo12+1.
	Libvirt string `json:"libvirt"`
	// Modular is ModularPrefix when the modular daemons are installed in
	// it, else "".
	Modular string `json:"modular,omitempty"`
}

// RootCacheEnv names the environment variable that overrides DefaultGuestCache
// as the folder of the root's and the modular build's tarballs.
const RootCacheEnv = "VIRTWIRE_ROOT_CACHE"

// RootCache returns $VIRTWIRE_ROOT_CACHE, else DefaultGuestCache (the lab's
// one cache folder, /var/cache/virtwire-lab).
func RootCache() string {
	if d := os.Getenv(RootCacheEnv); d != "" {
		return d
	}
	return DefaultGuestCache
}

// OpenRoot describes the root in dir (made by PrepareRoot, or "/" for the
// system this runs in, when that is such a root). It reads the libvirt
// version from the root's package database.
func OpenRoot(dir string) (*Root, bool) {
	v := debVersion(filepath.Join(dir, "var/lib/dpkg/status"), "libvirt-daemon")
	if v == "" {
		return nil, false
	}
	r := &Root{Dir: dir, Libvirt: v}
	if fi, err := os.Stat(filepath.Join(dir, ModularPrefix, "sbin", "virtproxyd")); err == nil && fi.Mode().IsRegular() {
		r.Modular = ModularPrefix
	}
	return r, true
}

// InRoot reports whether this process runs inside a libvirt root with the
// modular daemons, as the lab's 11.3 run does (scripts/lab-run.sh --root).
func InRoot() bool {
	r, ok := OpenRoot("/")
	return ok && r.Modular != "" && strings.HasPrefix(r.Libvirt, RootLibvirt)
}

// debVersion returns the installed version of package pkg in a dpkg status
// file, or "".
func debVersion(status, pkg string) string {
	f, err := os.Open(status)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var name, version string
	installed := false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if name == pkg && installed {
				return version
			}
			name, version, installed = "", "", false
		case strings.HasPrefix(line, "Package: "):
			name = strings.TrimPrefix(line, "Package: ")
		case strings.HasPrefix(line, "Version: "):
			version = strings.TrimPrefix(line, "Version: ")
		case strings.HasPrefix(line, "Status: "):
			installed = strings.HasSuffix(line, " installed")
		}
	}
	if name == pkg && installed {
		return version
	}
	return ""
}
