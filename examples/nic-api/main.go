// Command nic-api serves a domain's NICs as a small JSON REST API, in the
// shape Kimchi gave its guest interfaces, NICs named by MAC address or by
// their name inside the guest:
//
//	GET    /vms/{name}/ifaces         list the NICs
//	POST   /vms/{name}/ifaces         attach one: {"type": "network", "network": "default"}
//	GET    /vms/{name}/ifaces/{nic}   one NIC
//	PUT    /vms/{name}/ifaces/{nic}   change its network, bridge, model or link: {"network": "net2", "link": "down"}
//	DELETE /vms/{name}/ifaces/{nic}   detach it
//
// {nic} is a MAC address (52:54:00:12:34:56, any case) or, without a
// colon, the NIC's name inside the guest (eth0), which the QEMU guest agent
// resolves to its MAC address (409 when the agent does not answer).
//
// A NIC is {"type", "mac", "model", "link": "up"|"down", "ips": [...]}
// and what it connects to: "network" (type network), "bridge" and, for an
// Open vSwitch bridge, "virtualport": "openvswitch" (type bridge), "source"
// (the host device) and "mode" (vepa, bridge, private, passthrough) for
// type direct (macvtap). "ips" are the NIC's addresses from libvirt's DHCP
// leases, the guest agent and the host's ARP table, as Kimchi shows them;
// empty while the domain is shut off. POST takes the same fields ("mac"
// defaults to a random libvirt one, "model" to virtio). Like Kimchi, every
// change goes to the persistent definition of a persistent domain and the
// running guest of an active one; PUT changes both in place, and a change
// that one of them refuses leaves neither changed. Errors are {"error":
// "..."}: 404 for an unknown domain or NIC, 400 for bad input (including a
// network that does not exist), 409 for a conflict (the MAC is in use, the
// domain's state does not allow it, the guest agent does not answer), 501
// when the hypervisor cannot do it.
//
//	nic-api [-c URI] [-listen 127.0.0.1:8080]
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/virtwire/virtwire"
	_ "github.com/virtwire/virtwire/all" // every transport and SASL: the program takes any URI
	"github.com/virtwire/virtwire/domain"
	"github.com/virtwire/virtwire/examples/internal/cli"
	"github.com/virtwire/virtwire/xmlspec"
)

const usage = "usage: nic-api [-c URI] [-listen ADDR]"

func main() { cli.Main("nic-api", run) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := cli.NewCommand("nic-api", usage, stderr)
	uri := cmd.URIFlag()
	listen := cmd.String("listen", "127.0.0.1:8080", "`address` to serve HTTP on")
	args, err := cmd.Parse(args)
	if err != nil {
		return err
	}
	if len(args) != 0 {
		return cmd.Usagef("unexpected arguments %q", args)
	}
	conn, err := virtwire.Dial(ctx, *uri)
	if err != nil {
		return err
	}
	defer conn.Close()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           newHandler(conn, slog.New(slog.NewTextHandler(stderr, nil))),
		ReadHeaderTimeout: 10 * time.Second,
	}
	fmt.Fprintf(stdout, "serving on http://%s\n", ln.Addr())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	case <-conn.Done():
		err = fmt.Errorf("lost the libvirt connection: %w", conn.Err())
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if serr := srv.Shutdown(shutdownCtx); serr != nil && err == nil {
		err = serr
	}
	<-served
	return err
}

// nicJSON is one NIC as the API shows it.
type nicJSON struct {
	Type        string   `json:"type"`
	MAC         string   `json:"mac"`
	Model       string   `json:"model,omitempty"`
	Network     string   `json:"network,omitempty"`
	Bridge      string   `json:"bridge,omitempty"`
	VirtualPort string   `json:"virtualport,omitempty"`
	Source      string   `json:"source,omitempty"` // the host device of a direct NIC...
	Mode        string   `json:"mode,omitempty"`   // ...and its macvtap mode
	Link        string   `json:"link"`
	IPs         []string `json:"ips"`
}

// toJSON describes n; ips are its addresses (nil: none).
func toJSON(n *xmlspec.Interface, ips []string) nicJSON {
	j := nicJSON{Type: n.Type, Link: "up", IPs: ips}
	if j.IPs == nil {
		j.IPs = []string{}
	}
	if mac := n.MACAddress(); mac != nil {
		j.MAC = mac.String()
	}
	if n.Model != nil {
		j.Model = n.Model.Type
	}
	if n.Link != nil && n.Link.State == "down" {
		j.Link = "down"
	}
	if n.VirtualPort != nil {
		j.VirtualPort = n.VirtualPort.Type
	}
	switch n.Type {
	case xmlspec.InterfaceNetwork:
		j.Network = n.SourceName()
	case xmlspec.InterfaceBridge:
		j.Bridge = n.SourceName()
	default:
		j.Source = n.SourceName()
		if n.Type == xmlspec.InterfaceDirect && n.Source != nil {
			j.Mode = n.Source.Mode
		}
	}
	return j
}

// attachRequest is the body of POST /vms/{name}/ifaces.
type attachRequest struct {
	Type        string `json:"type"`
	Network     string `json:"network"`
	Bridge      string `json:"bridge"`
	VirtualPort string `json:"virtualport"`
	Source      string `json:"source"`
	Mode        string `json:"mode"`
	Model       string `json:"model"`
	MAC         string `json:"mac"`
}

// updateRequest is the body of PUT /vms/{name}/ifaces/{nic}: what to
// change, the rest stays.
type updateRequest struct {
	Network *string `json:"network"`
	Bridge  *string `json:"bridge"`
	Model   *string `json:"model"`
	Link    *string `json:"link"`
	MAC     *string `json:"mac"`
}

// maxBody bounds a request body; an attach request is a few hundred bytes.
const maxBody = 64 << 10

type server struct {
	conn *virtwire.Conn
	log  *slog.Logger
}

func newHandler(conn *virtwire.Conn, log *slog.Logger) http.Handler {
	s := &server{conn: conn, log: log}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /vms/{name}/ifaces", s.list)
	mux.HandleFunc("POST /vms/{name}/ifaces", s.attach)
	mux.HandleFunc("GET /vms/{name}/ifaces/{nic}", s.get)
	mux.HandleFunc("PUT /vms/{name}/ifaces/{nic}", s.update)
	mux.HandleFunc("DELETE /vms/{name}/ifaces/{nic}", s.detach)
	return mux
}

func (s *server) list(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	dom, err := domain.LookupByName(ctx, s.conn, r.PathValue("name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	nics, err := dom.NICs(ctx, 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ips := addresses(ctx, dom)
	out := make([]nicJSON, 0, len(nics))
	for _, n := range nics {
		out = append(out, toJSON(n, ips[n.MACAddress().String()]))
	}
	reply(w, http.StatusOK, out)
}

func (s *server) get(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	dom, err := domain.LookupByName(ctx, s.conn, r.PathValue("name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	mac, err := resolveNIC(ctx, dom, r.PathValue("nic"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.replyNIC(w, r, dom, mac)
}

// replyNIC answers with the NIC whose MAC address is mac, as the domain
// has it now (the running guest's if it runs), and its addresses.
func (s *server) replyNIC(w http.ResponseWriter, r *http.Request, dom *domain.Domain, mac net.HardwareAddr) {
	nic, err := dom.NIC(r.Context(), mac, 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	reply(w, http.StatusOK, toJSON(nic, addresses(r.Context(), dom)[mac.String()]))
}

// decode reads a request body of one JSON value into v, refusing unknown
// fields.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest(fmt.Errorf("reading the request body: %w", err))
	}
	if dec.More() {
		return badRequest(errors.New("the request body holds more than one JSON value"))
	}
	return nil
}

func (s *server) attach(w http.ResponseWriter, r *http.Request) {
	var req attachRequest
	if err := decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	nic, err := req.nic()
	if err != nil {
		s.fail(w, r, badRequest(err))
		return
	}
	dom, flags, err := s.target(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	mac, err := dom.AttachNIC(r.Context(), nic, flags)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	nic.SetMAC(mac)
	// Answer with what libvirt made of the request (its defaults filled
	// in), as GET will show it.
	if stored, err := dom.NIC(r.Context(), mac, 0); err == nil {
		nic = stored
	}
	w.Header().Set("Location", r.URL.EscapedPath()+"/"+mac.String())
	reply(w, http.StatusCreated, toJSON(nic, nil))
}

// macvtapModes are the modes of a direct NIC (libvirt's default: vepa).
var macvtapModes = []string{"vepa", "bridge", "private", "passthrough"}

// nic builds the NIC a request describes.
func (req attachRequest) nic() (*xmlspec.Interface, error) {
	var mac []byte
	if req.MAC != "" {
		var err error
		if mac, err = xmlspec.ParseMAC(req.MAC); err != nil {
			return nil, err
		}
	}
	only := func(what string, allowed ...string) error {
		given := map[string]string{"network": req.Network, "bridge": req.Bridge, "virtualport": req.VirtualPort,
			"source": req.Source, "mode": req.Mode}
		for _, k := range []string{"network", "bridge", "virtualport", "source", "mode"} {
			if given[k] != "" && !slices.Contains(allowed, k) {
				return fmt.Errorf("a %q NIC takes no %q; %s", req.Type, k, what)
			}
		}
		return nil
	}
	var nic *xmlspec.Interface
	switch req.Type {
	case xmlspec.InterfaceNetwork:
		if err := only(`it needs "network"`, "network"); err != nil {
			return nil, err
		}
		if req.Network == "" {
			return nil, errors.New(`a "network" NIC needs "network" (the libvirt network's name)`)
		}
		nic = xmlspec.NewNetworkInterface(req.Network, mac)
	case xmlspec.InterfaceBridge:
		if err := only(`it needs "bridge" and takes "virtualport"`, "bridge", "virtualport"); err != nil {
			return nil, err
		}
		if req.Bridge == "" {
			return nil, errors.New(`a "bridge" NIC needs "bridge" (the host bridge's name)`)
		}
		nic = xmlspec.NewBridgeInterface(req.Bridge, mac)
		switch req.VirtualPort {
		case "":
		case "openvswitch":
			nic.VirtualPort = &xmlspec.VirtualPort{Type: req.VirtualPort}
		default:
			return nil, fmt.Errorf(`unsupported virtualport %q: want "openvswitch" (an Open vSwitch bridge) or none`, req.VirtualPort)
		}
	case xmlspec.InterfaceDirect:
		if err := only(`it needs "source" and takes "mode"`, "source", "mode"); err != nil {
			return nil, err
		}
		if req.Source == "" {
			return nil, errors.New(`a "direct" NIC needs "source" (the host's network device, such as eth0)`)
		}
		if req.Mode != "" && !slices.Contains(macvtapModes, req.Mode) {
			return nil, fmt.Errorf("unsupported macvtap mode %q: want one of %s", req.Mode, strings.Join(macvtapModes, ", "))
		}
		nic = &xmlspec.Interface{Type: xmlspec.InterfaceDirect, Source: &xmlspec.InterfaceSource{Dev: req.Source, Mode: req.Mode},
			Model: &xmlspec.InterfaceModel{Type: "virtio"}}
		nic.SetMAC(mac)
	case "":
		return nil, errors.New(`"type" is required: "network", "bridge" or "direct"`)
	default:
		return nil, fmt.Errorf(`unsupported NIC type %q: want "network", "bridge" or "direct"`, req.Type)
	}
	if req.Model != "" {
		nic.Model.Type = req.Model
	}
	return nic, nil
}

func (s *server) update(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var req updateRequest
	if err := decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := req.check(); err != nil {
		s.fail(w, r, badRequest(err))
		return
	}
	dom, flags, err := s.target(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	mac, err := resolveNIC(ctx, dom, r.PathValue("nic"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if req.MAC != nil && !strings.EqualFold(*req.MAC, mac.String()) {
		s.fail(w, r, badRequest(errors.New("the MAC address cannot change in place: detach the NIC and attach a new one")))
		return
	}
	if req.Network != nil {
		// libvirt finds out that a network does not exist only when the
		// NIC is plugged in.
		if _, err := s.conn.NetworkLookupByName(ctx, *req.Network); err != nil && !virtwire.IsUnsupported(err) {
			s.fail(w, r, fmt.Errorf("network %q: %w", *req.Network, err))
			return
		}
	}
	if req.Model != nil && flags&virtwire.DomainDeviceModifyLive != 0 {
		live, err := dom.NIC(ctx, mac, 0)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if live.Model == nil || live.Model.Type != *req.Model {
			s.fail(w, r, fmt.Errorf("%w: the model of a running guest's NIC cannot change (libvirt refuses it); stop the domain first", errConflict))
			return
		}
	}
	if err := dom.UpdateNIC(ctx, mac, req.apply, flags); err != nil {
		s.fail(w, r, err)
		return
	}
	s.replyNIC(w, r, dom, mac)
}

// check reports what is wrong with the request before anything is looked
// up.
func (req updateRequest) check() error {
	if req.Network == nil && req.Bridge == nil && req.Model == nil && req.Link == nil && req.MAC == nil {
		return errors.New(`nothing to change: give "network", "bridge", "model" or "link"`)
	}
	if req.Network != nil && req.Bridge != nil {
		return errors.New(`give "network" or "bridge", not both`)
	}
	for k, v := range map[string]*string{"network": req.Network, "bridge": req.Bridge, "model": req.Model} {
		if v != nil && *v == "" {
			return fmt.Errorf("%q is empty", k)
		}
	}
	if req.Link != nil && *req.Link != "up" && *req.Link != "down" {
		return fmt.Errorf(`"link" is %q: want "up" or "down"`, *req.Link)
	}
	return nil
}

// apply makes the change on one definition's copy of the NIC.
func (req updateRequest) apply(nic *xmlspec.Interface) error {
	switch {
	case req.Network != nil && nic.Type != xmlspec.InterfaceNetwork:
		return badRequest(fmt.Errorf(`"network" applies to a "network" NIC; this one is %q`, nic.Type))
	case req.Network != nil:
		// A new source: the old one's port and bridge belong to the old
		// network.
		nic.Source = &xmlspec.InterfaceSource{Network: *req.Network}
	case req.Bridge != nil && nic.Type != xmlspec.InterfaceBridge:
		return badRequest(fmt.Errorf(`"bridge" applies to a "bridge" NIC; this one is %q`, nic.Type))
	case req.Bridge != nil:
		nic.Source = &xmlspec.InterfaceSource{Bridge: *req.Bridge}
	}
	if req.Model != nil {
		if nic.Model == nil {
			nic.Model = &xmlspec.InterfaceModel{}
		}
		nic.Model.Type = *req.Model
	}
	if req.Link != nil {
		if nic.Link == nil {
			nic.Link = &xmlspec.InterfaceLink{}
		}
		nic.Link.State = *req.Link
	}
	return nil
}

func (s *server) detach(w http.ResponseWriter, r *http.Request) {
	dom, flags, err := s.target(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	mac, err := resolveNIC(r.Context(), dom, r.PathValue("nic"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := dom.DetachNIC(r.Context(), mac, flags); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// target looks up the request's domain and the definitions Kimchi
// changes: the persistent one of a persistent domain, the live one of an
// active domain.
func (s *server) target(r *http.Request) (*domain.Domain, virtwire.DomainDeviceModifyFlags, error) {
	ctx := r.Context()
	dom, err := domain.LookupByName(ctx, s.conn, r.PathValue("name"))
	if err != nil {
		return nil, 0, err
	}
	persistent, err := dom.IsPersistent(ctx)
	if err != nil {
		return nil, 0, err
	}
	active, err := dom.IsActive(ctx)
	if err != nil {
		return nil, 0, err
	}
	var flags virtwire.DomainDeviceModifyFlags
	if persistent {
		flags |= virtwire.DomainDeviceModifyConfig
	}
	if active {
		flags |= virtwire.DomainDeviceModifyLive
	}
	return dom, flags, nil
}

// resolveNIC reads the {nic} of a path: a MAC address, or (without a colon)
// the NIC's name inside the guest, which the guest agent maps to its MAC.
func resolveNIC(ctx context.Context, dom *domain.Domain, seg string) (net.HardwareAddr, error) {
	if strings.Contains(seg, ":") {
		mac, err := xmlspec.ParseMAC(seg)
		if err != nil {
			return nil, badRequest(err)
		}
		return mac, nil
	}
	ifaces, err := dom.Interfaces(ctx, virtwire.DomainInterfaceAddressesSrcAgent)
	if ifaces == nil && err != nil {
		if errors.Is(err, virtwire.ErrNoDomain) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %q is not a MAC address, and the guest agent, which knows the guest's names for its NICs, did not answer: %w", errConflict, seg, err)
	}
	for _, iface := range ifaces {
		if iface.Name == seg && iface.HWAddr != nil {
			return iface.HWAddr, nil
		}
	}
	return nil, fmt.Errorf("%w: the guest agent reports no interface named %q", errNotFound, seg)
}

// addressTimeout bounds each source of addresses, so that a slow guest
// agent delays a listing by that much at most.
const addressTimeout = 5 * time.Second

// addresses returns the running domain's IP addresses by MAC address, from
// libvirt's DHCP leases, the guest agent and the host's ARP table in that
// order, each address once. A source that fails (no agent, no DHCP...)
// adds nothing; a domain that is not running has none.
func addresses(ctx context.Context, dom *domain.Domain) map[string][]string {
	out := map[string][]string{}
	for _, src := range []virtwire.DomainInterfaceAddressesSource{
		virtwire.DomainInterfaceAddressesSrcLease,
		virtwire.DomainInterfaceAddressesSrcAgent,
		virtwire.DomainInterfaceAddressesSrcARP,
	} {
		sctx, cancel := context.WithTimeout(ctx, addressTimeout)
		ifaces, _ := dom.Interfaces(sctx, src) // what parsed, even beside an error
		cancel()
		for _, iface := range ifaces {
			if iface.HWAddr == nil {
				continue
			}
			mac := iface.HWAddr.String()
			for _, a := range iface.Addrs {
				if ip := a.Addr.String(); !slices.Contains(out[mac], ip) {
					out[mac] = append(out[mac], ip)
				}
			}
		}
	}
	return out
}

// Errors the handlers mark for status.
var (
	errBadRequest = errors.New("bad request")
	errConflict   = errors.New("conflict")
	errNotFound   = errors.New("not found")
)

func badRequest(err error) error { return fmt.Errorf("%w: %w", errBadRequest, err) }

// status maps an error to its HTTP status.
func status(err error) int {
	switch {
	case errors.Is(err, errBadRequest), errors.Is(err, virtwire.ErrNoNetwork),
		errors.Is(err, virtwire.ErrInvalidArg), errors.Is(err, virtwire.ErrXMLError),
		errors.Is(err, virtwire.ErrConfigUnsupported), errors.Is(err, virtwire.ErrInvalidMAC):
		return http.StatusBadRequest
	case errors.Is(err, virtwire.ErrNoDomain), errors.Is(err, domain.ErrNoNIC), errors.Is(err, errNotFound):
		return http.StatusNotFound
	case errors.Is(err, domain.ErrDuplicateMAC), errors.Is(err, virtwire.ErrOperationInvalid),
		errors.Is(err, errConflict), errors.Is(err, virtwire.ErrAgentUnresponsive):
		return http.StatusConflict
	case virtwire.IsUnsupported(err):
		return http.StatusNotImplemented
	}
	return http.StatusInternalServerError
}

func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := status(err)
	if code >= 500 {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	reply(w, code, map[string]string{"error": err.Error()})
}

func reply(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}
