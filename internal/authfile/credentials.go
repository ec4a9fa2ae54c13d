package authfile

import (
	"context"
	"sync"

	"github.com/virtwire/virtwire/transport"
)

// Credentials returns a credential callback that first answers from the
// auth file libvirt would use for u (see Path) every credential that names
// a Service and that the file can answer (KeyFor), and passes the rest to
// next (which may be nil). The file is found and parsed on first use, as
// libvirt does, so a broken file only matters when credentials are needed.
func Credentials(u *transport.URI, sys *transport.System, next transport.CredentialFunc) transport.CredentialFunc {
	var (
		once sync.Once
		file *File
		err  error
	)
	load := func() (*File, error) {
		once.Do(func() {
			if p := Path(u, sys); p != "" {
				file, err = Load(sys, p)
			}
		})
		return file, err
	}
	return func(ctx context.Context, creds []*transport.Credential) error {
		var rest []*transport.Credential
		for _, c := range creds {
			key := KeyFor(c.Type)
			if c.Service == "" || key == "" {
				rest = append(rest, c)
				continue
			}
			f, err := load()
			if err != nil {
				return err
			}
			if f == nil {
				rest = append(rest, c)
				continue
			}
			v, ok, err := f.Lookup(c.Service, c.Host, key)
			if err != nil {
				return err
			}
			if !ok {
				rest = append(rest, c)
				continue
			}
			c.Result = v
		}
		if len(rest) == 0 || next == nil {
			return nil
		}
		return next(ctx, rest)
	}
}
