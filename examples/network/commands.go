package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/network"
	"github.com/virtwire/virtwire/xmlspec"
)

// table writes aligned columns two spaces apart, as virter prints them.
func table(w io.Writer, header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range append([][]string{header}, rows...) {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// lsRow is one line of `ls`.
func lsRow(def *xmlspec.Network) []string {
	var forward, ipRange, domain, dhcp, bridge string
	if def.Forward != nil {
		forward = def.Forward.Mode
	}
	if def.Domain != nil {
		domain = def.Domain.Name
	}
	if def.Bridge != nil {
		bridge = def.Bridge.Name
	}
	// virter shows the first <ip>: the host's address with the prefix,
	// and that element's first DHCP range.
	if len(def.IPs) > 0 {
		ip := &def.IPs[0]
		if p, err := ip.Subnet(); err == nil {
			ipRange = fmt.Sprintf("%s/%d", ip.Address, p.Bits())
		} else {
			ipRange = ip.Address
		}
		if ip.DHCP != nil && len(ip.DHCP.Ranges) > 0 {
			dhcp = ip.DHCP.Ranges[0].Start + "-" + ip.DHCP.Ranges[0].End
		}
	}
	return []string{def.Name, forward, ipRange, domain, dhcp, bridge}
}

// list prints every network, sorted by name.
func list(ctx context.Context, conn *virtwire.Conn, w io.Writer) error {
	nets, err := network.List(ctx, conn, 0)
	if err != nil {
		return err
	}
	var rows [][]string
	for _, n := range nets {
		def, err := n.XML(ctx, false)
		if errors.Is(err, virtwire.ErrNoNetwork) {
			continue // removed while we listed
		}
		if err != nil {
			return err
		}
		rows = append(rows, lsRow(def))
	}
	slices.SortFunc(rows, func(a, b []string) int { return cmp.Compare(a[0], b[0]) })
	return table(w, []string{"Name", "Forward-Type", "IP-Range", "Domain", "DHCP", "Bridge"}, rows)
}

// add defines, starts and autostarts a network. Everything is checked
// before anything is changed, and a network that fails to start is
// undefined again, so a failed add leaves the daemon as it was.
func add(ctx context.Context, conn *virtwire.Conn, name string, f addFlags) error {
	cfg := network.Config{Name: name, DHCP: f.dhcp, ForwardMode: f.forwardMode, Domain: f.domain, Bridge: f.bridge}
	if f.cidr != "" {
		p, err := network.ParseCIDR(f.cidr)
		if err != nil {
			return fmt.Errorf("--network-cidr: %w", err)
		}
		cfg.CIDR = p
	}
	def, err := cfg.Definition()
	if err != nil {
		return err
	}
	if err := network.CheckConflicts(ctx, conn, def); err != nil {
		return err
	}
	n, err := network.Define(ctx, conn, def)
	if err != nil {
		return err
	}
	if err := n.Start(ctx); err != nil {
		return errors.Join(err, n.Undefine(ctx))
	}
	if err := n.SetAutostart(ctx, true); err != nil {
		return errors.Join(err, n.Remove(ctx))
	}
	return nil
}

// remove stops the network if it runs and undefines it if it is
// persistent.
func remove(ctx context.Context, conn *virtwire.Conn, name string) error {
	n, err := network.Lookup(ctx, conn, name)
	if err != nil {
		return err
	}
	return n.Remove(ctx)
}

// listAttached prints the guest NICs on the network.
func listAttached(ctx context.Context, conn *virtwire.Conn, name string, w io.Writer) error {
	n, err := network.Lookup(ctx, conn, name)
	if err != nil {
		return err
	}
	nics, err := n.ListAttached(ctx)
	if err != nil {
		return err
	}
	rows := make([][]string, 0, len(nics))
	for _, a := range nics {
		mac := ""
		if a.MAC != nil {
			mac = a.MAC.String()
		}
		rows = append(rows, []string{a.Domain, mac, joinAddrs(a.IPs), a.Hostname, a.HostDevice})
	}
	return table(w, []string{"VM", "MAC", "IP", "Hostname", "Host Device"}, rows)
}

func joinAddrs(ips []netip.Addr) string {
	s := make([]string, len(ips))
	for i, ip := range ips {
		s[i] = ip.String()
	}
	return strings.Join(s, ",")
}
