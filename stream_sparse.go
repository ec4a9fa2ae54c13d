package virtwire

import (
	"errors"
	"io"
	"os"
)

// ReadFrom sends everything r holds. When the stream is sparse and r is a
// file on a filesystem that reports holes (SEEK_DATA/SEEK_HOLE), the file's
// holes are sent as holes instead of zeros, so a sparse upload stays sparse.
func (s *Stream) ReadFrom(r io.Reader) (int64, error) {
	if f, ok := r.(*os.File); ok && s.s.Sparse() {
		if n, ok, err := s.readFromSparse(f); ok {
			return n, err
		}
	}
	buf := make([]byte, maxStreamChunk)
	var total int64
	for {
		n, rerr := r.Read(buf)
		if n > 0 {
			m, werr := s.Write(buf[:n])
			total += int64(m)
			if werr != nil {
				return total, werr
			}
		}
		if errors.Is(rerr, io.EOF) {
			return total, nil
		}
		if rerr != nil {
			return total, rerr
		}
	}
}

// sendRegions sends f from its current offset to size as data and holes,
// using next to find where data starts and ends.
func (s *Stream) sendRegions(f *os.File, start, size int64, nextData, nextHole func(off int64) (int64, error)) (int64, error) {
	buf := make([]byte, maxStreamChunk)
	var total int64
	off := start
	for off < size {
		data, err := nextData(off)
		if err != nil || data >= size {
			// No more data: the rest is a hole.
			data = size
		}
		if data > off {
			if err := s.SendHole(data - off); err != nil {
				return total, err
			}
			total += data - off
			off = data
		}
		if off >= size {
			break
		}
		hole, err := nextHole(off)
		if err != nil || hole > size {
			hole = size
		}
		for off < hole {
			n := int64(len(buf))
			if hole-off < n {
				n = hole - off
			}
			m, err := f.ReadAt(buf[:n], off)
			if m > 0 {
				if _, werr := s.Write(buf[:m]); werr != nil {
					return total, werr
				}
				total += int64(m)
				off += int64(m)
			}
			if err != nil && !(errors.Is(err, io.EOF) && off >= hole) {
				return total, err
			}
		}
	}
	return total, nil
}
