package lab

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// ConsoleAlive starts the line the lab's guests write to their serial
// console every second, followed by the guest's name and uptime:
// "virtwire-guest: alive NAME 12.34". A test reading the console stream
// waits for it.
const ConsoleAlive = "virtwire-guest: alive"

// GuestAgentChannel is the name of the virtio-serial port the guests' agent
// (qemu-ga) listens on.
const GuestAgentChannel = "org.qemu.guest_agent.0"

// Guest is the lab's guest tier: a root libvirtd in a network namespace of
// its own, two isolated libvirt networks (no <forward>) with DHCP, and a
// running QEMU guest on the first (VM). The daemon's bridges, dnsmasq and
// every QEMU process live in that namespace; no guest traffic leaves it. The
// daemon's unix socket is reachable from the host by path: use URI.
//
// The guests boot a Debian cloud kernel and a busybox initramfs (Image).
// Each runs qemu-ga on a virtio-serial channel, udhcpc on every NIC,
// hot-plugged ones included, and writes ConsoleAlive lines to its serial
// console. They use software emulation (domain type qemu); Up starts VM
// without waiting for it, and WaitReady waits until it has its address.
type Guest struct {
	// Dir is the tier's folder: the daemon's state, logs and the consoles.
	Dir string `json:"dir"`
	// Netns is the network namespace (`ip netns exec NAME ...`).
	Netns string `json:"netns"`
	// Socket is the daemon's read-write unix socket (auth none).
	Socket string `json:"socket"`
	// Networks are the two isolated networks, persistent and active.
	// Networks[0] carries VM; Networks[1] has no guest on it, for hotplug.
	Networks []GuestNetwork `json:"networks"`
	// VM is the shared guest: persistent, running, with one NIC on
	// Networks[0].
	VM VM `json:"vm"`
	// Image is what every guest boots.
	Image GuestImage `json:"image"`
}

// GuestNetwork is one of the guest tier's isolated networks.
type GuestNetwork struct {
	// Name is the libvirt network's name.
	Name string `json:"name"`
	// Bridge is its bridge device (in the namespace).
	Bridge string `json:"bridge"`
	// Subnet is the network's IPv4 subnet, such as 10.166.1.0/24.
	Subnet netip.Prefix `json:"subnet"`
	// Gateway is the bridge's own address in Subnet.
	Gateway netip.Addr `json:"gateway"`
	// DHCPStart and DHCPEnd bound the addresses dnsmasq hands out.
	DHCPStart netip.Addr `json:"dhcp_start"`
	// DHCPEnd is the last address dnsmasq hands out.
	DHCPEnd netip.Addr `json:"dhcp_end"`
}

// VM is one guest of the guest tier.
type VM struct {
	// Name is the domain's name. It is also the guest's host name, which it
	// sends with its DHCP requests.
	Name string `json:"name"`
	// MAC is the address of its NIC on Network (lower case).
	MAC string `json:"mac"`
	// Network is the libvirt network that NIC is on.
	Network string `json:"network"`
	// ConsoleDevice is the alias of its serial console, for
	// virDomainOpenConsole (virsh console NAME serial0).
	ConsoleDevice string `json:"console_device"`
	// ConsoleLog is a file that receives a copy of everything the guest
	// writes to that console, from boot on.
	ConsoleLog string `json:"console_log"`
}

// URI returns the guest daemon's QEMU driver URI, qemu+unix:///system with
// socket=Socket.
func (g *Guest) URI() string {
	return "qemu+unix:///system?socket=" + escapeParam(g.Socket)
}

// Ping checks that the guest daemon answers on its unix socket.
func (g *Guest) Ping(ctx context.Context) error {
	return probe(ctx, "unix", g.Socket)
}

// RunVirsh runs `virsh -c URI args...` as Lab.RunVirsh does.
func (g *Guest) RunVirsh(ctx context.Context, args ...string) (string, error) {
	return runVirsh(ctx, nil, g.URI(), args...)
}

// Virsh is RunVirsh for tests: it fails the test when virsh fails, and
// returns the output with surrounding white space trimmed.
func (g *Guest) Virsh(tb testing.TB, args ...string) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := g.RunVirsh(ctx, args...)
	if err != nil {
		tb.Fatal(err)
	}
	return strings.TrimSpace(out)
}

// RequireGuest returns the guest tier of the running lab (see Require).
// Without a lab, or with a lab started without its guest tier, it skips the
// test, or fails it when CI is set.
func RequireGuest(tb testing.TB) *Guest {
	tb.Helper()
	l, err := running()
	if err == nil && l.Guest == nil {
		err = fmt.Errorf("the lab in %s was started without its guest tier", l.Dir)
	}
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = l.Guest.Ping(ctx)
		cancel()
		if err != nil {
			err = fmt.Errorf("the guest daemon of the lab in %s does not answer: %w", l.Dir, err)
		}
	}
	if err != nil {
		unavailable(tb, fmt.Sprintf("no libvirt lab with a guest: %v; `make test` starts one around the tests, `make lab-up` one for `go test`", err))
		return nil
	}
	return l.Guest
}

// ReadyTimeout bounds WaitReady: a guest boots and has its lease in about
// 3 to 10 seconds under software emulation, slower on a busy machine.
const ReadyTimeout = 2 * time.Minute

// leasePoll is how often the wait functions ask the daemon again.
const leasePoll = 200 * time.Millisecond

// WaitReady waits until vm has a DHCP lease on its network and its guest
// agent reports that same address on the NIC with vm's MAC, and returns the
// address. It fails the test if that takes longer than ReadyTimeout.
func (g *Guest) WaitReady(tb testing.TB, vm VM) netip.Addr {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), ReadyTimeout)
	defer cancel()
	ip, err := g.WaitLease(ctx, vm.Network, vm.MAC)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := g.WaitAgentAddr(ctx, vm.Name, vm.MAC, ip); err != nil {
		tb.Fatal(err)
	}
	return ip
}

// Lease is one row of `virsh net-dhcp-leases`.
type Lease struct {
	// MAC is the client's MAC address.
	MAC string
	// Addr is the leased address with the network's prefix length.
	Addr netip.Prefix
	// Hostname is the host name the client sent, or "-".
	Hostname string
}

// Leases returns network's current DHCP leases, as `virsh net-dhcp-leases`
// shows them.
func (g *Guest) Leases(ctx context.Context, network string) ([]Lease, error) {
	out, err := g.RunVirsh(ctx, "net-dhcp-leases", network)
	if err != nil {
		return nil, err
	}
	return parseLeases(out)
}

// WaitLease waits until network has an IPv4 lease for mac and returns its
// address, polling `virsh net-dhcp-leases` until ctx ends.
func (g *Guest) WaitLease(ctx context.Context, network, mac string) (netip.Addr, error) {
	var found netip.Addr
	var last error
	err := pollEvery(ctx, leasePoll, func() bool {
		leases, err := g.Leases(ctx, network)
		last = err
		for _, l := range leases {
			if strings.EqualFold(l.MAC, mac) && l.Addr.Addr().Is4() {
				found = l.Addr.Addr()
				return true
			}
		}
		return false
	})
	if err != nil {
		return netip.Addr{}, fmt.Errorf("lab: no DHCP lease for %s on %s: %w (last virsh error: %v)", mac, network, err, last)
	}
	return found, nil
}

// AgentInterface is one row group of `virsh domifaddr --source agent`: an
// interface as the guest sees it.
type AgentInterface struct {
	// Name is the interface's name in the guest (lo, eth0, ...).
	Name string
	// MAC is its MAC address ("00:00:00:00:00:00" for lo).
	MAC string
	// Addrs are its IPv4 and IPv6 addresses with prefix lengths.
	Addrs []netip.Prefix
}

// AgentInterfaces returns the guest's interfaces and addresses as its agent
// reports them through `virsh domifaddr --source agent`.
func (g *Guest) AgentInterfaces(ctx context.Context, domain string) ([]AgentInterface, error) {
	out, err := g.RunVirsh(ctx, "domifaddr", domain, "--source", "agent", "--full")
	if err != nil {
		return nil, err
	}
	return parseDomifaddr(out)
}

// WaitAgentAddr waits until the guest agent of domain answers and reports
// want (or, when want is the zero Addr, any IPv4 address) on the interface
// with MAC mac, and returns that interface.
func (g *Guest) WaitAgentAddr(ctx context.Context, domain, mac string, want netip.Addr) (AgentInterface, error) {
	var found AgentInterface
	var last error
	err := pollEvery(ctx, leasePoll, func() bool {
		ifaces, err := g.AgentInterfaces(ctx, domain)
		last = err
		for _, i := range ifaces {
			if !strings.EqualFold(i.MAC, mac) {
				continue
			}
			for _, a := range i.Addrs {
				if a.Addr() == want || (!want.IsValid() && a.Addr().Is4()) {
					found = i
					return true
				}
			}
		}
		return false
	})
	if err != nil {
		return AgentInterface{}, fmt.Errorf("lab: the agent of %s reports no address %v on %s: %w (last virsh error: %v)", domain, want, mac, err, last)
	}
	return found, nil
}

// ARPInterfaces returns the domain's interfaces and addresses as the host's
// neighbour table has them, through `virsh domifaddr --source arp` (every
// address with prefix 0). libvirt 9.0's daemon fails there on every host
// ("wrong nlmsg len": it takes the closing NLMSG_DONE message of the
// netlink dump for a broken neighbour entry).
func (g *Guest) ARPInterfaces(ctx context.Context, domain string) ([]AgentInterface, error) {
	out, err := g.RunVirsh(ctx, "domifaddr", domain, "--source", "arp", "--full")
	if err != nil {
		return nil, err
	}
	return parseDomifaddr(out)
}

// WaitARP waits until the host's neighbour table, as `virsh domifaddr
// --source arp` reports it, has want on the host side of vm's NIC (the
// guest pings its DHCP server once it has a lease), and returns that
// interface.
func (g *Guest) WaitARP(ctx context.Context, vm VM, want netip.Addr) (AgentInterface, error) {
	var found AgentInterface
	var last error
	err := pollEvery(ctx, leasePoll, func() bool {
		ifaces, err := g.ARPInterfaces(ctx, vm.Name)
		last = err
		for _, i := range ifaces {
			if !strings.EqualFold(i.MAC, vm.MAC) {
				continue
			}
			for _, a := range i.Addrs {
				if a.Addr() == want {
					found = i
					return true
				}
			}
		}
		return false
	})
	if err != nil {
		return AgentInterface{}, fmt.Errorf("lab: the host's neighbour table has no %v for %s: %w (last virsh error: %v)", want, vm.MAC, err, last)
	}
	return found, nil
}

// parseLeases reads the table `virsh net-dhcp-leases` prints:
//
//	Expiry Time           MAC address         Protocol   IP address          Hostname   Client ID or DUID
//	-----------------------------------------------------------------------------------------------------
//	2026-11-22 17:03:12   52:54:00:12:34:56   ipv4       10.166.1.150/24     vm1        01:52:54:00:12:34:56
func parseLeases(out string) ([]Lease, error) {
	var leases []Lease
	for _, line := range tableRows(out) {
		f := strings.Fields(line)
		if len(f) < 6 {
			return nil, fmt.Errorf("lab: odd net-dhcp-leases row %q", line)
		}
		addr, err := netip.ParsePrefix(f[4])
		if err != nil {
			return nil, fmt.Errorf("lab: net-dhcp-leases row %q: %w", line, err)
		}
		leases = append(leases, Lease{MAC: strings.ToLower(f[2]), Addr: addr, Hostname: f[5]})
	}
	return leases, nil
}

// parseDomifaddr reads the table `virsh domifaddr --full` prints, one row
// per address, the interface's name and MAC repeated on each:
//
//	Name       MAC address          Protocol     Address
//	-------------------------------------------------------------------------------
//	lo         00:00:00:00:00:00    ipv4         127.0.0.1/8
//	lo         00:00:00:00:00:00    ipv6         ::1/128
//	eth0       52:54:00:12:34:56    ipv4         10.166.1.150/24
func parseDomifaddr(out string) ([]AgentInterface, error) {
	var ifaces []AgentInterface
	index := make(map[string]int)
	for _, line := range tableRows(out) {
		f := strings.Fields(line)
		if len(f) < 2 {
			return nil, fmt.Errorf("lab: odd domifaddr row %q", line)
		}
		i, ok := index[f[0]]
		if !ok {
			i = len(ifaces)
			index[f[0]] = i
			ifaces = append(ifaces, AgentInterface{Name: f[0], MAC: strings.ToLower(f[1])})
		}
		if len(f) < 4 || f[3] == "N/A" {
			continue // an interface without addresses
		}
		addr, err := netip.ParsePrefix(f[3])
		if err != nil {
			return nil, fmt.Errorf("lab: domifaddr row %q: %w", line, err)
		}
		ifaces[i].Addrs = append(ifaces[i].Addrs, addr)
	}
	return ifaces, nil
}

// tableRows returns the non-empty lines of a virsh table after its dashed
// rule.
func tableRows(out string) []string {
	var rows []string
	body := false
	for _, line := range strings.Split(out, "\n") {
		t := strings.TrimSpace(line)
		switch {
		case !body:
			body = strings.HasPrefix(t, "---")
		case t != "":
			rows = append(rows, t)
		}
	}
	return rows
}

// pollEvery calls ready every interval until it returns true or ctx ends.
func pollEvery(ctx context.Context, interval time.Duration, ready func() bool) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for !ready() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// runVirsh runs `virsh -c uri args...` with stdin closed, LC_ALL=C and the
// LIBVIRT_* variables of this process replaced by env. It returns virsh's
// standard output, and an error holding its standard error when virsh fails.
func runVirsh(ctx context.Context, env []string, uri string, args ...string) (string, error) {
	return runTool(ctx, "virsh", env, uri, args...)
}

// runTool is runVirsh for any of libvirt's clients that take -c URI
// (virsh, virt-admin).
func runTool(ctx context.Context, prog string, env []string, uri string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, prog, append([]string{"-c", uri}, args...)...)
	env = append([]string{"LC_ALL=C"}, env...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LIBVIRT_") && !strings.HasPrefix(kv, "LC_ALL=") {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%s -c %s %s: %w: %s", prog, uri, strings.Join(args, " "), err,
			strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// guestMemoryMiB is each guest's memory: the kernel, the initramfs (about
// 9 MiB, held twice while it is unpacked) and room to spare.
const guestMemoryMiB = 192

// DomainXML returns the definition of vm as the lab writes it: a type qemu
// (software emulation) domain booting Image with vm's name on the kernel
// command line, one virtio NIC with vm's MAC on vm's network, a pty serial
// console copied to ConsoleLog, the guest agent's virtio-serial channel,
// and ACPI (for PCI hotplug and the power button).
func (g *Guest) DomainXML(vm VM) string {
	e := func(s string) string {
		var b strings.Builder
		_ = xml.EscapeText(&b, []byte(s))
		return b.String()
	}
	return fmt.Sprintf(`<domain type='qemu'>
  <name>%s</name>
  <title>virtwire lab guest</title>
  <memory unit='MiB'>%d</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>%s</kernel>
    <initrd>%s</initrd>
    <cmdline>console=ttyS0 quiet virtwire.name=%s</cmdline>
  </os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <controller type='usb' model='none'/>
    <interface type='network'>
      <mac address='%s'/>
      <source network='%s'/>
      <model type='virtio'/>
    </interface>
    <serial type='pty'>
      <log file='%s' append='off'/>
      <target port='0'/>
    </serial>
    <console type='pty'>
      <target type='serial' port='0'/>
    </console>
    <channel type='unix'>
      <target type='virtio' name='%s'/>
    </channel>
    <memballoon model='none'/>
  </devices>
</domain>
`, e(vm.Name), guestMemoryMiB, e(g.Image.Kernel), e(g.Image.Initrd), e(vm.Name), e(vm.MAC), e(vm.Network),
		e(vm.ConsoleLog), GuestAgentChannel)
}

// LeaseMinutes is how long the guest networks' DHCP leases last. Short, so
// that the addresses of removed guests and NICs come back soon; the guests
// renew theirs after half of it.
const LeaseMinutes = 10

// NetworkXML returns the definition of n as the lab writes it: isolated (no
// <forward>), its bridge without STP or forwarding delay, and DHCP over
// DHCPStart-DHCPEnd with leases of LeaseMinutes. dnsmasq's ping before each
// offer is turned off: it delays every first lease by 3 seconds and guards
// against hosts that are not there.
func (n GuestNetwork) NetworkXML() string {
	return fmt.Sprintf(`<network xmlns:dnsmasq='http://libvirt.org/schemas/network/dnsmasq/1.0'>
  <name>%s</name>
  <bridge name='%s' stp='off' delay='0'/>
  <ip address='%s' prefix='%d'>
    <dhcp>
      <range start='%s' end='%s'>
        <lease expiry='%d' unit='minutes'/>
      </range>
    </dhcp>
  </ip>
  <dnsmasq:options>
    <dnsmasq:option value='no-ping'/>
  </dnsmasq:options>
</network>
`, n.Name, n.Bridge, n.Gateway, n.Subnet.Bits(), n.DHCPStart, n.DHCPEnd, LeaseMinutes)
}

// newVM names a guest on network: name prefix plus a random suffix (domain
// names must differ between labs on one machine), a random MAC, and a
// console log in g.Dir.
func (g *Guest) newVM(prefix, network string) (VM, error) {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return VM{}, fmt.Errorf("lab: %w", err)
	}
	name := prefix + "-" + hex.EncodeToString(b[:])
	return VM{
		Name:          name,
		MAC:           RandomMAC(),
		Network:       network,
		ConsoleDevice: "serial0",
		ConsoleLog:    filepath.Join(g.Dir, "consoles", name+".log"),
	}, nil
}

// RandomMAC returns a random MAC address in QEMU's 52:54:00 range, for a
// NIC a test attaches.
func RandomMAC() string {
	var b [3]byte
	_, _ = rand.Read(b[:]) // it never fails (crypto/rand's documentation)
	return fmt.Sprintf("52:54:00:%02x:%02x:%02x", b[0], b[1], b[2])
}

// vmDefinition is the file the lab writes vm's definition to.
func vmDefinition(vm VM) string {
	return filepath.Join(filepath.Dir(vm.ConsoleLog), vm.Name+".xml")
}

// startVM defines vm and starts it, without waiting for it to boot.
func (g *Guest) startVM(ctx context.Context, vm VM) error {
	if err := os.MkdirAll(filepath.Dir(vm.ConsoleLog), 0o700); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	def := vmDefinition(vm)
	if err := os.WriteFile(def, []byte(g.DomainXML(vm)), 0o600); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	if _, err := g.RunVirsh(ctx, "define", "--validate", def); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	if _, err := g.RunVirsh(ctx, "start", vm.Name); err != nil {
		_, _ = g.RunVirsh(context.WithoutCancel(ctx), "undefine", vm.Name)
		return fmt.Errorf("lab: %w", err)
	}
	return nil
}

// removeVM destroys the domain name if it runs and undefines it if it is
// persistent. A domain that is already gone is not an error.
func (g *Guest) removeVM(ctx context.Context, name string) error {
	gone := func(err error) bool { return err != nil && strings.Contains(err.Error(), "failed to get domain") }
	state, err := g.RunVirsh(ctx, "domstate", name)
	if gone(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	if strings.TrimSpace(state) != "shut off" {
		if _, err := g.RunVirsh(ctx, "destroy", name); err != nil && !gone(err) {
			return fmt.Errorf("lab: %w", err)
		}
	}
	// A transient domain is gone once destroyed.
	if _, err := g.RunVirsh(ctx, "undefine", name); err != nil && !gone(err) {
		return fmt.Errorf("lab: %w", err)
	}
	return nil
}

// StartVM starts a throwaway guest for a test that must stop, break or
// reconfigure one: persistent and running, with one NIC on Networks[0], its
// own name and MAC, booting Image. It does not wait for the boot (use
// WaitReady). t.Cleanup destroys and undefines it.
func (g *Guest) StartVM(tb testing.TB) VM {
	tb.Helper()
	vm, err := g.newVM("vwvm", g.Networks[0].Name)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := g.removeVM(ctx, vm.Name); err != nil {
			tb.Errorf("removing the throwaway guest: %v", err)
			return
		}
		for _, f := range []string{vm.ConsoleLog, vmDefinition(vm)} {
			if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
				tb.Errorf("removing the throwaway guest's files: %v", err)
			}
		}
	})
	if err := g.startVM(ctx, vm); err != nil {
		tb.Fatal(err)
	}
	return vm
}
