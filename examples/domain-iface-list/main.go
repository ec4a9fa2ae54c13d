// Command domain-iface-list prints the network interfaces of a running
// domain and their IP addresses as JSON, in the shape of virtomate's
// domain-iface-list:
//
//	domain-iface-list [-c URI] [--source lease|agent|arp] [-p] DOMAIN
//
// The output is a list of {"addresses": [{"address", "prefix", "type":
// "IPv4"|"IPv6"}], "hwaddr", "name"}, sorted as virtomate sorts it:
// interfaces by MAC address, each one's addresses by their text. -p
// indents it. The source is libvirt's DHCP leases (the default), the QEMU
// guest agent, or the host's ARP table, as for virsh domifaddr.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/domain"
	"github.com/virtwire/virtwire/examples/internal/cli"
)

const usage = "usage: domain-iface-list [-c URI] [--source lease|agent|arp] [-p] DOMAIN"

func main() { cli.Main("domain-iface-list", run) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := cli.NewCommand("domain-iface-list", usage, stderr)
	uri := cmd.URIFlag()
	source := cmd.String("source", "lease", "where addresses come from: `lease`, agent or arp")
	pretty := cmd.Bool("p", false, "indent the JSON")
	cmd.BoolVar(pretty, "pretty", false, "indent the JSON")
	args, err := cmd.Parse(args)
	if err != nil {
		return err
	}
	if len(args) != 1 {
		return cmd.Usagef("want one DOMAIN, got %d arguments", len(args))
	}
	src, err := domain.ParseSource(*source)
	if err != nil {
		return cmd.Usagef("--source: %v", err)
	}

	conn, err := virtwire.Dial(ctx, *uri)
	if err != nil {
		return err
	}
	defer conn.Close()
	dom, err := domain.LookupByName(ctx, conn, args[0])
	if err != nil {
		return err
	}
	ifaces, err := dom.Interfaces(ctx, src)
	if err != nil {
		return err
	}
	return write(stdout, ifaces, *pretty)
}

// interfaceJSON and addressJSON are virtomate's InterfaceDescriptor and
// AddressDescriptor; the fields are in the order of its (sorted) keys.
type interfaceJSON struct {
	Addresses []addressJSON `json:"addresses"`
	HWAddr    *string       `json:"hwaddr"` // null when libvirt reports none
	Name      string        `json:"name"`
}

type addressJSON struct {
	Address string `json:"address"`
	Prefix  int    `json:"prefix"`
	Type    string `json:"type"`
}

// write prints ifaces as virtomate does: a JSON list, indented by two
// spaces with pretty, sorted for a stable order.
func write(w io.Writer, ifaces []domain.Interface, pretty bool) error {
	out := make([]interfaceJSON, 0, len(ifaces))
	for _, iface := range ifaces {
		j := interfaceJSON{Name: iface.Name, Addresses: make([]addressJSON, 0, len(iface.Addrs))}
		if iface.HWAddr != nil {
			hw := iface.HWAddr.String()
			j.HWAddr = &hw
		}
		for _, a := range iface.Addrs {
			var typ string
			switch a.Type {
			case virtwire.IPAddrTypeIPv4:
				typ = "IPv4"
			case virtwire.IPAddrTypeIPv6:
				typ = "IPv6"
			default:
				return fmt.Errorf("interface %s: address %s has an unknown type %d", iface.Name, a.Addr, a.Type)
			}
			j.Addresses = append(j.Addresses, addressJSON{Address: a.Addr.String(), Prefix: a.Prefix, Type: typ})
		}
		slices.SortStableFunc(j.Addresses, func(a, b addressJSON) int { return strings.Compare(a.Address, b.Address) })
		out = append(out, j)
	}
	slices.SortStableFunc(out, func(a, b interfaceJSON) int { return strings.Compare(deref(a.HWAddr), deref(b.HWAddr)) })
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if pretty {
		enc.SetIndent("", "  ")
	}
	return enc.Encode(out)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
