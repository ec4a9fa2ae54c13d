package storage

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/virtwire/virtwire"
)

func TestZeroRuns(t *testing.T) {
	data := func(n int) []byte { return []byte(strings.Repeat("\x01", n)) }
	cat := func(parts ...[]byte) []byte {
		var out []byte
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	const b = 8
	for _, tc := range []struct {
		name string
		in   []byte
		want []run
	}{
		{"empty", nil, nil},
		{"all data", data(3 * b), []run{{3 * b, false}}},
		{"all zeros", make([]byte, 3*b), []run{{3 * b, true}}},
		{"data zeros data", cat(data(b), make([]byte, 2*b), data(b)), []run{{b, false}, {2 * b, true}, {b, false}}},
		{"one nonzero byte spoils its block", cat(make([]byte, b+3), []byte{7}, make([]byte, 2*b-4)), []run{{b, true}, {b, false}, {b, true}}},
		{"short tail of zeros", cat(data(b), make([]byte, 3)), []run{{b, false}, {3, true}}},
		{"short tail of data", cat(make([]byte, b), data(3)), []run{{b, true}, {3, false}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, zeroRuns(tc.in, b), cmp.AllowUnexported(run{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	big := make([]byte, 3*len(zeros)+5)
	if !isZero(big) {
		t.Error("isZero on a large block of zeros")
	}
	big[len(big)-1] = 1
	if isZero(big) {
		t.Error("isZero misses the last byte")
	}
}

func TestVolumeSpecDefinition(t *testing.T) {
	for _, tc := range []struct {
		spec    VolumeSpec
		want    string
		wantErr string
	}{
		{spec: VolumeSpec{Name: "a.img", Capacity: 1 << 30},
			want: `<volume>
  <name>a.img</name>
  <capacity unit="GiB">1</capacity>
  <allocation unit="bytes">0</allocation>
</volume>
`},
		{spec: VolumeSpec{Name: "web1 & <db>.qcow2", Capacity: 5, Allocation: 5, Format: "qcow2", BackingPath: "/p/base's.qcow2", BackingFormat: "raw"},
			want: `<volume>
  <name>web1 &amp; &lt;db&gt;.qcow2</name>
  <capacity unit="bytes">5</capacity>
  <allocation unit="bytes">5</allocation>
  <target>
    <format type="qcow2"></format>
  </target>
  <backingStore>
    <path>/p/base&#39;s.qcow2</path>
    <format type="raw"></format>
  </backingStore>
</volume>
`},
		{spec: VolumeSpec{}, wantErr: "empty volume name"},
		{spec: VolumeSpec{Name: "a/b"}, wantErr: `"a/b" contains '/'`},
		{spec: VolumeSpec{Name: ".."}, wantErr: `volume name ".."`},
		{spec: VolumeSpec{Name: "x", Capacity: 1, Allocation: 2}, wantErr: "allocation 2 is more than the capacity 1"},
		{spec: VolumeSpec{Name: "x", BackingFormat: "raw"}, wantErr: "without a backing path"},
	} {
		def, err := tc.spec.Definition()
		if tc.wantErr != "" {
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%+v: error %v, want ErrInvalid saying %q", tc.spec, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		got, err := def.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, string(got)); diff != "" {
			t.Errorf("%+v (-want +got):\n%s", tc.spec, diff)
		}
		capacity, err := def.CapacityBytes()
		if err != nil || capacity != tc.spec.Capacity {
			t.Errorf("the definition's capacity: %d, %v", capacity, err)
		}
	}
}

func TestNames(t *testing.T) {
	if PoolStateName(virtwire.StoragePoolRunning) != "running" || PoolStateName(-1) != "unknown" || PoolStateName(99) != "unknown" {
		t.Error("PoolStateName")
	}
	if VolumeTypeName(virtwire.StorageVolFile) != "file" || VolumeTypeName(virtwire.StorageVolPloop) != "ploop" || VolumeTypeName(42) != "unknown" {
		t.Error("VolumeTypeName")
	}
	for _, tc := range []struct {
		err  *Error
		want string
	}{
		{&Error{Pool: "p", Op: "start", Err: fmt.Errorf("boom")}, `storage pool "p": start: boom`},
		{&Error{Volume: "/x", Op: "lookup by path", Err: fmt.Errorf("boom")}, `storage volume "/x": lookup by path: boom`},
		{&Error{Pool: "p", Volume: "v", Op: "upload", Err: virtwire.ErrNoStorageVol}, `storage volume "v" in pool "p": upload: libvirt error: `},
	} {
		if !strings.HasPrefix(tc.err.Error(), tc.want) {
			t.Errorf("%q, want it to start with %q", tc.err.Error(), tc.want)
		}
	}
	if !errors.Is(volumeError("p", "v", "x", virtwire.ErrNoStorageVol), virtwire.ErrNoStorageVol) {
		t.Error("errors.Is through *Error")
	}
	if poolError("p", "x", nil) != nil || volumeError("p", "v", "x", nil) != nil {
		t.Error("wrapping nil")
	}
}
