package transport

import "errors"

// Errors a dial can wrap; test for them with errors.Is.
var (
	// ErrCertificateRejected: the TLS handshake finished but the daemon
	// closed the connection without its confirmation byte, which is how
	// libvirtd refuses a client certificate (or the client's address).
	ErrCertificateRejected = errors.New("the server rejected the client certificate")

	// ErrHostKeyUnknown: the ssh server's host key is not in known_hosts and
	// nobody accepted it.
	ErrHostKeyUnknown = errors.New("ssh host key is unknown")

	// ErrHostKeyMismatch: the ssh server's host key differs from the one
	// recorded in known_hosts (possible man in the middle).
	ErrHostKeyMismatch = errors.New("ssh host key verification failed")

	// ErrInsecurePermissions: a TLS file (CA certificate, revocation list,
	// client certificate or key), or a folder or link on its path, can be
	// changed by any user of the machine (see Config.InsecurePKIPermissions).
	ErrInsecurePermissions = errors.New("insecure file permissions")

	// ErrNoCredentials: a credential was needed and no callback could
	// provide it.
	ErrNoCredentials = errors.New("no credential callback")

	// ErrUnsupported: the transport or feature is not available on this
	// platform or in this client.
	ErrUnsupported = errors.New("not supported")
)
