// Package result writes and reads benchmark results in the format of Go's
// benchmarks, which benchstat reads: "key: value" configuration lines and
// one line per measurement,
//
//	BenchmarkS1Latency/call=ConnectGetLibVersion/transport=unix/client=virtwire 20000 91234 ns/op 88000 p50-ns/op 140000 p99-ns/op
//
// Every client harness of `make bench` (Go and C) prints such lines; the
// report reads them back.
package result

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// A Result is one measurement: a benchmark name (without the "Benchmark"
// prefix), an iteration count and its metrics.
type Result struct {
	Name    string
	N       int64
	Metrics []Metric
}

// A Metric is a value and its unit, such as 91234 "ns/op".
type Metric struct {
	Value float64
	Unit  string
}

// String formats r as a benchmark line.
func (r Result) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Benchmark%s %d", r.Name, r.N)
	for _, m := range r.Metrics {
		b.WriteByte(' ')
		b.WriteString(strconv.FormatFloat(m.Value, 'f', -1, 64))
		b.WriteByte(' ')
		b.WriteString(m.Unit)
	}
	return b.String()
}

// Metric returns the value of the metric with unit u.
func (r Result) Metric(u string) (float64, bool) {
	for _, m := range r.Metrics {
		if m.Unit == u {
			return m.Value, true
		}
	}
	return 0, false
}

// Key returns the value of key in the name's "key=value" parts, or "".
func (r Result) Key(key string) string {
	for _, part := range strings.Split(r.Name, "/") {
		if k, v, ok := strings.Cut(part, "="); ok && k == key {
			return v
		}
	}
	return ""
}

// Base returns the name's first part, such as "S1Latency".
func (r Result) Base() string {
	base, _, _ := strings.Cut(r.Name, "/")
	return base
}

// Without returns the name without its key part (such as "client"), so
// that results of different clients of one measurement compare.
func (r Result) Without(key string) string {
	parts := strings.Split(r.Name, "/")
	kept := parts[:0]
	for _, p := range parts {
		if k, _, ok := strings.Cut(p, "="); !ok || k != key {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, "/")
}

// A File is what Parse reads: configuration lines in order, results,
// and the runs that failed ("# FAILED ..." lines, which benchstat
// ignores).
type File struct {
	Config   [][2]string
	Results  []Result
	Failures []string
}

// FailedPrefix starts the line that records a run that failed.
const FailedPrefix = "# FAILED "

// Get returns the configuration value of key (its last line), or "".
func (f *File) Get(key string) string {
	v := ""
	for _, kv := range f.Config {
		if kv[0] == key {
			v = kv[1]
		}
	}
	return v
}

// Parse reads benchmark lines and "key: value" configuration lines;
// anything else is ignored, as benchstat ignores it.
func Parse(r io.Reader) (*File, error) {
	f := new(File)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		s := sc.Text()
		if rest, ok := strings.CutPrefix(s, FailedPrefix); ok {
			f.Failures = append(f.Failures, rest)
			continue
		}
		if rest, ok := strings.CutPrefix(s, "Benchmark"); ok && rest != "" {
			res, err := parseResult(rest)
			if err != nil {
				return nil, fmt.Errorf("result: line %d: %w", line, err)
			}
			f.Results = append(f.Results, res)
			continue
		}
		if k, v, ok := strings.Cut(s, ":"); ok && k != "" && !strings.ContainsAny(k, " \t") {
			f.Config = append(f.Config, [2]string{k, strings.TrimSpace(v)})
		}
	}
	return f, sc.Err()
}

func parseResult(s string) (Result, error) {
	fields := strings.Fields(s)
	if len(fields) < 4 || len(fields)%2 != 0 {
		return Result{}, fmt.Errorf("want a name, a count and value-unit pairs, have %q", s)
	}
	n, err := strconv.ParseInt(fields[1], 10, 64)
	if err != nil {
		return Result{}, fmt.Errorf("count %q: %w", fields[1], err)
	}
	r := Result{Name: fields[0], N: n}
	for i := 2; i < len(fields); i += 2 {
		v, err := strconv.ParseFloat(fields[i], 64)
		if err != nil {
			return Result{}, fmt.Errorf("value %q: %w", fields[i], err)
		}
		r.Metrics = append(r.Metrics, Metric{v, fields[i+1]})
	}
	return r, nil
}
