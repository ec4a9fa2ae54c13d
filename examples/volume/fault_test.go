package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/examples/internal/cli"
	"github.com/virtwire/virtwire/internal/fakeserver"
	"github.com/virtwire/virtwire/protocol"
	"github.com/virtwire/virtwire/protocol/remote"
	"github.com/virtwire/virtwire/xmlspec"
)

// A pull whose upload the daemon fails halfway (a full disk, say) removes
// the volume it created and reports the daemon's error. No real daemon
// can be made to fail an upload on cue; the fake one does.
func TestFailedPullRemovesTheVolume(t *testing.T) {
	var mu sync.Mutex
	var created, deleted []string
	srv := &fakeserver.Server{Handle: func(c *fakeserver.Conn, req *fakeserver.Request) bool {
		h := req.Header
		if h.Type == protocol.Stream || h.Type == protocol.StreamHole {
			if h.Status == protocol.StatusContinue && h.Procedure == int32(remote.ProcStorageVolUpload) {
				// The first data: fail the stream.
				h.Type, h.Status = protocol.Stream, protocol.StatusError
				msg := "cannot write volume: No space left on device"
				_ = c.Send(h, &protocol.Error{Code: int32(virtwire.ErrInternalError), Domain: 18, Message: &msg, Level: 2})
			}
			return true // the client's abort, and anything after the error
		}
		switch remote.Procedure(h.Procedure) {
		case remote.ProcStoragePoolLookupByName:
			return c.Reply(req, &remote.StoragePoolLookupByNameRet{Pool: remote.StoragePool{Name: "fake"}}) == nil
		case remote.ProcStorageVolCreateXML:
			var args remote.StorageVolCreateXMLArgs
			if err := req.Decode(&args); err != nil {
				return false
			}
			mu.Lock()
			created = append(created, args.XML)
			mu.Unlock()
			return c.Reply(req, &remote.StorageVolCreateXMLRet{Vol: remote.StorageVol{Pool: "fake", Name: "img.raw", Key: "/fake/img.raw"}}) == nil
		case remote.ProcStorageVolUpload:
			return c.Reply(req, nil) == nil
		case remote.ProcStorageVolDelete:
			var args remote.StorageVolDeleteArgs
			if err := req.Decode(&args); err != nil {
				return false
			}
			mu.Lock()
			deleted = append(deleted, args.Vol.Name)
			mu.Unlock()
			return c.Reply(req, nil) == nil
		}
		return false
	}}
	uri := "test+unix:///default?socket=" + srv.ListenUnix(t)
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-c", uri, "pull", "fake", "img.raw", rawImage(t)}, &stdout, &stderr)
	code := cli.Exit("volume", err, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "No space left on device") || stdout.Len() != 0 {
		t.Fatalf("exit %d, stderr %q, stdout %q", code, stderr.String(), stdout.String())
	}
	mu.Lock()
	defer mu.Unlock()
	if len(created) != 1 {
		t.Fatalf("created %q", created)
	}
	def, err := xmlspec.ParseStorageVolume([]byte(created[0]))
	if c, _ := def.CapacityBytes(); err != nil || def.Name != "img.raw" || def.TargetFormat() != "raw" || c != 64<<20 {
		t.Errorf("created %q", created)
	}
	if len(deleted) != 1 || deleted[0] != "img.raw" {
		t.Errorf("the half-pulled volume was not deleted: %q", deleted)
	}
}
