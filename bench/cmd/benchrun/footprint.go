//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/virtwire/virtwire/bench/internal/result"
)

// footprints (S8) builds each program as a static binary (CGO_ENABLED=0,
// -ldflags='-s -w', -trimpath), runs it once against the daemon so that
// only working programs are measured, and reports its size.
func footprints(ctx context.Context, dir, testURI string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	socket := testURI[strings.Index(testURI, "socket=")+len("socket="):]
	progs := []struct {
		program, client, pkg string
		args                 []string
		want                 string // what its output must hold
	}{
		{"quickstart", "virtwire", "./examples/quickstart", []string{"-c", testURI}, "test"},
		{"quickstart", "go-libvirt", "./bench/footprint/quickstart-golibvirt", []string{"-c", testURI}, "test"},
		{"minimal", "virtwire", "./bench/footprint/minimal-virtwire", []string{"-socket", socket, "-name", "test:///default"}, "test"},
		{"minimal", "go-libvirt", "./bench/footprint/minimal-golibvirt", []string{"-socket", socket, "-name", "test:///default"}, "test"},
		{"dial", "virtwire", "./bench/footprint/dial-virtwire", []string{"-c", testURI}, "connected"},
		{"dial", "go-libvirt", "./bench/footprint/dial-golibvirt", []string{"-c", testURI}, "connected"},
	}
	var lines []string
	for _, p := range progs {
		bin := filepath.Join(dir, p.program+"-"+p.client)
		build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, p.pkg)
		build.Env = staticEnv()
		if out, err := build.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("building %s: %v\n%s", p.pkg, err, out)
		}
		var stdout, stderr bytes.Buffer
		cmd := exec.CommandContext(ctx, bin, p.args...)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("running %s: %v\n%s", bin, err, stderr.String())
		}
		if !strings.Contains(stdout.String(), p.want) {
			return nil, fmt.Errorf("%s did not print %q:\n%s", bin, p.want, stdout.String())
		}
		fi, err := os.Stat(bin)
		if err != nil {
			return nil, err
		}
		lines = append(lines, result.Result{
			Name:    fmt.Sprintf("S8Footprint/program=%s/client=%s", p.program, p.client),
			N:       1,
			Metrics: []result.Metric{{Value: float64(fi.Size()), Unit: "B"}},
		}.String())
		if p.program == "minimal" {
			continue
		}
		// Where the bytes go, for the byte table.
		sums, err := symbolBytes(ctx, p.pkg, bin+".syms")
		if err != nil {
			return nil, err
		}
		for _, pt := range append(parts, part{key: "rest"}) {
			lines = append(lines, result.Result{
				Name:    fmt.Sprintf("S8Bytes/program=%s/part=%s/client=%s", p.program, pt.key, p.client),
				N:       1,
				Metrics: []result.Metric{{Value: float64(sums[pt.key]), Unit: "B"}},
			}.String())
		}
	}
	return lines, nil
}

// staticEnv is the environment of a static build.
func staticEnv() []string { return append(os.Environ(), "CGO_ENABLED=0") }
