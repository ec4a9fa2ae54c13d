//go:build !linux

package lab

import (
	"context"
	"errors"
)

// BuildGuestImage builds the guest image; on this system it only reports
// that it cannot: the guests run only in the Linux lab.
func BuildGuestImage(ctx context.Context, cacheDir string) (*GuestImage, error) {
	return nil, errors.New("lab: the guest image is built only on Linux (Debian's apt and dpkg)")
}
