package virtwire_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/internal/lab"
)

// TestReadOnly checks read-only connections: on the daemon's read-only
// socket with WithReadOnly, on that socket without it (the daemon makes
// every connection there read-only), and on the read-write socket with
// WithReadOnly (the daemon honours the client's flag). Reads work; writes
// fail with libvirt's read-only error, the one virsh prints for the same
// write, and change nothing.
func TestReadOnly(t *testing.T) {
	l := lab.Require(t)
	// A read-write connection keeps the test driver's state (and our
	// domain) alive, and checks that the refused writes changed nothing.
	rw := dialLab(t, l, viaUnix)
	ctx := callCtx(t)
	e := &procEnv{t: t, c: rw}
	name := uniqueName(t)
	dom := e.defineDomain(t, ctx, name)
	if err := rw.DomainCreate(ctx, &dom); err != nil {
		t.Fatal(err)
	}
	e.dom = dom
	e.wantCurrent(t, ctx, "DomainCreate") // its id, now that it runs

	xmlFile := filepath.Join(t.TempDir(), "domain.xml")
	newDom := newDomainXML(name+"-new", randomMAC(t), "vwtap9")
	if err := os.WriteFile(xmlFile, []byte(newDom), 0o644); err != nil {
		t.Fatal(err)
	}
	netFile := filepath.Join(t.TempDir(), "network.xml")
	newNet := newNetworkXML(name+"-net", bridgeName(name+"-net"), 205)
	if err := os.WriteFile(netFile, []byte(newNet), 0o644); err != nil {
		t.Fatal(err)
	}

	writes := []struct {
		name  string
		call  func(ctx context.Context, c *virtwire.Conn) error
		virsh []string // the same write through virsh on the read-only socket
	}{
		{"DomainDefineXML", func(ctx context.Context, c *virtwire.Conn) error {
			_, err := c.DomainDefineXML(ctx, newDom)
			return err
		}, []string{"define", xmlFile}},
		{"NetworkCreateXML", func(ctx context.Context, c *virtwire.Conn) error {
			_, err := c.NetworkCreateXML(ctx, newNet)
			return err
		}, []string{"net-create", netFile}},
		{"DomainSuspend", func(ctx context.Context, c *virtwire.Conn) error {
			return c.DomainSuspend(ctx, e.dom)
		}, []string{"suspend", name}},
		{"DomainSetMetadata", func(ctx context.Context, c *virtwire.Conn) error {
			return c.DomainSetMetadata(ctx, e.dom, int32(virtwire.DomainMetadataTitle), str("changed"), nil, nil, virtwire.DomainAffectLive)
		}, []string{"desc", "--live", "--title", name, "changed"}},
	}

	setups := []struct {
		name string
		kind labTransport
		opts []virtwire.Option
	}{
		{"ro-socket", viaUnixRO, []virtwire.Option{virtwire.WithReadOnly()}},
		{"ro-socket-without-option", viaUnixRO, nil},
		{"rw-socket-with-option", viaUnix, []virtwire.Option{virtwire.WithReadOnly()}},
	}
	for _, s := range setups {
		t.Run(s.name, func(t *testing.T) {
			c := dialLab(t, l, s.kind, s.opts...)
			ctx := callCtx(t)

			// Reads.
			if host, err := c.ConnectGetHostname(ctx); err != nil || host == "" {
				t.Errorf("ConnectGetHostname = %q, %v", host, err)
			}
			doms, _, err := c.ConnectListAllDomains(ctx, 1, 0)
			if err != nil || !containsDomain(doms, name) {
				t.Errorf("ConnectListAllDomains = %v, %v; want %s among them", doms, err, name)
			}
			roXML, err := c.DomainGetXMLDesc(ctx, e.dom, 0)
			if err != nil {
				t.Fatal(err)
			}
			rwXML, err := rw.DomainGetXMLDesc(ctx, e.dom, 0)
			if err != nil || roXML != rwXML {
				t.Errorf("the XML read-only differs from the XML read-write (%v)", err)
			}
			if _, _, _, _, _, _, _, _, err := c.NodeGetInfo(ctx); err != nil {
				t.Errorf("NodeGetInfo: %v", err)
			}
			// The domain XML's secure parts are for read-write connections.
			_, err = c.DomainGetXMLDesc(ctx, e.dom, virtwire.DomainXMLSecure)
			wantCode(t, err, virtwire.ErrOperationDenied)

			// Writes.
			for _, w := range writes {
				err := w.call(ctx, c)
				if !errors.Is(err, virtwire.ErrOperationDenied) {
					t.Errorf("%s: got %v, want the operation-denied error", w.name, err)
					continue
				}
				var le *virtwire.Error
				errors.As(err, &le)
				want := virshError(t, l, viaUnixRO, "test", w.virsh...)
				if le.Message != want || !strings.Contains(want, "read only access prevents vir") {
					t.Errorf("%s: message %q, virsh says %q", w.name, le.Message, want)
				}
			}
			if _, err := rw.DomainLookupByName(ctx, name+"-new"); !errors.Is(err, virtwire.ErrNoDomain) {
				t.Errorf("the refused DomainDefineXML defined the domain after all (%v)", err)
			}
			if _, err := rw.NetworkLookupByName(ctx, name+"-net"); !errors.Is(err, virtwire.ErrNoNetwork) {
				t.Errorf("the refused NetworkCreateXML created the network after all (%v)", err)
			}
			wantState(t, ctx, rw, e.dom, virtwire.DomainRunning)
		})
	}
}

func containsDomain(doms []virtwire.Domain, name string) bool {
	return slices.ContainsFunc(doms, func(d virtwire.Domain) bool { return d.Name == name })
}
