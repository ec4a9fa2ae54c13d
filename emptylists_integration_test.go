package virtwire_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/internal/lab"
)

// TestEmptyListsOnDaemon asks the lab's test driver for lists it has
// nothing in (a new domain's snapshots and checkpoints, a new pool's
// volumes, a stats record with no values...) and checks that each comes
// back empty and not nil, and, where virsh can tell, that virsh lists
// nothing either.
func TestEmptyListsOnDaemon(t *testing.T) {
	l := lab.Require(t)
	c := dialLab(t, l, viaUnix)
	ctx := callCtx(t)
	e := &procEnv{t: t, c: c}
	name := uniqueName(t)
	dom, err := c.DomainDefineXML(ctx, testDomainXML(name))
	if err != nil {
		t.Fatal(err)
	}
	e.removeDomainLater(name)
	pool, err := c.StoragePoolCreateXML(ctx, fmt.Sprintf("<pool type='dir'><name>%s</name><target><path>/%s</path></target></pool>", name, name), 0)
	if err != nil {
		t.Fatal(err)
	}
	e.cleanup(func(ctx context.Context) error { return c.StoragePoolDestroy(ctx, pool) })

	// A call, the lists it returned, and virsh's listing of the same (nil
	// when virsh has none that shows only these).
	type listing struct {
		name  string
		call  func() ([]any, error)
		virsh []string
	}
	tests := []listing{
		{"DomainListAllSnapshots", func() ([]any, error) {
			s, _, err := c.DomainListAllSnapshots(ctx, dom, 1, 0)
			return []any{s}, err
		}, []string{"snapshot-list", "--name", name}},
		{"DomainSnapshotListNames", func() ([]any, error) {
			s, err := c.DomainSnapshotListNames(ctx, dom, 16, 0)
			return []any{s}, err
		}, nil},
		{"DomainListAllCheckpoints", func() ([]any, error) {
			s, _, err := c.DomainListAllCheckpoints(ctx, dom, 1, 0)
			return []any{s}, err
		}, []string{"checkpoint-list", "--name", name}},
		{"DomainGetMessages", func() ([]any, error) {
			s, err := c.DomainGetMessages(ctx, dom, 0)
			return []any{s}, err
		}, nil},
		{"ConnectGetAllDomainStats (no values for an inactive domain)", func() ([]any, error) {
			s, err := c.ConnectGetAllDomainStats(ctx, []virtwire.Domain{dom}, uint32(virtwire.DomainStatsInterface), 0)
			if err == nil && len(s) != 1 {
				return nil, fmt.Errorf("%d records for one domain", len(s))
			}
			return []any{s[0].Params}, err // a list inside a list
		}, nil},
		{"StoragePoolListAllVolumes", func() ([]any, error) {
			s, _, err := c.StoragePoolListAllVolumes(ctx, pool, 1, 0)
			return []any{s}, err
		}, []string{"vol-list", "--pool", name}},
		{"StoragePoolListVolumes", func() ([]any, error) {
			s, err := c.StoragePoolListVolumes(ctx, pool, 16)
			return []any{s}, err
		}, nil},
		{"ConnectListAllNodeDevices (vDPA)", func() ([]any, error) {
			s, _, err := c.ConnectListAllNodeDevices(ctx, 1, virtwire.ConnectListNodeDevicesCapVdpa)
			return []any{s}, err
		}, nil},
		{"NodeListDevices (vDPA)", func() ([]any, error) {
			s, err := c.NodeListDevices(ctx, str("vdpa"), 16, 0)
			return []any{s}, err
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lists, err := tt.call()
			if err != nil {
				t.Fatal(err)
			}
			for i, list := range lists {
				v := reflect.ValueOf(list)
				if v.Kind() != reflect.Slice || v.IsNil() || v.Len() != 0 {
					t.Errorf("list %d is %#v; want an empty, non-nil slice", i, list)
				}
			}
			if tt.virsh != nil {
				out := l.Virsh(t, labURI(l, viaUnix), tt.virsh...)
				if lines := strings.Split(out, "\n"); len(lines) >= 2 && strings.HasPrefix(lines[1], "---") {
					out = strings.Join(lines[2:], "\n") // the rows under a table's header
				}
				if out != "" {
					t.Errorf("virsh %s lists %q; the test expects nothing there", strings.Join(tt.virsh, " "), out)
				}
			}
		})
	}
}
