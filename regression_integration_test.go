//go:build unix

package virtwire_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/internal/fakeserver"
	"github.com/virtwire/virtwire/protocol/remote"
)

// TestCloseUnixWhileReading closes unix-socket Conns whose daemon answers
// CONNECT_CLOSE but keeps the socket open, so that Close shuts the socket
// while the reader goroutine is blocked in recvmsg. Go's ReadMsgUnix then
// returns n == -1 with "use of closed network connection"; passed on to
// bufio, that used to panic ("reader returned negative count from Read")
// and take the whole process down. The integration tests met it against
// the lab's libvirtd whenever Close won the race with the daemon's EOF.
func TestCloseUnixWhileReading(t *testing.T) {
	srv := &fakeserver.Server{Handle: func(c *fakeserver.Conn, req *fakeserver.Request) bool {
		if req.Header.Procedure == int32(remote.ProcConnectClose) {
			_ = c.Reply(req, nil) // and leave the socket open
			return true
		}
		return false
	}}
	path := srv.ListenUnix(t)
	for i := 0; i < 20; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		nc, err := net.Dial("unix", path)
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		c, err := virtwire.NewConn(ctx, nc, virtwire.WithoutKeepAlive())
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		<-c.Done()
	}
}
