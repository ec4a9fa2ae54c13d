// Package benchlab starts the libvirt daemon that `make bench` measures
// against: a throwaway daemon of internal/lab with its limits raised so
// that the clients, not the daemon's admission control, are what the
// benchmarks see, and with a TLS listener for scenario S9.
//
//	d, err := benchlab.Start()
//	if err != nil { ... }
//	defer d.Close()
//	conn, err := virtwire.Dial(ctx, d.URI())
package benchlab

// Tuning lists the libvirtd.conf lines the benchmark daemon adds to the
// lab's own, so that BENCHMARKS.md can say what was raised and why.
var Tuning = []string{
	// libvirtd's default of 5 requests in flight per client would cap S2
	// at 5 concurrent callers per connection.
	"max_client_requests = 256",
	// Workers that run calls: the default 5..20 would queue S2's 64
	// callers behind 20 threads.
	"min_workers = 16",
	"max_workers = 64",
	// S7 holds 1,000 connections at once (plus the benchmark's own).
	"max_clients = 5000",
	"max_anonymous_clients = 5000",
	// The accept backlog, for S7's burst of connects.
	"max_queued_clients = 4096",
}
