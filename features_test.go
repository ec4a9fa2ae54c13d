package virtwire_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/internal/fakeserver"
	"github.com/virtwire/virtwire/protocol/remote"
)

// ConnectSupportsFeature answers FeatureRemote itself, as libvirt's client
// does (the daemon's own driver would say no), and asks the daemon about
// every other feature.
func TestSupportsFeatureRemote(t *testing.T) {
	noLeaks(t)
	asked := make(chan int32, 8)
	var armed atomic.Bool // after the handshake, which asks about features of its own
	srv := &fakeserver.Server{
		Features: map[int32]bool{int32(virtwire.FeatureRemote): false, int32(virtwire.FeatureMigrationV3): false},
		Handle: func(c *fakeserver.Conn, req *fakeserver.Request) bool {
			var args remote.ConnectSupportsFeatureArgs
			if armed.Load() && remote.Procedure(req.Header.Procedure) == remote.ProcConnectSupportsFeature && req.Decode(&args) == nil {
				asked <- args.Feature
			}
			return false // the fake server answers from Features
		},
	}
	c := newFakeConn(t, srv, virtwire.WithoutKeepAlive())
	armed.Store(true)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if got, err := c.ConnectSupportsFeature(ctx, int32(virtwire.FeatureRemote)); err != nil || got != 1 {
		t.Errorf("ConnectSupportsFeature(FeatureRemote) = %d, %v; want 1", got, err)
	}
	if got, err := c.ConnectSupportsFeature(ctx, int32(virtwire.FeatureMigrationV3)); err != nil || got != 0 {
		t.Errorf("ConnectSupportsFeature(FeatureMigrationV3) = %d, %v; want the daemon's 0", got, err)
	}
	close(asked)
	var sent []int32
	for f := range asked {
		sent = append(sent, f)
	}
	if len(sent) != 1 || sent[0] != int32(virtwire.FeatureMigrationV3) {
		t.Errorf("the daemon was asked about %v; want only FeatureMigrationV3 (%d)", sent, virtwire.FeatureMigrationV3)
	}
}
