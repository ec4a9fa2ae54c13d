package report

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/virtwire/virtwire/bench/internal/result"
)

// subjects are the clients a comparison follows, each against its
// comparators: virtwire against libvirt's C client and go-libvirt, and
// (S10) xmlspec against libvirtxml.
var subjects = []struct {
	client      string
	comparators []string
}{
	{"virtwire", []string{"c", "go-libvirt"}},
	{"xmlspec", []string{"libvirtxml"}},
}

// higherIsBetter reports whether a larger value of unit is better.
func higherIsBetter(unit string) bool { return strings.HasSuffix(unit, "/s") }

// A Change is how one measurement's unit moved between two runs of
// `make bench`, for one subject client.
type Change struct {
	Measurement, Unit, Client string
	// Before and After are the client's medians over each run's rounds.
	Before, After float64
	// Ratios are the client's paired ratios to each comparator that either
	// run has, before and after (NaN where a run lacks them).
	Ratios []PairedChange
	// Verdict is "worse" or "better" when a ratio (or, with no comparator,
	// the client's own median) moved the wrong or the right way by more
	// than the spread of either run, and "level" otherwise.
	Verdict string
}

// A PairedChange is a subject's paired ratio to one comparator in two runs.
type PairedChange struct {
	Comparator    string
	Before, After float64
	// Noise is the larger spread of the paired ratios over the rounds of
	// the two runs, as a fraction of the median.
	Noise float64
}

// Compare lists, for every measurement and unit both runs have, how the
// subject clients moved from before to after. A ratio paired per round
// cancels load that comes and goes between rounds (and machines), so it
// is what the verdict weighs when there is one; the noise it is weighed
// against is the spread of the rounds.
func Compare(before, after *result.File) []Change {
	tb, ta := index(before.Results), index(after.Results)
	var out []Change
	for _, m := range slices.Sorted(maps.Keys(ta)) {
		for _, s := range subjects {
			units := ta[m][s.client]
			if units == nil || tb[m][s.client] == nil {
				continue
			}
			for _, unit := range slices.Sorted(maps.Keys(units)) {
				b, okb := tb.get(m, s.client, unit)
				a, oka := ta.get(m, s.client, unit)
				if !okb || !oka {
					continue
				}
				ch := Change{Measurement: m, Unit: unit, Client: s.client, Before: b.median, After: a.median}
				moved := 0
				weighed := false
				for _, o := range s.comparators {
					pb, nb, okb := tb.pairRatioSummary(m, s.client, o, unit)
					pa, na, oka := ta.pairRatioSummary(m, s.client, o, unit)
					if !okb && !oka {
						continue
					}
					pc := PairedChange{Comparator: o, Before: math.NaN(), After: math.NaN(), Noise: max(nb, na)}
					if okb {
						pc.Before = pb
					}
					if oka {
						pc.After = pa
					}
					ch.Ratios = append(ch.Ratios, pc)
					if okb && oka {
						weighed = true
						moved += direction(pb, pa, pc.Noise, unit)
					}
				}
				if !weighed {
					moved = direction(b.median, a.median, max(b.spread(), a.spread()), unit)
				}
				switch {
				case moved < 0:
					ch.Verdict = "worse"
				case moved > 0:
					ch.Verdict = "better"
				default:
					ch.Verdict = "level"
				}
				out = append(out, ch)
			}
		}
	}
	return out
}

// direction is +1 when after is better than before by more than noise (a
// fraction of before), -1 when worse by more, and 0 otherwise.
func direction(before, after, noise float64, unit string) int {
	if before == 0 && after == 0 {
		return 0
	}
	d := after - before
	if !higherIsBetter(unit) {
		d = -d
	}
	limit := noise * math.Abs(before)
	switch {
	case d > limit:
		return 1
	case d < -limit:
		return -1
	}
	return 0
}

// pairRatioSummary returns the median over the rounds of client c's value
// divided by other's in the same round, and the spread of those ratios.
func (t table) pairRatioSummary(m, c, other, unit string) (median, spread float64, ok bool) {
	a, b := t[m][c][unit], t[m][other][unit]
	var rs []float64
	for i := range min(len(a), len(b)) {
		if b[i] != 0 {
			rs = append(rs, a[i]/b[i])
		}
	}
	if len(rs) == 0 {
		return 0, 0, false
	}
	s := summarize(rs)
	return s.median, s.spread(), true
}

// CompareMarkdown formats changes as a markdown table, the rows that got
// worse first.
func CompareMarkdown(changes []Change) string {
	var b strings.Builder
	counts := map[string]int{}
	for _, c := range changes {
		counts[c.Verdict]++
	}
	fmt.Fprintf(&b, "%d rows: %d worse, %d better, %d level (beyond the spread of the rounds of either run).\n\n",
		len(changes), counts["worse"], counts["better"], counts["level"])
	b.WriteString("| verdict | measurement | unit | client | before | after | paired ratios, before → after (noise) |\n")
	b.WriteString("|---|---|---|---|---:|---:|---|\n")
	order := map[string]int{"worse": 0, "better": 1, "level": 2}
	sorted := slices.Clone(changes)
	slices.SortStableFunc(sorted, func(x, y Change) int { return order[x.Verdict] - order[y.Verdict] })
	for _, c := range sorted {
		var rs []string
		for _, r := range c.Ratios {
			rs = append(rs, fmt.Sprintf("/%s %s → %s (±%.0f%%)", r.Comparator, num(r.Before), num(r.After), 100*r.Noise))
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n",
			c.Verdict, c.Measurement, c.Unit, c.Client, num(c.Before), num(c.After), strings.Join(rs, "; "))
	}
	return b.String()
}

// num formats a value with three significant digits, or a dash for NaN.
func num(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("%.3g", v)
}
