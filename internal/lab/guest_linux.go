//go:build linux

package lab

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Files in the guest tier's folder that let Down undo the namespace even
// when lab.json was never written.
const (
	netnsFile      = "netns"       // the namespace's name, written before it is made
	netnsMountFile = "netns-mount" // what the lab made of /run/netns: "dir", "mount"
)

// netnsDir is where `ip netns` keeps its namespaces. The first `ip netns add`
// on a machine bind-mounts it on itself (to share the namespace mounts).
const netnsDir = "/run/netns"

// guestNetworks are the guest tier's two networks. They live in the tier's
// own namespace, so their names, bridges and subnets cannot clash with
// anything outside it. Every throwaway guest and hot-plugged NIC takes an
// address until its lease expires, hence the whole subnet.
func guestNetworks() []GuestNetwork {
	n := func(i int) GuestNetwork {
		b := byte(i)
		return GuestNetwork{
			Name:      "vwnet" + strconv.Itoa(i),
			Bridge:    "vwbr" + strconv.Itoa(i),
			Subnet:    netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 166, b, 0}), 24),
			Gateway:   netip.AddrFrom4([4]byte{10, 166, b, 1}),
			DHCPStart: netip.AddrFrom4([4]byte{10, 166, b, 2}),
			DHCPEnd:   netip.AddrFrom4([4]byte{10, 166, b, 254}),
		}
	}
	return []GuestNetwork{n(1), n(2)}
}

// makeNetns creates the network namespace name, recording it in dir first so
// that Down removes it whatever happens next, and brings its loopback up.
func makeNetns(ctx context.Context, dir, name string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, netnsFile), []byte(name+"\n"), 0o600); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	_, statErr := os.Stat(netnsDir)
	hadDir := statErr == nil
	mounted, err := isMountPoint(netnsDir)
	if err != nil {
		return err
	}
	out, err := exec.CommandContext(ctx, "ip", "netns", "add", name).CombinedOutput()
	// What ip made is recorded even when it failed half-way.
	var made []string
	if _, err := os.Stat(netnsDir); err == nil && !hadDir {
		made = append(made, "dir")
	}
	if now, _ := isMountPoint(netnsDir); now && !mounted {
		made = append(made, "mount")
	}
	if len(made) > 0 {
		if err := os.WriteFile(filepath.Join(dir, netnsMountFile), []byte(strings.Join(made, "\n")+"\n"), 0o600); err != nil {
			return fmt.Errorf("lab: %w", err)
		}
	}
	if err != nil {
		return fmt.Errorf("lab: ip netns add %s (package iproute2): %w: %s", name, err, out)
	}
	if out, err := exec.CommandContext(ctx, "ip", "-n", name, "link", "set", "lo", "up").CombinedOutput(); err != nil {
		return fmt.Errorf("lab: ip -n %s link set lo up: %w: %s", name, err, out)
	}
	return nil
}

// isMountPoint tells whether path is a mount point in this process's mount
// namespace.
func isMountPoint(path string) (bool, error) {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return false, fmt.Errorf("lab: %w", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) > 4 && f[4] == path {
			return true, nil
		}
	}
	return false, nil
}

// upGuest defines and starts the guest tier's networks and its shared
// guest on d, the daemon already running in the tier's namespace.
func (l *Lab) upGuest(ctx context.Context, d *libvirtd, img *GuestImage) error {
	g := &Guest{Dir: d.root, Netns: d.netns, Socket: d.socket(), Networks: guestNetworks(), Image: *img}
	for _, n := range g.Networks {
		def := filepath.Join(g.Dir, n.Name+".xml")
		if err := os.WriteFile(def, []byte(n.NetworkXML()), 0o600); err != nil {
			return fmt.Errorf("lab: %w", err)
		}
		for _, args := range [][]string{{"net-define", "--validate", def}, {"net-start", n.Name}} {
			if _, err := g.RunVirsh(ctx, args...); err != nil {
				return fmt.Errorf("lab: guest network: %w\n%s", err, tailLogs(d.log()))
			}
		}
	}
	vm, err := g.newVM("vwguest", g.Networks[0].Name)
	if err != nil {
		return err
	}
	if err := g.startVM(ctx, vm); err != nil {
		return fmt.Errorf("%w\n%s", err, tailLogs(d.log(), filepath.Join(d.root, "state", "log", "qemu", vm.Name+".log")))
	}
	g.VM = vm
	l.Guest = g
	return nil
}

// stopGuests destroys every guest and network of the guest daemon in dir,
// if it answers, so that QEMU and dnsmasq stop as libvirt stops them. Down
// kills whatever this leaves, so failures here only cost tidiness.
func stopGuests(ctx context.Context, dir string) {
	sock := filepath.Join(dir, "sock", "libvirt-sock")
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	err := probe(pctx, "unix", sock)
	cancel()
	if err != nil {
		return
	}
	ctx, cancel = context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	g := &Guest{Socket: sock}
	if out, err := g.RunVirsh(ctx, "list", "--name"); err == nil {
		for _, name := range strings.Fields(out) {
			_, _ = g.RunVirsh(ctx, "destroy", name)
		}
	}
	if out, err := g.RunVirsh(ctx, "net-list", "--name"); err == nil {
		for _, name := range strings.Fields(out) {
			_, _ = g.RunVirsh(ctx, "net-destroy", name)
		}
	}
}

// removeNetns kills anything left in the guest tier's namespace, deletes it,
// and unmounts /run/netns when the lab mounted it and no namespace is left
// there. It runs after the daemon is gone.
func removeNetns(ctx context.Context, dir string) error {
	data, err := os.ReadFile(filepath.Join(dir, netnsFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	name := strings.TrimSpace(string(data))
	if name == "" || strings.ContainsAny(name, "/\x00") {
		return fmt.Errorf("lab: %s names no namespace: %q", filepath.Join(dir, netnsFile), name)
	}
	nsPath := filepath.Join(netnsDir, name)
	if _, err := os.Stat(nsPath); err == nil {
		if err := sweepNetNamespace(ctx, nsPath); err != nil {
			return err
		}
		if out, err := exec.CommandContext(ctx, "ip", "netns", "delete", name).CombinedOutput(); err != nil {
			return fmt.Errorf("lab: ip netns delete %s: %w: %s", name, err, out)
		}
	}
	made, err := os.ReadFile(filepath.Join(dir, netnsMountFile))
	if err != nil {
		return nil // the lab made neither the folder nor its mount
	}
	if left, _ := os.ReadDir(netnsDir); len(left) > 0 {
		return nil // another lab's or someone else's namespace needs them
	}
	if mounted, _ := isMountPoint(netnsDir); mounted && strings.Contains(string(made), "mount") {
		if err := syscall.Unmount(netnsDir, 0); err != nil {
			return fmt.Errorf("lab: umount %s: %w", netnsDir, err)
		}
	}
	if mounted, _ := isMountPoint(netnsDir); !mounted && strings.Contains(string(made), "dir") {
		if err := os.Remove(netnsDir); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("lab: %w", err)
		}
	}
	return nil
}

// sweepNetNamespace SIGKILLs every process whose network namespace is the
// one bind-mounted at nsPath, and waits for them to go.
func sweepNetNamespace(ctx context.Context, nsPath string) error {
	var st syscall.Stat_t
	if err := syscall.Stat(nsPath, &st); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	return sweep(ctx, "net", fmt.Sprintf("net:[%d]", st.Ino))
}

// qemuCapsDir is where a libvirtd keeps what it probed of QEMU (under
// /var/cache/libvirt, which is the daemon's state/cache).
const qemuCapsDir = "state/cache/qemu/capabilities"

// seedQEMUCaps copies the QEMU capabilities a former guest daemon probed
// into the new daemon's cache. libvirt checks the entry against the QEMU
// binary, itself and the host, and probes again when any changed: a
// matching seed saves the 3 to 4 seconds the probe takes before the first
// guest can start. Failing to seed only costs that time.
func seedQEMUCaps(root string) {
	files, _ := filepath.Glob(filepath.Join(GuestCache(), "qemu-capabilities", "*.xml"))
	if len(files) == 0 || os.MkdirAll(filepath.Join(root, qemuCapsDir), 0o755) != nil {
		return
	}
	for _, f := range files {
		if data, err := os.ReadFile(f); err == nil {
			_ = os.WriteFile(filepath.Join(root, qemuCapsDir, filepath.Base(f)), data, 0o600)
		}
	}
}

// saveQEMUCaps keeps the guest daemon's probed QEMU capabilities for
// seedQEMUCaps, replacing older ones atomically.
func saveQEMUCaps(root string) {
	files, _ := filepath.Glob(filepath.Join(root, qemuCapsDir, "*.xml"))
	seed := filepath.Join(GuestCache(), "qemu-capabilities")
	if len(files) == 0 || os.MkdirAll(seed, 0o755) != nil {
		return
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		dst := filepath.Join(seed, filepath.Base(f))
		if old, err := os.ReadFile(dst); err == nil && string(old) == string(data) {
			continue
		}
		if os.WriteFile(dst+".tmp", data, 0o600) == nil {
			_ = os.Rename(dst+".tmp", dst)
		}
	}
}
