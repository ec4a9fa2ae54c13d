package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/virtwire/virtwire/internal/lab"
)

// A short soak against the lab passes, and its report says so with every
// figure the long one reports.
func TestShortSoak(t *testing.T) {
	l := lab.Require(t)
	if !l.QEMU {
		t.Fatal("the lab's QEMU driver does not work; the soak needs its storage driver")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	rep, err := run(ctx, Config{URI: l.DriverURI(lab.UnixRW, "qemu", "/system"), Calls: 4000, Goroutines: 8, VolumeSize: 4 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + rep.String())
	if f := rep.Failures(); len(f) > 0 {
		t.Fatalf("failures: %v", f)
	}
	if rep.Uploads == 0 || rep.EventsRaised == 0 {
		t.Fatalf("no background load: %d uploads, %d events", rep.Uploads, rep.EventsRaised)
	}
	for _, want := range []string{"4000 calls from 8 goroutines", "events:", "stream:", "before Dial", "after Close", "PASS"} {
		if !strings.Contains(rep.String(), want) {
			t.Errorf("the report does not say %q", want)
		}
	}
}

// The report fails a run with errors, lost events, bad uploads or growth.
func TestReportFailures(t *testing.T) {
	ok := Report{EventsRaised: 5, EventsReceived: 5, Uploads: 2, UploadsValid: 2,
		Start: Sample{Heap: 10 << 20, Goroutines: 10}, End: Sample{Heap: 12 << 20, Goroutines: 11},
		BeforeDial: Sample{Goroutines: 3}, AfterClose: Sample{Goroutines: 3}}
	if f := ok.Failures(); len(f) != 0 {
		t.Fatalf("a clean run fails: %v", f)
	}
	bad := []func(r *Report){
		func(r *Report) { r.Errors = 1 },
		func(r *Report) { r.EventsReceived = 4 },
		func(r *Report) { r.EventsRaised, r.EventsReceived = 0, 0 },
		func(r *Report) { r.UploadsValid = 1 },
		func(r *Report) { r.End.Goroutines = 20 },
		func(r *Report) { r.End.Heap = 40 << 20 },
		func(r *Report) { r.AfterClose.Goroutines = 9 },
	}
	for i, f := range bad {
		r := ok
		f(&r)
		if len(r.Failures()) == 0 {
			t.Errorf("case %d: %+v passes", i, r)
		}
	}
}
