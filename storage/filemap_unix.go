//go:build linux || freebsd || darwin

package storage

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// sendFile sends length bytes of f from its offset with the file's holes
// as holes, when its filesystem reports them (SEEK_DATA, SEEK_HOLE). sent
// is false, and nothing was sent, when it does not.
func (s *sender) sendFile(f *os.File, length int64) (sent bool, err error) {
	fd := int(f.Fd())
	start, err := unix.Seek(fd, 0, 1) // SEEK_CUR
	if err != nil {
		return false, nil
	}
	if _, err := unix.Seek(fd, start, unix.SEEK_HOLE); err != nil {
		return false, nil
	}
	if _, err := unix.Seek(fd, start, 0); err != nil { // SEEK_HOLE moved the offset
		return false, nil
	}
	next := func(off int64) (data, hole int64, err error) {
		data, err = unix.Seek(fd, off, unix.SEEK_DATA)
		if errors.Is(err, unix.ENXIO) {
			return 1<<63 - 1, 1<<63 - 1, nil // no data after off: a hole to the end
		}
		if err != nil {
			return 0, 0, err
		}
		hole, err = unix.Seek(fd, data, unix.SEEK_HOLE)
		return data, hole, err
	}
	return true, s.sendRegions(f, length, next)
}
