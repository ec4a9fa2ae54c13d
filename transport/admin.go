package transport

import (
	"errors"
	"fmt"
	"strings"
)

// ErrAdminURI is wrapped by the errors of AdminSocket: the URI names no
// admin socket libvirt's admin library would connect to.
var ErrAdminURI = errors.New("unsupported admin URI")

// AdminSocket returns the unix socket an admin URI names, as libvirt's
// admin library (virt-admin -c) resolves it: socket= when given, else
// libvirt-admin-sock for libvirtd and NAME-admin-sock for the modular
// daemons (virtqemud, virtproxyd...), under /run/libvirt for /system and
// $XDG_RUNTIME_DIR/libvirt for /session:
//
//	libvirtd:///system               /run/libvirt/libvirt-admin-sock
//	virtqemud:///session             $XDG_RUNTIME_DIR/libvirt/virtqemud-admin-sock
//	libvirtd:///system?socket=/p/s   /p/s
//
// The admin protocol is served on the daemon's local socket only, so a URI
// with a transport other than unix or with a host is refused, as is any
// parameter but socket= (libvirt refuses those too).
func AdminSocket(u *URI, sys *System) (string, error) {
	if u.Transport != "" && u.Transport != Unix {
		return "", fmt.Errorf("%w %s: the admin protocol is served on the daemon's unix socket only, not over %s (run virt-admin, or this program, on the daemon's host)", ErrAdminURI, u, u.Transport)
	}
	if u.Host != "" {
		return "", fmt.Errorf("%w %s: the admin protocol is served on the daemon's local unix socket only; host %q cannot be reached", ErrAdminURI, u, u.Host)
	}
	socket := ""
	for _, p := range u.Params {
		if p.Name != "socket" {
			return "", fmt.Errorf("%w %s: unknown parameter %q (admin URIs take socket= only)", ErrAdminURI, u, p.Name)
		}
		socket = p.Value
	}
	if socket != "" {
		return socket, nil
	}
	var base string
	switch {
	case u.Driver == "libvirtd":
		base = "libvirt-admin-sock"
	case strings.HasPrefix(u.Driver, "virt"):
		base = u.Driver + "-admin-sock"
	default:
		return "", fmt.Errorf("%w %s: unknown daemon %q (want libvirtd, or a modular daemon such as virtqemud or virtproxyd)", ErrAdminURI, u, u.Driver)
	}
	switch u.Path {
	case "/system":
		return "/run/libvirt/" + base, nil
	case "/session":
		dir, err := sys.userRuntimeDir()
		if err != nil {
			return "", err
		}
		return dir + "/" + base, nil
	}
	return "", fmt.Errorf("%w %s: path %q: want /system or /session", ErrAdminURI, u, u.Path)
}

// AdminConfigPath is where libvirt's admin library reads its configuration,
// libvirt-admin.conf: /etc/libvirt for root, $XDG_CONFIG_HOME/libvirt
// (~/.config/libvirt) for other users.
func AdminConfigPath(sys *System) (string, error) {
	if sys.privileged() {
		return "/etc/libvirt/libvirt-admin.conf", nil
	}
	dir, err := sys.UserConfigDir()
	if err != nil {
		return "", err
	}
	return dir + "/libvirt-admin.conf", nil
}

// LoadAdminConfig reads libvirt-admin.conf (uri_default, uri_aliases; the
// syntax of libvirt.conf) from AdminConfigPath. A missing file gives an
// empty config, as in libvirt.
func LoadAdminConfig(sys *System) (*ClientConfig, error) {
	path, err := AdminConfigPath(sys)
	if err != nil {
		return nil, err
	}
	return loadConfig(sys, path, "libvirt admin config")
}

// DefaultAdminURI returns the admin URI virt-admin uses when given none:
// $LIBVIRT_ADMIN_DEFAULT_URI, else uri_default of libvirt-admin.conf, else
// libvirtd:///system for root and libvirtd:///session for other users.
func DefaultAdminURI(sys *System) (string, error) {
	if s := sys.Getenv("LIBVIRT_ADMIN_DEFAULT_URI"); s != "" {
		return s, nil
	}
	cfg, err := LoadAdminConfig(sys)
	if err != nil {
		return "", err
	}
	if cfg.URIDefault != "" {
		return cfg.URIDefault, nil
	}
	if sys.privileged() {
		return "libvirtd:///system", nil
	}
	return "libvirtd:///session", nil
}
