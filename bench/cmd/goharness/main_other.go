//go:build !linux

// Command goharness runs `make bench` scenarios; it needs Linux (the
// benchmark daemon, getrusage, /proc).
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "goharness: runs on Linux only, as `make bench` does")
	os.Exit(1)
}
