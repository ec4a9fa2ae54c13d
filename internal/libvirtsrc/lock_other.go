//go:build !unix

package libvirtsrc

import "context"

// lock does nothing where there is no flock: unpacking into a temporary
// folder and renaming it still keeps half trees out of the cache, and
// parallel processes may each fetch once.
func lock(ctx context.Context, path string) (unlock func(), err error) {
	return func() {}, nil
}
