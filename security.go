package virtwire

import "context"

// IsSecure reports whether the connection is secure as libvirt's client
// judges it: the channel must be (a unix socket, tls, or ssh in any of its
// forms; not tcp, nor an ext command, of which nothing is known) and the
// daemon must say its own connection to the driver is (CONNECT_IS_SECURE).
// For a Conn made by NewConn the channel is secure when it is a unix
// socket or a *tls.Conn.
func (c *Conn) IsSecure(ctx context.Context) (bool, error) {
	daemon, err := c.daemonSecure(ctx)
	return err == nil && daemon && c.settings.channel.secure, err
}

// IsEncrypted reports whether the connection is encrypted as libvirt's
// client judges it: the channel must be encrypted (tls; virtwire
// negotiates no SASL security layer, and libvirt does not count ssh) and
// the daemon must say its own connection is secure.
func (c *Conn) IsEncrypted(ctx context.Context) (bool, error) {
	daemon, err := c.daemonSecure(ctx)
	return err == nil && daemon && c.settings.channel.encrypted, err
}

func (c *Conn) daemonSecure(ctx context.Context) (bool, error) {
	secure, err := c.connectIsSecure(ctx)
	return secure != 0, err
}

// ConnectIsSecure is IsSecure as libvirt's virConnectIsSecure answers it:
// 1 for secure, 0 for not (go-libvirt's signature).
func (c *Conn) ConnectIsSecure(ctx context.Context) (rSecure int32, err error) {
	return boolInt(c.IsSecure(ctx))
}

// ConnectIsEncrypted is IsEncrypted as libvirt's virConnectIsEncrypted
// answers it: 1 for encrypted, 0 for not.
func (c *Conn) ConnectIsEncrypted(ctx context.Context) (rEncrypted int32, err error) {
	return boolInt(c.IsEncrypted(ctx))
}

func boolInt(b bool, err error) (int32, error) {
	if b {
		return 1, err
	}
	return 0, err
}
