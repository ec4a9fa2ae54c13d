package virtwire

import "github.com/virtwire/virtwire/protocol"

// dispatchEvent routes an event packet to its subscriptions.
func (c *Conn) dispatchEvent(h protocol.Header, bp *[]byte, off int) error {
	putPacket(bp)
	return nil
}
