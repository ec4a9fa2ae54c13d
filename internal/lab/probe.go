package lab

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"time"
)

// Wire facts for the probe, from libvirt's remote_protocol.x and
// virnetprotocol.x. The lab speaks this one call itself so that it can tell a
// daemon is serving without depending on the client it is there to test.
const (
	remoteProgram    = 0x20008086
	remoteVersion    = 1
	procAuthList     = 66
	msgTypeCall      = 0
	msgTypeReply     = 1
	msgStatusOK      = 0
	probeMaxReplyLen = 4096
)

// probe dials addr and makes one REMOTE_PROC_AUTH_LIST call, which libvirtd
// answers before authentication and only once its drivers are initialised: a
// reply means the daemon is fully up, not just that its socket exists.
func probe(ctx context.Context, network, addr string) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return err
	}
	defer c.Close()
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(10 * time.Second)
	}
	if err := c.SetDeadline(deadline); err != nil {
		return err
	}
	call := make([]byte, 28)
	for i, v := range []uint32{28, remoteProgram, remoteVersion, procAuthList, msgTypeCall, 1, msgStatusOK} {
		binary.BigEndian.PutUint32(call[4*i:], v)
	}
	if _, err := c.Write(call); err != nil {
		return fmt.Errorf("probe %s: %w", addr, err)
	}
	var hdr [28]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return fmt.Errorf("probe %s: reading the reply: %w", addr, err)
	}
	word := func(i int) uint32 { return binary.BigEndian.Uint32(hdr[4*i:]) }
	if n := word(0); n < 28 || n > probeMaxReplyLen {
		return fmt.Errorf("probe %s: reply length %d out of range", addr, n)
	}
	if word(1) != remoteProgram || word(3) != procAuthList || word(4) != msgTypeReply || word(5) != 1 {
		return fmt.Errorf("probe %s: unexpected reply header % x", addr, hdr)
	}
	if word(6) != msgStatusOK {
		return fmt.Errorf("probe %s: AUTH_LIST failed (status %d)", addr, word(6))
	}
	return nil
}
