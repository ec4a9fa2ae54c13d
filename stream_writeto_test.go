package virtwire_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/internal/fakeserver"
	"github.com/virtwire/virtwire/protocol"
)

// failingWriter accepts n bytes, then fails.
type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		k := w.n
		w.n = 0
		return k, errors.New("disk full")
	}
	w.n -= len(p)
	return len(p), nil
}

// WriteTo hands the data to the writer straight from the packets, writes
// holes as zeros to a plain writer and as seeks to a file, and stops at
// the writer's error; over the pipe (background reader) and over a unix
// socket (the stream's reader reads the socket itself).
func TestStreamWriteTo(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", 40000) // 640,000 bytes: several packets
	script := func(c *fakeserver.Conn, h protocol.Header) {
		_ = c.SendData(h, []byte("abc"))
		hh := h
		hh.Type = protocol.StreamHole
		var e protocol.Encoder
		e.Int64(5)
		e.Uint32(0)
		_ = c.SendData(hh, e.Bytes())
		for i := 0; i < len(big); i += protocol.LegacyMaxPayload {
			_ = c.SendData(h, []byte(big[i:min(i+protocol.LegacyMaxPayload, len(big))]))
		}
		_ = c.SendData(h, nil)
	}
	want := "abc\x00\x00\x00\x00\x00" + big
	for _, overUnix := range []bool{false, true} {
		name := "pipe"
		if overUnix {
			name = "unix"
		}
		t.Run(name, func(t *testing.T) {
			fakeOverUnix = overUnix
			t.Cleanup(func() { fakeOverUnix = false })
			download := func(t *testing.T) *virtwire.Stream {
				t.Helper()
				c := newFakeConn(t, streamServer(script))
				st, err := c.StorageVolDownload(context.Background(), virtwire.StorageVol{Name: "v"}, 0, 0, virtwire.StorageVolDownloadSparseStream)
				if err != nil {
					t.Fatal(err)
				}
				return st
			}
			t.Run("plain writer", func(t *testing.T) {
				st := download(t)
				var b bytes.Buffer
				n, err := st.WriteTo(&b)
				if err != nil || n != int64(len(want)) || b.String() != want {
					t.Fatalf("WriteTo = %d, %v; data equal: %v", n, err, b.String() == want)
				}
			})
			t.Run("file", func(t *testing.T) {
				st := download(t)
				f, err := os.Create(filepath.Join(t.TempDir(), "vol"))
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				n, err := st.WriteTo(f)
				if err != nil || n != int64(len(want)) {
					t.Fatalf("WriteTo = %d, %v", n, err)
				}
				got, err := os.ReadFile(f.Name())
				if err != nil || string(got) != want {
					t.Fatalf("file holds %d bytes (%v), equal: %v", len(got), err, string(got) == want)
				}
			})
			t.Run("writer fails", func(t *testing.T) {
				st := download(t)
				n, err := st.WriteTo(&failingWriter{n: 100000})
				if err == nil || err.Error() != "disk full" || n != 100000 {
					t.Fatalf("WriteTo = %d, %v; want 100000, disk full", n, err)
				}
			})
		})
	}
}
