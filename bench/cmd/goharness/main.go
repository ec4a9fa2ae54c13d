//go:build linux

// Command goharness runs one `make bench` scenario with one Go client
// (virtwire or go-libvirt), or a reference measurement (the raw-socket
// floor, the socket-pair ceiling, xmlspec parsing), or one XML library
// (xmlspec or libvirtxml, S10), and prints the results
// as benchmark lines (package bench/internal/result) on stdout. The C
// harness (bench/c/harness.c) takes the same flags for the scenarios it
// shares. scripts/bench.sh and bench/cmd/benchrun run it; by hand:
//
//	goharness -client virtwire -scenario latency -uri 'test+unix:///default?socket=/path/libvirt-sock'
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/virtwire/virtwire/bench/internal/result"
	"github.com/virtwire/virtwire/xmlspec"
)

var (
	clientName  = flag.String("client", "virtwire", "client: virtwire or go-libvirt (raw for -scenario floor; xmlspec or libvirtxml for xmlcodec)")
	scenario    = flag.String("scenario", "", "latency, concurrency, list, stats, xml, parse, xmlcodec, stream, scale, floor or ceiling")
	uri         = flag.String("uri", "", "libvirt URI of the daemon (test driver; the storage driver for stream)")
	transport   = flag.String("transport", "unix", "transport label for result names (unix or tls)")
	calls       = flag.Int("n", 10000, "calls per procedure (latency, floor)")
	callers     = flag.String("callers", "1,4,16,64", "concurrent callers (concurrency, floor)")
	duration    = flag.Duration("d", 2*time.Second, "measuring time per step (concurrency, list, stats, xml, parse, xmlcodec)")
	domain      = flag.String("domain", "test", "domain to look up (latency) or to describe (xml, parse, xmlcodec)")
	devices     = flag.Int("devices", 100, "devices of -domain, for the result name (xml, parse)")
	libvirtTree = flag.String("libvirt", "", "libvirt's release tree, whose tests/ hold the XML corpus (xmlcodec)")
	pool        = flag.String("pool", "bench", "storage pool (stream)")
	volume      = flag.String("vol", "bench.img", "volume (stream)")
	size        = flag.Int64("size", 1<<30, "bytes to stream (stream, ceiling)")
	conns       = flag.Int("conns", 1000, "connections to open (scale)")
	openers     = flag.Int("openers", 16, "connections opened concurrently (scale)")
	socketPath  = flag.String("socket", "", "unix socket of the daemon (floor)")
	cpuProfile  = flag.String("cpuprofile", "", "write a CPU profile of the run to `file`")
	memProfile  = flag.String("memprofile", "", "write an allocation profile of the run to `file` (every allocation sampled)")
)

func main() {
	flag.Parse()
	if *memProfile != "" {
		runtime.MemProfileRate = 1
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fail("%v", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fail("%v", err)
		}
		defer pprof.StopCPUProfile()
	}
	if *memProfile != "" {
		defer func() {
			f, err := os.Create(*memProfile)
			if err != nil {
				fail("%v", err)
			}
			if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
				fail("%v", err)
			}
			f.Close()
		}()
	}
	ctx := context.Background()
	switch *scenario {
	case "floor":
		floor(*socketPath)
	case "ceiling":
		ceiling(*size)
	case "parse":
		parse(ctx)
	case "xmlcodec":
		xmlcodec(ctx)
	case "scale":
		scale(ctx)
	case "latency", "concurrency", "list", "stats", "xml", "stream":
		c, err := dial(ctx, *clientName, *uri)
		if err != nil {
			fail("%s: connecting: %v", *clientName, err)
		}
		switch *scenario {
		case "latency":
			latency(ctx, c)
		case "concurrency":
			concurrency(ctx, c)
		case "list":
			bulk(ctx, c, "S3ListAll", "domains", c.listAll)
		case "stats":
			bulk(ctx, c, "S4AllStats", "domains", c.allStats)
		case "xml":
			if err := c.prepareDomain(ctx, *domain); err != nil {
				fail("looking up %s: %v", *domain, err)
			}
			bulk(ctx, c, "S5XMLDesc", "devices", func(ctx context.Context) (int, error) {
				_, err := c.xmlDesc(ctx)
				return *devices, err
			})
		case "stream":
			stream(ctx, c)
		}
		if err := c.close(); err != nil {
			fail("closing: %v", err)
		}
	default:
		fail("unknown -scenario %q", *scenario)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "goharness: "+format+"\n", args...)
	os.Exit(1)
}

func emit(name string, n int64, ms ...[]result.Metric) {
	r := result.Result{Name: name, N: n}
	for _, m := range ms {
		r.Metrics = append(r.Metrics, m...)
	}
	fmt.Println(r)
}

// latency (S1, S9): sequential calls, each timed.
func latency(ctx context.Context, c client) {
	for _, p := range []struct {
		name string
		call func(context.Context) error
	}{
		{"ConnectGetLibVersion", c.libVersion},
		{"DomainLookupByName", func(ctx context.Context) error { return c.lookup(ctx, *domain) }},
	} {
		for range *calls / 10 { // warm up: pools, caches, the daemon's threads
			if err := p.call(ctx); err != nil {
				fail("%s: %v", p.name, err)
			}
		}
		d := make([]time.Duration, *calls)
		m := startMeter()
		for i := range d {
			t := time.Now()
			if err := p.call(ctx); err != nil {
				fail("%s: %v", p.name, err)
			}
			d[i] = time.Since(t)
		}
		cost := m.stop(int64(len(d)))
		emit(fmt.Sprintf("S1Latency/call=%s/transport=%s/client=%s", p.name, *transport, *clientName),
			int64(len(d)), latencies(d), cost.metrics(true))
	}
}

func callerCounts() []int {
	var out []int
	for _, f := range strings.Split(*callers, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			fail("bad -callers %q", *callers)
		}
		out = append(out, n)
	}
	return out
}

// concurrency (S2): k goroutines share the connection, each calling
// ConnectGetLibVersion in a loop for the measuring time.
func concurrency(ctx context.Context, c client) {
	for _, k := range callerCounts() {
		run := func(d time.Duration) (int64, time.Duration) {
			type counter struct {
				n int64
				_ [56]byte // one cache line each
			}
			counts := make([]counter, k)
			var stop atomic.Bool
			var wg sync.WaitGroup
			start := time.Now()
			for i := range k {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for !stop.Load() {
						if err := c.libVersion(ctx); err != nil {
							fail("ConnectGetLibVersion: %v", err)
						}
						counts[i].n++
					}
				}()
			}
			time.Sleep(d)
			stop.Store(true)
			wg.Wait()
			elapsed := time.Since(start)
			var total int64
			for _, c := range counts {
				total += c.n
			}
			return total, elapsed
		}
		run(*duration / 8) // warm up
		m := startMeter()
		n, elapsed := run(*duration)
		cost := m.stop(n)
		emit(fmt.Sprintf("S2Concurrency/callers=%d/client=%s", k, *clientName), n,
			[]result.Metric{
				{Value: round(float64(elapsed.Nanoseconds()) / float64(n)), Unit: "ns/op"},
				{Value: round(float64(n) / elapsed.Seconds()), Unit: "calls/s"},
			}, cost.metrics(true))
	}
}

// bulk (S3, S4, S5): one call at a time for the measuring time (at least
// 5 calls), each timed; the process's CPU time per call is reported too,
// since the daemon dominates wall time.
func bulk(ctx context.Context, c client, base, key string, call func(context.Context) (int, error)) {
	count, err := call(ctx) // warm up, and learn the size for the name
	if err != nil {
		fail("%s: %v", base, err)
	}
	for range 2 {
		if _, err := call(ctx); err != nil {
			fail("%s: %v", base, err)
		}
	}
	var d []time.Duration
	m := startMeter()
	start := time.Now()
	for len(d) < 5 || time.Since(start) < *duration {
		t := time.Now()
		n, err := call(ctx)
		if err != nil {
			fail("%s: %v", base, err)
		}
		d = append(d, time.Since(t))
		if n != count {
			fail("%s: %d results, then %d", base, count, n)
		}
	}
	cost := m.stop(int64(len(d)))
	emit(fmt.Sprintf("%s/%s=%d/client=%s", base, key, count, *clientName), int64(len(d)),
		latencies(d)[:2], cost.metrics(true))
}

// parse (S5): xmlspec.ParseDomain of the domain's XML, fetched once.
func parse(ctx context.Context) {
	data := domainXML(ctx)
	def, err := xmlspec.ParseDomain(data)
	if err != nil {
		fail("ParseDomain: %v", err)
	}
	if def.Devices == nil || len(def.Devices.Disks)+len(def.Interfaces()) < *devices/2 {
		fail("ParseDomain found too few disks and interfaces in a domain with %d devices", *devices)
	}
	var n int64
	m := startMeter()
	start := time.Now()
	for n < 10 || time.Since(start) < *duration {
		if _, err := xmlspec.ParseDomain(data); err != nil {
			fail("ParseDomain: %v", err)
		}
		n++
	}
	elapsed := time.Since(start)
	cost := m.stop(n)
	emit(fmt.Sprintf("S5Parse/devices=%d/client=xmlspec", *devices), n,
		[]result.Metric{{Value: round(float64(elapsed.Nanoseconds()) / float64(n)), Unit: "ns/op"}},
		cost.metrics(true))
}

// stream (S6, S9): download the volume, then upload as many bytes.
func stream(ctx context.Context, c client) {
	if err := c.prepareVolume(ctx, *pool, *volume); err != nil {
		fail("looking up volume %s/%s: %v", *pool, *volume, err)
	}
	var sink countingWriter
	m := startMeter()
	start := time.Now()
	if err := c.download(ctx, &sink); err != nil {
		fail("download: %v", err)
	}
	elapsed := time.Since(start)
	cost := m.stop(1)
	if sink.n != *size {
		fail("download: %d bytes, want %d", sink.n, *size)
	}
	emitStream("download", elapsed, cost)

	src := newPattern(*size)
	m = startMeter()
	start = time.Now()
	if err := c.upload(ctx, src, *size); err != nil {
		fail("upload: %v", err)
	}
	elapsed = time.Since(start)
	cost = m.stop(1)
	if src.left != 0 {
		fail("upload: %d bytes not sent", src.left)
	}
	emitStream("upload", elapsed, cost)
}

func emitStream(dir string, elapsed time.Duration, c cost) {
	emit(fmt.Sprintf("S6Stream/dir=%s/transport=%s/client=%s", dir, *transport, *clientName), 1,
		[]result.Metric{
			{Value: float64(elapsed.Nanoseconds()), Unit: "ns/op"},
			{Value: round(float64(*size) / 1e6 / elapsed.Seconds()), Unit: "MB/s"},
		}, c.metrics(true))
}

type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return len(p), nil
}

// pattern yields n bytes of a fixed non-zero pattern. Its WriteTo hands
// the pattern's own buffer to a writer, as a program with the data in
// memory would; Read copies, for clients that take an io.Reader only.
type pattern struct {
	buf  []byte
	left int64
}

func newPattern(n int64) *pattern {
	buf := make([]byte, 1<<20)
	for i := range buf {
		buf[i] = byte(i*7 + 1)
	}
	return &pattern{buf: buf, left: n}
}

// Read fills b (up to what is left).
func (p *pattern) Read(b []byte) (int, error) {
	if p.left == 0 {
		return 0, io.EOF
	}
	b = b[:min(int64(len(b)), p.left)]
	n := 0
	for n < len(b) {
		n += copy(b[n:], p.buf)
	}
	p.left -= int64(n)
	return n, nil
}

// WriteTo writes what is left in chunks of the pattern's buffer.
func (p *pattern) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for p.left > 0 {
		n, err := w.Write(p.buf[:min(int64(len(p.buf)), p.left)])
		p.left -= int64(n)
		total += int64(n)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}
