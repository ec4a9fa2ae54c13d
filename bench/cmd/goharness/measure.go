//go:build linux

package main

import (
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/virtwire/virtwire/bench/internal/result"
)

// A meter takes what a measured stretch of code cost the process: heap
// allocations (bytes and count, all goroutines) and CPU time (user+sys).
type meter struct {
	mem runtime.MemStats
	cpu time.Duration
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		fail("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startMeter() *meter {
	m := new(meter)
	runtime.ReadMemStats(&m.mem)
	m.cpu = cpuTime()
	return m
}

// cost is what a stretch of n operations cost, per operation.
type cost struct {
	bytes, allocs, cpuNs float64
}

func (m *meter) stop(n int64) cost {
	cpu := cpuTime() - m.cpu
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	f := float64(n)
	return cost{
		bytes:  float64(after.TotalAlloc-m.mem.TotalAlloc) / f,
		allocs: float64(after.Mallocs-m.mem.Mallocs) / f,
		cpuNs:  float64(cpu.Nanoseconds()) / f,
	}
}

func (c cost) metrics(withCPU bool) []result.Metric {
	ms := []result.Metric{{Value: round(c.bytes), Unit: "B/op"}, {Value: round(c.allocs), Unit: "allocs/op"}}
	if withCPU {
		ms = append(ms, result.Metric{Value: round(c.cpuNs), Unit: "cpu-ns/op"})
	}
	return ms
}

// round keeps a value readable: whole numbers above 100, two decimals
// below.
func round(v float64) float64 {
	if v >= 100 || v <= -100 {
		return float64(int64(v + 0.5))
	}
	return float64(int64(v*100+0.5)) / 100
}

// latencies summarises per-call wall times: mean, median and 99th
// percentile in nanoseconds.
func latencies(d []time.Duration) []result.Metric {
	s := slices.Clone(d)
	slices.Sort(s)
	var sum time.Duration
	for _, v := range s {
		sum += v
	}
	pct := func(p float64) float64 {
		i := int(p * float64(len(s)-1))
		return float64(s[i].Nanoseconds())
	}
	return []result.Metric{
		{Value: round(float64(sum.Nanoseconds()) / float64(len(s))), Unit: "ns/op"},
		{Value: pct(0.50), Unit: "p50-ns/op"},
		{Value: pct(0.99), Unit: "p99-ns/op"},
	}
}

// rss returns the process's resident memory in bytes.
func rss() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		fail("%v", err)
	}
	f := strings.Fields(string(b))
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		fail("statm: %v", err)
	}
	return pages * int64(os.Getpagesize())
}
