package report

import (
	"fmt"
	"strings"

	"github.com/virtwire/virtwire/bench/internal/result"
)

// Setup describes how the benchmark daemon was set up, for the report.
type Setup struct {
	// Tuning is the libvirtd.conf lines added to the lab's own.
	Tuning []string
	// Notes is hand-written analysis appended to the report (markdown).
	Notes string
}

// clients in column order.
var clients = []string{"virtwire", "go-libvirt", "c"}

var clientNames = map[string]string{"virtwire": "virtwire", "go-libvirt": "go-libvirt", "c": "C (libvirt.so)"}

// A row is one line of a scenario's table: a measurement's unit shown for
// every client, with the ratios and the goal.
type row struct {
	label, measurement, unit string
	format                   func(float64) string
	goal                     string
}

type doc struct {
	b strings.Builder
	t table
	f *result.File
}

func (d *doc) p(format string, args ...any) { fmt.Fprintf(&d.b, format+"\n", args...) }

// cell formats a client's median and spread.
func (d *doc) cell(m, c, unit string, format func(float64) string) string {
	s, ok := d.t.get(m, c, unit)
	if !ok {
		return "–"
	}
	if s.n < 2 {
		return format(s.median)
	}
	return fmt.Sprintf("%s ±%.0f%%", format(s.median), 100*s.spread())
}

func (d *doc) ratioCell(m, other, unit string) string {
	return d.pairRatioCell(m, "virtwire", other, unit)
}

// pairRatioCell formats client c's paired ratio to other's.
func (d *doc) pairRatioCell(m, c, other, unit string) string {
	r, ok := d.t.pairRatio(m, c, other, unit)
	if !ok {
		return "–"
	}
	return fmt.Sprintf("%.2f", r)
}

func (d *doc) table(rows []row) {
	d.p("| | %s | %s | %s | virtwire/go-libvirt | virtwire/C | goal |", clientNames["virtwire"], clientNames["go-libvirt"], clientNames["c"])
	d.p("|---|---:|---:|---:|---:|---:|---|")
	for _, r := range rows {
		cells := []string{r.label}
		for _, c := range clients {
			cells = append(cells, d.cell(r.measurement, c, r.unit, r.format))
		}
		cells = append(cells, d.ratioCell(r.measurement, "go-libvirt", r.unit), d.ratioCell(r.measurement, "c", r.unit), r.goal)
		d.p("| %s |", strings.Join(cells, " | "))
	}
	d.p("")
}

func us(v float64) string {
	switch {
	case v >= 10e6:
		return fmt.Sprintf("%.0f ms", v/1e6)
	case v >= 1e6:
		return fmt.Sprintf("%.2f ms", v/1e6)
	case v >= 100e3:
		return fmt.Sprintf("%.0f µs", v/1e3)
	}
	return fmt.Sprintf("%.1f µs", v/1e3)
}

func count(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

func bytes(v float64) string {
	switch {
	case v >= 10<<20:
		return fmt.Sprintf("%.1f MiB", v/(1<<20))
	case v >= 10<<10:
		return fmt.Sprintf("%.1f KiB", v/(1<<10))
	}
	return fmt.Sprintf("%.0f B", v)
}

func rate(v float64) string { return fmt.Sprintf("%.0f", v) }

func ms(v float64) string { return fmt.Sprintf("%.0f ms", v) }

// measurement returns the name of the measurement whose base and keys
// match, ignoring other keys (such as S3's domain count), or "".
func (d *doc) measurement(base string, keys ...string) string {
	for m := range d.t {
		r := result.Result{Name: m}
		if r.Base() != base {
			continue
		}
		ok := true
		for i := 0; i+1 < len(keys); i += 2 {
			if r.Key(keys[i]) != keys[i+1] {
				ok = false
			}
		}
		if ok {
			return m
		}
	}
	return ""
}

// keyOf returns the value of key in measurement m.
func keyOf(m, key string) string { return result.Result{Name: m}.Key(key) }
