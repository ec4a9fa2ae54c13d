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
	// Every <ip> (IPv4 and IPv6) and every DHCP range of each, comma
	// separated, as virter lists them: the host's address with its prefix.
	var ips, ranges []string
	for i := range def.IPs {
		ip := &def.IPs[i]
		if p, err := ip.Subnet(); err == nil {
			ips = append(ips, fmt.Sprintf("%s/%d", ip.Address, p.Bits()))
		} else {
			ips = append(ips, ip.Address)
		}
		if ip.DHCP != nil {
			for _, r := range ip.DHCP.Ranges {
				ranges = append(ranges, r.Start+"-"+r.End)
			}
		}
	}
	ipRange, dhcp = strings.Join(ips, ","), strings.Join(ranges, ",")
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
// persistent. A network that does not exist is already removed: as virter
// does, that is success, said on stderr so that a typo does not pass
// unnoticed.
func remove(ctx context.Context, conn *virtwire.Conn, name string, stderr io.Writer) error {
	n, err := network.Lookup(ctx, conn, name)
	if errors.Is(err, virtwire.ErrNoNetwork) {
		fmt.Fprintf(stderr, "network: network %q does not exist; nothing to remove\n", name)
		return nil
	}
	if err != nil {
		return err
	}
	err = n.Remove(ctx)
	if errors.Is(err, virtwire.ErrNoNetwork) {
		// Removed by someone else between the lookup and now.
		fmt.Fprintf(stderr, "network: network %q does not exist; nothing to remove\n", name)
		return nil
	}
	return err
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
