// Command benchreport writes BENCHMARKS.md from the results file of
// `make bench` (bench/cmd/benchrun), with the analysis in notes.md
// appended. With -compare it instead prints how each row moved from an
// earlier results file: virtwire's paired ratios to the C client and
// go-libvirt before and after, weighed against the spread of the rounds
// (`make bench-compare`).
//
//	benchreport -in bench/results.txt -out BENCHMARKS.md
//	benchreport -compare before.txt -in bench/results.txt
package main

import (
	_ "embed"
	"flag"
	"fmt"
	"os"

	"github.com/virtwire/virtwire/bench/internal/benchlab"
	"github.com/virtwire/virtwire/bench/internal/report"
	"github.com/virtwire/virtwire/bench/internal/result"
)

//go:embed notes.md
var notes string

func main() {
	in := flag.String("in", "bench/results.txt", "results file")
	out := flag.String("out", "BENCHMARKS.md", "report to write")
	before := flag.String("compare", "", "an earlier results file: print how each row moved from it, and write no report")
	label := flag.String("compare-label", "", "what to call the earlier results file (default: its path)")
	flag.Parse()
	var err error
	if *before != "" {
		if *label == "" {
			*label = *before
		}
		err = compare(*before, *label, *in)
	} else {
		err = run(*in, *out)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	res, err := load(in)
	if err != nil {
		return err
	}
	md := report.Markdown(res, report.Setup{Tuning: benchlab.Tuning, Notes: notes})
	return os.WriteFile(out, []byte(md), 0o644)
}

func compare(before, label, after string) error {
	b, err := load(before)
	if err != nil {
		return err
	}
	a, err := load(after)
	if err != nil {
		return err
	}
	fmt.Printf("# %s (%s, commit %s) → %s (%s, commit %s)\n\n", label, b.Get("date"), b.Get("commit"), after, a.Get("date"), a.Get("commit"))
	fmt.Print(report.CompareMarkdown(report.Compare(b, a)))
	return nil
}

// load reads a results file that holds at least one result.
func load(path string) (*result.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	res, err := result.Parse(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(res.Results) == 0 {
		return nil, fmt.Errorf("%s holds no results", path)
	}
	return res, nil
}
