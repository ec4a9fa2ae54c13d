package report

import (
	"fmt"
	"strings"
	"testing"

	"github.com/virtwire/virtwire/bench/internal/result"
)

func TestSummarize(t *testing.T) {
	s := summarize([]float64{10, 12, 9, 20, 11})
	if s.median != 11 || s.min != 9 || s.max != 20 || s.n != 5 {
		t.Fatalf("%+v", s)
	}
	if got := s.spread(); got < 0.818 || got > 0.819 { // (20-11)/11
		t.Errorf("spread = %v", got)
	}
	if s := summarize([]float64{4, 2}); s.median != 3 {
		t.Errorf("median of two = %v", s.median)
	}
}

// A report judges each goal on the medians: here virtwire's S1 median is
// below C's but not 0.9 of go-libvirt's, and S7 has no data.
func TestMarkdownGoals(t *testing.T) {
	var b strings.Builder
	b.WriteString("cpu: test CPU\ncores: 2\nother-cpu: 2.5%\nstream-bytes: 1000\n")
	for round, medians := range [][3]float64{{90, 95, 100}, {91, 96, 101}, {89, 94, 99}} {
		for i, c := range []string{"virtwire", "go-libvirt", "c"} {
			fmt.Fprintf(&b, "BenchmarkS1Latency/call=ConnectGetLibVersion/transport=unix/client=%s 100 %g p50-ns/op\n", c, medians[i]*1000+float64(round))
		}
	}
	f, err := result.Parse(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	md := Markdown(f, Setup{Tuning: []string{"max_workers = 64"}, Notes: "## Notes\n\nhand-written"})
	for _, want := range []string{
		"| S1 ConnectGetLibVersion | median ≤ C's (ratio ≤ 1.00) | 0.90 | met |",
		"| S1 ConnectGetLibVersion | median ≤ 0.9× go-libvirt's | 0.95 | **missed** |",
		"| S7 | heap per idle connection ≤ 0.5× go-libvirt's |  | no data |",
		"`max_workers = 64`",
		"hand-written",
		"| ConnectGetLibVersion median | 90.0 µs ±1% | 95.0 µs ±1% | 100 µs ±1% | 0.95 | 0.90 |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q\n%s", want, md)
		}
	}
	if strings.Contains(md, "not quiet") {
		t.Error("2.5% of the CPU used by others reported as not quiet")
	}
}

// S8 judges quickstart and the dial-only program against go-libvirt's
// same program, and lists minimal without a goal.
func TestMarkdownFootprint(t *testing.T) {
	var b strings.Builder
	b.WriteString("cpu: test CPU\ncores: 2\n")
	for _, r := range []struct {
		program   string
		vw, other int
	}{{"quickstart", 7000000, 10000000}, {"dial", 7000000, 5600000}, {"minimal", 6000000, 5000000}} {
		fmt.Fprintf(&b, "BenchmarkS8Footprint/program=%s/client=virtwire 1 %d B\n", r.program, r.vw)
		fmt.Fprintf(&b, "BenchmarkS8Footprint/program=%s/client=go-libvirt 1 %d B\n", r.program, r.other)
	}
	f, err := result.Parse(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	md := Markdown(f, Setup{})
	for _, want := range []string{
		"| S8 | static binary ≤ 0.8× go-libvirt's | 0.70 | met |",
		"| S8 dial | dial-only static binary ≤ 0.8× go-libvirt's | 1.25 | **missed** |",
		"| dial | 6835.9 KiB | 5468.8 KiB | 1.25 | ≤ 0.80 |",
		"| minimal |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q\n%s", want, md)
		}
	}
	if strings.Contains(md, "Where the bytes go") {
		t.Error("a run without symbol sizes has a byte table")
	}
}

// S8's byte table shows each part's symbol bytes per program and client.
func TestMarkdownFootprintBytes(t *testing.T) {
	var b strings.Builder
	b.WriteString("cpu: test CPU\ncores: 2\n")
	for i, part := range bytesParts {
		for _, prog := range []string{"dial", "quickstart"} {
			fmt.Fprintf(&b, "BenchmarkS8Bytes/program=%s/part=%s/client=virtwire 1 %d B\n", prog, part.key, 1000*(i+1))
			fmt.Fprintf(&b, "BenchmarkS8Bytes/program=%s/part=%s/client=go-libvirt 1 %d B\n", prog, part.key, 2000*(i+1))
		}
	}
	f, err := result.Parse(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	md := Markdown(f, Setup{})
	for _, want := range []string{
		"| packages | dial: virtwire | dial: go-libvirt | quickstart: virtwire | quickstart: go-libvirt |",
		"| crypto/tls, crypto/x509 | 3000 B | 6000 B | 3000 B | 6000 B |",
		"| the rest | 10.7 KiB | 21.5 KiB | 10.7 KiB | 21.5 KiB |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q\n%s", want, md)
		}
	}
}

// S10 judges xmlspec against libvirtxml on paired ratios of time and
// allocations, and its table names how many corpus documents both read.
func TestMarkdownXML(t *testing.T) {
	var b strings.Builder
	b.WriteString("cpu: test CPU\ncores: 2\nlibvirtxml: v1.12008.0\nxml-corpus: libvirt 11.3.0\n")
	for round := range 3 {
		for _, r := range []struct {
			client                 string
			parseNs, parseAllocs   float64
			marshalNs, marshAllocs float64
		}{
			{"xmlspec", 40000, 200, 30000, 100},
			{"libvirtxml", 100000, 500, 50000, 150},
		} {
			d := float64(round)
			fmt.Fprintf(&b, "BenchmarkS10XML/kind=domain/doc=corpus/op=parse/docs=2785/of=2787/client=%s 1000 %g ns/op 30000 B/op %g allocs/op\n", r.client, r.parseNs+d, r.parseAllocs)
			fmt.Fprintf(&b, "BenchmarkS10XML/kind=domain/doc=corpus/op=marshal/docs=2785/of=2787/client=%s 1000 %g ns/op 20000 B/op %g allocs/op\n", r.client, r.marshalNs+d, r.marshAllocs)
		}
	}
	f, err := result.Parse(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	md := Markdown(f, Setup{})
	for _, want := range []string{
		"| S10 domain parse (corpus) | time ≤ 0.5× libvirtxml's | 0.40 | met |",
		"| S10 domain parse (corpus) | allocations ≤ 0.5× libvirtxml's | 0.40 | met |",
		"| S10 domain marshal (corpus) | time ≤ 0.5× libvirtxml's | 0.60 | **missed** |",
		"| S10 domain marshal (corpus) | allocations ≤ 0.5× libvirtxml's | 0.67 | **missed** |",
		"| S10 network parse (corpus) | time ≤ 0.5× libvirtxml's |  | no data |",
		"| domain corpus (2785 of 2787), parse | time | 40.0 µs ±0% | 100 µs ±0% | 0.40 | ≤ 0.50 |",
		"|  | allocs/op | 200 ±0% | 500 ±0% | 0.40 | ≤ 0.50 |",
		"libvirtxml) v1.12008.0",
		"the test documents of libvirt 11.3.0",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q\n%s", want, md)
		}
	}
}

// parseRounds makes a results file of rounds, each a map from a client to
// its value of one measurement's unit.
func parseRounds(t *testing.T, m, unit string, rounds []map[string]float64) *result.File {
	t.Helper()
	var b strings.Builder
	for i, r := range rounds {
		fmt.Fprintf(&b, "# round %d\n", i+1)
		for _, c := range []string{"virtwire", "go-libvirt", "c", "xmlspec", "libvirtxml"} {
			if v, ok := r[c]; ok {
				fmt.Fprintf(&b, "Benchmark%s/client=%s 1 %g %s\n", m, c, v, unit)
			}
		}
	}
	f, err := result.Parse(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// Compare weighs the paired ratios against the spread of the rounds: a
// machine twice as fast after (every client's time halved) is level, a
// ratio that moved within the spread is level, beyond it worse or better
// by the unit's direction; with no comparator the client's own medians
// are weighed.
func TestCompare(t *testing.T) {
	tests := []struct {
		name, m, unit string
		before, after []map[string]float64
		want          string
	}{
		{
			name: "faster machine", m: "S1Latency", unit: "ns/op",
			before: []map[string]float64{{"virtwire": 100, "c": 100, "go-libvirt": 200}, {"virtwire": 102, "c": 100, "go-libvirt": 200}},
			after:  []map[string]float64{{"virtwire": 50, "c": 50, "go-libvirt": 100}, {"virtwire": 51, "c": 50, "go-libvirt": 100}},
			want:   "level",
		},
		{
			name: "slower than C beyond the spread", m: "S1Latency", unit: "ns/op",
			before: []map[string]float64{{"virtwire": 100, "c": 100}, {"virtwire": 102, "c": 100}},
			after:  []map[string]float64{{"virtwire": 130, "c": 100}, {"virtwire": 128, "c": 100}},
			want:   "worse",
		},
		{
			name: "slower within the spread", m: "S1Latency", unit: "ns/op",
			before: []map[string]float64{{"virtwire": 80, "c": 100}, {"virtwire": 120, "c": 100}},
			after:  []map[string]float64{{"virtwire": 105, "c": 100}, {"virtwire": 110, "c": 100}},
			want:   "level",
		},
		{
			name: "more throughput is better", m: "S6Stream", unit: "MB/s",
			before: []map[string]float64{{"virtwire": 750, "c": 1000}, {"virtwire": 760, "c": 1000}},
			after:  []map[string]float64{{"virtwire": 1000, "c": 1000}, {"virtwire": 990, "c": 1000}},
			want:   "better",
		},
		{
			name: "xmlspec against libvirtxml", m: "S10XML", unit: "allocs/op",
			before: []map[string]float64{{"xmlspec": 10, "libvirtxml": 100}},
			after:  []map[string]float64{{"xmlspec": 20, "libvirtxml": 100}},
			want:   "worse",
		},
		{
			name: "no comparator", m: "S8Footprint", unit: "B",
			before: []map[string]float64{{"virtwire": 1000}},
			after:  []map[string]float64{{"virtwire": 900}},
			want:   "better",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			changes := Compare(parseRounds(t, tt.m, tt.unit, tt.before), parseRounds(t, tt.m, tt.unit, tt.after))
			if len(changes) != 1 {
				t.Fatalf("got %d changes, want 1: %+v", len(changes), changes)
			}
			if got := changes[0].Verdict; got != tt.want {
				t.Errorf("verdict %q, want %q: %+v", got, tt.want, changes[0])
			}
			md := CompareMarkdown(changes)
			if !strings.Contains(md, "| "+tt.want+" | "+tt.m+" | "+tt.unit+" |") {
				t.Errorf("the table lacks the row:\n%s", md)
			}
		})
	}
}
