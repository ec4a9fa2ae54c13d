package libvirtsrc

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// aptSource fetches the release's tarball as the orig tarball of Debian's
// source package, with apt's own tools and a sources list of its own
// (one deb-src line for the mirror the machine's apt already uses), so
// the machine's apt configuration is left as it is.
func aptSource(ctx context.Context, cache string) (string, error) {
	if _, err := exec.LookPath("apt-get"); err != nil {
		return "", fmt.Errorf("no apt-get: %w", errUnavailable)
	}
	mirror := debianMirror("/etc/apt")
	work, err := os.MkdirTemp(cache, ".apt-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(work)
	for _, d := range []string{"lists/partial", "cache/archives/partial"} {
		if err := os.MkdirAll(filepath.Join(work, d), 0o755); err != nil {
			return "", err
		}
	}
	list := filepath.Join(work, "sources.list")
	line := fmt.Sprintf("deb-src %s %s main\n", mirror, DebianSuite)
	if err := os.WriteFile(list, []byte(line), 0o644); err != nil {
		return "", err
	}
	opts := []string{
		"-q",
		"-o", "Dir::Etc::SourceList=" + list,
		"-o", "Dir::Etc::SourceParts=/dev/null",
		"-o", "Dir::State::Lists=" + filepath.Join(work, "lists"),
		"-o", "Dir::Cache=" + filepath.Join(work, "cache"),
		"-o", "APT::Sandbox::User=root",
	}
	if out, err := run(ctx, work, "apt-get", append(opts, "update")...); err != nil {
		return "", fmt.Errorf("apt-get update with %q: %w: %s", strings.TrimSpace(line), err, lastLines(out, 5))
	}
	// apt-get source may fail on files beside the orig tarball (a missing
	// signature, say) and still have fetched it: the hash decides.
	out, srcErr := run(ctx, work, "apt-get", append(opts, "source", "--download-only", DebianSource+"="+DebianVersion)...)
	orig := filepath.Join(work, fmt.Sprintf("%s_%s.orig.tar.xz", DebianSource, Version))
	if _, err := os.Stat(orig); err != nil {
		if srcErr == nil {
			srcErr = err
		}
		return "", fmt.Errorf("apt-get source %s=%s from %s: %w: %s", DebianSource, DebianVersion, mirror, srcErr, lastLines(out, 5))
	}
	f, err := os.CreateTemp(cache, ".apt-orig-")
	if err != nil {
		return "", err
	}
	f.Close()
	if err := os.Rename(orig, f.Name()); err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

func run(ctx context.Context, dir, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "LC_ALL=C", "DEBIAN_FRONTEND=noninteractive")
	return cmd.CombinedOutput()
}

func lastLines(out []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " / ")
}

// defaultMirror is Debian's own redirector, for a machine whose apt
// sources name no Debian mirror.
const defaultMirror = "http://deb.debian.org/debian"

// DebianMirror returns the Debian archive the machine's apt already uses
// (see debianMirror), for other tools that fetch from Debian (the lab's
// libvirt root).
func DebianMirror() string { return debianMirror("/etc/apt") }

// debianMirror returns the Debian archive the apt sources under etc
// already use: the first URI ending in /debian, in deb822 .sources files
// or one-line .list files.
func debianMirror(etc string) string {
	var files []string
	files = append(files, filepath.Join(etc, "sources.list"))
	for _, pat := range []string{"*.sources", "*.list"} {
		m, _ := filepath.Glob(filepath.Join(etc, "sources.list.d", pat))
		files = append(files, m...)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if m := mirrorIn(b); m != "" {
			return m
		}
	}
	return defaultMirror
}

func mirrorIn(b []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		var uris []string
		switch fields[0] {
		case "URIs:":
			uris = fields[1:]
		case "deb", "deb-src":
			rest := fields[1:]
			if len(rest) > 0 && strings.HasPrefix(rest[0], "[") {
				// [ options ], possibly spread over several fields.
				for len(rest) > 0 && !strings.HasSuffix(rest[0], "]") {
					rest = rest[1:]
				}
				if len(rest) > 0 {
					rest = rest[1:]
				}
			}
			if len(rest) > 0 {
				uris = rest[:1]
			}
		}
		for _, u := range uris {
			if strings.HasSuffix(strings.TrimSuffix(u, "/"), "/debian") {
				return strings.TrimSuffix(u, "/")
			}
		}
	}
	return ""
}
