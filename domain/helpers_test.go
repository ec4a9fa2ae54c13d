package domain_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/domain"
	"github.com/virtwire/virtwire/internal/lab"
	"github.com/virtwire/virtwire/xmlspec"
)

// env is a connection to one of the lab daemon's drivers and the URI virsh
// reaches the same driver with.
type env struct {
	lab  *lab.Lab
	uri  string
	conn *virtwire.Conn
}

func (e *env) virsh(t *testing.T, args ...string) string {
	t.Helper()
	return e.lab.Virsh(t, e.uri, args...)
}

// virshFails runs virsh and returns its error, failing the test if virsh
// succeeded.
func (e *env) virshFails(t *testing.T, args ...string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := e.lab.RunVirsh(ctx, e.uri, args...)
	if err == nil {
		t.Fatalf("virsh %s succeeded", strings.Join(args, " "))
	}
	return err
}

// testEnv connects to the lab's test driver. The connection stays open for
// the test: the test driver keeps its state only while one is.
func testEnv(t *testing.T) *env {
	t.Helper()
	l := lab.Require(t)
	return dialEnv(t, l, l.URI(lab.UnixRW))
}

// qemuEnv connects to the lab daemon's QEMU driver, which attaches and
// detaches NICs in the persistent definition of a stopped domain.
func qemuEnv(t *testing.T) *env {
	t.Helper()
	l := lab.Require(t)
	if !l.QEMU {
		t.Fatal("the lab's QEMU driver does not work (is qemu-system-x86 installed?)")
	}
	return dialEnv(t, l, l.DriverURI(lab.UnixRW, "qemu", "/system"))
}

func dialEnv(t *testing.T, l *lab.Lab, uri string) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := virtwire.Dial(ctx, uri)
	if err != nil {
		t.Fatalf("Dial(%s): %v", uri, err)
	}
	t.Cleanup(func() { c.Close() })
	return &env{lab: l, uri: uri, conn: c}
}

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// uniqueName returns a name no other test or helper uses on the shared
// daemon.
func uniqueName(t *testing.T, prefix string) string {
	t.Helper()
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return prefix + "-" + hex.EncodeToString(b)
}

func mustMAC(t *testing.T, s string) net.HardwareAddr {
	t.Helper()
	mac, err := xmlspec.ParseMAC(s)
	if err != nil {
		t.Fatal(err)
	}
	return mac
}

func randomMAC(t *testing.T) net.HardwareAddr {
	t.Helper()
	mac, err := xmlspec.RandomMAC()
	if err != nil {
		t.Fatal(err)
	}
	return mac
}

// testDomain is a definition for the test driver with one NIC on its
// network "default".
func testDomain(name string, mac net.HardwareAddr) *xmlspec.Domain {
	return &xmlspec.Domain{
		Type:    "test",
		Name:    name,
		Memory:  &xmlspec.DomainMemory{Value: 128, Unit: "MiB"},
		VCPU:    &xmlspec.VCPU{Value: 1},
		OS:      &xmlspec.OS{Type: &xmlspec.OSType{Value: "hvm"}},
		Devices: &xmlspec.Devices{Interfaces: []xmlspec.Interface{*xmlspec.NewNetworkInterface("default", mac)}},
	}
}

// qemuDomain is a definition for the QEMU driver (TCG, never started by
// these tests) with one NIC on network.
func qemuDomain(name, network string, mac net.HardwareAddr) *xmlspec.Domain {
	return &xmlspec.Domain{
		Type:    "qemu",
		Name:    name,
		Memory:  &xmlspec.DomainMemory{Value: 64, Unit: "MiB"},
		OS:      &xmlspec.OS{Type: &xmlspec.OSType{Arch: "x86_64", Value: "hvm"}},
		Devices: &xmlspec.Devices{Interfaces: []xmlspec.Interface{*xmlspec.NewNetworkInterface(network, mac)}},
	}
}

// define defines def and undefines it when the test ends (destroying it
// first if it runs).
func define(t *testing.T, e *env, def *xmlspec.Domain) *domain.Domain {
	t.Helper()
	d, err := domain.Define(ctxT(t), e.conn, def, 0)
	if err != nil {
		t.Fatalf("Define(%s): %v", def.Name, err)
	}
	t.Cleanup(func() { remove(t, d) })
	return d
}

// remove destroys and undefines d, ignoring "not running" and "no such
// domain".
func remove(t *testing.T, d *domain.Domain) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.Destroy(ctx, 0); err != nil && !errors.Is(err, virtwire.ErrOperationInvalid) && !errors.Is(err, virtwire.ErrNoDomain) {
		t.Errorf("cleanup: %v", err)
	}
	err := d.Undefine(ctx, 0)
	if errors.Is(err, virtwire.ErrOperationInvalid) { // it has an NVRAM file
		err = d.Undefine(ctx, virtwire.DomainUndefineNVRAM)
	}
	if err != nil && !errors.Is(err, virtwire.ErrNoDomain) {
		t.Errorf("cleanup: %v", err)
	}
}

// defineNetwork defines (without starting) a network on e's daemon for the
// QEMU domains' NICs, and undefines it when the test ends.
func defineNetwork(t *testing.T, e *env) string {
	t.Helper()
	name := uniqueName(t, "vwdp-net")
	nw := &xmlspec.Network{Name: name}
	doc, err := nw.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	ref, err := e.conn.NetworkDefineXML(ctxT(t), string(doc))
	if err != nil {
		t.Fatalf("defining network %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := e.conn.NetworkUndefine(context.Background(), ref); err != nil {
			t.Errorf("cleanup: undefine network %s: %v", name, err)
		}
	})
	return name
}

var spaces = regexp.MustCompile(`\s+`)

// table splits virsh's table output into rows of fields, without the
// header and the dashes.
func table(out string) [][]string {
	var rows [][]string
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for i, line := range lines {
		if i < 2 || strings.TrimSpace(line) == "" {
			continue
		}
		rows = append(rows, spaces.Split(strings.TrimSpace(line), -1))
	}
	return rows
}

// fields reads virsh's "Key: value" output (dominfo).
func fields(out string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok {
			m[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return m
}

// wantErr fails the test unless err wraps target and names the domain.
func wantErr(t *testing.T, err, target error, name string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("err = %v, want one wrapping %v", err, target)
	}
	var de *domain.Error
	if !errors.As(err, &de) || de.Domain != name {
		t.Fatalf("err = %v: want a *domain.Error naming %q", err, name)
	}
	if !strings.Contains(err.Error(), name) {
		t.Fatalf("err = %q does not name the domain %q", err, name)
	}
}
