package storage_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"hash"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/storage"
)

const gib = 1 << 30

// sparseImage writes a 1 GiB file of random data in a few stretches, the
// rest holes (a trailing one among them), and returns its path and
// checksum.
func sparseImage(t *testing.T) (string, uint32) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "image")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// The checksum is made as the file is written: zeros for the holes.
	h := newChecksum()
	var off int64
	zeros := make([]byte, 4<<20)
	for _, r := range []struct{ off, n int64 }{
		{0, 1 << 20},
		{100 << 20, 3 << 20},
		{512<<20 + 4097, 123457}, // unaligned
		{gib - 3<<20, 2 << 20},   // the last MiB stays a hole
		{gib, 0},
	} {
		for ; off < r.off; off += int64(len(zeros)) {
			h.Write(zeros[:min(int64(len(zeros)), r.off-off)])
		}
		off = r.off + r.n
		buf := make([]byte, r.n)
		rand.Read(buf)
		h.Write(buf)
		if _, err := f.WriteAt(buf, r.off); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Truncate(gib); err != nil {
		t.Fatal(err)
	}
	return path, h.Sum32()
}

// The checksum is CRC-32C, which the CPU computes (SSE 4.2, ARMv8) at
// many gigabytes a second: fast enough to check every byte of gigabytes
// of test data.
var crcTable = crc32.MakeTable(crc32.Castagnoli)

func newChecksum() hash.Hash32 { return crc32.New(crcTable) }

func fileSum(t *testing.T, path string) uint32 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := newChecksum()
	if _, err := io.CopyBuffer(h, f, make([]byte, 4<<20)); err != nil {
		t.Fatal(err)
	}
	return h.Sum32()
}

// allocated is how many bytes of the file the filesystem has allocated.
func allocated(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Sys().(*syscall.Stat_t).Blocks * 512
}

// progress records the calls of a Progress callback and checks that done
// only grows.
type progress struct {
	t           *testing.T
	calls       int
	done, total int64
}

func (p *progress) report(done, total int64) {
	if done < p.done {
		p.t.Errorf("progress went back from %d to %d", p.done, done)
	}
	p.calls++
	p.done, p.total = done, total
}

// A 1 GiB image with holes goes up and comes back with its checksum and
// its holes: the volume on the daemon's host and the downloaded file stay
// sparse, as virsh vol-info shows for the volume and the filesystem for
// the file; progress counts to 1 GiB.
func TestUploadDownload1GiBSparse(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	p, _ := e.dirPool(t)
	src, sum := sparseImage(t)
	const data = 1<<20 + 3<<20 + 123457 + 2<<20 // what sparseImage wrote
	slack := int64(16 << 20)                    // filesystem blocks around the data

	vol, err := p.CreateVolumeAs(ctx, storage.VolumeSpec{Name: "big.img", Capacity: gib}, 0)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	up := &progress{t: t}
	n, err := vol.Upload(ctx, f, &storage.TransferOptions{Progress: up.report})
	if err != nil || n != gib {
		t.Fatalf("Upload = %d, %v", n, err)
	}
	if up.done != gib || up.total != gib || up.calls < 4 {
		t.Errorf("upload progress: %d calls, last %d of %d", up.calls, up.done, up.total)
	}
	in := e.volInfo(t, vol)
	if in.Capacity != gib || int64(in.Allocation) > data+slack {
		t.Errorf("virsh vol-info after the upload: capacity %d, allocation %d; want 1 GiB and about %d", in.Capacity, in.Allocation, data)
	}
	if e.volInfo(t, vol) != mustInfo(t, vol) {
		t.Errorf("Info %+v differs from virsh vol-info %+v", mustInfo(t, vol), e.volInfo(t, vol))
	}

	// Down into a file: holes become seeks, the trailing one a truncate.
	dst := filepath.Join(t.TempDir(), "copy")
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	down := &progress{t: t}
	n, err = vol.Download(ctx, out, &storage.TransferOptions{Progress: down.report})
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil || n != gib {
		t.Fatalf("Download = %d, %v", n, err)
	}
	if down.done != gib || down.total != gib {
		t.Errorf("download progress: last %d of %d", down.done, down.total)
	}
	if st, _ := os.Stat(dst); st.Size() != gib || fileSum(t, dst) != sum {
		t.Fatalf("the downloaded file (%d bytes) differs from the uploaded one", st.Size())
	}
	if a := allocated(t, dst); a > data+slack {
		t.Errorf("the downloaded file has %d bytes allocated, want about %d: holes were written", a, data)
	}

	// Down into a writer that cannot seek: holes arrive as zeros.
	h := newChecksum()
	if n, err := vol.Download(ctx, h, nil); err != nil || n != gib || h.Sum32() != sum {
		t.Fatalf("Download into a hash: %d, %v, checksum %x, want %x", n, err, h.Sum32(), sum)
	}

	// Up from a reader that is not a file: blocks of zeros become holes.
	vol2, err := p.CreateVolumeAs(ctx, storage.VolumeSpec{Name: "big2.img", Capacity: gib}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if n, err := vol2.Upload(ctx, struct{ io.Reader }{f}, nil); err != nil || n != gib {
		t.Fatalf("Upload from a plain reader = %d, %v", n, err)
	}
	if in := e.volInfo(t, vol2); int64(in.Allocation) > data+slack {
		t.Errorf("virsh vol-info after a plain reader's upload: allocation %d, want about %d", in.Allocation, data)
	}
	h.Reset()
	if _, err := vol2.Download(ctx, h, nil); err != nil || h.Sum32() != sum {
		t.Fatalf("the plain reader's upload came back different: %v", err)
	}

	// Dense: everything as data, same bytes, the volume fully written.
	vol3, err := p.CreateVolumeAs(ctx, storage.VolumeSpec{Name: "dense.img", Capacity: 64 << 20}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	opts := &storage.TransferOptions{Dense: true, Length: 64 << 20}
	if n, err := vol3.Upload(ctx, f, opts); err != nil || n != 64<<20 {
		t.Fatalf("dense Upload of 64 MiB = %d, %v", n, err)
	}
	if in := e.volInfo(t, vol3); in.Allocation < 64<<20 {
		t.Errorf("a dense upload left allocation %d", in.Allocation)
	}
	var part bytes.Buffer
	if _, err := vol3.Download(ctx, &part, &storage.TransferOptions{Offset: 100 << 10, Length: 1000}); err != nil {
		t.Fatal(err)
	}
	want := make([]byte, 1000)
	if _, err := f.ReadAt(want, 100<<10); err != nil || !bytes.Equal(part.Bytes(), want) {
		t.Errorf("a download of 1000 bytes at 100 KiB: %d bytes, equal %v", part.Len(), bytes.Equal(part.Bytes(), want))
	}
}

func mustInfo(t *testing.T, v *storage.Volume) storage.VolumeInfo {
	t.Helper()
	in, err := v.Info(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// Over data, a dense upload writes its zeros and Wipe leaves zeros.
// (A sparse upload over data would not: libvirt skips holes.)
func TestWipeAndDenseOverData(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	p, _ := e.dirPool(t)
	vol, err := p.CreateVolumeAs(ctx, storage.VolumeSpec{Name: "w.img", Capacity: 1 << 20}, 0)
	if err != nil {
		t.Fatal(err)
	}
	ones := bytes.Repeat([]byte{0xff}, 1<<20)
	contents := func() []byte {
		t.Helper()
		var b bytes.Buffer
		if _, err := vol.Download(ctx, &b, nil); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	if _, err := vol.Upload(ctx, bytes.NewReader(ones), nil); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(contents(), ones) {
		t.Fatal("upload of 0xff")
	}
	if _, err := vol.Upload(ctx, bytes.NewReader(make([]byte, 1<<20)), &storage.TransferOptions{Dense: true}); err != nil {
		t.Fatal(err)
	}
	if got := contents(); len(got) != 1<<20 || !isZeros(got) {
		t.Fatalf("after a dense upload of zeros: %d bytes, %d of them zeros", len(got), bytes.Count(got, []byte{0}))
	}
	if _, err := vol.Upload(ctx, bytes.NewReader(ones), nil); err != nil {
		t.Fatal(err)
	}
	if err := vol.Wipe(ctx, virtwire.StorageVolWipeAlgZero); err != nil {
		t.Fatal(err)
	}
	if got := contents(); len(got) != 1<<20 || !isZeros(got) {
		t.Fatalf("after Wipe: %d bytes, %d of them zeros", len(got), bytes.Count(got, []byte{0}))
	}
	if err := vol.Wipe(ctx, -1); !errors.Is(err, storage.ErrInvalid) {
		t.Errorf("Wipe(-1): %v", err)
	}
}

func isZeros(b []byte) bool { return bytes.Count(b, []byte{0}) == len(b) }
