//go:build linux || freebsd || darwin

package virtwire

import (
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// readFromSparse sends f with its holes. ok is false when the filesystem
// cannot report holes, and nothing was sent.
func (s *Stream) readFromSparse(f *os.File) (n int64, ok bool, err error) {
	start, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, false, nil
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return 0, false, nil
	}
	fd := int(f.Fd())
	if _, err := unix.Seek(fd, start, unix.SEEK_HOLE); err != nil {
		return 0, false, nil
	}
	nextData := func(off int64) (int64, error) { return unix.Seek(fd, off, unix.SEEK_DATA) }
	nextHole := func(off int64) (int64, error) { return unix.Seek(fd, off, unix.SEEK_HOLE) }
	n, err = s.sendRegions(f, start, st.Size(), nextData, nextHole)
	if _, serr := f.Seek(start+n, io.SeekStart); err == nil {
		err = serr
	}
	return n, true, err
}
