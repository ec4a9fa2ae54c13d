//go:build linux

package lab

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"debug/elf"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

var (
	//go:embed sh/guest-init.sh
	guestInit []byte
	//go:embed sh/guest-udhcpc.sh
	guestUdhcpc []byte
	//go:embed sh/guest-shutdown.sh
	guestShutdown []byte
	//go:embed sh/guest-poweroff.sh
	guestPoweroff []byte
)

// guestRecipe changes whenever the build below changes what it makes, so that
// a cache entry made by older code is not used. The embedded scripts are
// hashed into the key as well.
const guestRecipe = "virtwire guest 2"

// guestModules are the kernel modules the guest loads, with whatever they
// depend on: PCI virtio devices, the NIC, the serial port of the agent, and
// the ACPI power button with the event device busybox acpid reads it from.
var guestModules = []string{"virtio_pci", "virtio_net", "virtio_console", "button", "evdev"}

// manifestFile, in a cache entry, is the GuestImage as JSON; it is written
// last, so an entry with one is complete.
const manifestFile = "manifest.json"

// BuildGuestImage returns the guest image for the package versions apt
// offers now, from cacheDir if it was built before, else by downloading the
// packages (apt-get download; nothing is installed) and building it there.
// Concurrent builds of the same image wait for each other. It needs root
// only when apt's package lists must be fetched first.
func BuildGuestImage(ctx context.Context, cacheDir string) (*GuestImage, error) {
	start := time.Now()
	cacheDir, err := filepath.Abs(cacheDir)
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	pkgs, err := resolveGuestPackagesCached(ctx, cacheDir)
	if err != nil {
		return nil, err
	}
	key := guestKey(pkgs)
	entry := filepath.Join(cacheDir, "guest-"+key)
	if img, err := loadGuestImage(entry); err == nil {
		pruneGuestCache(cacheDir, entry)
		return img, nil
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return nil, fmt.Errorf("lab: guest cache: %w", err)
	}
	unlock, err := lockFile(ctx, filepath.Join(cacheDir, ".lock"))
	if err != nil {
		return nil, err
	}
	defer unlock()
	if img, err := loadGuestImage(entry); err == nil {
		return img, nil // built by someone else while we waited
	}
	work, err := os.MkdirTemp(cacheDir, ".build-")
	if err != nil {
		return nil, fmt.Errorf("lab: guest cache: %w", err)
	}
	defer os.RemoveAll(work)
	img, err := buildGuestImage(ctx, work, pkgs)
	if err != nil {
		return nil, err
	}
	img.Key = key
	img.Dir = entry
	img.Kernel = filepath.Join(entry, "vmlinuz")
	img.Initrd = filepath.Join(entry, "initrd.cpio")
	img.Built = time.Now().UTC().Truncate(time.Second)
	img.BuildSeconds = time.Since(start).Seconds()
	out := filepath.Join(work, "out")
	data, err := json.MarshalIndent(img, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	if err := os.WriteFile(filepath.Join(out, manifestFile), append(data, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("lab: guest cache: %w", err)
	}
	// An entry without a manifest is a build that died half-way.
	if err := os.RemoveAll(entry); err != nil {
		return nil, fmt.Errorf("lab: guest cache: %w", err)
	}
	if err := os.Rename(out, entry); err != nil {
		return nil, fmt.Errorf("lab: guest cache: %w", err)
	}
	pruneGuestCache(cacheDir, entry)
	return img, nil
}

// guestCacheMaxAge is how long a cache entry is kept after its last use.
const guestCacheMaxAge = 30 * 24 * time.Hour

// pruneGuestCache marks entry as used now and removes the images and
// remembered apt answers not used for guestCacheMaxAge (a kernel update
// makes a new image; the old one would stay forever). Failures only leave
// files behind.
func pruneGuestCache(cacheDir, entry string) {
	now := time.Now()
	_ = os.Chtimes(filepath.Join(entry, manifestFile), now, now)
	old := func(path string) bool {
		fi, err := os.Stat(path)
		return err == nil && now.Sub(fi.ModTime()) > guestCacheMaxAge
	}
	images, _ := filepath.Glob(filepath.Join(cacheDir, "guest-*"))
	for _, dir := range images {
		if dir != entry && old(filepath.Join(dir, manifestFile)) {
			_ = os.RemoveAll(dir)
		}
	}
	answers, _ := filepath.Glob(filepath.Join(cacheDir, "resolved", "*.json"))
	for _, f := range answers {
		if old(f) {
			_ = os.Remove(f)
		}
	}
	// What a build killed half-way left; a running build's folder is young.
	builds, _ := filepath.Glob(filepath.Join(cacheDir, ".build-*"))
	for _, dir := range builds {
		if fi, err := os.Stat(dir); err == nil && now.Sub(fi.ModTime()) > 24*time.Hour {
			_ = os.RemoveAll(dir)
		}
	}
}

func loadGuestImage(entry string) (*GuestImage, error) {
	data, err := os.ReadFile(filepath.Join(entry, manifestFile))
	if err != nil {
		return nil, err
	}
	img := new(GuestImage)
	if err := json.Unmarshal(data, img); err != nil {
		return nil, err
	}
	for _, f := range []string{img.Kernel, img.Initrd} {
		if _, err := os.Stat(f); err != nil {
			return nil, err
		}
	}
	return img, nil
}

// lockFile takes an exclusive flock on path, polling so that ctx can end
// the wait.
func lockFile(ctx context.Context, path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	var lockErr error
	err = poll(ctx, func() bool {
		lockErr = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		return !errors.Is(lockErr, syscall.EWOULDBLOCK)
	}, func() string { return "waiting for another guest build (" + path + ")" })
	if err == nil {
		err = lockErr
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lab: %w", err)
	}
	return func() { f.Close() }, nil
}

// guestKey hashes the recipe, the embedded scripts and the package versions.
func guestKey(pkgs []debPackage) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", guestRecipe)
	for _, s := range [][]byte{guestInit, guestUdhcpc, guestShutdown, guestPoweroff} {
		fmt.Fprintf(h, "%d\n", len(s))
		h.Write(s)
	}
	fmt.Fprintf(h, "%s\n", strings.Join(guestModules, ","))
	names := make([]string, len(pkgs))
	for i, p := range pkgs {
		names[i] = p.String()
	}
	sort.Strings(names)
	fmt.Fprintf(h, "%s\n", strings.Join(names, "\n"))
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// resolveGuestPackagesCached is resolveGuestPackages, remembered in
// cacheDir under a fingerprint of apt's inputs (package lists, dpkg status,
// sources, preferences and configuration; names, sizes and times): while
// none of those changes, apt's answer cannot change, and asking it again
// would cost seconds.
func resolveGuestPackagesCached(ctx context.Context, cacheDir string) ([]debPackage, error) {
	fp := aptFingerprint()
	file := filepath.Join(cacheDir, "resolved", fp+".json")
	if data, err := os.ReadFile(file); err == nil {
		var list []string
		if json.Unmarshal(data, &list) == nil && len(list) >= 3 {
			pkgs := make([]debPackage, 0, len(list))
			for _, nv := range list {
				n, v, ok := strings.Cut(nv, "=")
				if !ok || n == "" || v == "" {
					pkgs = nil
					break
				}
				pkgs = append(pkgs, debPackage{name: n, version: v})
			}
			if pkgs != nil {
				now := time.Now()
				_ = os.Chtimes(file, now, now) // used: see pruneGuestCache
				return pkgs, nil
			}
		}
	}
	pkgs, err := resolveGuestPackages(ctx)
	if err != nil {
		return nil, err
	}
	list := make([]string, len(pkgs))
	for i, p := range pkgs {
		list[i] = p.String()
	}
	// Remembering is an optimisation: a failure to write only costs time.
	// The fingerprint is taken again, as apt-get update may have run.
	if data, err := json.Marshal(list); err == nil && os.MkdirAll(filepath.Dir(file), 0o755) == nil {
		file = filepath.Join(cacheDir, "resolved", aptFingerprint()+".json")
		if os.WriteFile(file+".tmp", data, 0o644) == nil {
			_ = os.Rename(file+".tmp", file)
		}
	}
	return pkgs, nil
}

// aptFingerprint hashes the names, sizes and modification times of the
// files apt's candidate versions depend on.
func aptFingerprint() string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", guestRecipe)
	var files []string
	for _, pattern := range []string{
		"/var/lib/apt/lists/*", "/var/lib/dpkg/status",
		"/etc/apt/sources.list", "/etc/apt/sources.list.d/*",
		"/etc/apt/preferences", "/etc/apt/preferences.d/*",
		"/etc/apt/apt.conf", "/etc/apt/apt.conf.d/*",
	} {
		m, _ := filepath.Glob(pattern)
		files = append(files, m...)
	}
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil && fi.Mode().IsRegular() {
			fmt.Fprintf(h, "%s %d %d\n", f, fi.Size(), fi.ModTime().UnixNano())
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// resolveGuestPackages asks apt for the candidate versions: the kernel the
// cloud metapackage depends on, busybox-static, qemu-guest-agent, and the
// library packages (named lib*) qemu-guest-agent depends on, recursively.
// When apt knows none of them (no package lists yet, as in a fresh
// container), it runs apt-get update once, as root.
func resolveGuestPackages(ctx context.Context) ([]debPackage, error) {
	known := make(map[string]debPackage)
	ask := append([]string{kernelMetapackage, busyboxPackage, agentPackage}, agentLibraries...)
	updated := false
	for {
		got, err := aptShow(ctx, ask...)
		if err != nil {
			return nil, err
		}
		if _, ok := got[kernelMetapackage]; !ok && !updated && len(known) == 0 {
			if os.Geteuid() != 0 {
				return nil, fmt.Errorf("lab: apt offers no %s (as root the lab would run apt-get update)", kernelMetapackage)
			}
			updated = true
			if out, err := exec.CommandContext(ctx, "apt-get", "-q", "-o", "DPkg::Lock::Timeout=300", "update").CombinedOutput(); err != nil {
				return nil, fmt.Errorf("lab: apt offers no %s, and apt-get update: %w: %s", kernelMetapackage, err, tail(out))
			}
			continue
		}
		for n, p := range got {
			known[n] = p
		}
		for _, n := range ask {
			if _, ok := known[n]; !ok {
				known[n] = debPackage{name: n} // asked and absent: not asked again
			}
		}
		pkgs, missing, err := guestPackageSet(known)
		if err != nil {
			return nil, err
		}
		if len(missing) == 0 {
			return pkgs, nil
		}
		ask = missing
	}
}

// aptShow returns the candidate version of those of names that apt knows,
// from `apt-cache show --no-all-versions` (which fails when some name is
// unknown, but still shows the others).
func aptShow(ctx context.Context, names ...string) (map[string]debPackage, error) {
	cmd := exec.CommandContext(ctx, "apt-cache", append([]string{"show", "--no-all-versions"}, names...)...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return nil, fmt.Errorf("lab: apt-cache (package apt): %w", err)
	}
	got := make(map[string]debPackage)
	for _, stanza := range strings.Split(string(out), "\n\n") {
		p := parseStanza(stanza)
		if p.name == "" || p.version == "" {
			continue
		}
		if _, dup := got[p.name]; !dup {
			got[p.name] = p
		}
	}
	if err != nil && len(got) == 0 && !strings.Contains(stderr.String(), "No packages found") {
		return nil, fmt.Errorf("lab: apt-cache show: %w: %s", err, tail(stderr.Bytes()))
	}
	return got, nil
}

// buildGuestImage downloads and unpacks pkgs in work and writes the kernel
// and the initramfs to work/out.
func buildGuestImage(ctx context.Context, work string, pkgs []debPackage) (*GuestImage, error) {
	debs := filepath.Join(work, "debs")
	out := filepath.Join(work, "out")
	for _, d := range []string{debs, out, filepath.Join(work, "x")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("lab: %w", err)
		}
	}
	args := []string{"-q", "-o", "APT::Sandbox::User=root", "download"}
	for _, p := range pkgs {
		args = append(args, p.String())
	}
	cmd := exec.CommandContext(ctx, "apt-get", args...)
	cmd.Dir = debs
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("lab: apt-get download: %w: %s", err, tail(b))
	}
	// Unpacked side by side: the kernel's (about 100 MB) takes longest.
	roots := make(map[string]string, len(pkgs)) // package name -> unpacked folder
	errs := make([]error, len(pkgs))
	var wg sync.WaitGroup
	for i, p := range pkgs {
		matches, _ := filepath.Glob(filepath.Join(debs, p.name+"_*.deb"))
		if len(matches) != 1 {
			return nil, fmt.Errorf("lab: apt-get download left %d files for %s in %s", len(matches), p.name, debs)
		}
		root := filepath.Join(work, "x", p.name)
		roots[p.name] = root
		wg.Add(1)
		go func() {
			defer wg.Done()
			if b, err := exec.CommandContext(ctx, "dpkg-deb", "-x", matches[0], root).CombinedOutput(); err != nil {
				errs[i] = fmt.Errorf("lab: dpkg-deb -x %s: %w: %s", matches[0], err, tail(b))
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	img := &GuestImage{}
	for _, p := range pkgs {
		img.Packages = append(img.Packages, p.String())
	}
	rd := newInitramfs()

	// The kernel and its modules.
	kroot := roots[pkgs[0].name]
	releases, _ := os.ReadDir(filepath.Join(kroot, "lib", "modules"))
	if len(releases) != 1 {
		return nil, fmt.Errorf("lab: %s holds %d kernel releases, want 1", pkgs[0], len(releases))
	}
	img.KernelRelease = releases[0].Name()
	if err := copyFile(filepath.Join(kroot, "boot", "vmlinuz-"+img.KernelRelease), filepath.Join(out, "vmlinuz")); err != nil {
		return nil, err
	}
	mods, err := kernelModules(filepath.Join(kroot, "lib", "modules", img.KernelRelease), rd)
	if err != nil {
		return nil, err
	}
	img.Modules = mods

	// busybox, qemu-ga and its libraries, the scripts.
	bb, err := os.ReadFile(filepath.Join(roots[busyboxPackage], "bin", "busybox"))
	if err != nil {
		return nil, fmt.Errorf("lab: %s: %w", busyboxPackage, err)
	}
	libRoots := make([]string, 0, len(pkgs))
	for _, p := range pkgs[2:] {
		libRoots = append(libRoots, roots[p.name])
	}
	libs, err := addELF(rd, "/usr/sbin/qemu-ga", filepath.Join(roots[agentPackage], "usr", "sbin", "qemu-ga"), libRoots)
	if err != nil {
		return nil, err
	}
	img.Libraries = libs
	osRelease := "NAME=\"virtwire lab guest\"\nID=virtwire-lab-guest\nPRETTY_NAME=\"virtwire lab guest (busybox, " + img.KernelRelease + ")\"\n"
	for _, step := range []error{
		rd.file("/init", 0o755, guestInit),
		rd.file("/bin/busybox", 0o755, bb),
		rd.file("/etc/udhcpc.sh", 0o755, guestUdhcpc),
		rd.file("/sbin/shutdown", 0o755, guestShutdown),
		rd.file("/etc/acpi/PWRF/00000080", 0o755, guestPoweroff),
		rd.file("/etc/os-release", 0o644, []byte(osRelease)),
		rd.file("/etc/passwd", 0o644, []byte("root:x:0:0:root:/root:/bin/sh\n")),
		rd.file("/etc/group", 0o644, []byte("root:x:0:\n")),
		rd.file("/etc/modules", 0o644, []byte(strings.Join(mods, "\n")+"\n")),
		rd.charDev("/dev/console", 0o600, 5, 1),
		rd.dir("/proc"), rd.dir("/sys"), rd.dir("/run"), rd.dir("/tmp"), rd.dir("/root"),
		rd.symlink("/var/run", "/run"),
	} {
		if step != nil {
			return nil, step
		}
	}
	// Not compressed: under emulation the kernel unpacks a plain archive
	// (9 MB) in a tenth of the time a gzipped one (4 MB) takes.
	f, err := os.Create(filepath.Join(out, "initrd.cpio"))
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	defer f.Close()
	bw := bufio.NewWriter(f)
	if err := rd.writeTo(bw); err != nil {
		return nil, fmt.Errorf("lab: writing the initramfs: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return nil, fmt.Errorf("lab: writing the initramfs: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("lab: writing the initramfs: %w", err)
	}
	return img, nil
}

// kernelModules adds guestModules and the modules they depend on, from
// modDir (lib/modules/RELEASE), to rd as /lib/modules/NAME.ko, and returns
// their file names in load order. A module's file is named for the module,
// so only the modules needed are read.
func kernelModules(modDir string, rd *initramfs) ([]string, error) {
	files := make(map[string]string) // module name -> path
	err := filepath.WalkDir(filepath.Join(modDir, "kernel"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		base := d.Name()
		switch {
		case strings.HasSuffix(base, ".ko"):
			files[modName(strings.TrimSuffix(base, ".ko"))] = p
		case strings.Contains(base, ".ko."):
			return fmt.Errorf("compressed module %s: busybox insmod cannot load it", p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("lab: kernel modules: %w", err)
	}
	builtinList, err := os.ReadFile(filepath.Join(modDir, "modules.builtin"))
	if err != nil {
		return nil, fmt.Errorf("lab: kernel modules: %w", err)
	}
	mods := make(map[string]*kmod)
	lookup := func(name string) (*kmod, error) {
		if m, ok := mods[name]; ok {
			return m, nil
		}
		p, ok := files[name]
		if !ok {
			return nil, nil
		}
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		n, deps, err := readModinfo(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		if modName(n) != name {
			return nil, fmt.Errorf("%s holds module %s, not %s", p, n, name)
		}
		m := &kmod{name: name, path: p, depends: deps}
		mods[name] = m
		return m, nil
	}
	order, err := loadOrder(lookup, parseBuiltin(builtinList), guestModules)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(order))
	for _, m := range order {
		data, err := os.ReadFile(m.path)
		if err != nil {
			return nil, fmt.Errorf("lab: %w", err)
		}
		file := m.name + ".ko"
		if err := rd.file("/lib/modules/"+file, 0o644, data); err != nil {
			return nil, err
		}
		names = append(names, file)
	}
	return names, nil
}

// addELF adds the program at src to rd as dst, with its ELF interpreter and
// every shared library it needs, directly or through other libraries, found
// in the unpacked library packages libRoots. It returns the paths added
// for the libraries and the interpreter.
func addELF(rd *initramfs, dst, src string, libRoots []string) ([]string, error) {
	data, err := os.ReadFile(src)
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	if err := rd.file(dst, 0o755, data); err != nil {
		return nil, err
	}
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("lab: %s: %w", src, err)
	}
	var interp string
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			b, err := io.ReadAll(p.Open())
			if err != nil {
				return nil, fmt.Errorf("lab: %s: %w", src, err)
			}
			interp = string(bytes.TrimRight(b, "\x00"))
		}
	}
	needed, err := f.ImportedLibraries()
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("lab: %s: %w", src, err)
	}
	var added []string
	if interp != "" {
		real, err := findInRoots(libRoots, []string{interp})
		if err != nil {
			return nil, fmt.Errorf("lab: interpreter of %s: %w", dst, err)
		}
		if err := copyInto(rd, interp, real); err != nil {
			return nil, err
		}
		added = append(added, interp)
	}
	done := make(map[string]bool)
	for len(needed) > 0 {
		soname := needed[0]
		needed = needed[1:]
		if done[soname] {
			continue
		}
		done[soname] = true
		if interp != "" && path.Base(interp) == soname {
			continue // the interpreter itself, added above
		}
		dirs := []string{"/lib/" + multiarch, "/usr/lib/" + multiarch, "/lib64", "/lib", "/usr/lib"}
		var cands []string
		for _, d := range dirs {
			cands = append(cands, d+"/"+soname)
		}
		real, err := findInRoots(libRoots, cands)
		if err != nil {
			return nil, fmt.Errorf("lab: %s needs %s: %w", dst, soname, err)
		}
		inGuest := "/lib/" + multiarch + "/" + soname
		if err := copyInto(rd, inGuest, real); err != nil {
			return nil, err
		}
		added = append(added, inGuest)
		lf, err := elf.Open(real)
		if err != nil {
			return nil, fmt.Errorf("lab: %s: %w", real, err)
		}
		more, err := lf.ImportedLibraries()
		lf.Close()
		if err != nil {
			return nil, fmt.Errorf("lab: %s: %w", real, err)
		}
		needed = append(needed, more...)
	}
	sort.Strings(added)
	return added, nil
}

// findInRoots returns the file the first existing candidate path names in
// one of roots (unpacked packages), following symbolic links inside that
// root: an absolute link target is taken relative to the root, never to the
// host.
func findInRoots(roots, candidates []string) (string, error) {
	for _, root := range roots {
		for _, c := range candidates {
			if real, err := resolveIn(root, c); err == nil {
				return real, nil
			}
		}
	}
	return "", fmt.Errorf("none of %s is in the library packages", strings.Join(candidates, ", "))
}

func resolveIn(root, p string) (string, error) {
	for range 40 {
		full := filepath.Join(root, p)
		fi, err := os.Lstat(full)
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			if !fi.Mode().IsRegular() {
				return "", fmt.Errorf("%s is not a regular file", full)
			}
			return full, nil
		}
		target, err := os.Readlink(full)
		if err != nil {
			return "", err
		}
		if path.IsAbs(target) {
			p = target
		} else {
			p = path.Join(path.Dir(p), target)
		}
	}
	return "", fmt.Errorf("too many symbolic links at %s in %s", p, root)
}

func copyInto(rd *initramfs, dst, src string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	return rd.file(dst, 0o755, data)
}

func copyFile(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	return nil
}

// tail returns the last lines of a command's output, for error messages.
func tail(b []byte) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 10 {
		lines = lines[len(lines)-10:]
	}
	return strings.Join(lines, "\n")
}
