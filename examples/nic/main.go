// Command nic lists, attaches and detaches a domain's NICs, finding them by
// MAC address:
//
//	nic [-c URI] list DOMAIN [--inactive]
//	nic [-c URI] attach DOMAIN --network NAME [--model virtio] [--mac MAC] [--live] [--config]
//	nic [-c URI] detach DOMAIN MAC [--live] [--config]
//
// list prints the table virsh domiflist prints. attach connects a new NIC
// to a libvirt network and prints its MAC address (a random one with
// libvirt's 52:54:00 prefix unless --mac is given). --live changes the
// running guest, --config the persistent definition, both flags both;
// without either, whichever the domain's current state uses. DOMAIN is a
// name, ID or UUID.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/virtwire/virtwire"
	_ "github.com/virtwire/virtwire/all" // every transport and SASL: the program takes any URI
	"github.com/virtwire/virtwire/domain"
	"github.com/virtwire/virtwire/examples/internal/cli"
	"github.com/virtwire/virtwire/xmlspec"
)

const usage = `usage:
  nic [-c URI] list DOMAIN [--inactive]
  nic [-c URI] attach DOMAIN --network NAME [--model virtio] [--mac MAC] [--live] [--config]
  nic [-c URI] detach DOMAIN MAC [--live] [--config]`

func main() { cli.Main("nic", run) }

// options are the flags of every subcommand; each one accepts its own.
type options struct {
	uri, network, model, mac string
	inactive, live, config   bool
}

// allowed are the flags each subcommand takes, besides -c.
var allowed = map[string][]string{
	"list":   {"inactive"},
	"attach": {"network", "model", "mac", "live", "config"},
	"detach": {"live", "config"},
}

// arity is how many arguments each subcommand takes after its name.
var arity = map[string]int{"list": 1, "attach": 1, "detach": 2}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := cli.NewCommand("nic", usage, stderr)
	var o options
	uri := cmd.URIFlag()
	cmd.BoolVar(&o.inactive, "inactive", false, "list: the persistent definition, not the live one")
	cmd.StringVar(&o.network, "network", "", "attach: the libvirt `network` to connect the NIC to")
	cmd.StringVar(&o.model, "model", "virtio", "attach: the NIC `model` (\"\" for the hypervisor's default)")
	cmd.StringVar(&o.mac, "mac", "", "attach: the NIC's `MAC` address (default: a random one)")
	cmd.BoolVar(&o.live, "live", false, "attach, detach: change the running guest")
	cmd.BoolVar(&o.config, "config", false, "attach, detach: change the persistent definition")
	args, err := cmd.Parse(args)
	if err != nil {
		return err
	}
	o.uri = *uri
	if len(args) == 0 {
		return cmd.Usagef("want a command: list, attach or detach")
	}
	sub, args := args[0], args[1:]
	n, ok := arity[sub]
	if !ok {
		return cmd.Usagef("unknown command %q: want list, attach or detach", sub)
	}
	if len(args) != n {
		return cmd.Usagef("%s: want %d arguments, got %d", sub, n, len(args))
	}
	var bad []string
	cmd.Visit(func(f *flag.Flag) {
		if f.Name != "c" && f.Name != "connect" && !contains(allowed[sub], f.Name) {
			bad = append(bad, "--"+f.Name)
		}
	})
	if len(bad) > 0 {
		return cmd.Usagef("%s does not take %s", sub, strings.Join(bad, ", "))
	}
	var mac []byte
	switch sub {
	case "attach":
		if o.network == "" {
			return cmd.Usagef("attach: --network is required")
		}
		if o.mac != "" {
			if mac, err = xmlspec.ParseMAC(o.mac); err != nil {
				return cmd.Usagef("--mac: %v", err)
			}
		}
	case "detach":
		if mac, err = xmlspec.ParseMAC(args[1]); err != nil {
			return cmd.Usagef("detach: %v", err)
		}
	}

	conn, err := virtwire.Dial(ctx, o.uri)
	if err != nil {
		return err
	}
	defer conn.Close()
	dom, err := domain.Lookup(ctx, conn, args[0])
	if err != nil {
		return err
	}
	switch sub {
	case "list":
		return list(ctx, stdout, dom, o.inactive)
	case "attach":
		nic := xmlspec.NewNetworkInterface(o.network, mac)
		nic.Model = nil
		if o.model != "" {
			nic.Model = &xmlspec.InterfaceModel{Type: o.model}
		}
		got, err := dom.AttachNIC(ctx, nic, modifyFlags(o))
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, got)
		return nil
	default:
		_, err := dom.DetachNIC(ctx, mac, modifyFlags(o))
		return err
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func modifyFlags(o options) virtwire.DomainDeviceModifyFlags {
	var f virtwire.DomainDeviceModifyFlags
	if o.live {
		f |= virtwire.DomainDeviceModifyLive
	}
	if o.config {
		f |= virtwire.DomainDeviceModifyConfig
	}
	return f
}

// list prints the domain's NICs as virsh domiflist does.
func list(ctx context.Context, w io.Writer, dom *domain.Domain, inactive bool) error {
	var flags virtwire.DomainXMLFlags
	if inactive {
		flags = virtwire.DomainXMLInactive
	}
	nics, err := dom.NICs(ctx, flags)
	if err != nil {
		return err
	}
	rows := [][]string{{"Interface", "Type", "Source", "Model", "MAC"}}
	for _, n := range nics {
		model := ""
		if n.Model != nil {
			model = n.Model.Type
		}
		mac := ""
		if m := n.MACAddress(); m != nil {
			mac = m.String()
		}
		rows = append(rows, []string{dash(n.TargetDev()), n.Type, dash(source(n)), dash(model), mac})
	}
	_, err = io.WriteString(w, cli.FormatTable(rows))
	return err
}

// source is what virsh domiflist shows as a NIC's source: the first of its
// source's bridge, dev, network, name and path that is set.
func source(n *xmlspec.Interface) string {
	if s := n.SourceName(); s != "" {
		return s
	}
	if n.Source == nil {
		return ""
	}
	for _, s := range []string{n.Source.Bridge, n.Source.Dev, n.Source.Network, n.Source.Name, n.Source.Path} {
		if s != "" {
			return s
		}
	}
	return ""
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
