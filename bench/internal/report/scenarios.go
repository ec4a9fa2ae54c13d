package report

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/virtwire/virtwire/bench/internal/result"
)

// A check is one goal of the issue, evaluated on the medians.
type check struct {
	scenario, goal, measured string
	met                      bool
	known                    bool // false: a number was missing
}

// Markdown renders f as BENCHMARKS.md.
func Markdown(f *result.File, s Setup) string {
	d := &doc{t: index(f.Results), f: f}
	d.header(s)
	checks := d.goals()
	d.summary(checks)
	d.s0()
	d.s1("unix", "S1 latency")
	d.s2()
	d.bulk("S3ListAll", "S3 bulk list: ConnectListAllDomains", "domains", "domains")
	d.bulk("S4AllStats", "S4 bulk stats: ConnectGetAllDomainStats", "domains", "running domains")
	d.bulk("S5XMLDesc", "S5 XML: DomainGetXMLDesc", "devices", "devices")
	d.s5parse()
	d.s6("unix", "S6 streams")
	d.s7()
	d.s8()
	d.s1("tls", "S9 TLS: latency")
	d.s6("tls", "S9 TLS: streams")
	d.s10()
	if len(f.Failures) > 0 {
		d.p("## Runs that failed\n")
		for _, x := range f.Failures {
			d.p("- %s", x)
		}
		d.p("")
	}
	if s.Notes != "" {
		d.p("%s", strings.TrimSpace(s.Notes))
	}
	return d.b.String()
}

func (d *doc) header(s Setup) {
	f := d.f
	d.p("# Benchmarks\n")
	d.p("virtwire beside [go-libvirt](https://github.com/digitalocean/go-libvirt) and libvirt's own C client library, on the same daemon in the same run (issue 10). This file is written by `make bench`; the raw results are in [bench/results.txt](bench/results.txt), in the Go benchmark format (`benchstat -col /client bench/results.txt` compares the clients).\n")
	d.p("## Machine and run\n")
	d.p("| | |\n|---|---|")
	for _, kv := range [][2]string{
		{"date", f.Get("date")}, {"CPU", f.Get("cpu") + ", " + f.Get("cores") + " cores"}, {"kernel", f.Get("kernel")},
		{"libvirt (daemon and C client)", f.Get("libvirt")}, {"Go", f.Get("go")}, {"go-libvirt", f.Get("go-libvirt")},
		{"virtwire commit", f.Get("commit")}, {"rounds", f.Get("rounds")}, {"run time", f.Get("duration")},
		{"CPU idle in the 3 s before the run", f.Get("idle-before")},
		{"CPU used by other processes during the rounds", f.Get("other-cpu")},
		{"load average before / after (1, 5, 15 min)", f.Get("load-before") + " / " + f.Get("load-after")},
	} {
		d.p("| %s | %s |", kv[0], kv[1])
	}
	d.p("")
	if busy(f.Get("other-cpu")) {
		d.p("**The machine was not quiet**: other processes used %s of its CPU while the rounds ran, sharing the two processors with the daemon and the clients, so wall times are noisier and slower than on a quiet machine. The clients alternate within each round, and ratios are taken within rounds, so they stay comparable.\n", f.Get("other-cpu"))
	}
	d.p("How it runs:\n")
	d.p("- One private libvirtd (internal/lab's throwaway daemon, libvirt %s, its test driver) serves every client over its unix socket, and over TLS for S9. Its limits are raised so that the daemon's admission control is not what is measured:", f.Get("libvirt"))
	for _, l := range s.Tuning {
		d.p("  `%s`", l)
	}
	d.p("- The test driver holds %s domains (%s made by the run, %s of them running, the driver's own `test`, and `bench-xml`, defined with 100 devices); a dir pool holds a raw volume of %s bytes for the stream scenarios. The test driver's ConnectGetAllDomainStats reports only the state group (two typed parameters per domain); S4 asks for all groups of the running domains.", f.Get("domains"), f.Get("defined"), f.Get("running"), f.Get("stream-bytes"))
	d.p("- Clients: virtwire at this commit and go-libvirt %s (bench/cmd/goharness), and libvirt's C library through bench/c/harness.c (gcc, libvirt-dev). Each run of a client is a process of its own; every round runs each scenario once per client, in an order that rotates from round to round.", f.Get("go-libvirt"))
	d.p("- Tables show the median over the rounds and, after ±, the largest distance of a round from it. Ratios are paired: virtwire's result divided by the other client's in the same round, the median over the rounds, so that load that comes and goes between rounds cancels out. Times are wall clock per call unless marked CPU (user+system time of the client process per call). B/op and allocs/op count every heap allocation of the Go process per call, the reader goroutine's included. MB/s is 10⁶ bytes per second.")
	d.p("")
}

// busy reports whether other processes used more than a tenth of the
// machine during the rounds.
func busy(otherCPU string) bool {
	v, err := strconv.ParseFloat(strings.TrimSuffix(otherCPU, "%"), 64)
	return err == nil && v > 10
}

func (d *doc) summary(checks []check) {
	d.p("## Goals\n")
	d.p("The issue's goals, which the project aims at (they are not pass/fail). Each is judged on the medians below.\n")
	d.p("| scenario | goal | measured | |")
	d.p("|---|---|---|---|")
	for _, c := range checks {
		mark := "met"
		switch {
		case !c.known:
			mark = "no data"
		case !c.met:
			mark = "**missed**"
		}
		d.p("| %s | %s | %s | %s |", c.scenario, c.goal, c.measured, mark)
	}
	d.p("")
}

func (d *doc) ratioCheck(scenario, goal, m, other, unit string, pass func(float64) bool) check {
	return d.pairCheck(scenario, goal, m, "virtwire", other, unit, pass)
}

// pairCheck judges client c's paired ratio to other's.
func (d *doc) pairCheck(scenario, goal, m, c, other, unit string, pass func(float64) bool) check {
	r, ok := d.t.pairRatio(m, c, other, unit)
	if !ok {
		return check{scenario: scenario, goal: goal}
	}
	return check{scenario: scenario, goal: goal, measured: fmt.Sprintf("%.2f", r), met: pass(r), known: true}
}

func atMost(x float64) func(float64) bool  { return func(r float64) bool { return r <= x } }
func atLeast(x float64) func(float64) bool { return func(r float64) bool { return r >= x } }

func (d *doc) goals() []check {
	var cs []check
	for _, tr := range []struct{ transport, id string }{{"unix", "S1"}, {"tls", "S9"}} {
		for _, call := range []string{"ConnectGetLibVersion", "DomainLookupByName"} {
			m := d.measurement("S1Latency", "call", call, "transport", tr.transport)
			cs = append(cs,
				d.ratioCheck(tr.id+" "+call, "median ≤ C's (ratio ≤ 1.00)", m, "c", "p50-ns/op", atMost(1)),
				d.ratioCheck(tr.id+" "+call, "median ≤ 0.9× go-libvirt's", m, "go-libvirt", "p50-ns/op", atMost(0.9)))
		}
	}
	for _, callers := range []string{"16", "64"} {
		m := d.measurement("S2Concurrency", "callers", callers)
		cs = append(cs,
			d.ratioCheck("S2 "+callers+" callers", "calls/s ≥ 1.5× go-libvirt's", m, "go-libvirt", "calls/s", atLeast(1.5)),
			d.ratioCheck("S2 "+callers+" callers", "calls/s ≥ C's", m, "c", "calls/s", atLeast(1)))
	}
	for _, b := range []struct{ base, id string }{{"S3ListAll", "S3"}, {"S4AllStats", "S4"}, {"S5XMLDesc", "S5"}} {
		m := d.measurement(b.base)
		cs = append(cs,
			d.ratioCheck(b.id, "client CPU ≤ 0.5× go-libvirt's", m, "go-libvirt", "cpu-ns/op", atMost(0.5)),
			d.ratioCheck(b.id, "allocations ≤ 0.1× go-libvirt's", m, "go-libvirt", "allocs/op", atMost(0.1)),
			d.ratioCheck(b.id, "wall time ≤ C's", m, "c", "p50-ns/op", atMost(1)))
	}
	for _, tr := range []struct{ transport, id string }{{"unix", "S6"}, {"tls", "S9"}} {
		for _, dir := range []string{"download", "upload"} {
			m := d.measurement("S6Stream", "dir", dir, "transport", tr.transport)
			cs = append(cs, d.ratioCheck(tr.id+" "+dir, "MB/s ≥ C's", m, "c", "MB/s", atLeast(1)))
			if tr.transport == "unix" {
				cs = append(cs, d.ceilingCheck(tr.id+" "+dir, m))
			}
		}
	}
	cs = append(cs,
		d.ratioCheck("S7", "heap per idle connection ≤ 0.5× go-libvirt's", d.measurement("S7Scale"), "go-libvirt", "heap-B/conn", atMost(0.5)),
		d.ratioCheck("S8", "static binary ≤ 0.8× go-libvirt's", d.measurement("S8Footprint", "program", "quickstart"), "go-libvirt", "B", atMost(0.8)),
		d.ratioCheck("S8 dial", "dial-only static binary ≤ 0.8× go-libvirt's", d.measurement("S8Footprint", "program", "dial"), "go-libvirt", "B", atMost(0.8)))
	for _, x := range s10Docs {
		for _, op := range []string{"parse", "marshal"} {
			m := d.measurement("S10XML", "kind", x.kind, "doc", x.doc, "op", op)
			name := fmt.Sprintf("S10 %s %s (%s)", x.kind, op, x.label)
			cs = append(cs,
				d.pairCheck(name, "time ≤ 0.5× libvirtxml's", m, "xmlspec", "libvirtxml", "ns/op", atMost(0.5)),
				d.pairCheck(name, "allocations ≤ 0.5× libvirtxml's", m, "xmlspec", "libvirtxml", "allocs/op", atMost(0.5)))
		}
	}
	return cs
}

// s10Docs are S10's sets of documents, in the report's order.
var s10Docs = []struct{ kind, doc, label string }{
	{"domain", "corpus", "corpus"},
	{"domain", "bench-xml", "bench-xml"},
	{"network", "corpus", "corpus"},
}

// ceilingCheck compares virtwire's throughput with the socket pair's.
func (d *doc) ceilingCheck(scenario, m string) check {
	c := check{scenario: scenario, goal: "MB/s ≥ 50% of the socket-pair ceiling"}
	v, ok1 := d.t.get(m, "virtwire", "MB/s")
	ceil, ok2 := d.t.get(d.measurement("S6Stream", "dir", "socketpair"), "go-ceiling", "MB/s")
	if !ok1 || !ok2 || ceil.median == 0 {
		return c
	}
	r := v.median / ceil.median
	c.measured, c.met, c.known = fmt.Sprintf("%.0f%%", 100*r), r >= 0.5, true
	return c
}

func (d *doc) s0() {
	d.p("## S0 floor: the daemon's own turnaround\n")
	d.p("A minimal Go program writes pre-encoded CONNECT_GET_LIB_VERSION calls on a raw unix socket and reads the replies into one reused buffer: sequentially through Go's network poller (what any Go client pays), sequentially with blocking system calls, and pipelined with 4, 16 and 64 calls in flight. It is the reference for S1 and S2: no client can be faster than the daemon answers.\n")
	d.p("| | p50 | p99 | calls/s |")
	d.p("|---|---:|---:|---:|")
	for _, x := range []struct{ inflight, client, label string }{
		{"1", "go-netpoll", "sequential, Go poller"}, {"1", "go-blocking", "sequential, blocking calls"},
		{"4", "go-netpoll", "4 in flight"}, {"16", "go-netpoll", "16 in flight"}, {"64", "go-netpoll", "64 in flight"},
	} {
		m := d.measurement("S0Floor", "inflight", x.inflight)
		d.p("| %s | %s | %s | %s |", x.label, d.cell(m, x.client, "p50-ns/op", us), d.cell(m, x.client, "p99-ns/op", us), d.cell(m, x.client, "calls/s", rate))
	}
	d.p("")
}

func (d *doc) s1(transport, title string) {
	d.p("## %s\n", title)
	d.p("Sequential calls over the %s socket, each timed; %s calls per procedure per run.\n", transport, d.calls("S1Latency", transport))
	var rows []row
	for _, call := range []string{"ConnectGetLibVersion", "DomainLookupByName"} {
		m := d.measurement("S1Latency", "call", call, "transport", transport)
		rows = append(rows,
			row{call + " median", m, "p50-ns/op", us, "≤ 1.00 of C, ≤ 0.90 of go-libvirt"},
			row{call + " p99", m, "p99-ns/op", us, ""},
			row{call + " mean", m, "ns/op", us, ""},
			row{call + " CPU", m, "cpu-ns/op", us, ""},
			row{call + " B/op", m, "B/op", count, ""},
			row{call + " allocs/op", m, "allocs/op", count, ""})
	}
	d.table(rows)
}

func (d *doc) calls(base, transport string) string {
	m := d.measurement(base, "transport", transport)
	for _, r := range d.f.Results {
		if r.Without("client") == m {
			return strconv.FormatInt(r.N, 10)
		}
	}
	return "?"
}

func (d *doc) s2() {
	d.p("## S2 concurrency\n")
	d.p("1, 4, 16 and 64 callers (goroutines or threads) share one connection, each calling ConnectGetLibVersion in a loop; calls per second over the run.\n")
	var rows []row
	for _, k := range []string{"1", "4", "16", "64"} {
		m := d.measurement("S2Concurrency", "callers", k)
		goal := ""
		if k == "16" || k == "64" {
			goal = "≥ 1.5 of go-libvirt, ≥ 1.00 of C"
		}
		rows = append(rows, row{k + " callers: calls/s", m, "calls/s", rate, goal})
	}
	for _, k := range []string{"1", "16", "64"} {
		m := d.measurement("S2Concurrency", "callers", k)
		rows = append(rows, row{k + " callers: CPU per call", m, "cpu-ns/op", us, ""})
	}
	for _, k := range []string{"16"} {
		m := d.measurement("S2Concurrency", "callers", k)
		rows = append(rows, row{k + " callers: allocs/op", m, "allocs/op", count, ""})
	}
	d.table(rows)
}

func (d *doc) bulk(base, title, key, what string) {
	m := d.measurement(base)
	d.p("## %s\n", title)
	d.p("One call at a time for a second per run, over %s %s. The daemon dominates wall time here, so the client's own CPU time per call and its allocations are what the clients differ in.\n", keyOf(m, key), what)
	d.table([]row{
		{"wall, median", m, "p50-ns/op", us, "≤ 1.00 of C"},
		{"wall, mean", m, "ns/op", us, ""},
		{"client CPU per call", m, "cpu-ns/op", us, "≤ 0.5 of go-libvirt"},
		{"B/op", m, "B/op", bytes, ""},
		{"allocs/op", m, "allocs/op", count, "≤ 0.1 of go-libvirt"},
	})
}

func (d *doc) s5parse() {
	m := d.measurement("S5Parse")
	if m == "" {
		return
	}
	d.p("xmlspec.ParseDomain of the same document (virtwire's XML structs; go-libvirt and the C library have no equivalent of their own):\n")
	d.p("| | time | CPU | B/op | allocs/op |")
	d.p("|---|---:|---:|---:|---:|")
	d.p("| xmlspec.ParseDomain, %s devices | %s | %s | %s | %s |", keyOf(m, "devices"), d.cell(m, "xmlspec", "ns/op", us),
		d.cell(m, "xmlspec", "cpu-ns/op", us), d.cell(m, "xmlspec", "B/op", bytes), d.cell(m, "xmlspec", "allocs/op", count))
	d.p("")
}

func (d *doc) s6(transport, title string) {
	size, _ := strconv.ParseFloat(d.f.Get("stream-bytes"), 64)
	d.p("## %s\n", title)
	d.p("StorageVolDownload and StorageVolUpload of a %s volume in a dir pool (the storage driver of qemu:///system on the same daemon) over the %s socket. Downloads go to a sink that only counts; uploads come from memory (virtwire and C write from a buffer; go-libvirt takes an io.Reader). CPU is the client's per transfer.\n", bytes(size), transport)
	var rows []row
	for _, dir := range []string{"download", "upload"} {
		m := d.measurement("S6Stream", "dir", dir, "transport", transport)
		rows = append(rows,
			row{dir + " MB/s", m, "MB/s", rate, "≥ 1.00 of C"},
			row{dir + " time", m, "ns/op", us, ""},
			row{dir + " client CPU", m, "cpu-ns/op", us, ""},
			row{dir + " allocated", m, "B/op", bytes, ""})
	}
	d.table(rows)
	if transport == "unix" {
		m := d.measurement("S6Stream", "dir", "socketpair")
		if ceil, ok := d.t.get(m, "go-ceiling", "MB/s"); ok {
			d.p("The ceiling: the same bytes written in stream-packet-sized chunks through a unix socket pair in one Go process and read into one buffer: **%s MB/s** (%s).", rate(ceil.median), d.cell(m, "go-ceiling", "MB/s", rate))
			for _, dir := range []string{"download", "upload"} {
				if v, ok := d.t.get(d.measurement("S6Stream", "dir", dir, "transport", transport), "virtwire", "MB/s"); ok {
					d.p("virtwire's %s reaches %.0f%% of it.", dir, 100*v.median/ceil.median)
				}
			}
			d.p("")
		}
	}
}

func (d *doc) s7() {
	m := d.measurement("S7Scale")
	d.p("## S7 scale\n")
	d.p("%s connections to the test driver opened by 16 goroutines (threads for C) from one process, then idle. Heap is the live heap after a collection (Go) or malloc's bytes in use (C); goroutines per connection for Go, threads for C; resident memory from /proc.\n", keyOf(m, "conns"))
	d.table([]row{
		{"heap per idle connection", m, "heap-B/conn", bytes, "≤ 0.5 of go-libvirt"},
		{"goroutines per connection", m, "goroutines/conn", count, ""},
		{"resident memory per connection", m, "rss-B/conn", bytes, ""},
		{"time to open them all", m, "open-ms", ms, ""},
		{"time to close them all", m, "close-ms", ms, ""},
	})
	if s, ok := d.t.get(m, "c", "threads/conn"); ok {
		d.p("The C client adds %s threads per connection.\n", count(s.median))
	}
}

func (d *doc) s8() {
	d.p("## S8 footprint\n")
	d.p("Static programs (`CGO_ENABLED=0`, `-ldflags='-s -w'`, `-trimpath`), each run once against the daemon before it is measured. *quickstart* is examples/quickstart for virtwire (any URI and transport, XML through xmlspec) and bench/footprint/quickstart-golibvirt for go-libvirt (the same listing, go-libvirt's URI dialers, the few XML elements it needs read with encoding/xml); *minimal* connects over a unix socket and prints the version and the domains' names; *dial* is the first program a new user writes, `virtwire.Dial(ctx, uri)` (go-libvirt: `libvirt.ConnectToURI`) then Close, run with a unix URI.\n")
	d.p("| program | virtwire | go-libvirt | virtwire/go-libvirt | goal |")
	d.p("|---|---:|---:|---:|---|")
	for _, p := range []string{"quickstart", "dial", "minimal"} {
		m := d.measurement("S8Footprint", "program", p)
		goal := ""
		if p != "minimal" {
			goal = "≤ 0.80"
		}
		d.p("| %s | %s | %s | %s | %s |", p, d.cell(m, "virtwire", "B", bytes), d.cell(m, "go-libvirt", "B", bytes), d.ratioCell(m, "go-libvirt", "B"), goal)
	}
	d.p("")
	d.s8Bytes()
}

// bytesParts are the rows of S8's byte table: benchrun's groups of
// packages (its parts), in its order.
var bytesParts = []struct{ key, label string }{
	{"virtwire", "virtwire's packages"},
	{"go-libvirt", "go-libvirt's packages"},
	{"tls", "crypto/tls, crypto/x509"},
	{"crypto", "other crypto, math/big"},
	{"ssh", "golang.org/x/crypto/ssh"},
	{"sasl", "SASL: xdg-go/scram, stringprep, x/text"},
	{"json", "encoding/json, log/slog"},
	{"xml", "encoding/xml"},
	{"reflect", "reflect"},
	{"runtime", "runtime"},
	{"rest", "the rest"},
}

// s8Bytes writes where the bytes of the dial-only and quickstart programs
// go, when the run measured it.
func (d *doc) s8Bytes() {
	programs := []string{"dial", "quickstart"}
	if d.measurement("S8Bytes", "program", "dial", "part", "runtime") == "" {
		return
	}
	d.p("Where the bytes go: the sizes of each program's symbols that take room in the file (code, read-only and initialised data; read from the ELF symbol table of the same build before stripping, as `go tool nm -size` lists them), summed by package; the file is larger by the tables the linker adds (pclntab, symbol and type tables).\n")
	d.p("| packages | dial: virtwire | dial: go-libvirt | quickstart: virtwire | quickstart: go-libvirt |")
	d.p("|---|---:|---:|---:|---:|")
	for _, pt := range bytesParts {
		cells := []string{pt.label}
		for _, prog := range programs {
			m := d.measurement("S8Bytes", "program", prog, "part", pt.key)
			for _, c := range []string{"virtwire", "go-libvirt"} {
				cells = append(cells, d.cell(m, c, "B", bytes))
			}
		}
		d.p("| %s |", strings.Join(cells, " | "))
	}
	d.p("")
}

func (d *doc) s10() {
	d.p("## S10 XML: xmlspec beside libvirtxml\n")
	d.p("xmlspec (virtwire's XML structs) beside [libvirtxml](https://pkg.go.dev/libvirt.org/go/libvirtxml) %s, both in one Go process each: parsing (`xmlspec.ParseDomain`, `ParseNetwork`; libvirtxml's `Domain.Unmarshal`, `Network.Unmarshal`) and writing (`Marshal` of each) the test documents of %s (`tests/` of its release tree: every `.xml` file whose root element is `<domain>` or `<network>`, the set xmlspec's corpus tests read, less the few that either library fails to parse or write), and the `bench-xml` domain of S5 (100 devices) as the daemon describes it. Each run passes over the documents again and again for a second; time, B/op and allocs/op are per document. The ratio is xmlspec's divided by libvirtxml's in the same round.\n", d.f.Get("libvirtxml"), d.f.Get("xml-corpus"))
	d.p("| documents | | xmlspec | libvirtxml | xmlspec/libvirtxml | goal |")
	d.p("|---|---|---:|---:|---:|---|")
	for _, x := range s10Docs {
		for _, op := range []string{"parse", "marshal"} {
			m := d.measurement("S10XML", "kind", x.kind, "doc", x.doc, "op", op)
			what := fmt.Sprintf("%s %s, %s", x.kind, x.label, op)
			if x.doc == "corpus" {
				what = fmt.Sprintf("%s corpus (%s of %s), %s", x.kind, keyOf(m, "docs"), keyOf(m, "of"), op)
			}
			for _, u := range []struct {
				label, unit string
				format      func(float64) string
				goal        string
			}{
				{"time", "ns/op", us, "≤ 0.50"},
				{"B/op", "B/op", bytes, ""},
				{"allocs/op", "allocs/op", count, "≤ 0.50"},
			} {
				d.p("| %s | %s | %s | %s | %s | %s |", what, u.label, d.cell(m, "xmlspec", u.unit, u.format), d.cell(m, "libvirtxml", u.unit, u.format),
					d.pairRatioCell(m, "xmlspec", "libvirtxml", u.unit), u.goal)
				what = ""
			}
		}
	}
	d.p("")
}
