package network

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/internal/fakeserver"
	"github.com/virtwire/virtwire/protocol/remote"
	"github.com/virtwire/virtwire/xmlspec"
)

// TestUpdateArgumentOrder checks what goes on the wire: the documented
// order when the daemon reports NETWORK_UPDATE_HAS_CORRECT_ORDER, command
// and section swapped when it does not (as libvirt's client does).
func TestUpdateArgumentOrder(t *testing.T) {
	tests := []struct {
		name        string
		correct     bool
		wantCommand uint32 // on the wire
		wantSection uint32
	}{
		{"daemon with the fix", true, uint32(virtwire.NetworkUpdateCommandAddLast), uint32(virtwire.NetworkSectionIPDHCPHost)},
		{"daemon without the fix", false, uint32(virtwire.NetworkSectionIPDHCPHost), uint32(virtwire.NetworkUpdateCommandAddLast)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make(chan remote.NetworkUpdateArgs, 1)
			srv := &fakeserver.Server{
				Features: map[int32]bool{int32(virtwire.FeatureNetworkUpdateHasCorrectOrder): tt.correct},
				Handle: func(c *fakeserver.Conn, req *fakeserver.Request) bool {
					if req.Header.Procedure == int32(remote.ProcNetworkGetXMLDesc) {
						return c.Reply(req, &remote.NetworkGetXMLDescRet{XML: fakeXML}) == nil
					}
					if req.Header.Procedure != int32(remote.ProcNetworkUpdate) {
						return false
					}
					var args remote.NetworkUpdateArgs
					if err := req.Decode(&args); err != nil {
						t.Errorf("decoding NETWORK_UPDATE: %v", err)
					}
					got <- args
					return c.Reply(req, nil) == nil
				},
			}
			ctx, n := fakeNetwork(t, srv, "net1")
			mac, _ := net.ParseMAC("52:54:00:00:00:08")
			err := n.AddDHCPHost(ctx, xmlspec.DHCPHost{MAC: mac, Name: "alma-8-8", IP: "192.168.122.8"}, AffectLive|AffectConfig)
			if err != nil {
				t.Fatal(err)
			}
			args := <-got
			if args.Command != tt.wantCommand || args.Section != tt.wantSection {
				t.Errorf("wire command, section = %d, %d; want %d, %d", args.Command, args.Section, tt.wantCommand, tt.wantSection)
			}
			// The host goes to the second <ip>, whose subnet holds it.
			if args.Net.Name != "net1" || args.ParentIndex != 1 || args.Flags != uint32(AffectLive|AffectConfig) {
				t.Errorf("wire args = %+v", args)
			}
			const wantXML = `<host mac="52:54:00:00:00:08" name="alma-8-8" ip="192.168.122.8"></host>`
			if args.XML != wantXML {
				t.Errorf("wire XML = %s, want %s", args.XML, wantXML)
			}
		})
	}
}

// TestUpdateErrors checks that libvirt's error comes back naming the
// network and the update, and that bad arguments never reach the daemon.
func TestUpdateErrors(t *testing.T) {
	calls := make(chan struct{}, 16)
	srv := &fakeserver.Server{
		Handle: func(c *fakeserver.Conn, req *fakeserver.Request) bool {
			switch req.Header.Procedure {
			case int32(remote.ProcNetworkGetXMLDesc):
				return c.Reply(req, &remote.NetworkGetXMLDescRet{XML: fakeXML}) == nil
			case int32(remote.ProcNetworkUpdate):
				calls <- struct{}{}
				return c.ReplyError(req, int32(virtwire.ErrOperationInvalid), "requested operation is not valid: there is an existing dhcp host entry") == nil
			}
			return false
		},
	}
	ctx, n := fakeNetwork(t, srv, "net1")
	mac, _ := net.ParseMAC("52:54:00:00:00:08")

	err := n.AddDHCPHost(ctx, xmlspec.DHCPHost{MAC: mac, IP: "10.0.0.2"}, AffectLive)
	want := `network "net1": update ip-dhcp-host add-last: libvirt: requested operation is not valid: there is an existing dhcp host entry`
	if err == nil || err.Error() != want {
		t.Fatalf("AddDHCPHost error = %v, want %s", err, want)
	}
	if !errors.Is(err, virtwire.ErrOperationInvalid) {
		t.Errorf("errors.Is(err, ErrOperationInvalid) = false for %v", err)
	}
	<-calls

	bad := []struct {
		name string
		call func() error
		want string
	}{
		{"host without key", func() error { return n.AddDHCPHost(ctx, xmlspec.DHCPHost{IP: "10.0.0.2"}, AffectLive) }, "needs a MAC address, a DUID or a name"},
		{"host bad ip", func() error { return n.AddDHCPHost(ctx, xmlspec.DHCPHost{MAC: mac, IP: "10.0.0.300"}, AffectLive) }, `DHCP host IP "10.0.0.300"`},
		{"host without ip", func() error { return n.AddDHCPHost(ctx, xmlspec.DHCPHost{MAC: mac}, AffectLive) }, `DHCP host IP ""`},
		{"host outside the subnets", func() error { return n.AddDHCPHost(ctx, xmlspec.DHCPHost{MAC: mac, IP: "10.0.1.2"}, AffectLive) }, "no subnet of the network holds the address: 10.0.1.2"},
		{"modify unknown host", func() error {
			return n.ModifyDHCPHost(ctx, xmlspec.DHCPHost{MAC: mac, IP: "10.0.0.2"}, AffectLive)
		}, "no such DHCP host: MAC 52:54:00:00:00:08"},
		{"delete unknown host", func() error { return n.DeleteDHCPHost(ctx, mac, AffectLive) }, "no such DHCP host: MAC 52:54:00:00:00:08"},
		{"host short mac", func() error {
			return n.ModifyDHCPHost(ctx, xmlspec.DHCPHost{MAC: mac[:4], IP: "10.0.0.2"}, AffectLive)
		}, "is not 6 bytes"},
		{"delete short mac", func() error { return n.DeleteDHCPHost(ctx, mac[:3], AffectLive) }, "is not 6 bytes"},
		{"range reversed", func() error {
			return n.AddDHCPRange(ctx, netip.MustParseAddr("10.0.0.9"), netip.MustParseAddr("10.0.0.2"), AffectLive)
		}, "is empty or mixes address families"},
		{"range mixed", func() error {
			return n.DeleteDHCPRange(ctx, netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("fd00::9"), AffectLive)
		}, "is empty or mixes address families"},
		{"range zero", func() error { return n.AddDHCPRange(ctx, netip.Addr{}, netip.Addr{}, AffectLive) }, "needs a start and an end"},
		{"dns host bad ip", func() error {
			return n.AddDNSHost(ctx, xmlspec.DNSHost{IP: "x", Hostnames: []string{"a"}}, AffectLive)
		}, `DNS host IP "x"`},
		{"dns host no name", func() error { return n.AddDNSHost(ctx, xmlspec.DNSHost{IP: "10.0.0.2"}, AffectLive) }, "has no host name"},
		{"dns delete zero", func() error { return n.DeleteDNSHost(ctx, netip.Addr{}, AffectLive) }, "no IP address"},
		{"portgroup no name", func() error { return n.AddPortGroup(ctx, xmlspec.PortGroup{}, AffectLive) }, "without a name"},
		{"portgroup modify no name", func() error { return n.ModifyPortGroup(ctx, xmlspec.PortGroup{}, AffectLive) }, "without a name"},
		{"portgroup delete no name", func() error { return n.DeletePortGroup(ctx, "", AffectLive) }, "empty port group name"},
	}
	for _, tt := range bad {
		err := tt.call()
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), `network "net1"`) ||
			!errors.Is(err, ErrInvalid) && !errors.Is(err, ErrNoHost) {
			t.Errorf("%s: error = %v, want ErrInvalid or ErrNoHost naming the network and containing %q", tt.name, err, tt.want)
		}
	}
	select {
	case <-calls:
		t.Error("a malformed update reached the daemon")
	default:
	}
}

// fakeXML is the network the fake daemon has.
const fakeXML = `<network>
  <name>net1</name>
  <ip address='10.0.0.1' prefix='24'/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.122.2' end='192.168.122.254'/>
    </dhcp>
  </ip>
</network>`

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeNetwork connects to srv and returns a handle to the network called
// name there; the connection closes at cleanup.
func fakeNetwork(t *testing.T, srv *fakeserver.Server, name string) (context.Context, *Network) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	conn, err := virtwire.NewConn(ctx, srv.Pipe(t))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Close()
		cancel()
	})
	return ctx, FromRef(conn, virtwire.Network{Name: name})
}

// TestUpdateWireMatchesVirsh has virsh (libvirt's own client) and Update
// send the same net-update to a fake daemon that reports, or does not
// report, NETWORK_UPDATE_HAS_CORRECT_ORDER, and compares what arrives.
func TestUpdateWireMatchesVirsh(t *testing.T) {
	virsh, err := exec.LookPath("virsh")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("virsh is missing (make deps installs it)")
		}
		t.Skip("no virsh")
	}
	const host = `<host mac='52:54:00:00:00:01' ip='10.0.0.5'/>`
	for _, correct := range []bool{true, false} {
		t.Run(fmt.Sprintf("correct order %v", correct), func(t *testing.T) {
			updates := make(chan remote.NetworkUpdateArgs, 2)
			srv := &fakeserver.Server{
				Features: map[int32]bool{int32(virtwire.FeatureNetworkUpdateHasCorrectOrder): correct},
				Handle: func(c *fakeserver.Conn, req *fakeserver.Request) bool {
					switch remote.Procedure(req.Header.Procedure) {
					case remote.ProcNetworkLookupByName:
						var a remote.NetworkLookupByNameArgs
						if err := req.Decode(&a); err != nil {
							t.Error(err)
						}
						return c.Reply(req, &remote.NetworkLookupByNameRet{Net: remote.Network{Name: a.Name}}) == nil
					case remote.ProcNetworkUpdate:
						var a remote.NetworkUpdateArgs
						if err := req.Decode(&a); err != nil {
							t.Error(err)
						}
						updates <- a
						return c.Reply(req, nil) == nil
					}
					return false
				},
			}
			sock := srv.ListenUnix(t)
			out, err := exec.Command(virsh, "-c", "test+unix:///default?socket="+sock,
				"net-update", "net1", "add-last", "ip-dhcp-host", host, "--live", "--config").CombinedOutput()
			if err != nil {
				t.Fatalf("virsh net-update: %v: %s", err, out)
			}
			fromVirsh := <-updates
			ctx, n := fakeNetwork(t, srv, "net1")
			if err := n.Update(ctx, virtwire.NetworkUpdateCommandAddLast, virtwire.NetworkSectionIPDHCPHost, -1, host, AffectLive|AffectConfig); err != nil {
				t.Fatal(err)
			}
			if ours := <-updates; ours != fromVirsh {
				t.Errorf("Update sent %+v, virsh %+v", ours, fromVirsh)
			}
			swapped := fromVirsh.Command == uint32(virtwire.NetworkSectionIPDHCPHost)
			if swapped == correct {
				t.Errorf("virsh sent command %d, section %d to a daemon whose answer was %v", fromVirsh.Command, fromVirsh.Section, correct)
			}
		})
	}
}
