//go:build linux

// Command benchrun is the driver of `make bench`: it starts the tuned
// benchmark daemon (bench/internal/benchlab), fills its test driver and a
// dir pool, then runs every scenario with every client (virtwire and
// go-libvirt through bench/cmd/goharness, libvirt's C library through
// bench/c/harness), alternating the clients and rotating their order in
// each of several rounds, and writes every result line to a
// benchstat-readable file. bench/cmd/benchreport turns that file into
// BENCHMARKS.md. scripts/bench.sh builds the harnesses and runs both.
//
//	benchrun -goharness bin/goharness -charness bin/harness -out bench/results.txt
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/virtwire/virtwire"
	_ "github.com/virtwire/virtwire/all" // every transport and SASL
	"github.com/virtwire/virtwire/bench/internal/benchlab"
	"github.com/virtwire/virtwire/bench/internal/result"
	"github.com/virtwire/virtwire/internal/libvirtsrc"
)

var (
	out        = flag.String("out", "bench/results.txt", "results file (benchstat format)")
	goHarness  = flag.String("goharness", "", "path of the built bench/cmd/goharness")
	cHarness   = flag.String("charness", "", "path of the built bench/c/harness")
	rounds     = flag.Int("rounds", 6, "rounds: every scenario runs once per client per round")
	calls      = flag.Int("n", 10000, "calls per procedure in S0, S1 and S9")
	domains    = flag.Int("domains", 10000, "domains to define on the test driver (S3)")
	running    = flag.Int("running", 1000, "of them running (S4)")
	streamSize = flag.Int64("stream-size", 1<<30, "bytes of the streamed volume (S6, S9)")
	conns      = flag.Int("conns", 1000, "connections opened at once (S7)")
	only       = flag.String("only", "", "comma-separated scenarios to run (S0..S10); all when empty")
	footprint  = flag.String("footprint", "", "folder for the S8 binaries (skipped when empty)")
)

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "benchrun:", err)
		os.Exit(1)
	}
}

// A step is one scenario for a set of clients; it runs once per client
// per round.
type step struct {
	id       string // S0..S10
	scenario string // the harnesses' -scenario
	clients  []string
	args     []string
}

var allClients = []string{"virtwire", "go-libvirt", "c"}

func wanted(id string) bool {
	if *only == "" {
		return true
	}
	for _, s := range strings.Split(*only, ",") {
		if strings.EqualFold(strings.TrimSpace(s), id) {
			return true
		}
	}
	return false
}

func run() error {
	if *goHarness == "" || *cHarness == "" {
		return errors.New("-goharness and -charness are required")
	}
	start := time.Now()
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	defer w.Flush()

	load0 := loadAverage()
	idle0 := idleShare(3 * time.Second)
	log("starting the benchmark daemon")
	d, err := benchlab.Start()
	if err != nil {
		return err
	}
	defer func() {
		if err := d.Close(); err != nil {
			log("stopping the daemon: %v", err)
		}
	}()

	ctx := context.Background()
	testURI, tlsURI := d.URI("test", "/default"), d.TLSURI("test", "/default")
	storageURI, storageTLSURI := d.URI("qemu", "/system"), d.TLSURI("qemu", "/system")
	// The test driver's state lives as long as one connection holds it.
	holder, err := virtwire.Dial(ctx, testURI)
	if err != nil {
		return fmt.Errorf("connecting to the benchmark daemon: %w", err)
	}
	defer holder.Close()
	libVer, err := holder.ConnectGetLibVersion(ctx)
	if err != nil {
		return err
	}

	t := time.Now()
	if err := defineDomains(ctx, holder, *domains, *running); err != nil {
		return err
	}
	if _, err := holder.DomainDefineXML(ctx, richDomainXML(xmlDomain, xmlDevices)); err != nil {
		return fmt.Errorf("defining %s: %w", xmlDomain, err)
	}
	all, _, err := holder.ConnectListAllDomains(ctx, 1, 0)
	if err != nil {
		return err
	}
	log("test driver: %d domains (%.1fs)", len(all), time.Since(t).Seconds())
	if wanted("S6") || wanted("S9") {
		t = time.Now()
		storage, err := virtwire.Dial(ctx, storageURI)
		if err != nil {
			return fmt.Errorf("connecting to the storage driver: %w", err)
		}
		err = makeVolume(ctx, storage, filepath.Join(d.Dir, "pool"), *streamSize)
		storage.Close()
		if err != nil {
			return fmt.Errorf("making the stream volume: %w", err)
		}
		log("dir pool with a volume of %d bytes (%.1fs)", *streamSize, time.Since(t).Seconds())
	}

	// S10 reads libvirt's own test documents from its release tree,
	// fetched here once rather than within a harness's time limit.
	var tree string
	if wanted("S10") {
		if tree, err = libvirtsrc.Dir(ctx); err != nil {
			return fmt.Errorf("S10: libvirt's release tree: %w", err)
		}
	}

	config := [][2]string{
		{"goos", runtime.GOOS}, {"goarch", runtime.GOARCH}, {"pkg", "github.com/virtwire/virtwire/bench"},
		{"cpu", cpuModel()}, {"cores", strconv.Itoa(runtime.NumCPU())}, {"kernel", kernel()},
		{"libvirt", fmt.Sprintf("%d.%d.%d", libVer/1000000, libVer/1000%1000, libVer%1000)},
		{"go", runtime.Version()}, {"date", start.UTC().Format(time.RFC3339)},
		{"commit", gitCommit()}, {"go-libvirt", moduleVersion("github.com/digitalocean/go-libvirt")},
		{"libvirtxml", moduleVersion("libvirt.org/go/libvirtxml")}, {"xml-corpus", "libvirt " + libvirtsrc.Version},
		{"rounds", strconv.Itoa(*rounds)}, {"domains", strconv.Itoa(len(all))},
		{"defined", strconv.Itoa(*domains)}, {"running", strconv.Itoa(*running)},
		{"stream-bytes", strconv.FormatInt(*streamSize, 10)}, {"load-before", load0},
		{"idle-before", fmt.Sprintf("%.0f%%", 100*idle0)},
	}
	for _, kv := range config {
		fmt.Fprintf(w, "%s: %s\n", kv[0], kv[1])
	}
	w.Flush()

	quick := []string{"-d", "1s"}
	steps := []step{
		{"S0", "floor", []string{"raw"}, []string{"-socket", d.Socket, "-n", strconv.Itoa(*calls), "-callers", "4,16,64", "-d", "1500ms"}},
		{"S1", "latency", allClients, []string{"-uri", testURI, "-domain", lookupName, "-n", strconv.Itoa(*calls)}},
		{"S2", "concurrency", allClients, []string{"-uri", testURI, "-callers", "1,4,16,64", "-d", "1500ms"}},
		{"S3", "list", allClients, append([]string{"-uri", testURI}, quick...)},
		{"S4", "stats", allClients, append([]string{"-uri", testURI}, quick...)},
		{"S5", "xml", allClients, append([]string{"-uri", testURI, "-domain", xmlDomain, "-devices", strconv.Itoa(xmlDevices)}, quick...)},
		{"S5", "parse", []string{"xmlspec"}, append([]string{"-uri", testURI, "-domain", xmlDomain, "-devices", strconv.Itoa(xmlDevices)}, quick...)},
		{"S10", "xmlcodec", []string{"xmlspec", "libvirtxml"}, append([]string{"-uri", testURI, "-domain", xmlDomain, "-libvirt", tree}, quick...)},
		{"S6", "stream", allClients, []string{"-uri", storageURI, "-pool", poolName, "-vol", volName, "-size", strconv.FormatInt(*streamSize, 10)}},
		{"S6", "ceiling", []string{"go-ceiling"}, []string{"-size", strconv.FormatInt(*streamSize, 10)}},
		{"S9", "latency", allClients, []string{"-uri", tlsURI, "-transport", "tls", "-domain", lookupName, "-n", strconv.Itoa(*calls / 2)}},
		{"S9", "stream", allClients, []string{"-uri", storageTLSURI, "-transport", "tls", "-pool", poolName, "-vol", volName, "-size", strconv.FormatInt(*streamSize, 10)}},
		{"S7", "scale", allClients, []string{"-uri", testURI, "-conns", strconv.Itoa(*conns), "-openers", "16"}},
	}
	// CPU that other processes use during the rounds: the machine's busy
	// time less this process's, its harnesses' and the daemon's.
	mach0, own0, start0 := machineCPU(), ownCPU(d.PID), time.Now()
	for r := range *rounds {
		log("round %d of %d", r+1, *rounds)
		for _, s := range steps {
			if !wanted(s.id) {
				continue
			}
			for i := range s.clients {
				// Rotate the order each round, so that no client always
				// runs first or right after a particular other.
				client := s.clients[(i+r)%len(s.clients)]
				fmt.Fprintf(w, "# round %d %s %s %s\n", r+1, s.id, s.scenario, client)
				lines, err := harness(ctx, client, s)
				if err != nil {
					log("%s %s %s: %v", s.id, s.scenario, client, err)
					fmt.Fprintf(w, "%s%s %s %s: %s\n", result.FailedPrefix, s.id, s.scenario, client, oneLine(err.Error()))
				}
				for _, l := range lines {
					fmt.Fprintln(w, l)
				}
				w.Flush()
			}
		}
	}
	mach1, own1 := machineCPU(), ownCPU(d.PID)
	if capacity := time.Since(start0).Seconds() * float64(runtime.NumCPU()); capacity > 0 {
		other := max(0, (mach1.busy-mach0.busy)-(own1-own0)) / capacity
		fmt.Fprintf(w, "other-cpu: %.1f%%\n", 100*other)
		log("other processes used %.1f%% of the machine's CPU during the rounds", 100*other)
	}
	if *footprint != "" && wanted("S8") {
		lines, err := footprints(ctx, *footprint, testURI)
		if err != nil {
			return fmt.Errorf("S8: %w", err)
		}
		for _, l := range lines {
			fmt.Fprintln(w, l)
		}
	}
	fmt.Fprintf(w, "load-after: %s\n", loadAverage())
	fmt.Fprintf(w, "duration: %s\n", time.Since(start).Round(time.Second))
	log("done in %s", time.Since(start).Round(time.Second))
	return w.Flush()
}

// harness runs one client's harness for step s and returns its result
// lines, checked to parse.
func harness(ctx context.Context, client string, s step) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	path, args := *goHarness, append([]string{"-client", client, "-scenario", s.scenario}, s.args...)
	if client == "c" {
		path = *cHarness
	}
	cmd := exec.CommandContext(ctx, path, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		return nil, fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.String()))
	}
	if stderr.Len() > 0 {
		os.Stderr.Write(stderr.Bytes())
	}
	parsed, perr := result.Parse(bytes.NewReader(stdout.Bytes()))
	if perr != nil {
		return nil, perr
	}
	if len(parsed.Results) == 0 {
		return nil, fmt.Errorf("no results in %q", stdout.String())
	}
	var lines []string
	for _, r := range parsed.Results {
		lines = append(lines, r.String())
	}
	return lines, nil
}

func log(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "benchrun: %s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " | ")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

func cpuModel() string {
	data, _ := os.ReadFile("/proc/cpuinfo")
	for _, l := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func kernel() string {
	var u syscall.Utsname
	if err := syscall.Uname(&u); err != nil {
		return "unknown"
	}
	b := make([]byte, 0, len(u.Release))
	for _, c := range u.Release {
		if c == 0 {
			break
		}
		b = append(b, byte(c))
	}
	return string(b)
}

func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(data))
	return strings.Join(f[:3], " ")
}

func gitCommit() string {
	out, err := exec.Command("git", "describe", "--always", "--dirty").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}

// moduleVersion returns the version of module path that go.mod requires.
func moduleVersion(path string) string {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Version}}", path).Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}
