package transport

import (
	"fmt"
	"strings"
)

// Where libvirt keeps system sockets. libvirt builds client paths from
// LOCALSTATEDIR ("/var/run/...", valid on remote hosts too) and probes
// modular daemons under RUNSTATEDIR ("/run").
const (
	systemSocketDir = "/var/run/libvirt"
	runStateDir     = "/run/libvirt"
	sbinDir         = "/usr/sbin"
)

// Socket is the unix socket libvirt's client picks for a URI.
type Socket struct {
	Path   string // "/var/run/libvirt/virtqemud-sock"
	Daemon string // "virtqemud", "libvirtd" or "virtproxyd": who should listen there
	Mode   Mode   // ModeLegacy or ModeDirect, after resolving ModeAuto
}

// DaemonName is the modular daemon that serves driver: "virt" + driver +
// "d" (qemu -> virtqemud, network -> virtnetworkd).
func DaemonName(driver string) string { return "virt" + driver + "d" }

// SessionURI reports whether libvirt would use a per-user session daemon
// for u when running as a non-root user: a "/session" path, or the test
// driver with an explicit transport ("test+unix:///default").
func SessionURI(u *URI) bool {
	return u.Path == "/session" || (u.Driver == "test" && u.Transport != "")
}

// ChooseSocket picks the unix socket for u exactly as libvirt's remote
// driver does (remote_sockets.c): socket= wins; otherwise a session socket
// under $XDG_RUNTIME_DIR/libvirt when SessionURI(u) and the user is not
// root, else /var/run/libvirt; the "-ro" socket when readOnly (system
// only: session daemons have none); and between the modular
// virt${DRIVER}d-sock and the monolithic libvirt-sock by mode (mode=, then
// cfg.RemoteMode, then auto). In auto mode a unix URI takes the modular
// socket if it exists, else libvirt-sock if it exists, else the build
// default (cfg.DirectByDefault); ssh URIs always take libvirt-sock, since
// the remote host cannot be probed. The "remote" driver counts as no
// driver (virtproxyd's libvirt-sock).
//
// For ssh transports the path is the one handed to nc on the remote host.
// sys may be nil for the real machine; cfg may be nil for libvirt's
// defaults.
func ChooseSocket(u *URI, readOnly bool, cfg *ClientConfig, sys *System) (Socket, error) {
	tr := u.EffectiveTransport()
	if s := u.Socket(); s != "" {
		return Socket{Path: s}, nil
	}
	if cfg == nil {
		cfg = &ClientConfig{}
	}
	mode := u.Mode()
	if mode == "" {
		mode = cfg.RemoteMode
	}
	if mode == "" {
		mode = ModeAuto
	}
	if err := mode.check(); err != nil {
		return Socket{}, err
	}
	user := SessionURI(u) && sys.euid() > 0
	helper := func(prefix string) (string, error) {
		if user {
			dir, err := sys.userRuntimeDir()
			if err != nil {
				return "", err
			}
			return dir + "/" + prefix + "-sock", nil
		}
		suffix := "sock"
		if readOnly {
			suffix = "sock-ro"
		}
		return systemSocketDir + "/" + prefix + "-" + suffix, nil
	}

	driver := u.Driver
	if driver == "remote" {
		driver = ""
	}
	if driver == "" && mode != ModeLegacy && cfg.DirectByDefault {
		driver = probeDriver(sys, readOnly)
	}
	var direct, directDaemon string
	if driver != "" {
		directDaemon = DaemonName(driver)
		p, err := helper(directDaemon)
		if err != nil {
			return Socket{}, err
		}
		direct = p
	}
	legacy, err := helper("libvirt")
	if err != nil {
		return Socket{}, err
	}

	if mode == ModeAuto {
		switch {
		case tr != Unix:
			mode = ModeLegacy
		case direct != "" && sys.Exists(direct):
			mode = ModeDirect
		case sys.Exists(legacy):
			mode = ModeLegacy
		case cfg.DirectByDefault:
			mode = ModeDirect
		default:
			mode = ModeLegacy
		}
	}
	if mode == ModeLegacy {
		return Socket{Path: legacy, Daemon: "libvirtd", Mode: ModeLegacy}, nil
	}
	if tr != Unix {
		return Socket{}, fmt.Errorf("cannot use direct socket mode for %s transport", tr)
	}
	if direct == "" {
		return Socket{}, fmt.Errorf("cannot use direct socket mode if the URI names no driver")
	}
	return Socket{Path: direct, Daemon: directDaemon, Mode: ModeDirect}, nil
}

// probeDriver guesses the driver for a URI without one, as libvirt built
// for direct mode does: the first modular daemon whose socket exists (for a
// non-root user, else whose binary is installed).
func probeDriver(sys *System, readOnly bool) string {
	suffix := "sock"
	if readOnly {
		suffix = "sock-ro"
	}
	if sys.privileged() {
		for _, d := range []string{"xen", "qemu", "lxc", "vbox", "bhyve", "vz"} {
			if sys.Exists(runStateDir + "/" + DaemonName(d) + "-" + suffix) {
				return d
			}
		}
		return ""
	}
	session := []string{"qemu", "vbox"}
	if dir, err := sys.userRuntimeDir(); err == nil {
		for _, d := range session {
			if sys.Exists(dir + "/" + DaemonName(d) + "-" + suffix) {
				return d
			}
		}
	}
	for _, d := range session {
		if sys.Exists(sbinDir + "/" + DaemonName(d)) {
			return d
		}
	}
	return ""
}

// String describes the socket for error messages.
func (s Socket) String() string {
	var b strings.Builder
	b.WriteString(s.Path)
	if s.Daemon != "" {
		fmt.Fprintf(&b, " (%s)", s.Daemon)
	}
	return b.String()
}
