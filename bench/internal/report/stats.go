// Package report turns the results of `make bench` (bench/results.txt,
// read with package result) into BENCHMARKS.md: per scenario, each
// client's median over the rounds with its spread, the ratios of
// virtwire to go-libvirt and to libvirt's C client, and the project's
// goals beside them.
//
//	f, _ := result.Parse(file)
//	md := report.Markdown(f, notes)
package report

import (
	"slices"

	"github.com/virtwire/virtwire/bench/internal/result"
)

// A summary is one metric of one measurement over the rounds.
type summary struct {
	median, min, max float64
	n                int
}

// spread is the largest distance from the median to a round's value, as
// a fraction of the median.
func (s summary) spread() float64 {
	if s.median == 0 {
		return 0
	}
	return max(s.median-s.min, s.max-s.median) / s.median
}

func summarize(vs []float64) summary {
	s := slices.Clone(vs)
	slices.Sort(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return summary{median: m, min: s[0], max: s[len(s)-1], n: len(s)}
}

// table indexes the results by measurement (the name without its client),
// client and unit.
type table map[string]map[string]map[string][]float64

func index(rs []result.Result) table {
	t := table{}
	for _, r := range rs {
		m := r.Without("client")
		c := r.Key("client")
		if t[m] == nil {
			t[m] = map[string]map[string][]float64{}
		}
		if t[m][c] == nil {
			t[m][c] = map[string][]float64{}
		}
		for _, x := range r.Metrics {
			t[m][c][x.Unit] = append(t[m][c][x.Unit], x.Value)
		}
	}
	return t
}

// get returns the summary of measurement m's unit for client c.
func (t table) get(m, c, unit string) (summary, bool) {
	vs := t[m][c][unit]
	if len(vs) == 0 {
		return summary{}, false
	}
	return summarize(vs), true
}

// pairRatio returns the median over the rounds of client c's value (for
// most scenarios virtwire's) divided by other's in the same round (the i-th
// result of each client), so that load that comes and goes between rounds
// cancels out.
func (t table) pairRatio(m, c, other, unit string) (float64, bool) {
	r, _, ok := t.pairRatioSummary(m, c, other, unit)
	return r, ok
}
