package transport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
)

// ErrNotLinked is wrapped by the error of a dial whose URI needs a
// transport that no package linked into the program has registered; the
// error names the package to import.
var ErrNotLinked = errors.New("not linked into this program")

// A DialFunc opens the byte stream for a URI of the transport it was
// registered for. cfg is Dial's, with Client filled in.
type DialFunc func(ctx context.Context, u *URI, cfg *Config) (net.Conn, error)

// Packages that register the transports which need large libraries, so
// that a program that does not dial them does not link them.
const (
	// TLSPackage adds tls URIs (crypto/tls).
	TLSPackage = "github.com/virtwire/virtwire/transport/tlsdial"
	// SSHPackage adds the built-in ssh client (golang.org/x/crypto/ssh),
	// which libssh and libssh2 URIs, and ssh URIs where no ssh program
	// is installed, need.
	SSHPackage = "github.com/virtwire/virtwire/transport/sshdial"
	// AllPackage links every transport and authentication method.
	AllPackage = "github.com/virtwire/virtwire/all"
)

var (
	registryMu sync.RWMutex
	registry   = map[Kind]DialFunc{}
)

// Register makes Dial use f for URIs of transport k: TLS for tls URIs, SSH
// for the built-in ssh client (libssh, libssh2, and ssh when it is not run
// through the ssh program). The packages named by TLSPackage and
// SSHPackage call it from their init; a later registration replaces an
// earlier one.
func Register(k Kind, f DialFunc) {
	registryMu.Lock()
	defer registryMu.Unlock()
	registry[k] = f
}

// registered returns the dialer for k, or an error naming the package that
// provides it.
func registered(k Kind, what string) (DialFunc, error) {
	registryMu.RLock()
	f := registry[k]
	registryMu.RUnlock()
	if f != nil {
		return f, nil
	}
	pkg := TLSPackage
	if k != TLS {
		pkg = SSHPackage
	}
	return nil, fmt.Errorf("%w: %s: import _ %q (or %q for every transport)", ErrNotLinked, what, pkg, AllPackage)
}

// An Option is a setting for a transport that another package registers,
// made by that package (transport/tlsdial's WithConfig, for example) and
// read by it from Config.Options.
type Option struct {
	key, value any
}

// NewOption returns the option that sets key to value. Keys are compared
// with ==; a package uses a type of its own, as context keys do.
func NewOption(key, value any) Option { return Option{key, value} }

// Lookup returns the value of the last option in c.Options with key.
func (c *Config) Lookup(key any) (any, bool) {
	if c == nil {
		return nil, false
	}
	for i := len(c.Options) - 1; i >= 0; i-- {
		if c.Options[i].key == key {
			return c.Options[i].value, true
		}
	}
	return nil, false
}
