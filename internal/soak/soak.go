package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/virtwire/virtwire"
	_ "github.com/virtwire/virtwire/all" // every transport and SASL
)

// Config says what to run.
type Config struct {
	// URI names a daemon whose driver has storage (qemu:///system): the
	// soak makes a dir pool and a volume there.
	URI string
	// Calls is how many calls to make in all, from Goroutines goroutines.
	Calls, Goroutines int
	// VolumeSize is the size of the volume uploaded round after round
	// (default 16 MiB).
	VolumeSize int
	// Progress, when set, receives a line at every tenth of the calls.
	Progress io.Writer
}

// Sample is the state of the process at one moment, after garbage
// collection.
type Sample struct {
	Heap       uint64 // live heap bytes (HeapAlloc after a GC)
	Goroutines int
}

func sample() Sample {
	// Twice: the second empties the sync.Pools the first only demoted, so
	// that what remains is what is held.
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return Sample{Heap: m.HeapAlloc, Goroutines: runtime.NumGoroutine()}
}

// Report is what a soak measured.
type Report struct {
	URI                   string
	Calls, Goroutines     int
	Warmup                int // calls before the start sample
	Duration              time.Duration
	Errors                int64
	FirstErrors           []string
	BeforeDial            Sample
	Start, End            Sample
	AfterClose            Sample
	EventsRaised          int64
	EventsReceived        int64
	Uploads, UploadsValid int64
	UploadedBytes         int64
}

// Failures lists why the soak failed: errors, lost events, failed
// uploads, or growth beyond noise.
func (r *Report) Failures() []string {
	var f []string
	if r.Errors > 0 {
		f = append(f, fmt.Sprintf("%d errors", r.Errors))
	}
	if r.EventsReceived != r.EventsRaised {
		f = append(f, fmt.Sprintf("%d events raised, %d received", r.EventsRaised, r.EventsReceived))
	}
	if r.EventsRaised == 0 {
		f = append(f, "no events were raised")
	}
	if r.Uploads == 0 || r.UploadsValid != r.Uploads {
		f = append(f, fmt.Sprintf("%d of %d uploads read back identical", r.UploadsValid, r.Uploads))
	}
	// Noise: a transient write goroutine or two, and a heap that the pools
	// and the GC's pacing move by a few MiB.
	if r.End.Goroutines > r.Start.Goroutines+3 {
		f = append(f, fmt.Sprintf("goroutines grew from %d to %d", r.Start.Goroutines, r.End.Goroutines))
	}
	if r.End.Heap > r.Start.Heap+r.Start.Heap/2+8<<20 {
		f = append(f, fmt.Sprintf("the live heap grew from %s to %s", mib(r.Start.Heap), mib(r.End.Heap)))
	}
	if r.AfterClose.Goroutines > r.BeforeDial.Goroutines+1 {
		f = append(f, fmt.Sprintf("%d goroutines after Close, %d before Dial", r.AfterClose.Goroutines, r.BeforeDial.Goroutines))
	}
	return f
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "soak: %s\n", r.URI)
	fmt.Fprintf(&b, "  %d calls from %d goroutines in %v (%.0f calls/s) after %d to warm up, %d errors\n",
		r.Calls, r.Goroutines, r.Duration.Round(time.Millisecond), float64(r.Calls)/r.Duration.Seconds(), r.Warmup, r.Errors)
	for _, e := range r.FirstErrors {
		fmt.Fprintf(&b, "    %s\n", e)
	}
	fmt.Fprintf(&b, "  events: %d raised, %d received\n", r.EventsRaised, r.EventsReceived)
	fmt.Fprintf(&b, "  stream: %d uploads (%s), %d read back identical\n", r.Uploads, mib(uint64(r.UploadedBytes)), r.UploadsValid)
	fmt.Fprintf(&b, "  %-12s %12s %11s\n", "", "live heap", "goroutines")
	for _, s := range []struct {
		name string
		s    Sample
	}{{"before Dial", r.BeforeDial}, {"start", r.Start}, {"end", r.End}, {"after Close", r.AfterClose}} {
		fmt.Fprintf(&b, "  %-12s %12s %11d\n", s.name, mib(s.s.Heap), s.s.Goroutines)
	}
	if f := r.Failures(); len(f) > 0 {
		fmt.Fprintf(&b, "FAIL: %s\n", strings.Join(f, "; "))
	} else {
		b.WriteString("PASS\n")
	}
	return b.String()
}

// soak is one run's state.
type soak struct {
	cfg  Config
	c    *virtwire.Conn
	pool virtwire.StoragePool // holds vol, for the uploads
	evp  virtwire.StoragePool // refreshed for events: uploads refresh pool too
	vol  virtwire.StorageVol
	rep  *Report

	errMu sync.Mutex
}

func (s *soak) fail(what string, err error) {
	n := atomic.AddInt64(&s.rep.Errors, 1)
	if n <= 5 {
		s.errMu.Lock()
		s.rep.FirstErrors = append(s.rep.FirstErrors, fmt.Sprintf("%s: %v", what, err))
		s.errMu.Unlock()
	}
}

// run runs a soak and reports what it measured. It returns an error only
// when the soak could not be set up; failures under load are in the
// Report (see Failures).
func run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Goroutines <= 0 || cfg.Calls < cfg.Goroutines {
		return nil, fmt.Errorf("soak: %d calls from %d goroutines", cfg.Calls, cfg.Goroutines)
	}
	if cfg.VolumeSize <= 0 {
		cfg.VolumeSize = 16 << 20
	}
	rep := &Report{URI: cfg.URI, Calls: cfg.Calls, Goroutines: cfg.Goroutines, BeforeDial: sample()}
	c, err := virtwire.Dial(ctx, cfg.URI)
	if err != nil {
		return nil, err
	}
	s := &soak{cfg: cfg, c: c, rep: rep}
	dir, err := os.MkdirTemp("", "virtwire-soak-")
	if err != nil {
		c.Close()
		return nil, err
	}
	defer os.RemoveAll(dir)
	if err := s.setup(ctx, dir); err != nil {
		c.Close()
		return nil, err
	}
	defer func() {
		// Runs after the Conn is closed below when setup succeeded; with
		// the pool transient, destroying it is enough.
		rep.AfterClose = sample()
	}()
	defer c.Close()
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := c.StorageVolDelete(cctx, s.vol, 0); err != nil {
			s.fail("deleting the volume", err)
		}
		for _, p := range []virtwire.StoragePool{s.pool, s.evp} {
			if err := c.StoragePoolDestroy(cctx, p); err != nil {
				s.fail("destroying a pool", err)
			}
		}
	}()

	// Background load: events and a stream, for the whole run.
	bg, stopBG := context.WithCancel(ctx)
	var wg sync.WaitGroup
	sub, err := c.SubscribeStoragePoolEvents(ctx, &s.evp, virtwire.StoragePoolEventIDRefresh)
	if err != nil {
		stopBG()
		return nil, fmt.Errorf("soak: subscribing: %w", err)
	}
	received := make(chan struct{}, 1)
	receiverDone := make(chan struct{})
	go func() {
		defer close(receiverDone)
		s.receive(sub, received)
	}()
	wg.Add(2)
	go func() {
		defer wg.Done()
		s.raise(bg)
	}()
	streaming := make(chan struct{})
	go func() {
		defer wg.Done()
		s.upload(bg, streaming)
	}()
	<-streaming

	// Warm up (buffers, the daemon's worker threads, the runtime's own
	// goroutines) with a tenth of the calls, then the start sample.
	rep.Warmup = max(cfg.Calls/10, 2*cfg.Goroutines)
	s.calls(ctx, rep.Warmup, nil)
	rep.Start = sample()
	start := time.Now()
	s.calls(ctx, cfg.Calls, cfg.Progress)
	rep.Duration = time.Since(start)
	rep.End = sample()

	stopBG()
	wg.Wait()
	waitEvents(rep, received, 30*time.Second)
	sub.Close()
	<-receiverDone
	return rep, nil
}

// setup makes two transient dir pools under dir, and a volume in the
// first.
func (s *soak) setup(ctx context.Context, dir string) error {
	id := rand.IntN(1 << 24)
	pools := make([]virtwire.StoragePool, 2)
	for i := range pools {
		path := fmt.Sprintf("%s/%d", dir, i)
		if err := os.Mkdir(path, 0o700); err != nil {
			return err
		}
		p, err := s.c.StoragePoolCreateXML(ctx, fmt.Sprintf("<pool type='dir'><name>soak-%06x-%d</name><target><path>%s</path></target></pool>", id, i, path), 0)
		if err != nil {
			for _, p := range pools[:i] {
				_ = s.c.StoragePoolDestroy(ctx, p)
			}
			return fmt.Errorf("soak: creating a pool: %w", err)
		}
		pools[i] = p
	}
	s.pool, s.evp = pools[0], pools[1]
	var err error
	s.vol, err = s.c.StorageVolCreateXML(ctx, s.pool, fmt.Sprintf("<volume><name>soak.img</name><capacity>%d</capacity><allocation>0</allocation><target><format type='raw'/></target></volume>", s.cfg.VolumeSize), 0)
	if err != nil {
		_ = s.c.StoragePoolDestroy(ctx, s.pool)
		_ = s.c.StoragePoolDestroy(ctx, s.evp)
		return fmt.Errorf("soak: creating a volume: %w", err)
	}
	return nil
}

// calls makes n calls from the configured goroutines, a mix of small and
// large replies and of expected errors.
func (s *soak) calls(ctx context.Context, n int, progress io.Writer) {
	var next atomic.Int64
	var wg sync.WaitGroup
	tenth := int64(n / 10)
	for g := 0; g < s.cfg.Goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				s.call(ctx, int(i))
				if progress != nil && tenth > 0 && i%tenth == 0 {
					smp := sample()
					fmt.Fprintf(progress, "  %3d%%  live heap %s, %d goroutines, %d errors\n", 100*i/int64(n), mib(smp.Heap), smp.Goroutines, atomic.LoadInt64(&s.rep.Errors))
				}
			}
		}()
	}
	wg.Wait()
}

func (s *soak) call(ctx context.Context, i int) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	c := s.c
	var err error
	var what string
	switch i % 8 {
	case 0, 1:
		what = "ConnectGetLibVersion"
		_, err = c.ConnectGetLibVersion(ctx)
	case 2:
		what = "ConnectGetHostname"
		_, err = c.ConnectGetHostname(ctx)
	case 3:
		what = "StoragePoolGetInfo"
		_, _, _, _, err = c.StoragePoolGetInfo(ctx, s.pool)
	case 4:
		what = "StorageVolGetInfo"
		_, _, _, err = c.StorageVolGetInfo(ctx, s.vol)
	case 5:
		what = "ConnectListAllStoragePools"
		_, _, err = c.ConnectListAllStoragePools(ctx, 1, 0)
	case 6:
		what = "NetworkLookupByName of a missing network"
		if _, err = c.NetworkLookupByName(ctx, "soak-no-such-network"); errors.Is(err, virtwire.ErrNoNetwork) {
			err = nil
		} else if err == nil {
			err = errors.New("found a network that does not exist")
		}
	case 7:
		if i%64 == 7 {
			what = "ConnectGetCapabilities"
			_, err = c.ConnectGetCapabilities(ctx)
		} else {
			what = "StoragePoolLookupByName"
			_, err = c.StoragePoolLookupByName(ctx, s.pool.Name)
		}
	}
	if err != nil {
		s.fail(what, err)
	}
}

// raise refreshes the event pool, each refresh raising one event, until
// ctx ends.
func (s *soak) raise(ctx context.Context) {
	for ctx.Err() == nil {
		// Not under ctx: a refresh given up on may still be made, and
		// raise an event nobody counted.
		cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := s.c.StoragePoolRefresh(cctx, s.evp, 0)
		cancel()
		if err != nil {
			s.fail("StoragePoolRefresh", err)
			return
		}
		atomic.AddInt64(&s.rep.EventsRaised, 1)
		select {
		case <-time.After(20 * time.Millisecond):
		case <-ctx.Done():
		}
	}
}

// receive counts the subscription's events, signalling received after
// each, until it ends.
func (s *soak) receive(sub *virtwire.Subscription, received chan<- struct{}) {
	for ev := range sub.Events() {
		if _, ok := ev.(*virtwire.StoragePoolEventRefresh); ok {
			atomic.AddInt64(&s.rep.EventsReceived, 1)
		}
		select {
		case received <- struct{}{}:
		default:
		}
	}
	if err := sub.Err(); err != nil && !errors.Is(err, virtwire.ErrSubscriptionClosed) {
		s.fail("event subscription", err)
	}
}

// waitEvents waits until every event raised has been received, or until
// timeout passes without a new one.
func waitEvents(rep *Report, received <-chan struct{}, timeout time.Duration) {
	for atomic.LoadInt64(&rep.EventsReceived) < atomic.LoadInt64(&rep.EventsRaised) {
		select {
		case <-received:
		case <-time.After(timeout):
			return
		}
	}
}

// upload writes the volume round after round through a paced upload
// stream, so that a stream is open throughout, and reads each round back
// to compare. It closes streaming once the first stream is open.
func (s *soak) upload(ctx context.Context, streaming chan<- struct{}) {
	once := sync.OnceFunc(func() { close(streaming) })
	defer once()
	const chunk = 256 << 10
	buf := make([]byte, chunk)
	for round := uint64(1); ctx.Err() == nil; round++ {
		st, err := s.c.StorageVolUpload(context.Background(), s.vol, 0, 0, 0)
		if err != nil {
			s.fail("StorageVolUpload", err)
			return
		}
		once()
		atomic.AddInt64(&s.rep.Uploads, 1)
		rng := rand.New(rand.NewPCG(round, 7))
		sum := sha256.New()
		for off := 0; off < s.cfg.VolumeSize; off += chunk {
			for i := 0; i < chunk; i += 8 {
				v := rng.Uint64()
				for j := 0; j < 8; j++ {
					buf[i+j] = byte(v >> (8 * j))
				}
			}
			if _, err := st.Write(buf); err != nil {
				s.fail("writing to the upload stream", err)
				_ = st.Abort()
				return
			}
			sum.Write(buf)
			atomic.AddInt64(&s.rep.UploadedBytes, chunk)
			// Paced, so that the stream stays open while the calls run.
			select {
			case <-time.After(10 * time.Millisecond):
			case <-ctx.Done():
			}
		}
		if err := st.Close(); err != nil {
			s.fail("finishing the upload", err)
			return
		}
		if s.readBack(sum.Sum(nil)) {
			atomic.AddInt64(&s.rep.UploadsValid, 1)
		}
	}
}

// readBack downloads the volume and compares its SHA-256 with want.
func (s *soak) readBack(want []byte) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	st, err := s.c.StorageVolDownload(ctx, s.vol, 0, 0, 0)
	if err != nil {
		s.fail("StorageVolDownload", err)
		return false
	}
	sum := sha256.New()
	n, err := io.Copy(sum, st)
	if err != nil {
		s.fail("reading the download", err)
		_ = st.Abort()
		return false
	}
	if err := st.Close(); err != nil {
		s.fail("finishing the download", err)
		return false
	}
	if n != int64(s.cfg.VolumeSize) || !bytes.Equal(sum.Sum(nil), want) {
		s.fail("read back", fmt.Errorf("%d bytes that differ from the upload", n))
		return false
	}
	return true
}
