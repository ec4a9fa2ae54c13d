// Command quickstart connects to libvirt and prints what it finds: the
// daemon's libvirt and hypervisor versions, the host name, the domains
// with their state, the networks with their bridge and DHCP range, and one
// domain's NICs with their addresses.
//
//	quickstart [-c URI] [-domain NAME]
//
// Without -c it connects to libvirt's default URI ($LIBVIRT_DEFAULT_URI,
// uri_default in libvirt.conf, else qemu:///system for root). `make demo`
// runs it on the lab's test driver.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/virtwire/virtwire"
	_ "github.com/virtwire/virtwire/all" // every transport and SASL: the program takes any URI
	"github.com/virtwire/virtwire/network"
	"github.com/virtwire/virtwire/xmlspec"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	fs.SetOutput(stderr)
	uri := fs.String("c", "", "libvirt `URI` (default: libvirt's default URI)")
	domain := fs.String("domain", "test", "the domain whose interfaces to show")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(stderr, "quickstart: unexpected arguments %q\n", fs.Args())
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	conn, err := virtwire.Dial(ctx, *uri)
	if err != nil {
		fmt.Fprintf(stderr, "quickstart: %v\n", err)
		return 1
	}
	defer conn.Close()
	if err := report(ctx, conn, *domain, stdout); err != nil {
		fmt.Fprintf(stderr, "quickstart: %v\n", err)
		return 1
	}
	return 0
}

// version formats libvirt's packed version number (major*1000000 +
// minor*1000 + release).
func version(v uint64) string {
	return fmt.Sprintf("%d.%d.%d", v/1000000, v/1000%1000, v%1000)
}

var stateNames = map[virtwire.DomainState]string{
	virtwire.DomainNostate: "no state", virtwire.DomainRunning: "running", virtwire.DomainBlocked: "idle",
	virtwire.DomainPaused: "paused", virtwire.DomainShutdown: "in shutdown", virtwire.DomainShutoff: "shut off",
	virtwire.DomainCrashed: "crashed", virtwire.DomainPmsuspended: "pmsuspended",
}

// stateName spells a domain state as virsh does.
func stateName(s virtwire.DomainState) string {
	if n, ok := stateNames[s]; ok {
		return n
	}
	return s.String()
}

// report writes the whole listing.
func report(ctx context.Context, conn *virtwire.Conn, domain string, w io.Writer) error {
	lib, err := conn.ConnectGetLibVersion(ctx)
	if err != nil {
		return fmt.Errorf("library version: %w", err)
	}
	typ, err := conn.ConnectGetType(ctx)
	if err != nil {
		return fmt.Errorf("hypervisor type: %w", err)
	}
	hv, err := conn.ConnectGetVersion(ctx)
	if err != nil {
		return fmt.Errorf("hypervisor version: %w", err)
	}
	host, err := conn.ConnectGetHostname(ctx)
	if err != nil {
		return fmt.Errorf("host name: %w", err)
	}
	fmt.Fprintf(w, "Library:     libvirt %s\n", version(lib))
	fmt.Fprintf(w, "Hypervisor:  %s %s\n", typ, version(hv))
	fmt.Fprintf(w, "Host name:   %s\n", host)

	doms, _, err := conn.ConnectListAllDomains(ctx, 1, 0)
	if err != nil {
		return fmt.Errorf("listing domains: %w", err)
	}
	slices.SortFunc(doms, func(a, b virtwire.Domain) int { return cmp.Compare(a.Name, b.Name) })
	var rows [][]string
	for _, d := range doms {
		state, _, err := conn.DomainGetState(ctx, d, 0)
		if errors.Is(err, virtwire.ErrNoDomain) {
			continue // gone meanwhile
		}
		if err != nil {
			return fmt.Errorf("domain %q: state: %w", d.Name, err)
		}
		id := "-"
		if d.ID >= 0 {
			id = fmt.Sprint(d.ID)
		}
		rows = append(rows, []string{id, d.Name, stateName(state)})
	}
	fmt.Fprintln(w, "\nDomains:")
	table(w, []string{"Id", "Name", "State"}, rows)

	nets, err := network.List(ctx, conn, 0)
	if err != nil {
		return err
	}
	rows = rows[:0]
	for _, n := range nets {
		def, err := n.XML(ctx, false)
		if errors.Is(err, virtwire.ErrNoNetwork) {
			continue
		}
		if err != nil {
			return err
		}
		active, err := n.IsActive(ctx)
		if err != nil {
			return err
		}
		state := "inactive"
		if active {
			state = "active"
		}
		bridge, dhcp := "-", "-"
		if def.Bridge != nil && def.Bridge.Name != "" {
			bridge = def.Bridge.Name
		}
		var ranges []string
		for _, ip := range def.IPs {
			if ip.DHCP != nil {
				for _, r := range ip.DHCP.Ranges {
					ranges = append(ranges, r.Start+"-"+r.End)
				}
			}
		}
		if len(ranges) > 0 {
			dhcp = strings.Join(ranges, ",")
		}
		rows = append(rows, []string{n.Name(), state, bridge, dhcp})
	}
	slices.SortFunc(rows, func(a, b []string) int { return cmp.Compare(a[0], b[0]) })
	fmt.Fprintln(w, "\nNetworks:")
	table(w, []string{"Name", "State", "Bridge", "DHCP range"}, rows)

	return interfaces(ctx, conn, domain, w)
}

// interfaces writes the NICs of the domain called name: device, MAC,
// what it is connected to, and the addresses libvirt's lease source
// reports for a running domain.
func interfaces(ctx context.Context, conn *virtwire.Conn, name string, w io.Writer) error {
	fmt.Fprintf(w, "\nInterfaces of domain %s:\n", name)
	dom, err := conn.DomainLookupByName(ctx, name)
	if errors.Is(err, virtwire.ErrNoDomain) {
		fmt.Fprintf(w, "  no domain %q here (choose one with -domain)\n", name)
		return nil
	}
	if err != nil {
		return fmt.Errorf("domain %q: %w", name, err)
	}
	doc, err := conn.DomainGetXMLDesc(ctx, dom, 0)
	if err != nil {
		return fmt.Errorf("domain %q: XML: %w", name, err)
	}
	def, err := xmlspec.ParseDomain([]byte(doc))
	if err != nil {
		return fmt.Errorf("domain %q: XML: %w", name, err)
	}
	// Addresses exist only for a running domain; a driver or guest that
	// cannot tell just leaves the column empty.
	var addrs []virtwire.DomainInterface
	if dom.ID >= 0 {
		addrs, _ = conn.DomainInterfaceAddresses(ctx, dom, virtwire.DomainInterfaceAddressesSrcLease, 0)
	}
	var rows [][]string
	for _, nic := range def.Interfaces() {
		mac := nic.MACAddress()
		var list []string
		for _, a := range addrs {
			if a.Hwaddr == nil || mac == nil {
				continue
			}
			if hw, err := xmlspec.ParseMAC(*a.Hwaddr); err == nil && hw.String() == mac.String() {
				for _, ip := range a.Addrs {
					list = append(list, fmt.Sprintf("%s/%d", ip.Addr, ip.Prefix))
				}
			}
		}
		dev, src, macs, addr := nic.TargetDev(), nic.SourceName(), "-", "-"
		if dev == "" {
			dev = "-"
		}
		if src == "" {
			src = "-"
		}
		if mac != nil {
			macs = mac.String()
		}
		if len(list) > 0 {
			addr = strings.Join(list, ",")
		}
		rows = append(rows, []string{dev, nic.Type, src, macs, addr})
	}
	table(w, []string{"Interface", "Type", "Source", "MAC", "Addresses"}, rows)
	return nil
}

// table writes an indented table, columns two spaces apart.
func table(w io.Writer, header []string, rows [][]string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range append([][]string{header}, rows...) {
		fmt.Fprintln(tw, "  "+strings.Join(r, "\t"))
	}
	tw.Flush()
}
