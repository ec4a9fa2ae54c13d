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
//
// As virtomate does, a failure prints {"message", "type"} on stdout and
// exits 1 (type NotFoundError for an unknown domain, IllegalStateError for
// one that is not running, libvirtError for the daemon's other errors,
// ConnectionError for errors reaching it); a usage error prints the usage
// on stderr and exits 2. A value from the guest agent that does not parse
// is left out with a warning on stderr, and the rest is printed. The
// libvirt URI is -c, --connect or --connection.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/virtwire/virtwire"
	_ "github.com/virtwire/virtwire/all" // every transport and SASL: the program takes any URI
	"github.com/virtwire/virtwire/domain"
	"github.com/virtwire/virtwire/examples/internal/cli"
)

const usage = "usage: domain-iface-list [-c URI] [--source lease|agent|arp] [-p] DOMAIN"

func main() { cli.Main("domain-iface-list", run) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := cli.NewCommand("domain-iface-list", usage, stderr)
	uri := cmd.URIFlag()
	cmd.StringVar(uri, "connection", "", "libvirt connection `URI`, as virtomate spells it")
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

	ifaces, err := interfaces(ctx, *uri, args[0], src)
	if ifaces == nil && err != nil {
		if werr := writeJSON(stdout, errorMessage(args[0], err), *pretty); werr != nil {
			return errors.Join(err, werr)
		}
		return cli.Reported(err)
	}
	if err != nil {
		// Some values did not parse: the rest is worth having, as
		// virtomate prints what libvirt reports.
		for _, e := range unwrapAll(err) {
			fmt.Fprintf(stderr, "domain-iface-list: warning: left out: %v\n", e)
		}
	}
	return write(stdout, ifaces, *pretty)
}

// errNotRunning is virtomate's IllegalStateError for a domain that is not
// running.
var errNotRunning = errors.New("not running")

// interfaces connects and lists the running domain's interfaces. With
// values that did not parse it returns the rest and an error wrapping
// domain.ErrUnparsable.
func interfaces(ctx context.Context, uri, name string, src virtwire.DomainInterfaceAddressesSource) ([]domain.Interface, error) {
	conn, err := virtwire.Dial(ctx, uri)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	dom, err := domain.LookupByName(ctx, conn, name)
	if err != nil {
		return nil, err
	}
	active, err := dom.IsActive(ctx)
	if err != nil {
		return nil, err
	}
	if !active {
		return nil, fmt.Errorf("domain %q: %w", name, errNotRunning)
	}
	ifaces, err := dom.Interfaces(ctx, src)
	if err != nil && !errors.Is(err, domain.ErrUnparsable) {
		return nil, err
	}
	if ifaces == nil {
		ifaces = []domain.Interface{}
	}
	return ifaces, err
}

// errorJSON is virtomate's ErrorMessage.
type errorJSON struct {
	Message string `json:"message"`
	Type    string `json:"type"`
}

// errorMessage describes err as virtomate does.
func errorMessage(name string, err error) errorJSON {
	var lerr *virtwire.Error
	switch {
	case errors.Is(err, virtwire.ErrNoDomain):
		return errorJSON{Message: fmt.Sprintf("Domain '%s' does not exist", name), Type: "NotFoundError"}
	case errors.Is(err, errNotRunning):
		return errorJSON{Message: fmt.Sprintf("Domain '%s' is not running", name), Type: "IllegalStateError"}
	case errors.As(err, &lerr):
		msg := lerr.Message
		if msg == "" {
			msg = lerr.Code.Error()
		}
		return errorJSON{Message: msg, Type: "libvirtError"}
	default:
		return errorJSON{Message: err.Error(), Type: "ConnectionError"}
	}
}

// unwrapAll returns the errors joined in err (errors.Join), through the
// domain package's wrapping.
func unwrapAll(err error) []error {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			return j.Unwrap()
		}
	}
	return []error{err}
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
	return writeJSON(w, out, pretty)
}

// writeJSON writes v as virtomate's json.dumps does: keys in the order of
// the struct fields (sorted), no HTML escaping, indented by two spaces with
// pretty, and a newline.
func writeJSON(w io.Writer, v any, pretty bool) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if pretty {
		enc.SetIndent("", "  ")
	}
	return enc.Encode(v)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
