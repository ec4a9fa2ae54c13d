//go:build linux

package lab

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/virtwire/virtwire/internal/libvirtsrc"
)

var (
	//go:embed sh/root-build.sh
	rootBuildScript []byte
	//go:embed sh/root-enter.sh
	rootEnterScript []byte
	//go:embed sh/modular-build.sh
	modularBuildScript []byte
)

// rootRecipe and modularRecipe change whenever the code below changes what
// it builds, so that an older cache entry is not used; the embedded scripts
// are hashed into the keys as well.
const (
	rootRecipe    = "virtwire libvirt root 1"
	modularRecipe = "virtwire modular daemons 1"
)

// rootCacheMaxAge is how long an unused root or modular tarball is kept.
const rootCacheMaxAge = 30 * 24 * time.Hour

// rootKey names the root tarball: the recipe and its script.
func rootKey() string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%d\n", rootRecipe, len(rootBuildScript))
	h.Write(rootBuildScript)
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// modularKey names the modular tarball: its recipe and script, the root it
// was built in, and the source release.
func modularKey() string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n%s\n%d\n", modularRecipe, rootKey(), libvirtsrc.SHA256, ModularPrefix, len(modularBuildScript))
	h.Write(modularBuildScript)
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// BuildRoot returns the tarball of the libvirt root (see Root) in cacheDir,
// building it first when it is missing: debootstrap (package debootstrap)
// from the mirror the host's apt uses, then libvirt from bookworm-backports.
// Concurrent callers build once. Progress lines go to progress, if not nil.
func BuildRoot(ctx context.Context, cacheDir string, progress io.Writer) (string, error) {
	return cached(ctx, cacheDir, "libvirt-root-"+rootKey()+".tar.zst", "root", progress, func(work string) error {
		if _, err := exec.LookPath("debootstrap"); err != nil {
			return errors.New("lab: building the libvirt root needs debootstrap (`make deps` installs it)")
		}
		root := filepath.Join(work, "root")
		script := filepath.Join(work, "root-build.sh")
		if err := os.WriteFile(script, rootBuildScript, 0o700); err != nil {
			return fmt.Errorf("lab: %w", err)
		}
		if err := runLogged(ctx, filepath.Join(work, "build.log"), "/bin/sh", script, root, libvirtsrc.DebianMirror()); err != nil {
			return fmt.Errorf("lab: building the libvirt root: %w", err)
		}
		return pack(ctx, root, ".", filepath.Join(work, "out.tar.zst"), 3)
	})
}

// BuildModular returns the tarball of the modular daemons (ModularPrefix,
// to unpack over a root) in cacheDir, building them first when missing:
// in a throwaway copy of the root, from libvirt's release source
// (internal/libvirtsrc), with meson. That takes about two minutes on two
// cores, and a gigabyte of space under cacheDir while it runs.
func BuildModular(ctx context.Context, cacheDir string, progress io.Writer) (string, error) {
	rootTarball, err := BuildRoot(ctx, cacheDir, progress)
	if err != nil {
		return "", err
	}
	src, err := libvirtsrc.Tarball(ctx)
	if err != nil {
		return "", fmt.Errorf("lab: the modular daemons' source: %w", err)
	}
	return cached(ctx, cacheDir, "libvirt-modular-"+modularKey()+".tar.zst", "modular daemons", progress, func(work string) error {
		root := filepath.Join(work, "root")
		if err := unpack(ctx, rootTarball, root); err != nil {
			return err
		}
		srcDir := filepath.Join(root, "src")
		if err := os.MkdirAll(srcDir, 0o755); err != nil {
			return fmt.Errorf("lab: %w", err)
		}
		if err := copyFile(src, filepath.Join(srcDir, "libvirt.tar.xz")); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(srcDir, "modular-build.sh"), modularBuildScript, 0o755); err != nil {
			return fmt.Errorf("lab: %w", err)
		}
		r := &Root{Dir: root}
		cmd, cleanup, err := r.EnterCommand(ctx, nil, nil,
			"/bin/sh", "/src/modular-build.sh", "/src/libvirt.tar.xz", ModularPrefix, "/dest")
		if err != nil {
			return err
		}
		defer cleanup()
		if err := runCmdLogged(cmd, filepath.Join(work, "build.log")); err != nil {
			return fmt.Errorf("lab: building the modular daemons: %w", err)
		}
		return pack(ctx, filepath.Join(root, "dest"), strings.TrimPrefix(ModularPrefix, "/"), filepath.Join(work, "out.tar.zst"), 19)
	})
}

// PrepareRoot unpacks the libvirt root, with the modular daemons, into
// dir (which must not exist or be empty), building either first when the
// cache lacks it.
func PrepareRoot(ctx context.Context, dir string, progress io.Writer) (*Root, error) {
	cacheDir := RootCache()
	root, err := BuildRoot(ctx, cacheDir, progress)
	if err != nil {
		return nil, err
	}
	modular, err := BuildModular(ctx, cacheDir, progress)
	if err != nil {
		return nil, err
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("lab: %s is not empty; a libvirt root is unpacked into a new folder", dir)
	}
	for _, t := range []string{root, modular} {
		if err := unpack(ctx, t, dir); err != nil {
			return nil, err
		}
	}
	r, ok := OpenRoot(dir)
	if !ok || r.Modular == "" {
		return nil, fmt.Errorf("lab: %s holds no libvirt root with the modular daemons after unpacking %s and %s", dir, root, modular)
	}
	return r, nil
}

// EnterCommand returns the command that runs argv chrooted in the root, in
// a private mount namespace with the host's /proc, /sys and /dev, a fresh
// /run, and the host folders binds (read-write) and roBinds (read-only)
// bound at the same paths inside. Call cleanup once the command has ended.
// The command's PID is argv's own (an exec chain).
func (r *Root) EnterCommand(ctx context.Context, binds, roBinds []string, argv ...string) (cmd *exec.Cmd, cleanup func(), err error) {
	for _, b := range append(append([]string(nil), binds...), roBinds...) {
		if !filepath.IsAbs(b) || strings.ContainsAny(b, " \t\n") {
			return nil, nil, fmt.Errorf("lab: cannot bind %q into the root: want an absolute path without spaces", b)
		}
	}
	f, err := os.CreateTemp("", "virtwire-root-enter-*.sh")
	if err != nil {
		return nil, nil, fmt.Errorf("lab: %w", err)
	}
	_, werr := f.Write(rootEnterScript)
	if err := errors.Join(werr, f.Close()); err != nil {
		os.Remove(f.Name())
		return nil, nil, fmt.Errorf("lab: %w", err)
	}
	cmd = exec.CommandContext(ctx, "/bin/sh", append([]string{f.Name(), r.Dir}, argv...)...)
	cmd.Env = append(os.Environ(),
		"VIRTWIRE_ROOT_BIND="+strings.Join(binds, " "),
		"VIRTWIRE_ROOT_BIND_RO="+strings.Join(roBinds, " "))
	return cmd, func() { os.Remove(f.Name()) }, nil
}

// cached returns cacheDir/name, making it with build (in a fresh folder
// under cacheDir, whose out.tar.zst becomes the entry) when it is missing.
// A lock file keeps concurrent builds of the same kind apart; the entry
// appears whole or not at all.
func cached(ctx context.Context, cacheDir, name, what string, progress io.Writer, build func(work string) error) (string, error) {
	cacheDir, err := filepath.Abs(cacheDir)
	if err != nil {
		return "", fmt.Errorf("lab: %w", err)
	}
	entry := filepath.Join(cacheDir, name)
	if _, err := os.Stat(entry); err == nil {
		pruneRootCache(cacheDir, entry)
		return entry, nil
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return "", fmt.Errorf("lab: cache: %w", err)
	}
	kind, _, _ := strings.Cut(strings.TrimPrefix(name, "libvirt-"), "-")
	unlock, err := lockFile(ctx, filepath.Join(cacheDir, ".lock-"+kind))
	if err != nil {
		return "", err
	}
	defer unlock()
	if _, err := os.Stat(entry); err == nil {
		return entry, nil // built by someone else while we waited
	}
	work, err := os.MkdirTemp(cacheDir, ".build-"+kind+"-")
	if err != nil {
		return "", fmt.Errorf("lab: cache: %w", err)
	}
	defer os.RemoveAll(work)
	start := time.Now()
	if progress != nil {
		fmt.Fprintf(progress, "lab: building the %s (cached as %s)\n", what, entry)
	}
	if err := build(work); err != nil {
		return "", err
	}
	if err := os.Rename(filepath.Join(work, "out.tar.zst"), entry); err != nil {
		return "", fmt.Errorf("lab: cache: %w", err)
	}
	if progress != nil {
		fmt.Fprintf(progress, "lab: built the %s in %.0fs\n", what, time.Since(start).Seconds())
	}
	pruneRootCache(cacheDir, entry)
	return entry, nil
}

// pruneRootCache marks entry as used now and removes root and modular
// tarballs unused for rootCacheMaxAge (other checkouts may still use a
// tarball of another recipe, so a newer one does not replace it at once),
// and what builds killed half-way left a day ago.
func pruneRootCache(cacheDir, entry string) {
	now := time.Now()
	_ = os.Chtimes(entry, now, now)
	for _, pattern := range []string{"libvirt-root-*.tar.zst", "libvirt-modular-*.tar.zst"} {
		old, _ := filepath.Glob(filepath.Join(cacheDir, pattern))
		for _, f := range old {
			if fi, err := os.Stat(f); err == nil && f != entry && now.Sub(fi.ModTime()) > rootCacheMaxAge {
				_ = os.Remove(f)
			}
		}
	}
	for _, pattern := range []string{".build-root-*", ".build-modular-*"} {
		builds, _ := filepath.Glob(filepath.Join(cacheDir, pattern))
		for _, dir := range builds {
			if fi, err := os.Stat(dir); err == nil && now.Sub(fi.ModTime()) > 24*time.Hour {
				_ = os.RemoveAll(dir)
			}
		}
	}
}

// pack writes the tree member under dir to out as a zstd-compressed tar
// with numeric owners (package zstd).
func pack(ctx context.Context, dir, member, out string, level int) error {
	tar := exec.CommandContext(ctx, "tar", "-C", dir, "--numeric-owner", "-cf", "-", member)
	zstd := exec.CommandContext(ctx, "zstd", "-q", "-T0", fmt.Sprintf("-%d", level), "-f", "-o", out)
	if err := pipeline(tar, zstd); err != nil {
		return fmt.Errorf("lab: packing %s: %w", dir, err)
	}
	return nil
}

// unpack unpacks a tarball made by pack into dir.
func unpack(ctx context.Context, tarball, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	zstd := exec.CommandContext(ctx, "zstd", "-q", "-dc", tarball)
	tar := exec.CommandContext(ctx, "tar", "-C", dir, "--numeric-owner", "-xf", "-")
	if err := pipeline(zstd, tar); err != nil {
		return fmt.Errorf("lab: unpacking %s: %w", tarball, err)
	}
	return nil
}

// pipeline runs a | b and returns the first failure, with its standard error.
func pipeline(a, b *exec.Cmd) error {
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	var aErr, bErr strings.Builder
	a.Stdout, a.Stderr = w, &aErr
	b.Stdin, b.Stderr = r, &bErr
	if err := a.Start(); err != nil {
		r.Close()
		w.Close()
		return fmt.Errorf("%s: %w", a.Path, err)
	}
	w.Close()
	err = b.Start()
	r.Close()
	if err != nil {
		_ = a.Process.Kill()
		_ = a.Wait()
		return fmt.Errorf("%s: %w", b.Path, err)
	}
	ea, eb := a.Wait(), b.Wait()
	if ea != nil {
		return fmt.Errorf("%s: %w: %s", a.Args[0], ea, strings.TrimSpace(aErr.String()))
	}
	if eb != nil {
		return fmt.Errorf("%s: %w: %s", b.Args[0], eb, strings.TrimSpace(bErr.String()))
	}
	return nil
}

// runLogged runs argv with its output in logPath; on failure the error
// carries the log's tail.
func runLogged(ctx context.Context, logPath string, argv ...string) error {
	return runCmdLogged(exec.CommandContext(ctx, argv[0], argv[1:]...), logPath)
}

func runCmdLogged(cmd *exec.Cmd, logPath string) error {
	out, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%w\n%s", err, tailLogs(logPath))
	}
	return nil
}
