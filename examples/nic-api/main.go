// Command nic-api serves a domain's NICs as a small JSON REST API, in the
// shape Kimchi gave its guest interfaces, NICs named by MAC address:
//
//	GET    /vms/{name}/ifaces        list the NICs
//	POST   /vms/{name}/ifaces        attach one: {"type": "network", "network": "default"}
//	GET    /vms/{name}/ifaces/{mac}  one NIC
//	DELETE /vms/{name}/ifaces/{mac}  detach it
//
// A NIC is {"type", "mac", "model", "network" or "bridge"}. POST also takes
// "mac" (default: a random libvirt one) and "model" (default: virtio);
// "type" is "network" (with "network") or "bridge" (with "bridge"). Like
// Kimchi, attach and detach change the persistent definition of a
// persistent domain and the running guest of an active one. Errors are
// {"error": "..."} with 404 for an unknown domain or MAC, 400 for bad input
// (including a network that does not exist), 409 for a conflict (the MAC
// is in use, the domain's state does not allow it), 501 when the
// hypervisor cannot do it.
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
	"time"

	"github.com/virtwire/virtwire"
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
	Type    string `json:"type"`
	MAC     string `json:"mac"`
	Model   string `json:"model,omitempty"`
	Network string `json:"network,omitempty"`
	Bridge  string `json:"bridge,omitempty"`
}

func toJSON(n *xmlspec.Interface) nicJSON {
	j := nicJSON{Type: n.Type}
	if mac := n.MACAddress(); mac != nil {
		j.MAC = mac.String()
	}
	if n.Model != nil {
		j.Model = n.Model.Type
	}
	switch n.Type {
	case xmlspec.InterfaceNetwork:
		j.Network = n.SourceName()
	case xmlspec.InterfaceBridge:
		j.Bridge = n.SourceName()
	}
	return j
}

// attachRequest is the body of POST /vms/{name}/ifaces.
type attachRequest struct {
	Type    string `json:"type"`
	Network string `json:"network"`
	Bridge  string `json:"bridge"`
	Model   string `json:"model"`
	MAC     string `json:"mac"`
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
	mux.HandleFunc("GET /vms/{name}/ifaces/{mac}", s.get)
	mux.HandleFunc("DELETE /vms/{name}/ifaces/{mac}", s.detach)
	return mux
}

func (s *server) list(w http.ResponseWriter, r *http.Request) {
	dom, err := domain.LookupByName(r.Context(), s.conn, r.PathValue("name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	nics, err := dom.NICs(r.Context(), 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]nicJSON, 0, len(nics))
	for _, n := range nics {
		out = append(out, toJSON(n))
	}
	reply(w, http.StatusOK, out)
}

func (s *server) get(w http.ResponseWriter, r *http.Request) {
	mac, err := xmlspec.ParseMAC(r.PathValue("mac"))
	if err != nil {
		s.fail(w, r, badRequest(err))
		return
	}
	dom, err := domain.LookupByName(r.Context(), s.conn, r.PathValue("name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	nic, err := dom.NIC(r.Context(), mac, 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	reply(w, http.StatusOK, toJSON(nic))
}

func (s *server) attach(w http.ResponseWriter, r *http.Request) {
	var req attachRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		s.fail(w, r, badRequest(fmt.Errorf("reading the request body: %w", err)))
		return
	}
	if dec.More() {
		s.fail(w, r, badRequest(errors.New("the request body holds more than one JSON value")))
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
	w.Header().Set("Location", r.URL.EscapedPath()+"/"+mac.String())
	reply(w, http.StatusCreated, toJSON(nic))
}

// nic builds the NIC a request describes.
func (req attachRequest) nic() (*xmlspec.Interface, error) {
	var mac []byte
	if req.MAC != "" {
		var err error
		if mac, err = xmlspec.ParseMAC(req.MAC); err != nil {
			return nil, err
		}
	}
	var nic *xmlspec.Interface
	switch req.Type {
	case xmlspec.InterfaceNetwork:
		if req.Network == "" || req.Bridge != "" {
			return nil, errors.New(`a "network" NIC needs "network" (and no "bridge")`)
		}
		nic = xmlspec.NewNetworkInterface(req.Network, mac)
	case xmlspec.InterfaceBridge:
		if req.Bridge == "" || req.Network != "" {
			return nil, errors.New(`a "bridge" NIC needs "bridge" (and no "network")`)
		}
		nic = xmlspec.NewBridgeInterface(req.Bridge, mac)
	case "":
		return nil, errors.New(`"type" is required: "network" or "bridge"`)
	default:
		return nil, fmt.Errorf(`unsupported NIC type %q: want "network" or "bridge"`, req.Type)
	}
	if req.Model != "" {
		nic.Model.Type = req.Model
	}
	return nic, nil
}

func (s *server) detach(w http.ResponseWriter, r *http.Request) {
	mac, err := xmlspec.ParseMAC(r.PathValue("mac"))
	if err != nil {
		s.fail(w, r, badRequest(err))
		return
	}
	dom, flags, err := s.target(r)
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

// errBadRequest marks errors in what the client sent.
var errBadRequest = errors.New("bad request")

func badRequest(err error) error { return fmt.Errorf("%w: %w", errBadRequest, err) }

// status maps an error to its HTTP status.
func status(err error) int {
	switch {
	case errors.Is(err, errBadRequest), errors.Is(err, virtwire.ErrNoNetwork),
		errors.Is(err, virtwire.ErrInvalidArg), errors.Is(err, virtwire.ErrXMLError),
		errors.Is(err, virtwire.ErrConfigUnsupported), errors.Is(err, virtwire.ErrInvalidMAC):
		return http.StatusBadRequest
	case errors.Is(err, virtwire.ErrNoDomain), errors.Is(err, domain.ErrNoNIC):
		return http.StatusNotFound
	case errors.Is(err, domain.ErrDuplicateMAC), errors.Is(err, virtwire.ErrOperationInvalid):
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
