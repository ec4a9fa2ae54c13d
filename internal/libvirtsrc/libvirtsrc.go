// Package libvirtsrc provides the unpacked source tree of the libvirt
// release the project is built against (Version), for the code generator
// and for the tests that read libvirt's protocol files, headers, schemas
// and XML test documents. Nothing of libvirt's is committed: the tree is
// fetched once, verified against a pinned SHA-256 and cached.
//
// Dir looks, in order, at
//
//   - $LIBVIRT_SOURCE: an unpacked libvirt tree (a release or a git
//     checkout, used as it is) or a release tarball (.tar.xz, verified);
//   - the cache, $XDG_CACHE_HOME/virtwire/libvirt-VERSION (by default
//     ~/.cache/virtwire/...);
//   - libvirt's release download site, and where that cannot be reached
//     and apt-get exists, Debian's source package of the same release,
//     whose orig tarball is the upstream one.
//
// A tarball is verified before anything is unpacked; it is unpacked into
// a temporary folder that is renamed into place, and a lock file keeps
// parallel test processes from fetching at the same time, so the cache
// never holds half a tree.
//
//	dir, err := libvirtsrc.Dir(ctx)
//	x := filepath.Join(dir, "src", "remote", "remote_protocol.x")
package libvirtsrc

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ulikunitz/xz"
)

// The pinned release.
const (
	// Version is the libvirt release the project is built against.
	Version = "11.3.0"
	// SHA256 is the SHA-256 of the release tarball, libvirt-11.3.0.tar.xz.
	SHA256 = "6bcb0c42c4580436fea262ced56f68a6afe20f7390b1bea2116718cc034a0283"
	// DownloadURL is where libvirt publishes the release tarball.
	DownloadURL = "https://download.libvirt.org/libvirt-" + Version + ".tar.xz"
	// DebianSource and DebianVersion name Debian's source package of the
	// release (suite DebianSuite), tried when DownloadURL cannot be
	// reached: its orig tarball is the upstream tarball.
	DebianSource  = "libvirt"
	DebianVersion = "11.3.0-2~bpo12+1"
	DebianSuite   = "bookworm-backports"
)

// EnvVar names the environment variable that points at a libvirt tree or
// a release tarball to use instead of the cache.
const EnvVar = "LIBVIRT_SOURCE"

// marker is the file inside a tree that a complete tree has: the protocol
// definition everything else is generated from.
var marker = filepath.Join("src", "remote", "remote_protocol.x")

// Dir returns the root of an unpacked libvirt tree (it holds src/,
// include/, tests/, docs/...), fetching and unpacking the release when
// neither $LIBVIRT_SOURCE nor the cache has it.
func Dir(ctx context.Context) (string, error) {
	env := os.Getenv(EnvVar)
	if env != "" && !isTarball(env) {
		// A tree is used as it is: it may be a checkout of another
		// version, which is the point of pointing at it.
		if !isTree(env) {
			return "", fmt.Errorf("libvirtsrc: %s=%s is neither a libvirt source tree (no %s in it) nor a .tar.xz", EnvVar, env, marker)
		}
		return env, nil
	}
	s, err := pinned()
	if err != nil {
		return "", err
	}
	return s.dir(ctx, env)
}

// Tarball returns the path of the verified release tarball: $LIBVIRT_SOURCE
// when that names one, else the cache's copy, fetched when missing.
func Tarball(ctx context.Context) (string, error) {
	s, err := pinned()
	if err != nil {
		return "", err
	}
	env := os.Getenv(EnvVar)
	if !isTarball(env) {
		env = ""
	}
	return s.tarball(ctx, env)
}

// CacheDir returns (and creates) the folder the tree and the tarball are
// cached in: virtwire under the user's cache folder ($XDG_CACHE_HOME, by
// default ~/.cache, on Linux).
func CacheDir() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("libvirtsrc: no cache folder for libvirt's source (set %s to a libvirt tree): %w", EnvVar, err)
	}
	dir := filepath.Join(base, "virtwire")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("libvirtsrc: %w", err)
	}
	return dir, nil
}

// A source is one pinned release and the cache it is kept in.
type source struct {
	version  string // the tarball holds libvirt-VERSION/
	sha256   string
	cache    string
	fetchers []fetcher
}

func pinned() (*source, error) {
	cache, err := CacheDir()
	if err != nil {
		return nil, err
	}
	return &source{version: Version, sha256: SHA256, cache: cache, fetchers: fetchers}, nil
}

func (s *source) treePath() string    { return filepath.Join(s.cache, "libvirt-"+s.version) }
func (s *source) tarballPath() string { return filepath.Join(s.cache, "libvirt-"+s.version+".tar.xz") }
func (s *source) lockPath() string    { return filepath.Join(s.cache, ".libvirt-"+s.version+".lock") }

// dir returns the cached tree, unpacking it from the tarball given (when
// not "") or the cache's (fetched when missing).
func (s *source) dir(ctx context.Context, given string) (string, error) {
	tree := s.treePath()
	if given == "" && isTree(tree) {
		return tree, nil
	}
	unlock, err := lock(ctx, s.lockPath())
	if err != nil {
		return "", err
	}
	defer unlock()
	tarball, err := s.tarballLocked(ctx, given)
	if err != nil {
		return "", err
	}
	if isTree(tree) { // another process finished it while this one waited
		return tree, nil
	}
	if err := s.unpackInto(tarball, tree); err != nil {
		return "", err
	}
	return tree, nil
}

func (s *source) tarball(ctx context.Context, given string) (string, error) {
	unlock, err := lock(ctx, s.lockPath())
	if err != nil {
		return "", err
	}
	defer unlock()
	return s.tarballLocked(ctx, given)
}

func isTarball(p string) bool { return strings.HasSuffix(p, ".tar.xz") }

func isTree(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, marker))
	return err == nil
}

// tarballLocked returns a verified tarball: given (when not ""), else the
// cache's, fetched when it is missing. The caller holds the cache's lock.
func (s *source) tarballLocked(ctx context.Context, given string) (string, error) {
	if given != "" {
		if err := s.verify(given); err != nil {
			return "", err
		}
		return given, nil
	}
	path := s.tarballPath()
	if _, err := os.Stat(path); err == nil {
		if err := s.verify(path); err == nil {
			return path, nil
		}
		// A damaged copy (changed after it was verified): fetch it again.
		_ = os.Remove(path)
	}
	var errs []error
	for _, f := range s.fetchers {
		tmp, err := f.fetch(ctx, s.cache)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f.name, err))
			if ctx.Err() != nil {
				break
			}
			continue
		}
		if err := s.verify(tmp); err != nil {
			os.Remove(tmp)
			errs = append(errs, fmt.Errorf("%s: %w", f.name, err))
			continue
		}
		if err := os.Rename(tmp, path); err != nil {
			os.Remove(tmp)
			return "", fmt.Errorf("libvirtsrc: %w", err)
		}
		return path, nil
	}
	return "", &FetchError{Version: s.version, Errs: errs}
}

// A FetchError says that no source of the release could be reached; it
// holds why, for each source tried.
type FetchError struct {
	Version string
	Errs    []error
}

func (e *FetchError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "libvirtsrc: could not fetch libvirt %s (set %s to a libvirt tree or to libvirt-%s.tar.xz)", e.Version, EnvVar, e.Version)
	for _, err := range e.Errs {
		b.WriteString("; ")
		b.WriteString(err.Error())
	}
	return b.String()
}

// Unwrap returns the errors of each source.
func (e *FetchError) Unwrap() []error { return e.Errs }

// A HashError says that a tarball is not the pinned release.
type HashError struct {
	Path      string
	Got, Want string
}

func (e *HashError) Error() string {
	return fmt.Sprintf("libvirtsrc: %s has SHA-256 %s, but the pinned libvirt tarball has %s", e.Path, e.Got, e.Want)
}

// verify checks the tarball at path against the pinned hash.
func (s *source) verify(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("libvirtsrc: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("libvirtsrc: reading %s: %w", path, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != s.sha256 {
		return &HashError{Path: path, Got: got, Want: s.sha256}
	}
	return nil
}

// unpackInto unpacks the tarball into a temporary folder in the cache and
// renames its top folder to tree, so that tree is whole or absent.
func (s *source) unpackInto(tarball, tree string) error {
	tmp, err := os.MkdirTemp(s.cache, ".unpack-")
	if err != nil {
		return fmt.Errorf("libvirtsrc: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := unpack(tarball, tmp); err != nil {
		return err
	}
	top := filepath.Join(tmp, "libvirt-"+s.version)
	if !isTree(top) {
		return fmt.Errorf("libvirtsrc: %s holds no libvirt-%s/%s", tarball, s.version, marker)
	}
	if err := os.Rename(top, tree); err != nil {
		if isTree(tree) {
			return nil
		}
		return fmt.Errorf("libvirtsrc: %w", err)
	}
	return nil
}

// unpack extracts a .tar.xz into dir. Names that would leave dir are
// refused, although a verified tarball has none.
func unpack(tarball, dir string) error {
	f, err := os.Open(tarball)
	if err != nil {
		return fmt.Errorf("libvirtsrc: %w", err)
	}
	defer f.Close()
	xr, err := xz.NewReader(f)
	if err != nil {
		return fmt.Errorf("libvirtsrc: %s: %w", tarball, err)
	}
	tr := tar.NewReader(xr)
	var mtimes []dirTime
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("libvirtsrc: %s: %w", tarball, err)
		}
		name := filepath.FromSlash(hdr.Name)
		if !filepath.IsLocal(name) {
			return fmt.Errorf("libvirtsrc: %s: entry %q leaves the tree", tarball, hdr.Name)
		}
		target := filepath.Join(dir, name)
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return fmt.Errorf("libvirtsrc: %w", err)
			}
			mtimes = append(mtimes, dirTime{target, hdr.ModTime})
		case tar.TypeReg:
			if err := writeFile(target, tr, fs.FileMode(hdr.Mode)&0o755|0o644, hdr.ModTime); err != nil {
				return err
			}
		case tar.TypeSymlink:
			if filepath.IsAbs(hdr.Linkname) {
				return fmt.Errorf("libvirtsrc: %s: link %q points outside the tree", tarball, hdr.Name)
			}
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return fmt.Errorf("libvirtsrc: %w", err)
			}
			if err := os.Symlink(hdr.Linkname, target); err != nil {
				return fmt.Errorf("libvirtsrc: %w", err)
			}
		case tar.TypeXGlobalHeader:
		default:
			// Hard links and devices: libvirt's tarball has none.
			return fmt.Errorf("libvirtsrc: %s: entry %q has type %q, which is not unpacked", tarball, hdr.Name, hdr.Typeflag)
		}
	}
	// Folders get their times last: writing into them changed them.
	for _, d := range mtimes {
		_ = os.Chtimes(d.path, d.t, d.t)
	}
	return nil
}

type dirTime struct {
	path string
	t    time.Time
}

func writeFile(path string, r io.Reader, mode fs.FileMode, mtime time.Time) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("libvirtsrc: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("libvirtsrc: %w", err)
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return fmt.Errorf("libvirtsrc: writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("libvirtsrc: %w", err)
	}
	return os.Chtimes(path, mtime, mtime)
}

// errUnavailable marks a source that cannot be used on this machine (no
// apt-get, say), as opposed to one that failed.
var errUnavailable = errors.New("not available here")

type fetcher struct {
	name  string
	fetch func(ctx context.Context, cache string) (tmpPath string, err error)
}

var fetchers = []fetcher{
	{"download from " + DownloadURL, download},
	{"Debian source package " + DebianSource + "=" + DebianVersion, aptSource},
}

// downloadTimeout bounds the download: on a machine that reaches no web
// site it fails at once, and a slow mirror must not hang go generate.
const downloadTimeout = 5 * time.Minute

func download(ctx context.Context, cache string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, downloadTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, DownloadURL, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s", resp.Status)
	}
	f, err := os.CreateTemp(cache, ".download-")
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		os.Remove(f.Name())
		return "", err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}
