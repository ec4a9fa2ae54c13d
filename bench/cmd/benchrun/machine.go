//go:build linux

package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cpuTimes is the machine's CPU time from /proc/stat, in seconds: busy
// (everything but idle and iowait) and total.
type cpuTimes struct{ busy, total float64 }

func machineCPU() cpuTimes {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return cpuTimes{}
	}
	line, _, _ := strings.Cut(string(data), "\n")
	f := strings.Fields(line)
	var t cpuTimes
	for i, s := range f[1:] {
		v, _ := strconv.ParseFloat(s, 64)
		v /= 100 // USER_HZ
		t.total += v
		if i != 3 && i != 4 { // idle, iowait
			t.busy += v
		}
	}
	return t
}

// idleShare samples how idle the machine is over d.
func idleShare(d time.Duration) float64 {
	a := machineCPU()
	time.Sleep(d)
	b := machineCPU()
	if b.total <= a.total {
		return 0
	}
	return 1 - (b.busy-a.busy)/(b.total-a.total)
}

// ownCPU is the CPU time, in seconds, of this process, its reaped
// children (the harness runs) and the benchmark daemon.
func ownCPU(daemonPID int) float64 {
	var self, children syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children)
	s := float64(self.Utime.Nano()+self.Stime.Nano()+children.Utime.Nano()+children.Stime.Nano()) / 1e9
	if data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", daemonPID)); err == nil {
		// Fields after the command name: utime stime cutime cstime are 14-17.
		if i := strings.LastIndexByte(string(data), ')'); i >= 0 {
			f := strings.Fields(string(data)[i+1:])
			for _, k := range []int{11, 12, 13, 14} {
				if k < len(f) {
					v, _ := strconv.ParseFloat(f[k], 64)
					s += v / 100
				}
			}
		}
	}
	return s
}
