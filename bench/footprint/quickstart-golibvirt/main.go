// Command quickstart-golibvirt is examples/quickstart written with
// github.com/digitalocean/go-libvirt, for scenario S8 of `make bench`: the
// same listing (versions, host name, domains, networks with bridge and
// DHCP range, one domain's NICs) from the same URIs, so that the two
// static binaries compare. go-libvirt has no XML types; the few elements
// needed are read with encoding/xml.
//
//	quickstart-golibvirt -c 'test+unix:///default?socket=/path/libvirt-sock'
package main

import (
	"cmp"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	libvirt "github.com/digitalocean/go-libvirt"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("quickstart-golibvirt", flag.ContinueOnError)
	fs.SetOutput(stderr)
	uri := fs.String("c", "qemu:///system", "libvirt `URI`")
	domain := fs.String("domain", "test", "the domain whose interfaces to show")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	u, err := url.Parse(*uri)
	if err != nil {
		fmt.Fprintf(stderr, "quickstart-golibvirt: %v\n", err)
		return 2
	}
	l, err := libvirt.ConnectToURI(u)
	if err != nil {
		fmt.Fprintf(stderr, "quickstart-golibvirt: %v\n", err)
		return 1
	}
	defer l.Disconnect()
	if err := report(l, *domain, stdout); err != nil {
		fmt.Fprintf(stderr, "quickstart-golibvirt: %v\n", err)
		return 1
	}
	return 0
}

func version(v uint64) string {
	return fmt.Sprintf("%d.%d.%d", v/1000000, v/1000%1000, v%1000)
}

var stateNames = map[int32]string{0: "no state", 1: "running", 2: "idle", 3: "paused",
	4: "in shutdown", 5: "shut off", 6: "crashed", 7: "pmsuspended"}

type networkXML struct {
	Bridge struct {
		Name string `xml:"name,attr"`
	} `xml:"bridge"`
	IPs []struct {
		DHCP *struct {
			Ranges []struct {
				Start string `xml:"start,attr"`
				End   string `xml:"end,attr"`
			} `xml:"range"`
		} `xml:"dhcp"`
	} `xml:"ip"`
}

type domainXML struct {
	Interfaces []struct {
		Type string `xml:"type,attr"`
		MAC  struct {
			Address string `xml:"address,attr"`
		} `xml:"mac"`
		Source struct {
			Network string `xml:"network,attr"`
			Bridge  string `xml:"bridge,attr"`
			Dev     string `xml:"dev,attr"`
		} `xml:"source"`
		Target struct {
			Dev string `xml:"dev,attr"`
		} `xml:"target"`
	} `xml:"devices>interface"`
}

func report(l *libvirt.Libvirt, domain string, w io.Writer) error {
	lib, err := l.ConnectGetLibVersion()
	if err != nil {
		return fmt.Errorf("library version: %w", err)
	}
	typ, err := l.ConnectGetType()
	if err != nil {
		return fmt.Errorf("hypervisor type: %w", err)
	}
	hv, err := l.ConnectGetVersion()
	if err != nil {
		return fmt.Errorf("hypervisor version: %w", err)
	}
	host, err := l.ConnectGetHostname()
	if err != nil {
		return fmt.Errorf("host name: %w", err)
	}
	fmt.Fprintf(w, "Library:     libvirt %s\n", version(lib))
	fmt.Fprintf(w, "Hypervisor:  %s %s\n", typ, version(hv))
	fmt.Fprintf(w, "Host name:   %s\n", host)

	doms, _, err := l.ConnectListAllDomains(1, 0)
	if err != nil {
		return fmt.Errorf("listing domains: %w", err)
	}
	slices.SortFunc(doms, func(a, b libvirt.Domain) int { return cmp.Compare(a.Name, b.Name) })
	var rows [][]string
	for _, d := range doms {
		state, _, err := l.DomainGetState(d, 0)
		if err != nil {
			return fmt.Errorf("domain %q: state: %w", d.Name, err)
		}
		id := "-"
		if d.ID >= 0 {
			id = fmt.Sprint(d.ID)
		}
		rows = append(rows, []string{id, d.Name, stateNames[state]})
	}
	fmt.Fprintln(w, "\nDomains:")
	table(w, []string{"Id", "Name", "State"}, rows)

	nets, _, err := l.ConnectListAllNetworks(1, 0)
	if err != nil {
		return fmt.Errorf("listing networks: %w", err)
	}
	rows = rows[:0]
	for _, n := range nets {
		doc, err := l.NetworkGetXMLDesc(n, 0)
		if err != nil {
			return err
		}
		var def networkXML
		if err := xml.Unmarshal([]byte(doc), &def); err != nil {
			return fmt.Errorf("network %q: %w", n.Name, err)
		}
		active, err := l.NetworkIsActive(n)
		if err != nil {
			return err
		}
		state := "inactive"
		if active != 0 {
			state = "active"
		}
		bridge, dhcp := "-", "-"
		if def.Bridge.Name != "" {
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
		rows = append(rows, []string{n.Name, state, bridge, dhcp})
	}
	slices.SortFunc(rows, func(a, b []string) int { return cmp.Compare(a[0], b[0]) })
	fmt.Fprintln(w, "\nNetworks:")
	table(w, []string{"Name", "State", "Bridge", "DHCP range"}, rows)

	fmt.Fprintf(w, "\nInterfaces of domain %s:\n", domain)
	dom, err := l.DomainLookupByName(domain)
	if err != nil {
		fmt.Fprintf(w, "  no domain %q here (choose one with -domain)\n", domain)
		return nil
	}
	doc, err := l.DomainGetXMLDesc(dom, 0)
	if err != nil {
		return fmt.Errorf("domain %q: XML: %w", domain, err)
	}
	var def domainXML
	if err := xml.Unmarshal([]byte(doc), &def); err != nil {
		return fmt.Errorf("domain %q: XML: %w", domain, err)
	}
	var addrs []libvirt.DomainInterface
	if dom.ID >= 0 {
		addrs, _ = l.DomainInterfaceAddresses(dom, 0, 0)
	}
	rows = rows[:0]
	for _, nic := range def.Interfaces {
		var list []string
		for _, a := range addrs {
			if len(a.Hwaddr) > 0 && strings.EqualFold(a.Hwaddr[0], nic.MAC.Address) {
				for _, ip := range a.Addrs {
					list = append(list, fmt.Sprintf("%s/%d", ip.Addr, ip.Prefix))
				}
			}
		}
		src := cmp.Or(nic.Source.Network, nic.Source.Bridge, nic.Source.Dev, "-")
		addr := "-"
		if len(list) > 0 {
			addr = strings.Join(list, ",")
		}
		rows = append(rows, []string{cmp.Or(nic.Target.Dev, "-"), nic.Type, src, cmp.Or(strings.ToLower(nic.MAC.Address), "-"), addr})
	}
	table(w, []string{"Interface", "Type", "Source", "MAC", "Addresses"}, rows)
	return nil
}

func table(w io.Writer, header []string, rows [][]string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range append([][]string{header}, rows...) {
		fmt.Fprintln(tw, "  "+strings.Join(r, "\t"))
	}
	tw.Flush()
}
