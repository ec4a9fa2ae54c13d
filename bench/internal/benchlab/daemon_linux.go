//go:build linux

package benchlab

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/virtwire/virtwire/internal/lab"
)

// A Daemon is the running benchmark daemon.
type Daemon struct {
	// Dir is the daemon's folder (config, logs, sockets, the storage pool).
	Dir string
	// Socket is the read-write unix socket.
	Socket string
	// TLSAddr is the TLS listener, host:port on 127.0.0.1, auth none once
	// the client presents a certificate from PKIDir's CA.
	TLSAddr string
	// PKIDir holds cacert.pem, clientcert.pem and clientkey.pem (libvirt's
	// pkipath layout) for TLSAddr.
	PKIDir string
	// PID is libvirtd's process ID.
	PID int

	tb *runner
}

// URI returns the URI of driver ("test:///default", "qemu:///system") on
// the unix socket.
func (d *Daemon) URI(driver, path string) string {
	return driver + "+unix://" + path + "?socket=" + d.Socket
}

// TLSURI returns the URI of driver on the TLS listener.
func (d *Daemon) TLSURI(driver, path string) string {
	return driver + "+tls://" + d.TLSAddr + path + "?pkipath=" + d.PKIDir
}

// Start starts the daemon and waits until it answers. It needs root, as
// the lab does. Close stops it and removes its folder.
func Start() (d *Daemon, err error) {
	tb := &runner{}
	defer func() {
		if r := recover(); r != nil {
			f, ok := r.(fatal)
			if !ok {
				panic(r)
			}
			tb.cleanup()
			d, err = nil, errors.New(string(f))
		}
	}()
	pki, err := os.MkdirTemp("", "virtwire-bench-pki-")
	if err != nil {
		return nil, err
	}
	tb.Cleanup(func() { os.RemoveAll(pki) })
	if err := writePKI(pki); err != nil {
		tb.cleanup()
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		tb.cleanup()
		return nil, err
	}
	q := strconv.Quote
	conf := append([]string{}, Tuning...)
	conf = append(conf,
		"listen_tls = 1",
		"tls_port = "+q(strconv.Itoa(port)),
		`auth_tls = "none"`,
		"ca_file = "+q(filepath.Join(pki, "cacert.pem")),
		"cert_file = "+q(filepath.Join(pki, "servercert.pem")),
		"key_file = "+q(filepath.Join(pki, "serverkey.pem")),
	)
	ld := lab.StartDaemon(tb, lab.WithConfig(conf...))
	return &Daemon{
		Dir: ld.Dir, Socket: ld.Socket, PID: ld.PID,
		TLSAddr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		PKIDir:  pki,
		tb:      tb,
	}, nil
}

// Close stops the daemon and removes its files.
func (d *Daemon) Close() error {
	d.tb.cleanup()
	if len(d.tb.errs) > 0 {
		return errors.New(fmt.Sprint(d.tb.errs))
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("benchlab: finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// runner lets a program use lab.StartDaemon, which is written for tests:
// it is a testing.TB whose Fatal panics (recovered by Start) and whose
// Cleanup functions run at Close. lab.StartDaemon uses only the methods
// defined here; the embedded interface is nil.
type runner struct {
	testing.TB
	cleanups []func()
	errs     []string
}

type fatal string

func (r *runner) Helper()                   {}
func (r *runner) Name() string              { return "make bench" }
func (r *runner) Cleanup(f func())          { r.cleanups = append(r.cleanups, f) }
func (r *runner) Fatal(args ...any)         { panic(fatal(fmt.Sprint(args...))) }
func (r *runner) Fatalf(f string, a ...any) { panic(fatal(fmt.Sprintf(f, a...))) }
func (r *runner) Skip(args ...any)          { panic(fatal(fmt.Sprint(args...))) }
func (r *runner) Error(args ...any)         { r.errs = append(r.errs, fmt.Sprint(args...)) }
func (r *runner) Errorf(f string, a ...any) {
	r.errs = append(r.errs, fmt.Sprintf(f, a...))
}
func (r *runner) Log(args ...any)         { fmt.Fprintln(os.Stderr, args...) }
func (r *runner) Logf(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) }

func (r *runner) cleanup() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
	r.cleanups = nil
}
