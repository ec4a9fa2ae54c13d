package libvirtsrc

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/virtwire/virtwire/internal/testenv"
)

// requireTimeout bounds Require's fetch: the download and apt's fallback.
const requireTimeout = 10 * time.Minute

var (
	requireOnce sync.Once
	requireDir  string
	requireErr  error
)

// Require returns libvirt's tree for a test (see Dir), fetching it once per
// test process. When it cannot be had, the test is skipped with a line
// saying why and how to provide it, or failed when CI is set or
// VIRTWIRE_REQUIRE_LAB=1, so that CI never passes by not running.
func Require(tb testing.TB) string {
	tb.Helper()
	requireOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), requireTimeout)
		defer cancel()
		requireDir, requireErr = Dir(ctx)
	})
	if requireErr == nil {
		return requireDir
	}
	testenv.Unavailable(tb, fmt.Sprintf("libvirt %s source is needed and could not be had (offline?); set %s to a libvirt tree: %v", Version, EnvVar, requireErr))
	return ""
}
