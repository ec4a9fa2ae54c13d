//go:build linux

package lab

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// Lock takes the lab-wide lock called name until the test ends, for
// tests in different packages (which go test runs at once, in separate
// processes) that change the same object of a shared driver: the test
// driver's test:///default state is one for every connection, and it
// always names its one virtual HBA scsi_host12. Cleanups registered after
// Lock run before the lock is released.
func (l *Lab) Lock(tb testing.TB, name string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	unlock, err := lockFile(ctx, filepath.Join(l.Dir, name+".lock"))
	if err != nil {
		tb.Fatalf("taking the lab's %s lock: %v", name, err)
	}
	tb.Cleanup(unlock)
}
