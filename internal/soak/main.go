// Soak puts a libvirt daemon under a long mixed load through one virtwire
// Conn and checks that nothing fails and nothing grows: calls from many
// goroutines, while an event subscription receives the events a generator
// raises and a stream uploads into a volume round after round, each round
// read back and compared. It reports the live heap and the goroutines
// before dialing, at the start and the end of the calls, and after Close,
// and the error count, and exits 1 on any error, lost event, bad upload or
// growth beyond noise.
//
// `make soak` runs it against a lab of its own (scripts/lab-run.sh):
//
//	go run ./internal/soak                          # the lab in $VIRTWIRE_LAB
//	go run ./internal/soak -calls 1000000 -uri qemu:///system
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/virtwire/virtwire/internal/lab"
)

func main() {
	var cfg Config
	flag.StringVar(&cfg.URI, "uri", "", "a daemon whose driver has storage (default: the QEMU driver of the lab in $"+lab.EnvVar+")")
	flag.IntVar(&cfg.Calls, "calls", 200000, "calls to make in all")
	flag.IntVar(&cfg.Goroutines, "goroutines", 32, "goroutines making them")
	flag.IntVar(&cfg.VolumeSize, "volume", 16<<20, "bytes uploaded per round")
	flag.Parse()
	if cfg.URI == "" {
		uri, err := labURI()
		if err != nil {
			fmt.Fprintln(os.Stderr, "soak:", err)
			os.Exit(2)
		}
		cfg.URI = uri
	}
	cfg.Progress = os.Stdout
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	fmt.Printf("soak: %d calls from %d goroutines, with events and an upload stream, on %s\n", cfg.Calls, cfg.Goroutines, cfg.URI)
	rep, err := run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(2)
	}
	fmt.Print(rep)
	if len(rep.Failures()) > 0 {
		os.Exit(1)
	}
}

// labURI is the QEMU driver of the running lab: its storage driver gives
// the soak a pool, a volume and events.
func labURI() (string, error) {
	path, err := lab.StatePath()
	if err != nil {
		return "", err
	}
	l, err := lab.Load(path)
	if err != nil {
		return "", fmt.Errorf("%w (start one with `make lab-up`, or give -uri)", err)
	}
	if !l.QEMU {
		return "", fmt.Errorf("the lab in %s has no working QEMU driver (qemu-system-x86 missing?); give -uri", l.Dir)
	}
	return l.DriverURI(lab.UnixRW, "qemu", "/system"), nil
}
