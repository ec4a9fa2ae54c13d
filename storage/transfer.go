package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/virtwire/virtwire"
)

// TransferOptions are the options of Upload and Download. The zero value
// (or nil) transfers the whole volume, sparse, without progress reports.
type TransferOptions struct {
	// Offset is where in the volume the transfer starts, in bytes.
	Offset uint64
	// Length is how many bytes to transfer; 0 means to the end (of the
	// volume for a download, of the reader for an upload).
	Length uint64
	// Dense turns holes off: every zero byte crosses the connection as
	// data. Holes need libvirt 3.4 or later on the daemon.
	Dense bool
	// Progress, if set, is called as the transfer goes on, after each
	// piece of data or hole, with the bytes done so far (holes count) and
	// the total, or 0 when the total is not known (an upload from a reader
	// of unknown length).
	Progress func(done, total int64)
}

// chunk is how much the transfer reads and sends at a time: what one
// stream packet carries.
const chunk = 256 << 10

// zeroBlock is the size of the blocks an upload from a reader that is not
// a file checks for zeros, to send them as holes.
const zeroBlock = 64 << 10

// Upload writes what r holds into the volume (virsh vol-upload), from
// opts.Offset on, and returns how many bytes it sent (holes count). It
// keeps holes: from a file on a filesystem that reports them
// (SEEK_DATA/SEEK_HOLE), the file's holes; from any other reader, blocks of
// zeros. On the daemon, libvirt does not write a hole: it moves past it
// and sets the file's length to the hole's end, so a sparse upload into a
// volume that already holds data keeps some of the old bytes under the
// holes and cuts off what lies beyond. Upload sparse into a new (or wiped)
// volume; over data, set opts.Dense.
//
// A dir pool volume grows to what is uploaded, so a volume created with
// capacity 0 takes an image of any size; libvirt then reads its format
// and capacity from the image.
//
// The transfer ends with the daemon's confirmation; if it fails, or ctx
// ends, it is aborted and the error says how far it got.
func (v *Volume) Upload(ctx context.Context, r io.Reader, opts *TransferOptions) (int64, error) {
	if r == nil {
		return 0, v.wrap("upload", invalid("no reader"))
	}
	if opts == nil {
		opts = &TransferOptions{}
	}
	var flags virtwire.StorageVolUploadFlags
	if !opts.Dense {
		flags = virtwire.StorageVolUploadSparseStream
	}
	st, err := v.conn.StorageVolUpload(ctx, v.ref, opts.Offset, opts.Length, flags)
	if err != nil {
		return 0, v.wrap("upload", err)
	}
	s := &sender{st: st, sparse: !opts.Dense, progress: opts.Progress, limit: int64(opts.Length)}
	if err := s.send(r); err != nil {
		_ = st.Abort()
		return s.done, v.wrap("upload", fmt.Errorf("after %d bytes: %w", s.done, err))
	}
	if err := st.Close(); err != nil {
		return s.done, v.wrap("upload", fmt.Errorf("finishing after %d bytes: %w", s.done, err))
	}
	return s.done, nil
}

// sender sends an upload's data and holes and counts them.
type sender struct {
	st       *virtwire.Stream
	sparse   bool
	progress func(done, total int64)
	limit    int64 // bytes to send at most; 0: all
	done     int64
	total    int64
}

func (s *sender) report() {
	if s.progress != nil {
		s.progress(s.done, s.total)
	}
}

func (s *sender) data(p []byte) error {
	if _, err := s.st.Write(p); err != nil {
		return err
	}
	s.done += int64(len(p))
	s.report()
	return nil
}

func (s *sender) hole(n int64) error {
	if err := s.st.SendHole(n); err != nil {
		return err
	}
	s.done += n
	s.report()
	return nil
}

func (s *sender) send(r io.Reader) error {
	if f, ok := r.(*os.File); ok {
		if size, ok := fileSize(f); ok {
			s.total = size
			if s.limit > 0 {
				s.total = min(s.total, s.limit)
			}
			if s.sparse {
				if sent, err := s.sendFile(f, s.total); sent {
					return err
				}
			}
		}
	} else if l, ok := r.(interface{ Len() int }); ok { // bytes.Reader, strings.Reader...
		s.total = int64(l.Len())
		if s.limit > 0 {
			s.total = min(s.total, s.limit)
		}
	}
	if s.limit > 0 {
		r = io.LimitReader(r, s.limit)
	}
	buf := make([]byte, chunk)
	for {
		n, rerr := io.ReadFull(r, buf)
		if n > 0 {
			var err error
			if s.sparse {
				err = s.sendZeroesAsHoles(buf[:n])
			} else {
				err = s.data(buf[:n])
			}
			if err != nil {
				return err
			}
		}
		switch {
		case rerr == io.EOF || rerr == io.ErrUnexpectedEOF:
			return nil
		case rerr != nil:
			return rerr
		}
	}
}

// sendZeroesAsHoles sends p as data, except runs of zeroBlock-sized
// blocks of zeros, which become holes.
func (s *sender) sendZeroesAsHoles(p []byte) error {
	for _, run := range zeroRuns(p, zeroBlock) {
		var err error
		if run.zero {
			err = s.hole(int64(run.n))
		} else {
			err = s.data(p[:run.n])
		}
		if err != nil {
			return err
		}
		p = p[run.n:]
	}
	return nil
}

// run is a stretch of a buffer that is all zeros or holds data.
type run struct {
	n    int
	zero bool
}

// zeroRuns splits p into alternating runs of data and zeros, in blocks of
// size block (the last one may be shorter); a block counts as zeros only
// if every byte in it is 0.
func zeroRuns(p []byte, block int) []run {
	var runs []run
	for off := 0; off < len(p); off += block {
		b := p[off:min(off+block, len(p))]
		zero := isZero(b)
		if k := len(runs) - 1; k >= 0 && runs[k].zero == zero {
			runs[k].n += len(b)
		} else {
			runs = append(runs, run{n: len(b), zero: zero})
		}
	}
	return runs
}

// zeros is a block of zeros to compare data with: bytes.Equal is written
// in assembly, many times faster than a loop over the bytes.
var zeros = make([]byte, zeroBlock)

func isZero(b []byte) bool {
	for len(b) > 0 {
		n := min(len(b), len(zeros))
		if !bytes.Equal(b[:n], zeros[:n]) {
			return false
		}
		b = b[n:]
	}
	return true
}

// fileSize returns how many bytes a regular file holds from its current
// offset on.
func fileSize(f *os.File) (int64, bool) {
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return 0, false
	}
	off, err := f.Seek(0, io.SeekCurrent)
	if err != nil || off > st.Size() {
		return 0, false
	}
	return st.Size() - off, true
}

// sendRegions sends length bytes of f from its current offset as the data
// and holes next reports: next(off) returns where the data at or after
// off starts and where it ends. It leaves f's offset after what it sent.
func (s *sender) sendRegions(f *os.File, length int64, next func(off int64) (data, hole int64, err error)) error {
	start, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	end := start + length
	off := start
	defer func() { _, _ = f.Seek(off, io.SeekStart) }()
	buf := make([]byte, chunk)
	for off < end {
		data, hole, err := next(off)
		if err != nil {
			return err
		}
		data, hole = min(max(data, off), end), min(hole, end)
		if data > off {
			if err := s.hole(data - off); err != nil {
				return err
			}
			off = data
		}
		for off < hole {
			n, err := f.ReadAt(buf[:min(int64(len(buf)), hole-off)], off)
			if n > 0 {
				if err := s.data(buf[:n]); err != nil {
					return err
				}
				off += int64(n)
			}
			if err != nil {
				if errors.Is(err, io.EOF) {
					return fmt.Errorf("the file shrank to %d bytes while being sent", off)
				}
				return err
			}
		}
	}
	return nil
}

// Download writes the volume's contents (virsh vol-download), from
// opts.Offset on, to w and returns how many bytes it wrote (holes count).
// It keeps holes: when w is a file (an io.WriteSeeker) they become seeks,
// so the copy is as sparse as the volume; other writers get zeros. For a
// dir pool, the contents are the volume's file, not what a guest sees: a
// qcow2 image as it is, without its backing store.
//
// If the transfer fails, or ctx ends, it is aborted and the error says how
// far it got.
func (v *Volume) Download(ctx context.Context, w io.Writer, opts *TransferOptions) (int64, error) {
	if w == nil {
		return 0, v.wrap("download", invalid("no writer"))
	}
	if opts == nil {
		opts = &TransferOptions{}
	}
	total := int64(opts.Length)
	if total == 0 && opts.Progress != nil {
		total = v.physicalSize(ctx) - int64(min(opts.Offset, 1<<62))
		total = max(total, 0)
	}
	var flags virtwire.StorageVolDownloadFlags
	if !opts.Dense {
		flags = virtwire.StorageVolDownloadSparseStream
	}
	st, err := v.conn.StorageVolDownload(ctx, v.ref, opts.Offset, opts.Length, flags)
	if err != nil {
		return 0, v.wrap("download", err)
	}
	rcv := &receiver{w: w, progress: opts.Progress, total: total}
	if ws, ok := w.(io.WriteSeeker); ok {
		rcv.seeker = ws
	}
	if err := rcv.receive(st); err != nil {
		_ = st.Abort()
		return rcv.done, v.wrap("download", fmt.Errorf("after %d bytes: %w", rcv.done, err))
	}
	if err := st.Close(); err != nil {
		return rcv.done, v.wrap("download", fmt.Errorf("finishing after %d bytes: %w", rcv.done, err))
	}
	return rcv.done, nil
}

// physicalSize is the size of the volume's file (what a download of a dir
// pool volume sends), or its capacity when the daemon cannot say; 0 if
// neither is known.
func (v *Volume) physicalSize(ctx context.Context) int64 {
	_, _, physical, err := v.conn.StorageVolGetInfoFlags(ctx, v.ref, uint32(virtwire.StorageVolGetPhysical))
	if err != nil {
		_, physical, _, err = v.conn.StorageVolGetInfo(ctx, v.ref)
		if err != nil {
			return 0
		}
	}
	return int64(min(physical, 1<<62))
}

// receiver writes a download's data and holes and counts them.
type receiver struct {
	w        io.Writer
	seeker   io.WriteSeeker // w, if it can seek over holes
	progress func(done, total int64)
	done     int64
	total    int64
	pending  int64 // a hole not yet sought over
}

func (r *receiver) receive(st *virtwire.Stream) error {
	buf := make([]byte, chunk)
	for {
		n, hole, err := st.ReadSparse(buf)
		switch {
		case n > 0:
			if r.pending > 0 {
				if _, err := r.seeker.Seek(r.pending, io.SeekCurrent); err != nil {
					return err
				}
				r.pending = 0
			}
			if _, err := r.w.Write(buf[:n]); err != nil {
				return err
			}
			r.done += int64(n)
		case hole > 0 && r.seeker != nil:
			r.pending += hole
			r.done += hole
		case hole > 0:
			for left := hole; left > 0; {
				m, err := r.w.Write(zeros[:min(left, int64(len(zeros)))])
				r.done += int64(m)
				left -= int64(m)
				if err != nil {
					return err
				}
			}
		}
		if n > 0 || hole > 0 {
			if r.progress != nil {
				r.progress(r.done, r.total)
			}
		}
		if errors.Is(err, io.EOF) {
			return r.finish()
		}
		if err != nil {
			return err
		}
	}
}

// finish extends w over a trailing hole: by truncating a file to its full
// length, else by writing its last byte.
func (r *receiver) finish() error {
	if r.pending == 0 {
		return nil
	}
	end, err := r.seeker.Seek(r.pending, io.SeekCurrent)
	if err != nil {
		return err
	}
	r.pending = 0
	if t, ok := r.seeker.(interface{ Truncate(int64) error }); ok {
		return t.Truncate(end)
	}
	if _, err := r.seeker.Seek(-1, io.SeekCurrent); err != nil {
		return err
	}
	_, err = r.w.Write([]byte{0})
	return err
}
