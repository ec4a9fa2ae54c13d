package cli

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		args []string
		rest []string
		live bool
		uri  string
	}{
		{[]string{"web1"}, []string{"web1"}, false, ""},
		{[]string{"-c", "test:///default", "web1", "--live"}, []string{"web1"}, true, "test:///default"},
		{[]string{"web1", "52:54:00:00:00:01", "--connect=qemu:///system", "-live"}, []string{"web1", "52:54:00:00:00:01"}, true, "qemu:///system"},
		{[]string{"--live", "--", "-web1", "--config"}, []string{"-web1", "--config"}, true, ""},
		{nil, nil, false, ""},
	} {
		cmd := NewCommand("t", "usage: t", io.Discard)
		uri := cmd.URIFlag()
		live := cmd.Bool("live", false, "")
		rest, err := cmd.Parse(tc.args)
		if err != nil {
			t.Fatalf("%q: %v", tc.args, err)
		}
		if diff := cmp.Diff(tc.rest, rest); diff != "" || *live != tc.live || *uri != tc.uri {
			t.Errorf("%q: rest %q live %v uri %q; want %q %v %q", tc.args, rest, *live, *uri, tc.rest, tc.live, tc.uri)
		}
	}
}

func TestParseErrors(t *testing.T) {
	var out bytes.Buffer
	cmd := NewCommand("t", "usage: t DOMAIN", &out)
	cmd.Bool("live", false, "set the `live` flag")
	_, err := cmd.Parse([]string{"web1", "--bogus"})
	var ue *UsageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "bogus") || !strings.Contains(err.Error(), "usage: t DOMAIN") {
		t.Fatalf("unknown flag: %v", err)
	}
	if !strings.Contains(cmd.Usagef("need %d", 1).Error(), "need 1\nusage: t DOMAIN") {
		t.Fatal("Usagef")
	}
	if Exit("t", err, io.Discard) != 2 {
		t.Fatal("a usage error must exit 2")
	}
	if out.Len() != 0 {
		t.Fatalf("a flag error printed %q; Exit prints it", out.String())
	}
	_, err = cmd.Parse([]string{"-h"})
	if !errors.Is(err, flag.ErrHelp) || !strings.HasPrefix(out.String(), "usage: t DOMAIN\n") || !strings.Contains(out.String(), "-live") {
		t.Fatalf("-h: %v, printed %q", err, out.String())
	}
	if Exit("t", err, io.Discard) != 0 {
		t.Fatal("-h must exit 0")
	}
}

func TestExit(t *testing.T) {
	var out bytes.Buffer
	if code := Exit("nic", errors.New("boom"), &out); code != 1 || out.String() != "nic: boom\n" {
		t.Fatalf("Exit = %d, printed %q", code, out.String())
	}
	out.Reset()
	if code := Exit("nic", Reported(errors.New("boom")), &out); code != 1 || out.Len() != 0 {
		t.Fatalf("Exit(Reported) = %d, printed %q", code, out.String())
	}
	if code := Exit("nic", nil, &out); code != 0 || out.Len() != 0 {
		t.Fatalf("Exit(nil) = %d, printed %q", code, out.String())
	}
}

func TestFormatTable(t *testing.T) {
	got := FormatTable([][]string{{"Interface", "Type", "MAC"}, {"vnet10", "bridge", "52:54:00:00:00:01"}, {"-", "network", "é"}})
	want := " Interface   Type      MAC\n" +
		strings.Repeat("-", 9+3+7+3+17+3) + "\n" + // each column's width + 3
		" vnet10      bridge    52:54:00:00:00:01\n" +
		" -           network   é\n"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if FormatTable(nil) != "" {
		t.Fatal("no rows")
	}
}

func TestSize(t *testing.T) {
	for n, want := range map[uint64]string{
		0: "0.00 B", 1023: "1023.00 B", 1024: "1.00 KiB", 200704: "196.00 KiB",
		64 << 20: "64.00 MiB", 1 << 30: "1.00 GiB", 270553174016: "251.97 GiB", 1<<64 - 1: "16.00 EiB",
	} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestProgressBar(t *testing.T) {
	if Progress(&bytes.Buffer{}, "x") != nil {
		t.Fatal("Progress on a buffer must be nil: it is not a terminal")
	}
	var out bytes.Buffer
	b := &bar{w: &out, label: "pull a", width: 60, last: -1}
	for _, done := range []int64{0, 1, 1, 50, 100, 100} { // a repeat draws nothing, nor anything after the end
		b.update(done, 100)
	}
	got := out.String()
	if !strings.HasSuffix(got, "\n") || strings.Count(got, "\n") != 1 {
		t.Fatalf("the bar ends with one newline: %q", got)
	}
	lines := strings.Split(strings.TrimSuffix(strings.TrimPrefix(got, "\r"), "\n"), "\r")
	wantPct := []string{"  0%", "  1%", " 50%", "100%"}
	if len(lines) != len(wantPct) {
		t.Fatalf("%d updates, want %d: %q", len(lines), len(wantPct), got)
	}
	for i, l := range lines {
		open, close := strings.Index(l, "["), strings.Index(l, "]")
		inside := l[open+1 : close]
		filled := strings.Count(inside, "=")
		if !strings.HasPrefix(l, "pull a  [") || len(l) > 60 || len(inside) != len(lines[0][strings.Index(lines[0], "[")+1:strings.Index(lines[0], "]")]) ||
			!strings.Contains(l, wantPct[i]+"  ") || filled != []int{0, 0, len(inside) / 2, len(inside)}[i] {
			t.Errorf("update %d: %q", i, l)
		}
	}
	if !strings.HasSuffix(lines[3], " 100.00 B / 100.00 B") {
		t.Errorf("last update %q", lines[3])
	}
	out.Reset()
	u := &bar{w: &out, label: "get", width: 60, last: -1}
	u.update(1, 0)
	u.update(2, 0) // the same 8 MiB step: not redrawn
	u.update(9<<20, 0)
	if got := out.String(); got != "\rget  1.00 B\rget  9.00 MiB" {
		t.Errorf("unknown total: %q", got)
	}
}
