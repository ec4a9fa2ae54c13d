package result

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRoundTrip(t *testing.T) {
	in := Result{Name: "S1Latency/call=ConnectGetLibVersion/transport=unix/client=virtwire", N: 10000,
		Metrics: []Metric{{91234, "ns/op"}, {88.5, "B/op"}, {2, "allocs/op"}}}
	line := in.String()
	if want := "BenchmarkS1Latency/call=ConnectGetLibVersion/transport=unix/client=virtwire 10000 91234 ns/op 88.5 B/op 2 allocs/op"; line != want {
		t.Fatalf("String = %q, want %q", line, want)
	}
	f, err := Parse(strings.NewReader("goos: linux\ncpu: AMD EPYC\n# round 1\n" + line + "\n" + FailedPrefix + "S7 scale c: exit 1\nnot a result\n"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]Result{in}, f.Results); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	if f.Get("cpu") != "AMD EPYC" || f.Get("goos") != "linux" || f.Get("missing") != "" {
		t.Errorf("config %v", f.Config)
	}
	if diff := cmp.Diff([]string{"S7 scale c: exit 1"}, f.Failures); diff != "" {
		t.Errorf("failures (-want +got):\n%s", diff)
	}
	r := f.Results[0]
	if r.Base() != "S1Latency" || r.Key("client") != "virtwire" || r.Key("call") != "ConnectGetLibVersion" || r.Key("none") != "" {
		t.Errorf("Base %q, keys %q %q", r.Base(), r.Key("client"), r.Key("call"))
	}
	if got := r.Without("client"); got != "S1Latency/call=ConnectGetLibVersion/transport=unix" {
		t.Errorf("Without = %q", got)
	}
	if v, ok := r.Metric("B/op"); !ok || v != 88.5 {
		t.Errorf("Metric(B/op) = %v, %v", v, ok)
	}
}

func TestParseErrors(t *testing.T) {
	for _, line := range []string{
		"BenchmarkX 10 5",
		"BenchmarkX ten 5 ns/op",
		"BenchmarkX 10 five ns/op",
	} {
		if _, err := Parse(strings.NewReader(line + "\n")); err == nil {
			t.Errorf("%q parsed without error", line)
		}
	}
}
