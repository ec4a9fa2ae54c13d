//go:build unix

package virtwire_test

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/internal/fakeserver"
	"github.com/virtwire/virtwire/protocol"
	"github.com/virtwire/virtwire/protocol/remote"
)

func TestFDPassing(t *testing.T) {
	received := make(chan string, 1)
	serverPipeR, serverPipeW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer serverPipeR.Close()
	srv := &fakeserver.Server{Handle: func(c *fakeserver.Conn, req *fakeserver.Request) bool {
		switch remote.Procedure(req.Header.Procedure) {
		case remote.ProcDomainCreateXMLWithFiles:
			if req.Header.Type != protocol.CallWithFDs || len(req.Files) != 1 {
				_ = c.ReplyError(req, 1, "expected one passed file")
				return true
			}
			data, _ := io.ReadAll(req.Files[0])
			req.Files[0].Close()
			received <- string(data)
			var args remote.DomainCreateXMLWithFilesArgs
			if err := req.Decode(&args); err != nil || args.XMLDesc != "<domain/>" {
				_ = c.ReplyError(req, 1, "bad args")
				return true
			}
			_ = c.Reply(req, &remote.DomainCreateXMLWithFilesRet{Dom: remote.Domain{Name: "fd-guest", ID: 7}})
			return true
		case remote.ProcDomainOpenGraphicsFD:
			_ = c.ReplyWithFiles(req, nil, []*os.File{serverPipeR})
			_, _ = serverPipeW.Write([]byte("frames"))
			serverPipeW.Close()
			return true
		}
		return false
	}}
	path := srv.ListenUnix(t)
	nc, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := virtwire.NewConn(ctx, nc)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	// Passing a descriptor to the daemon: it reads what we wrote.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("console log")); err != nil {
		t.Fatal(err)
	}
	w.Close()
	dom, err := c.DomainCreateXMLWithFiles(ctx, "<domain/>", 0, []*os.File{r})
	r.Close()
	if err != nil || dom.Name != "fd-guest" || dom.ID != 7 {
		t.Fatalf("DomainCreateXMLWithFiles = %+v, %v", dom, err)
	}
	if got := <-received; got != "console log" {
		t.Fatalf("the server read %q from the passed descriptor", got)
	}

	// Getting a descriptor back from the daemon.
	files, err := c.DomainOpenGraphicsFD(ctx, virtwire.Domain{Name: "fd-guest"}, 0, 0)
	if err != nil || len(files) != 1 {
		t.Fatalf("DomainOpenGraphicsFD = %v, %v", files, err)
	}
	data, err := io.ReadAll(files[0])
	files[0].Close()
	if err != nil || string(data) != "frames" {
		t.Fatalf("read %q, %v from the received descriptor", data, err)
	}
	if _, err := c.ConnectGetLibVersion(ctx); err == nil || c.Err() != nil {
		// The fake server does not know this call: an error reply, not a broken Conn.
		t.Fatalf("after passing descriptors: %v, Conn %v", err, c.Err())
	}
}

func TestFDPassingNeedsUnixSocket(t *testing.T) {
	c := newFakeConn(t, &fakeserver.Server{}) // net.Pipe: no descriptors
	_, err := c.DomainCreateXMLWithFiles(context.Background(), "<domain/>", 0, []*os.File{os.Stdin})
	if !errors.Is(err, virtwire.ErrNoFDPassing) {
		t.Fatalf("err = %v, want ErrNoFDPassing", err)
	}
}
