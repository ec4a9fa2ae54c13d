package virtwire_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/internal/fakeserver"
	"github.com/virtwire/virtwire/internal/lab"
	"github.com/virtwire/virtwire/protocol"
	"github.com/virtwire/virtwire/protocol/remote"
)

func TestScreenshotMatchesVirsh(t *testing.T) {
	l := lab.Require(t)
	c := labConn(t, l.URI(lab.UnixRW))
	ctx := context.Background()
	dom, err := c.DomainLookupByName(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	st, mime, err := c.DomainScreenshot(ctx, dom, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(st)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if mime == nil || *mime != "image/png" {
		t.Errorf("mime %v", mime)
	}
	file := filepath.Join(t.TempDir(), "shot.png")
	l.Virsh(t, l.URI(lab.UnixRW), "screenshot", "test", file)
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 || !bytes.Equal(got, want) {
		t.Fatalf("screenshot: %d bytes, virsh wrote %d; equal=%v", len(got), len(want), bytes.Equal(got, want))
	}
}

const volSize = 256 << 20

// sparseFile writes a 256 MiB file with 1 MiB of data at three places and
// holes elsewhere, and returns its path.
func sparseFile(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "src.img")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(volSize); err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 1<<20)
	for _, off := range []int64{0, 100 << 20, volSize - 1<<20} {
		if _, err := rand.Read(chunk); err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteAt(chunk, off); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func allocated(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Sys().(*syscall.Stat_t).Blocks * 512
}

func sameFiles(t *testing.T, a, b string) {
	t.Helper()
	fa, err := os.Open(a)
	if err != nil {
		t.Fatal(err)
	}
	defer fa.Close()
	fb, err := os.Open(b)
	if err != nil {
		t.Fatal(err)
	}
	defer fb.Close()
	ba, bb := make([]byte, 1<<20), make([]byte, 1<<20)
	for off := int64(0); ; off += int64(len(ba)) {
		na, ea := io.ReadFull(fa, ba)
		nb, eb := io.ReadFull(fb, bb)
		if na != nb || !bytes.Equal(ba[:na], bb[:nb]) {
			t.Fatalf("%s and %s differ near offset %d", a, b, off)
		}
		if ea != nil || eb != nil {
			if (ea == nil) != (eb == nil) {
				t.Fatalf("lengths differ: %v %v", ea, eb)
			}
			return
		}
	}
}

// A dir pool and a raw volume on the lab daemon's storage driver.
func testVolume(t *testing.T, c *virtwire.Conn) (virtwire.StorageVol, string) {
	t.Helper()
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "virtwire-pool-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	name := uniqueName(t)
	pool, err := c.StoragePoolCreateXML(ctx, fmt.Sprintf("<pool type='dir'><name>%s</name><target><path>%s</path></target></pool>", name, dir), 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.StoragePoolDestroy(context.Background(), pool) })
	vol, err := c.StorageVolCreateXML(ctx, pool, fmt.Sprintf("<volume><name>v.img</name><capacity>%d</capacity><allocation>0</allocation><target><format type='raw'/></target></volume>", volSize), 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.StorageVolDelete(context.Background(), vol, 0) })
	return vol, filepath.Join(dir, "v.img")
}

func TestVolumeSparseUploadDownload(t *testing.T) {
	l := lab.Require(t)
	c := labConn(t, l.DriverURI(lab.UnixRW, "qemu", "/system"))
	ctx := context.Background()
	vol, volPath := testVolume(t, c)
	work := t.TempDir()
	src := sparseFile(t, work)

	// Upload, sparse: the volume gets holes where the file has them.
	st, err := c.StorageVolUpload(ctx, vol, 0, 0, virtwire.StorageVolUploadSparseStream)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	n, err := st.ReadFrom(f)
	f.Close()
	if err != nil || n != volSize {
		t.Fatalf("upload sent %d bytes: %v", n, err)
	}
	if err := st.Close(); err != nil {
		t.Fatalf("finishing the upload: %v", err)
	}
	sameFiles(t, src, volPath)
	if a := allocated(t, volPath); a > 16<<20 {
		t.Errorf("volume allocates %d bytes after a sparse upload of 3 MiB of data", a)
	}

	// Download, sparse: holes arrive as holes and the file stays sparse.
	st, err = c.StorageVolDownload(ctx, vol, 0, 0, virtwire.StorageVolDownloadSparseStream)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(work, "sparse.img")
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := st.WriteTo(out); err != nil || n != volSize {
		t.Fatalf("sparse download: %d bytes, %v", n, err)
	}
	out.Close()
	if err := st.Close(); err != nil {
		t.Fatalf("finishing the download: %v", err)
	}
	sameFiles(t, src, dst)
	if a := allocated(t, dst); a > 16<<20 {
		t.Errorf("sparse download allocates %d bytes", a)
	}

	// Download, not sparse: every byte, zeros included, through Read.
	st, err = c.StorageVolDownload(ctx, vol, 0, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	dense := filepath.Join(work, "dense.img")
	out, err = os.Create(dense)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := io.Copy(out, struct{ io.Reader }{st}); err != nil || n != volSize {
		t.Fatalf("download: %d bytes, %v", n, err)
	}
	out.Close()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	sameFiles(t, src, dense)
}

// Cancelling the context of a stream aborts it cleanly; the Conn stays
// usable.
func TestStreamCancel(t *testing.T) {
	l := lab.Require(t)
	c := labConn(t, l.DriverURI(lab.UnixRW, "qemu", "/system"), virtwire.WithStreamBuffer(1<<20))
	vol, _ := testVolume(t, c)
	ctx, cancel := context.WithCancel(context.Background())
	st, err := c.StorageVolDownload(ctx, vol, 0, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1<<20)
	if _, err := io.ReadFull(st, buf); err != nil {
		t.Fatal(err)
	}
	cancel()
	var rerr error
	deadline := time.After(5 * time.Second)
	for rerr == nil {
		select {
		case <-deadline:
			t.Fatal("stream kept reading after its context was cancelled")
		default:
		}
		_, rerr = st.Read(buf)
	}
	if !errors.Is(rerr, virtwire.ErrStreamAborted) || !errors.Is(rerr, context.Canceled) {
		t.Fatalf("Read after cancel: %v", rerr)
	}
	if err := st.Close(); err != nil {
		t.Fatalf("Close after abort: %v", err)
	}
	if _, err := c.ConnectGetLibVersion(context.Background()); err != nil {
		t.Fatalf("Conn after an aborted stream: %v", err)
	}
	// And another stream works on the same Conn.
	st2, err := c.StorageVolDownload(context.Background(), vol, 0, 4096, 0)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(st2)
	if err != nil || len(data) != 4096 {
		t.Fatalf("second stream: %d bytes, %v", len(data), err)
	}
	st2.Close()
}

// streamServer answers STORAGE_VOL_DOWNLOAD and then runs script on the
// server side of the stream.
func streamServer(script func(c *fakeserver.Conn, h protocol.Header)) *fakeserver.Server {
	return &fakeserver.Server{Handle: func(c *fakeserver.Conn, req *fakeserver.Request) bool {
		if req.Header.Procedure != int32(remote.ProcStorageVolDownload) || req.Header.Type != protocol.Call {
			return req.Header.Procedure == int32(remote.ProcStorageVolDownload)
		}
		_ = c.Reply(req, nil)
		h := req.Header
		h.Type, h.Status = protocol.Stream, protocol.StatusContinue
		script(c, h)
		return true
	}}
}

func TestStreamHolesAndErrors(t *testing.T) {
	hole := func(c *fakeserver.Conn, h protocol.Header, n int64) {
		h.Type = protocol.StreamHole
		var e protocol.Encoder
		e.Int64(n)
		e.Uint32(0)
		_ = c.SendData(h, e.Bytes())
	}
	t.Run("sparse data and holes", func(t *testing.T) {
		srv := streamServer(func(c *fakeserver.Conn, h protocol.Header) {
			_ = c.SendData(h, []byte("abc"))
			hole(c, h, 5)
			_ = c.SendData(h, []byte("de"))
			_ = c.SendData(h, nil) // end of data
		})
		c := newFakeConn(t, srv)
		st, err := c.StorageVolDownload(context.Background(), virtwire.StorageVol{Name: "v"}, 0, 0, virtwire.StorageVolDownloadSparseStream)
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 100)
		var got []string
		for {
			n, h, err := st.ReadSparse(buf)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if h > 0 {
				got = append(got, fmt.Sprintf("hole %d", h))
			} else {
				got = append(got, string(buf[:n]))
			}
		}
		if fmt.Sprint(got) != "[abc hole 5 de]" {
			t.Fatalf("read %v", got)
		}
	})
	t.Run("holes read as zeros", func(t *testing.T) {
		srv := streamServer(func(c *fakeserver.Conn, h protocol.Header) {
			hole(c, h, 3)
			_ = c.SendData(h, []byte("x"))
			_ = c.SendData(h, nil)
		})
		c := newFakeConn(t, srv)
		st, err := c.StorageVolDownload(context.Background(), virtwire.StorageVol{Name: "v"}, 0, 0, virtwire.StorageVolDownloadSparseStream)
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(st)
		if err != nil || !bytes.Equal(data, []byte{0, 0, 0, 'x'}) {
			t.Fatalf("%q %v", data, err)
		}
	})
	t.Run("hole on a non-sparse stream", func(t *testing.T) {
		srv := streamServer(func(c *fakeserver.Conn, h protocol.Header) { hole(c, h, 3) })
		c := newFakeConn(t, srv)
		st, err := c.StorageVolDownload(context.Background(), virtwire.StorageVol{Name: "v"}, 0, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadAll(st); !errors.Is(err, virtwire.ErrProtocol) {
			t.Fatalf("err = %v, want ErrProtocol", err)
		}
	})
	t.Run("data after the end", func(t *testing.T) {
		srv := streamServer(func(c *fakeserver.Conn, h protocol.Header) {
			_ = c.SendData(h, nil)
			_ = c.SendData(h, []byte("late"))
		})
		c := newFakeConn(t, srv)
		st, err := c.StorageVolDownload(context.Background(), virtwire.StorageVol{Name: "v"}, 0, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		<-c.Done()
		if !errors.Is(c.Err(), virtwire.ErrProtocol) {
			t.Fatalf("Conn err = %v", c.Err())
		}
		_ = st
	})
	t.Run("daemon error mid-stream", func(t *testing.T) {
		srv := streamServer(func(c *fakeserver.Conn, h protocol.Header) {
			_ = c.SendData(h, []byte("part"))
			h.Status = protocol.StatusError
			msg := "I/O error reading the volume"
			_ = c.Send(h, &protocol.Error{Code: int32(virtwire.ErrInternalError), Message: &msg, Level: 2})
		})
		c := newFakeConn(t, srv)
		st, err := c.StorageVolDownload(context.Background(), virtwire.StorageVol{Name: "v"}, 0, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(st)
		var e *virtwire.Error
		if !errors.As(err, &e) || e.Message != "I/O error reading the volume" || string(data) != "part" {
			t.Fatalf("data %q err %v", data, err)
		}
		if c.Err() != nil {
			t.Fatal("a stream error must not end the connection")
		}
	})
	t.Run("stream data for an unknown stream", func(t *testing.T) {
		srv := libVersionServer(func(c *fakeserver.Conn, req *fakeserver.Request) bool {
			if req.Header.Procedure == int32(remote.ProcConnectGetHostname) {
				h := req.Header
				h.Type, h.Status, h.Serial = protocol.Stream, protocol.StatusContinue, 9999
				_ = c.SendData(h, []byte("x"))
				return true
			}
			return false
		})
		c := newFakeConn(t, srv)
		_, err := c.ConnectGetHostname(context.Background())
		if !errors.Is(err, virtwire.ErrProtocol) {
			t.Fatalf("err = %v", err)
		}
	})
}

// A download whose opening call is given up on before the daemon answers
// is aborted on the daemon's side once the daemon accepts the call late:
// otherwise the daemon would stream the whole volume to a client that
// drops it.
func TestStreamOpenGivenUpIsAborted(t *testing.T) {
	got := make(chan *fakeserver.Request, 1)
	call := make(chan *fakeserver.Request, 1)
	var server *fakeserver.Conn
	srv := libVersionServer(func(c *fakeserver.Conn, req *fakeserver.Request) bool {
		if req.Header.Procedure != int32(remote.ProcStorageVolDownload) {
			return false
		}
		switch req.Header.Type {
		case protocol.Call:
			server = c
			call <- req // answered once the client has given up
		case protocol.Stream:
			got <- req
		}
		return true
	})
	c := newFakeConn(t, srv)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := c.StorageVolDownload(ctx, virtwire.StorageVol{Name: "v"}, 0, 0, 0)
		errc <- err
	}()
	req := <-call
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("StorageVolDownload: %v, want context.Canceled", err)
	}
	// The daemon accepts the call after all and starts sending data.
	if err := server.Reply(req, nil); err != nil {
		t.Fatal(err)
	}
	h := req.Header
	h.Type, h.Status = protocol.Stream, protocol.StatusContinue
	if err := server.SendData(h, []byte("data nobody reads")); err != nil {
		t.Fatal(err)
	}
	select {
	case abort := <-got:
		if abort.Header.Serial != req.Header.Serial || abort.Header.Status != protocol.StatusError || len(abort.Body) != 0 {
			t.Fatalf("client sent %+v with %d bytes, want an abort of serial %d", abort.Header, len(abort.Body), req.Header.Serial)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the client did not abort the stream the daemon opened")
	}
	// What a daemon answers an abort with, the confirmation (an empty
	// stream packet) or, when the abort failed, an error reply, is
	// dropped: nothing waits for it.
	if err := server.SendData(h, nil); err != nil {
		t.Fatal(err)
	}
	if err := server.ReplyError(req, 1, "stream aborted"); err != nil {
		t.Fatal(err)
	}
	// The Conn goes on.
	if _, err := c.ConnectGetLibVersion(context.Background()); err != nil {
		t.Fatalf("after the abort: %v", err)
	}
}
