package xmlspec

import (
	"encoding/xml"
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"
)

func mustMarshal(t *testing.T, d document) []byte {
	t.Helper()
	out, err := d.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A docCase is a document built in Go and the XML it must marshal to.
type docCase struct {
	name string
	doc  document
	want string
}

// marshalEach marshals each case, reports those that differ from their
// XML, and returns the outputs by name for validate.
func marshalEach(t *testing.T, cases []docCase) map[string][]byte {
	t.Helper()
	docs := map[string][]byte{}
	for _, tt := range cases {
		out := mustMarshal(t, tt.doc)
		if string(out) != tt.want {
			t.Errorf("%s: got\n%s\nwant\n%s", tt.name, out, tt.want)
		}
		docs[tt.name] = out
	}
	return docs
}

// A sizeCase is a size accessor and the bytes it must return.
type sizeCase struct {
	what string
	get  func() (uint64, error)
	want uint64
}

func checkSizes(t *testing.T, cases []sizeCase) {
	t.Helper()
	for _, tt := range cases {
		if got, err := tt.get(); err != nil || got != tt.want {
			t.Errorf("%s = %d, %v; want %d", tt.what, got, err, tt.want)
		}
	}
}

func TestNewPools(t *testing.T) {
	secret, err := ParseUUID("2ec115d7-3a88-3ceb-bc12-0ac909a6fd87")
	if err != nil {
		t.Fatal(err)
	}
	rbd := NewRBDPool("ceph", "rbd", "mon1", "mon2:6789", "[fd00::1]:6790", "fd00::2")
	rbd.SetAuth(StoragePoolAuthCeph, "libvirt", secret)
	iscsi := NewISCSIPool("san", "192.0.2.10:3260", "iqn.2013-06.com.example:iscsi-pool")
	iscsi.SetAuth(StoragePoolAuthCHAP, "admin", secret)
	pools := []docCase{
		{"dir", NewDirPool("default", "/var/lib/libvirt/images"), `<pool type="dir">
  <name>default</name>
  <target>
    <path>/var/lib/libvirt/images</path>
  </target>
</pool>
`},
		{"logical", NewLogicalPool("vg", "vg0", "/dev/sdb1", "/dev/sdc1"), `<pool type="logical">
  <name>vg</name>
  <source>
    <device path="/dev/sdb1"></device>
    <device path="/dev/sdc1"></device>
    <name>vg0</name>
    <format type="lvm2"></format>
  </source>
  <target>
    <path>/dev/vg0</path>
  </target>
</pool>
`},
		{"logical-existing", NewLogicalPool("vg", "vg0"), `<pool type="logical">
  <name>vg</name>
  <source>
    <name>vg0</name>
  </source>
  <target>
    <path>/dev/vg0</path>
  </target>
</pool>
`},
		{"netfs", NewNetFSPool("nfs", "nas.example.com", "/export/vms", "/mnt/vms"), `<pool type="netfs">
  <name>nfs</name>
  <source>
    <host name="nas.example.com"></host>
    <dir path="/export/vms"></dir>
    <format type="nfs"></format>
  </source>
  <target>
    <path>/mnt/vms</path>
  </target>
</pool>
`},
		{"iscsi", iscsi, `<pool type="iscsi">
  <name>san</name>
  <source>
    <host name="192.0.2.10" port="3260"></host>
    <device path="iqn.2013-06.com.example:iscsi-pool"></device>
    <auth type="chap" username="admin">
      <secret uuid="2ec115d7-3a88-3ceb-bc12-0ac909a6fd87"></secret>
    </auth>
  </source>
  <target>
    <path>/dev/disk/by-path</path>
  </target>
</pool>
`},
		{"rbd", rbd, `<pool type="rbd">
  <name>ceph</name>
  <source>
    <host name="mon1"></host>
    <host name="mon2" port="6789"></host>
    <host name="fd00::1" port="6790"></host>
    <host name="fd00::2"></host>
    <name>rbd</name>
    <auth type="ceph" username="libvirt">
      <secret uuid="2ec115d7-3a88-3ceb-bc12-0ac909a6fd87"></secret>
    </auth>
  </source>
</pool>
`},
	}
	docs := marshalEach(t, pools)
	for _, tt := range pools {
		back, err := ParseStoragePool(docs[tt.name])
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if p := tt.doc.(*StoragePool); back.Type != p.Type || back.TargetPath() != p.TargetPath() {
			t.Errorf("%s: parsed back %+v", tt.name, back)
		}
	}
	validate(t, "storagepool.rng", docs)
}

func TestStoragePoolAccessors(t *testing.T) {
	p, err := ParseStoragePool([]byte(`<pool type='dir'>
  <name>p</name>
  <capacity unit='GiB'>2</capacity>
  <allocation>1024</allocation>
  <target><path>/srv/p</path><permissions><mode>0711</mode><owner>-1</owner><group>107</group></permissions></target>
</pool>`))
	if err != nil {
		t.Fatal(err)
	}
	checkSizes(t, []sizeCase{
		{"capacity", p.CapacityBytes, 2 << 30},
		{"allocation", p.AllocationBytes, 1024},
		{"available", p.AvailableBytes, 0},
	})
	if p.TargetPath() != "/srv/p" {
		t.Errorf("TargetPath = %q", p.TargetPath())
	}
	perm := p.Target.Permissions
	if m, err := perm.FileMode(); err != nil || m != 0o711 {
		t.Errorf("FileMode = %v, %v", m, err)
	}
	if perm.Owner == nil || *perm.Owner != -1 || perm.Group == nil || *perm.Group != 107 {
		t.Errorf("owner and group = %v, %v", perm.Owner, perm.Group)
	}
	p.Capacity.Unit = "furlongs"
	if _, err := p.CapacityBytes(); !errors.Is(err, ErrUnit) || !strings.Contains(err.Error(), "capacity") {
		t.Errorf("bad unit: %v", err)
	}
	var empty StoragePool
	if n, err := empty.CapacityBytes(); n != 0 || err != nil || empty.TargetPath() != "" {
		t.Error("the zero pool has sizes or a path")
	}
}

func TestPermissionsFileMode(t *testing.T) {
	tests := []struct {
		mode string
		want fs.FileMode
		err  bool
	}{
		{"0755", 0o755, false},
		{"755", 0o755, false},
		{"0600", 0o600, false},
		{"4755", 0o755 | fs.ModeSetuid, false},
		{"03777", 0o777 | fs.ModeSetgid | fs.ModeSticky, false},
		{"", 0, true},
		{"0x1ed", 0, true},
		{"8", 0, true},
		{"17777", 0, true},
	}
	for _, tt := range tests {
		p := &StoragePermissions{Mode: tt.mode}
		got, err := p.FileMode()
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("FileMode(%q) = %v, %v; want %v, error %v", tt.mode, got, err, tt.want, tt.err)
		}
		if tt.err {
			continue
		}
		var q StoragePermissions
		q.SetFileMode(got)
		if back, err := q.FileMode(); err != nil || back != got || !strings.HasPrefix(q.Mode, "0") {
			t.Errorf("SetFileMode(%v) wrote %q, reads back %v, %v", got, q.Mode, back, err)
		}
	}
	var nilPerm *StoragePermissions
	if _, err := nilPerm.FileMode(); !errors.Is(err, ErrNoMode) {
		t.Errorf("nil permissions: %v", err)
	}
}

func TestByteSize(t *testing.T) {
	tests := []struct {
		n    uint64
		want string
	}{
		{0, `<capacity unit="bytes">0</capacity>`},
		{1, `<capacity unit="bytes">1</capacity>`},
		{1000, `<capacity unit="bytes">1000</capacity>`},
		{1536, `<capacity unit="bytes">1536</capacity>`},
		{2048, `<capacity unit="KiB">2</capacity>`},
		{20 << 30, `<capacity unit="GiB">20</capacity>`},
		{3 << 40, `<capacity unit="TiB">3</capacity>`},
		{1 << 63, `<capacity unit="EiB">8</capacity>`},
		{1<<64 - 1, `<capacity unit="bytes">18446744073709551615</capacity>`},
	}
	for _, tt := range tests {
		s := ByteSize(tt.n)
		out, err := xml.Marshal(xmlNamed{"capacity", s})
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != tt.want {
			t.Errorf("ByteSize(%d) = %s, want %s", tt.n, out, tt.want)
		}
		if b, err := s.Bytes("bytes"); err != nil || b != tt.n {
			t.Errorf("ByteSize(%d).Bytes = %d, %v", tt.n, b, err)
		}
	}
}

// xmlNamed marshals v as an element called name.
type xmlNamed struct {
	name string
	v    any
}

func (n xmlNamed) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	return e.EncodeElement(n.v, xml.StartElement{Name: xml.Name{Local: n.name}})
}

func TestNewVolumes(t *testing.T) {
	base, err := ParseStorageVolume([]byte(`<volume type='file'>
  <name>base.qcow2</name>
  <key>/var/lib/libvirt/images/base.qcow2</key>
  <capacity unit='bytes'>10737418240</capacity>
  <allocation unit='bytes'>1073741824</allocation>
  <physical unit='bytes'>1073807360</physical>
  <target>
    <path>/var/lib/libvirt/images/base.qcow2</path>
    <format type='qcow2'/>
  </target>
</volume>`))
	if err != nil {
		t.Fatal(err)
	}
	overlay, err := NewQcow2VolumeBackedBy("web1.qcow2", base)
	if err != nil {
		t.Fatal(err)
	}
	bigger, err := NewQcow2VolumeBackedBy("web2.qcow2", base)
	if err != nil {
		t.Fatal(err)
	}
	bigger.SetCapacity(20 << 30)
	raw := NewVolume("empty.img", "raw", 0)
	raw.BackingStore = nil
	docs := marshalEach(t, []docCase{
		{"qcow2", NewQcow2Volume("disk.qcow2", 20<<30), `<volume>
  <name>disk.qcow2</name>
  <capacity unit="GiB">20</capacity>
  <target>
    <format type="qcow2"></format>
  </target>
</volume>
`},
		{"raw-empty", raw, `<volume>
  <name>empty.img</name>
  <capacity unit="bytes">0</capacity>
  <target>
    <format type="raw"></format>
  </target>
</volume>
`},
		{"overlay", overlay, `<volume>
  <name>web1.qcow2</name>
  <target>
    <format type="qcow2"></format>
  </target>
  <backingStore>
    <path>/var/lib/libvirt/images/base.qcow2</path>
    <format type="qcow2"></format>
  </backingStore>
</volume>
`},
		{"overlay-bigger", bigger, `<volume>
  <name>web2.qcow2</name>
  <capacity unit="GiB">20</capacity>
  <target>
    <format type="qcow2"></format>
  </target>
  <backingStore>
    <path>/var/lib/libvirt/images/base.qcow2</path>
    <format type="qcow2"></format>
  </backingStore>
</volume>
`},
	})
	validate(t, "storagevol.rng", docs)

	for _, bad := range []*StorageVolume{nil, {Name: "nopath"}, {Name: "nopath", Target: &StorageVolumeTarget{}}} {
		if _, err := NewQcow2VolumeBackedBy("x", bad); !errors.Is(err, ErrNoBackingPath) {
			t.Errorf("backing %+v: %v, want ErrNoBackingPath", bad, err)
		}
	}
	if overlay.BackingStorePath() != base.TargetPath() || overlay.TargetFormat() != "qcow2" {
		t.Errorf("overlay backs onto %q, format %q", overlay.BackingStorePath(), overlay.TargetFormat())
	}
	checkSizes(t, []sizeCase{
		{"capacity", base.CapacityBytes, 10 << 30},
		{"allocation", base.AllocationBytes, 1 << 30},
		{"physical", base.PhysicalBytes, 1073807360},
		{"overlay capacity", overlay.CapacityBytes, 0},
		{"bigger capacity", bigger.CapacityBytes, 20 << 30},
	})
	var empty StorageVolume
	if empty.TargetPath() != "" || empty.TargetFormat() != "" || empty.BackingStorePath() != "" {
		t.Error("the zero volume has a path or format")
	}
}

// The pool's extension namespaces keep their prefixes, and options added
// in Go use them.
func TestStoragePoolNamespaces(t *testing.T) {
	in := `<pool type='netfs' xmlns:fs='http://libvirt.org/schemas/storagepool/fs/1.0'>
  <name>nfs</name>
  <source><host name='nas'/><dir path='/e'/><format type='nfs'/></source>
  <target><path>/mnt</path></target>
  <fs:mount_opts><fs:option name='sync'/></fs:mount_opts>
</pool>`
	p, err := ParseStoragePool([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if p.FSMountOpts == nil || len(p.FSMountOpts.Options) != 1 || p.FSMountOpts.Options[0].Name != "sync" {
		t.Fatalf("mount options: %+v", p.FSMountOpts)
	}
	p.FSMountOpts.Options = append(p.FSMountOpts.Options, StoragePoolOption{Name: "lazytime"})
	out := mustMarshal(t, p)
	if !strings.Contains(string(out), `<fs:option name="lazytime"></fs:option>`) {
		t.Errorf("added option not in the fs prefix:\n%s", out)
	}

	// Built in Go, the namespaces get the prefixes libvirt writes.
	rbd := NewRBDPool("ceph", "rbd", "mon")
	rbd.RBDConfigOpts = &StoragePoolRBDConfigOpts{Options: []StoragePoolOption{{Name: "rados_osd_op_timeout", Value: "20"}}}
	nfs := NewNetFSPool("nfs", "nas", "/e", "/mnt")
	nfs.FSMountOpts = &StoragePoolMountOpts{Options: []StoragePoolOption{{Name: "sync"}}}
	docs := map[string][]byte{"edited": out, "rbd": mustMarshal(t, rbd), "nfs": mustMarshal(t, nfs)}
	validate(t, "storagepool.rng", docs)
	back, err := ParseStoragePool(docs["rbd"])
	if err != nil {
		t.Fatal(err)
	}
	if back.RBDConfigOpts == nil || len(back.RBDConfigOpts.Options) != 1 || back.RBDConfigOpts.Options[0].Value != "20" {
		t.Errorf("rbd options lost: %s", docs["rbd"])
	}
	for name, prefix := range map[string]string{"rbd": `<rbd:config_opts xmlns:rbd="` + NamespaceStoragePoolRBD + `">`,
		"nfs": `<fs:mount_opts xmlns:fs="` + NamespaceStoragePoolFS + `">`} {
		if !strings.Contains(string(docs[name]), prefix) {
			t.Errorf("%s: want %s in\n%s", name, prefix, docs[name])
		}
	}
}

func TestStoragePoolSources(t *testing.T) {
	srcs, err := ParseStoragePoolSources([]byte(`<sources>
  <source><host name='nas'/><dir path='/a'/><format type='nfs'/></source>
  <source><host name='nas'/><dir path='/b'/><format type='nfs'/></source>
</sources>`))
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, s := range srcs.Sources {
		dirs = append(dirs, s.Dir.Path)
	}
	if !slices.Equal(dirs, []string{"/a", "/b"}) {
		t.Errorf("dirs %v", dirs)
	}
	// The source specification virConnectFindStoragePoolSources takes.
	spec := &StoragePoolSource{Hosts: []DiskSourceHost{{Name: "nas"}}}
	out := mustMarshal(t, spec)
	if want := "<source>\n  <host name=\"nas\"></host>\n</source>\n"; string(out) != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
	if _, err := ParseStoragePool([]byte(`<volume/>`)); !errors.Is(err, ErrSyntax) {
		t.Errorf("ParseStoragePool(<volume/>) = %v, want ErrSyntax", err)
	}
	if _, err := ParseStorageVolume([]byte(`<volume><capacity>lots</capacity></volume>`)); !errors.Is(err, ErrSyntax) {
		t.Errorf("a capacity that is no number: %v, want ErrSyntax", err)
	}
}

// A program's own struct can hold pools and volumes; encoding/xml hands
// them to the lossless codec.
func TestStorageInUserStruct(t *testing.T) {
	type inventory struct {
		XMLName xml.Name        `xml:"inventory"`
		Pool    StoragePool     `xml:"pool"`
		Volumes []StorageVolume `xml:"volume"`
	}
	in := `<inventory><pool type="dir" x="1"><name>p</name><target><path>/p</path></target><new/></pool>` +
		`<volume><name>a</name><capacity unit="G">5</capacity></volume><volume><name>b</name></volume></inventory>`
	var inv inventory
	if err := xml.Unmarshal([]byte(in), &inv); err != nil {
		t.Fatal(err)
	}
	if inv.Pool.TargetPath() != "/p" || len(inv.Volumes) != 2 || inv.Volumes[0].Capacity.Unit != "G" {
		t.Fatalf("decoded %+v", inv)
	}
	if v, ok := inv.Pool.Extra.Attr("", "x"); !ok || v != "1" || len(inv.Pool.Extra.Nodes) != 1 {
		t.Errorf("unknown parts not kept: %+v", inv.Pool.Extra)
	}
	out, err := xml.Marshal(inv)
	if err != nil {
		t.Fatal(err)
	}
	want := `<inventory><pool type="dir" x="1"><name>p</name><target><path>/p</path></target><new></new></pool>` +
		`<volume><name>a</name><capacity unit="G">5</capacity></volume><volume><name>b</name></volume></inventory>`
	if string(out) != want {
		t.Errorf("got  %s\nwant %s", out, want)
	}
	// Alone, each writes its own element name.
	for _, v := range []any{NewDirPool("d", "/d"), NewQcow2Volume("q", 1), &StoragePoolCapabilities{}} {
		out, err := xml.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(out), "<pool ") && !strings.HasPrefix(string(out), "<volume>") &&
			!strings.HasPrefix(string(out), "<storagepoolCapabilities>") {
			t.Errorf("xml.Marshal(%T) = %s", v, out)
		}
	}
}

func TestStoragePoolCapabilities(t *testing.T) {
	c, err := ParseStoragePoolCapabilities([]byte(`<storagepoolCapabilities>
  <pool type='dir' supported='yes'>
    <volOptions>
      <defaultFormat type='raw'/>
      <enum name='targetFormatType'><value>raw</value><value>qcow2</value></enum>
    </volOptions>
  </pool>
  <pool type='fs' supported='no'>
    <poolOptions>
      <defaultFormat type='auto'/>
      <enum name='sourceFormatType'><value>auto</value><value>ext4</value></enum>
    </poolOptions>
    <volOptions>
      <defaultFormat type='raw'/>
      <enum name='targetFormatType'><value>raw</value></enum>
    </volOptions>
  </pool>
  <pool type='rbd' supported='yes'/>
</storagepoolCapabilities>`))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.SupportedPoolTypes(); !slices.Equal(got, []string{"dir", "rbd"}) {
		t.Errorf("SupportedPoolTypes = %v", got)
	}
	tests := []struct {
		typ       string
		supported bool
		vol, src  []string
	}{
		{"dir", true, []string{"raw", "qcow2"}, nil},
		{"fs", false, []string{"raw"}, []string{"auto", "ext4"}},
		{"rbd", true, nil, nil},
		{"zfs", false, nil, nil},
	}
	for _, tt := range tests {
		p := c.Pool(tt.typ)
		if p.IsSupported() != tt.supported || !slices.Equal(p.VolumeFormats(), tt.vol) || !slices.Equal(p.SourceFormats(), tt.src) {
			t.Errorf("%s: supported %v, volume formats %v, source formats %v", tt.typ, p.IsSupported(), p.VolumeFormats(), p.SourceFormats())
		}
	}
	if !c.Pool("dir").VolOptions.Enums[0].Has("qcow2") || c.Pool("dir").VolOptions.Enums[0].Has("vmdk") {
		t.Error("CapsEnum.Has")
	}
	validate(t, "storagepoolcaps.rng", map[string][]byte{"caps": mustMarshal(t, c)})
}
