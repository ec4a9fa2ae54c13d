package virtwire

import (
	"context"
	"errors"
	"fmt"
)

// ErrNilObject means a method that updates the object it is given, as
// libvirt's client does (DomainCreate, DomainDestroy, DomainRename...), was
// given a nil pointer. Nothing was sent to the daemon.
var ErrNilObject = errors.New("virtwire: nil object")

func nilObject(method, param string) error {
	return fmt.Errorf("virtwire: %s: %s is nil: %w", method, param, ErrNilObject)
}

// lookUpID sets dom.ID to the ID the daemon now gives the domain. libvirt's
// DOMAIN_CREATE reply carries no domain, so libvirt's client looks the domain
// up by UUID after starting it; so does DomainCreate. The domain has started
// when this runs: an error here says so.
func (c *Conn) lookUpID(ctx context.Context, method string, dom *Domain) error {
	d, err := c.DomainLookupByUUID(ctx, dom.UUID)
	if err != nil {
		return fmt.Errorf("virtwire: %s: domain %q started, but looking up its new ID failed: %w", method, dom.Name, err)
	}
	dom.ID = d.ID
	return nil
}
