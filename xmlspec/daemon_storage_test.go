package xmlspec

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/internal/lab"
	"github.com/virtwire/virtwire/internal/libvirtsrc"
)

// daemonConn connects to uri on the lab's main daemon for the test's
// duration; the test driver keeps its state only while a connection is
// open.
func daemonConn(t *testing.T, uri string) *virtwire.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := virtwire.Dial(ctx, uri)
	if err != nil {
		t.Fatalf("Dial(%s): %v", uri, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// qemuLab returns the lab and the URI of its main daemon's QEMU driver,
// which the lab starts when qemu-system-x86 is installed (make deps
// installs it).
func qemuLab(t *testing.T) (*lab.Lab, string) {
	t.Helper()
	l := lab.Require(t)
	if !l.QEMU {
		t.Fatal("the lab's QEMU driver does not work (is qemu-system-x86 installed?)")
	}
	return l, l.DriverURI(lab.UnixRW, "qemu", "/system")
}

func daemonCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func randomSuffix(t *testing.T) string {
	t.Helper()
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b[:])
}

// assertRoundTrip checks that libvirt's document comes back from the
// structs unchanged and, if the document validates against schema, that
// the output does too. (The lab's daemon is older than the schemas, which
// do not accept all it writes.)
func assertRoundTrip(t *testing.T, what, schema, doc string, parse func([]byte) (document, error)) {
	t.Helper()
	d, err := parse([]byte(doc))
	if err != nil {
		t.Fatalf("%s: parsing libvirt's XML: %v\n%s", what, err, doc)
	}
	out := mustMarshal(t, d)
	assertSameDoc(t, []byte(doc), out)
	dir := t.TempDir()
	in, got := filepath.Join(dir, what+"-in.xml"), filepath.Join(dir, what+"-out.xml")
	for p, data := range map[string][]byte{in: []byte(doc), got: out} {
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	verdict := relaxNG(t, schemaPath(t, schema), []string{in, got})
	if verdict[in] && !verdict[got] {
		t.Errorf("%s: libvirt's document validates against %s, its round trip does not:\n%s", what, schema, out)
	}
	if !verdict[in] {
		t.Logf("%s: libvirt's document does not validate against %s (libvirt %s); not checking the output", what, schema, libvirtsrc.Version)
	}
}

// A pool and volumes built with the constructors are defined on the lab's
// test driver (which keeps them in memory), read back, and hold what was
// put in; libvirt's own documents round-trip and are accepted again
// unchanged.
func TestStorageThroughDaemon(t *testing.T) {
	l := lab.Require(t)
	c := daemonConn(t, l.URI(lab.UnixRW))
	ctx := daemonCtx(t)
	name := "xmlspec-" + randomSuffix(t)
	path := "/virtwire-test/" + name

	doc := string(mustMarshal(t, NewDirPool(name, path)))
	pool, err := c.StoragePoolDefineXML(ctx, doc, 0)
	if err != nil {
		t.Fatalf("defining %s: %v", doc, err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		_ = c.StoragePoolDestroy(ctx, pool)
		_ = c.StoragePoolUndefine(ctx, pool)
	})
	if err := c.StoragePoolBuild(ctx, pool, 0); err != nil {
		t.Fatal(err)
	}
	if err := c.StoragePoolCreate(ctx, pool, 0); err != nil {
		t.Fatal(err)
	}
	back, err := c.StoragePoolGetXMLDesc(ctx, pool, 0)
	if err != nil {
		t.Fatal(err)
	}
	assertRoundTrip(t, "pool", "storagepool.rng", back, func(b []byte) (document, error) { return ParseStoragePool(b) })
	got, err := ParseStoragePool([]byte(back))
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != name || got.Type != StoragePoolDir || got.TargetPath() != path || got.UUID == nil {
		t.Errorf("read back %+v", got)
	}
	// The sizes are those StoragePoolGetInfo reports.
	_, capacity, allocation, available, err := c.StoragePoolGetInfo(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	checkSizes(t, []sizeCase{
		{"pool capacity", got.CapacityBytes, capacity},
		{"pool allocation", got.AllocationBytes, allocation},
		{"pool available", got.AvailableBytes, available},
	})
	if capacity == 0 {
		t.Error("the test driver's pool has no capacity: the size check checks nothing")
	}
	again := string(mustMarshal(t, got))
	if _, err := c.StoragePoolDefineXML(ctx, again, 0); err != nil {
		t.Fatalf("redefining from the round-tripped XML: %v", err)
	}
	back2, err := c.StoragePoolGetXMLDesc(ctx, pool, 0)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(back, back2); diff != "" {
		t.Errorf("redefining from the structs changed libvirt's XML (-before +after):\n%s", diff)
	}

	// A base image and a qcow2 overlay on it.
	baseVol, err := c.StorageVolCreateXML(ctx, pool, string(mustMarshal(t, NewVolume("base.img", "raw", 1<<30))), 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.StorageVolDelete(context.Background(), baseVol, 0) })
	baseDoc, err := c.StorageVolGetXMLDesc(ctx, baseVol, 0)
	if err != nil {
		t.Fatal(err)
	}
	parseVol := func(b []byte) (document, error) { return ParseStorageVolume(b) }
	assertRoundTrip(t, "base", "storagevol.rng", baseDoc, parseVol)
	base, err := ParseStorageVolume([]byte(baseDoc))
	if err != nil {
		t.Fatal(err)
	}
	if base.TargetPath() != path+"/base.img" {
		t.Errorf("base volume at %q", base.TargetPath())
	}
	checkSizes(t, []sizeCase{{"base capacity", base.CapacityBytes, 1 << 30}})

	overlay, err := NewQcow2VolumeBackedBy("web.qcow2", base)
	if err != nil {
		t.Fatal(err)
	}
	overlay.SetCapacity(2 << 30)
	ovVol, err := c.StorageVolCreateXML(ctx, pool, string(mustMarshal(t, overlay)), 0)
	if err != nil {
		t.Fatalf("creating the overlay: %v", err)
	}
	t.Cleanup(func() { _ = c.StorageVolDelete(context.Background(), ovVol, 0) })
	ovDoc, err := c.StorageVolGetXMLDesc(ctx, ovVol, 0)
	if err != nil {
		t.Fatal(err)
	}
	assertRoundTrip(t, "overlay", "storagevol.rng", ovDoc, parseVol)
	ov, err := ParseStorageVolume([]byte(ovDoc))
	if err != nil {
		t.Fatal(err)
	}
	if ov.TargetFormat() != "qcow2" || ov.BackingStorePath() != base.TargetPath() ||
		ov.BackingStore.Format == nil || ov.BackingStore.Format.Type != "raw" {
		t.Errorf("overlay read back:\n%s", ovDoc)
	}
	_, volCapacity, volAllocation, err := c.StorageVolGetInfo(ctx, ovVol)
	if err != nil {
		t.Fatal(err)
	}
	checkSizes(t, []sizeCase{
		{"overlay capacity", ov.CapacityBytes, volCapacity},
		{"overlay allocation", ov.AllocationBytes, volAllocation},
	})
	if volCapacity != 2<<30 {
		t.Errorf("StorageVolGetInfo capacity %d, want the 2 GiB asked for", volCapacity)
	}
}

// The storage pool capabilities of the lab daemon's storage driver (the
// test driver has none) parse, round-trip and say what virsh
// pool-capabilities says.
func TestStoragePoolCapabilitiesThroughDaemon(t *testing.T) {
	l, uri := qemuLab(t)
	c := daemonConn(t, uri)
	doc, err := c.ConnectGetStoragePoolCapabilities(daemonCtx(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	assertRoundTrip(t, "poolcaps", "storagepoolcaps.rng", doc,
		func(b []byte) (document, error) { return ParseStoragePoolCapabilities(b) })
	caps, err := ParseStoragePoolCapabilities([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	viaVirsh, err := ParseStoragePoolCapabilities([]byte(l.Virsh(t, uri, "pool-capabilities")))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(viaVirsh.SupportedPoolTypes(), caps.SupportedPoolTypes()); diff != "" {
		t.Errorf("supported pool types differ from virsh's (-virsh +virtwire):\n%s", diff)
	}
	dir := caps.Pool(StoragePoolDir)
	if !dir.IsSupported() || !dir.VolOptions.enum("targetFormatType").Has("qcow2") {
		t.Errorf("dir pools: %+v", dir)
	}
}
