package virtwire_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/internal/fakeserver"
	"github.com/virtwire/virtwire/protocol"
	"github.com/virtwire/virtwire/protocol/remote"
)

// refreshServer is a fake daemon that answers the procedures in replies
// (a nil value: an empty reply), or with an error where fail says so, and
// records the procedures it was called with and the domain each carried.
type refreshServer struct {
	mu      sync.Mutex
	calls   []remote.Procedure
	doms    []remote.Domain
	replies map[remote.Procedure]protocol.Value
	fail    map[remote.Procedure]virtwire.ErrorNumber // answered with this error instead
}

func (s *refreshServer) server() *fakeserver.Server {
	return hostileServer(func(c *fakeserver.Conn, req *fakeserver.Request) {
		proc := remote.Procedure(req.Header.Procedure)
		// Every refreshing procedure's arguments start with the domain.
		var dom remote.Domain
		_ = dom.DecodeXDR(protocol.NewDecoder(req.Body))
		s.mu.Lock()
		s.calls = append(s.calls, proc)
		s.doms = append(s.doms, dom)
		ret, ok := s.replies[proc]
		code, failing := s.fail[proc]
		s.mu.Unlock()
		switch {
		case failing:
			_ = c.ReplyError(req, int32(code), "refused by the test")
		case ok:
			_ = c.Reply(req, ret)
		default:
			_ = c.ReplyError(req, int32(virtwire.ErrNoSupport), "not scripted")
		}
	})
}

func (s *refreshServer) sent() ([]remote.Procedure, []remote.Domain) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls), slices.Clone(s.doms)
}

// TestRefreshedObjects checks every method that updates the domain it is
// given, as libvirt's client does: what it sends, how it changes the domain
// on success, that it leaves the domain alone on failure, and that nil is
// refused before anything is sent.
func TestRefreshedObjects(t *testing.T) {
	noLeaks(t)
	uuid := virtwire.UUID{0x4d, 0xea, 0x22, 0xb3, 15: 0xa0}
	stopped := virtwire.Domain{Name: "vm", UUID: uuid, ID: -1}
	running := virtwire.Domain{Name: "vm", UUID: uuid, ID: 7}
	newName := "vm-renamed"
	type call func(ctx context.Context, c *virtwire.Conn, dom *virtwire.Domain) error
	tests := []struct {
		name    string
		call    call
		replies map[remote.Procedure]protocol.Value
		in      virtwire.Domain
		want    virtwire.Domain    // after success
		sent    []remote.Procedure // on success
	}{
		{"DomainCreate looks the new ID up by UUID",
			func(ctx context.Context, c *virtwire.Conn, dom *virtwire.Domain) error {
				return c.DomainCreate(ctx, dom)
			},
			map[remote.Procedure]protocol.Value{remote.ProcDomainCreate: nil,
				remote.ProcDomainLookupByUUID: &remote.DomainLookupByUUIDRet{Dom: virtwire.Domain{Name: "vm", UUID: uuid, ID: 42}}},
			stopped, virtwire.Domain{Name: "vm", UUID: uuid, ID: 42},
			[]remote.Procedure{remote.ProcDomainCreate, remote.ProcDomainLookupByUUID}},
		{"DomainCreateWithFlags takes the ID of the reply's domain",
			func(ctx context.Context, c *virtwire.Conn, dom *virtwire.Domain) error {
				rDom, err := c.DomainCreateWithFlags(ctx, dom, virtwire.DomainStartPaused)
				if err == nil && rDom != (virtwire.Domain{Name: "vm-as-the-daemon-says", UUID: uuid, ID: 43}) {
					t.Errorf("DomainCreateWithFlags returned %+v, want the reply's domain", rDom)
				}
				return err
			},
			// libvirt's client takes only the ID from the reply.
			map[remote.Procedure]protocol.Value{remote.ProcDomainCreateWithFlags: &remote.DomainCreateWithFlagsRet{Dom: virtwire.Domain{Name: "vm-as-the-daemon-says", UUID: uuid, ID: 43}}},
			stopped, virtwire.Domain{Name: "vm", UUID: uuid, ID: 43},
			[]remote.Procedure{remote.ProcDomainCreateWithFlags}},
		{"DomainCreateWithFiles takes the ID of the reply's domain",
			func(ctx context.Context, c *virtwire.Conn, dom *virtwire.Domain) error {
				_, err := c.DomainCreateWithFiles(ctx, dom, 0, []*os.File{})
				return err
			},
			map[remote.Procedure]protocol.Value{remote.ProcDomainCreateWithFiles: &remote.DomainCreateWithFilesRet{Dom: virtwire.Domain{Name: "vm", UUID: uuid, ID: 44}}},
			stopped, virtwire.Domain{Name: "vm", UUID: uuid, ID: 44},
			[]remote.Procedure{remote.ProcDomainCreateWithFiles}},
		{"DomainDestroy resets the ID",
			func(ctx context.Context, c *virtwire.Conn, dom *virtwire.Domain) error {
				return c.DomainDestroy(ctx, dom)
			},
			map[remote.Procedure]protocol.Value{remote.ProcDomainDestroy: nil},
			running, stopped, []remote.Procedure{remote.ProcDomainDestroy}},
		{"DomainSave resets the ID",
			func(ctx context.Context, c *virtwire.Conn, dom *virtwire.Domain) error {
				return c.DomainSave(ctx, dom, "/saved")
			},
			map[remote.Procedure]protocol.Value{remote.ProcDomainSave: nil},
			running, stopped, []remote.Procedure{remote.ProcDomainSave}},
		{"DomainManagedSave resets the ID",
			func(ctx context.Context, c *virtwire.Conn, dom *virtwire.Domain) error {
				return c.DomainManagedSave(ctx, dom, 0)
			},
			map[remote.Procedure]protocol.Value{remote.ProcDomainManagedSave: nil},
			running, stopped, []remote.Procedure{remote.ProcDomainManagedSave}},
		{"DomainRename takes the new name",
			func(ctx context.Context, c *virtwire.Conn, dom *virtwire.Domain) error {
				_, err := c.DomainRename(ctx, dom, &newName, 0)
				return err
			},
			map[remote.Procedure]protocol.Value{remote.ProcDomainRename: &remote.DomainRenameRet{Retcode: 0}},
			stopped, virtwire.Domain{Name: newName, UUID: uuid, ID: -1},
			[]remote.Procedure{remote.ProcDomainRename}},
		{"DomainRename keeps the name when the daemon reports failure",
			func(ctx context.Context, c *virtwire.Conn, dom *virtwire.Domain) error {
				rc, err := c.DomainRename(ctx, dom, &newName, 0)
				if err == nil && rc != -1 {
					t.Errorf("DomainRename = %d, want the daemon's -1", rc)
				}
				return err
			},
			map[remote.Procedure]protocol.Value{remote.ProcDomainRename: &remote.DomainRenameRet{Retcode: -1}},
			stopped, stopped, []remote.Procedure{remote.ProcDomainRename}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()

			// Success: the domain is sent as it was, and then refreshed.
			s := &refreshServer{replies: tt.replies}
			c := newUnixFakeConn(t, s.server(), virtwire.WithoutKeepAlive())
			dom := tt.in
			if err := tt.call(ctx, c, &dom); err != nil {
				t.Fatal(err)
			}
			if dom != tt.want {
				t.Errorf("after the call the domain is %+v, want %+v", dom, tt.want)
			}
			procs, doms := s.sent()
			if !slices.Equal(procs, tt.sent) || doms[0] != tt.in {
				t.Errorf("sent %v with %+v first; want %v with %+v", procs, doms[0], tt.sent, tt.in)
			}

			// Failure of the first call: the domain is left as it was.
			s = &refreshServer{replies: tt.replies, fail: map[remote.Procedure]virtwire.ErrorNumber{tt.sent[0]: virtwire.ErrOperationInvalid}}
			c = newUnixFakeConn(t, s.server(), virtwire.WithoutKeepAlive())
			dom = tt.in
			if err := tt.call(ctx, c, &dom); !errors.Is(err, virtwire.ErrOperationInvalid) {
				t.Errorf("with the daemon refusing: %v, want its error", err)
			}
			if dom != tt.in {
				t.Errorf("a failed call changed the domain to %+v", dom)
			}

			// nil: refused, nothing sent.
			if err := tt.call(ctx, c, nil); !errors.Is(err, virtwire.ErrNilObject) {
				t.Errorf("with a nil domain: %v, want ErrNilObject", err)
			}
			if procs, _ := s.sent(); len(procs) != 1 {
				t.Errorf("a nil domain sent %v", procs[1:])
			}
		})
	}
}

// When DomainCreate's lookup of the new ID fails, the domain has started:
// the error says so and wraps the daemon's, and the ID is left as it was.
func TestDomainCreateLookupFails(t *testing.T) {
	noLeaks(t)
	s := &refreshServer{replies: map[remote.Procedure]protocol.Value{remote.ProcDomainCreate: nil},
		fail: map[remote.Procedure]virtwire.ErrorNumber{remote.ProcDomainLookupByUUID: virtwire.ErrNoDomain}}
	c := newFakeConn(t, s.server(), virtwire.WithoutKeepAlive())
	dom := virtwire.Domain{Name: "vm", UUID: virtwire.UUID{1}, ID: -1}
	err := c.DomainCreate(context.Background(), &dom)
	if !errors.Is(err, virtwire.ErrNoDomain) || !strings.Contains(err.Error(), `domain "vm" started`) {
		t.Errorf("DomainCreate = %v; want the lookup's error, saying the domain started", err)
	}
	if dom.ID != -1 {
		t.Errorf("the domain's ID became %d", dom.ID)
	}
}
