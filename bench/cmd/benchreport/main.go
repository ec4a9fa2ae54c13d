// Command benchreport writes BENCHMARKS.md from the results file of
// `make bench` (bench/cmd/benchrun), with the analysis in notes.md
// appended.
//
//	benchreport -in bench/results.txt -out BENCHMARKS.md
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
	flag.Parse()
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	res, err := result.Parse(f)
	if err != nil {
		return err
	}
	if len(res.Results) == 0 {
		return fmt.Errorf("%s holds no results", in)
	}
	md := report.Markdown(res, report.Setup{Tuning: benchlab.Tuning, Notes: notes})
	return os.WriteFile(out, []byte(md), 0o644)
}
