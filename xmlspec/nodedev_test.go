package xmlspec

import (
	"reflect"
	"strings"
	"testing"
)

var _ = registerCorpusKind(corpusKind{name: "nodedev", root: "device", schema: "nodedev.rng", minShare: 99.5,
	parse: func(b []byte) (any, error) { return ParseNodeDevice(b) }})

const sriovPF = `<device>
  <name>pci_0000_02_10_7</name>
  <path>/sys/devices/pci0000:00/0000:00:02.0/0000:02:10.7</path>
  <parent>pci_0000_00_04_0</parent>
  <driver>
    <name>igb</name>
  </driver>
  <capability type='pci'>
    <class>0x020000</class>
    <domain>0</domain>
    <bus>2</bus>
    <slot>16</slot>
    <function>7</function>
    <product id='0x10ca'>82576 Virtual Function</product>
    <vendor id='0x8086'>Intel Corporation</vendor>
    <capability type='virt_functions' maxCount='7'>
      <address domain='0x0000' bus='0x02' slot='0x00' function='0x1'/>
      <address domain='0x0000' bus='0x02' slot='0x00' function='0x2'/>
    </capability>
    <capability type='mdev_types'>
      <type id='i915-GVTg_V5_4'>
        <name>i915-GVTg_V5_4</name>
        <deviceAPI>vfio-pci</deviceAPI>
        <availableInstances>1</availableInstances>
      </type>
    </capability>
    <iommuGroup number='13'>
      <address domain='0x0000' bus='0x02' slot='0x10' function='0x7'/>
    </iommuGroup>
    <numa node='0'/>
    <pci-express>
      <link validity='cap' port='0' speed='2.5' width='4'/>
    </pci-express>
  </capability>
</device>
`

func TestNodeDevicePCI(t *testing.T) {
	d, err := ParseNodeDevice([]byte(sriovPF))
	if err != nil {
		t.Fatal(err)
	}
	p := d.PCI()
	if p == nil {
		t.Fatal("no PCI capability")
	}
	if d.Capability(NodeDeviceCapPCI) != &d.Capabilities[0] || d.Capability(NodeDeviceCapNet) != nil {
		t.Error("Capability looks up the wrong capability")
	}
	addr, ok := p.Address()
	if want := (PCIAddr{Bus: 2, Slot: 16, Function: 7}); !ok || addr != want {
		t.Errorf("Address() = %v, %v", addr, ok)
	}
	if NodeDeviceNamePCI(addr) != d.Name {
		t.Errorf("NodeDeviceNamePCI(%v) = %q, want %q", addr, NodeDeviceNamePCI(addr), d.Name)
	}
	vfs, max, ok := p.VirtFunctions()
	if !ok || max != 7 || len(vfs) != 2 || vfs[1] != (PCIAddr{Bus: 2, Function: 2}) {
		t.Errorf("VirtFunctions() = %v, %d, %v", vfs, max, ok)
	}
	if _, ok := p.PhysFunction(); ok {
		t.Error("a physical function has a physical function")
	}
	if *p.Class != 0x020000 || p.Vendor.ID != "0x8086" || p.Vendor.Name != "Intel Corporation" || p.IOMMUGroup.Number != 13 || *p.NUMA.Node != 0 {
		t.Errorf("PCI capability %+v", p)
	}
	if types := d.MDevTypes(); len(types) != 1 || types[0].ID != "i915-GVTg_V5_4" || *types[0].AvailableInstances != 1 {
		t.Errorf("MDevTypes() = %+v", types)
	}
	if d.ParentName() != "pci_0000_00_04_0" || d.Driver.Name != "igb" {
		t.Errorf("parent %q driver %+v", d.ParentName(), d.Driver)
	}

	// Assigning it to a guest: the hostdev is valid in a domain.
	hd, err := d.Hostdev()
	if err != nil {
		t.Fatal(err)
	}
	dom := &Domain{Type: "kvm", Name: "g", Memory: &DomainMemory{Value: 1, Unit: "GiB"}, OS: &OS{Type: &OSType{Value: "hvm"}},
		Devices: &Devices{Hostdevs: []Hostdev{*hd}}}
	out, err := dom.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `<address domain="0x0000" bus="0x02" slot="0x10" function="0x7"></address>`) {
		t.Errorf("hostdev address not in libvirt's form:\n%s", out)
	}
	validate(t, "domain.rng", map[string][]byte{"hostdev": out})

	// A virtual function knows its physical function.
	vf, err := ParseNodeDevice([]byte(`<device><name>pci_0000_02_00_1</name><capability type='pci'><domain>0</domain><bus>2</bus><slot>0</slot><function>1</function><product id='0x10ca'/><vendor id='0x8086'/><capability type='phys_function'><address domain='0x0000' bus='0x02' slot='0x10' function='0x7'/></capability></capability></device>`))
	if err != nil {
		t.Fatal(err)
	}
	if pf, ok := vf.PCI().PhysFunction(); !ok || pf != addr {
		t.Errorf("PhysFunction() = %v, %v", pf, ok)
	}
	if _, _, ok := vf.PCI().VirtFunctions(); ok {
		t.Error("a virtual function has virtual functions")
	}
}

func TestNodeDeviceHostdev(t *testing.T) {
	usb, err := ParseNodeDevice([]byte(`<device><name>usb_1_2</name><capability type='usb_device'><bus>1</bus><device>2</device><product id='0x0001'>hub</product><vendor id='0x1d6b'>Linux Foundation</vendor></capability></device>`))
	if err != nil {
		t.Fatal(err)
	}
	hd, err := usb.Hostdev()
	if err != nil {
		t.Fatal(err)
	}
	if hd.Type != "usb" || hd.Source.Vendor.ID != "0x1d6b" || hd.Source.Product.ID != "0x0001" {
		t.Errorf("USB hostdev %+v", hd.Source)
	}
	if d := usb.USBDevice(); d == nil || *d.Bus != 1 || *d.Device != 2 {
		t.Errorf("USBDevice() = %+v", d)
	}
	for _, in := range []string{
		`<device><name>net_eth0</name><capability type='net'><interface>eth0</interface></capability></device>`,
		`<device><name>usb</name><capability type='usb_device'><bus>1</bus></capability></device>`,
		`<device><name>pci</name><capability type='pci'><bus>1</bus></capability></device>`,
		`<device><name>pci</name><capability type='pci'><domain>0</domain><bus>1</bus><slot>99</slot><function>0</function></capability></device>`,
	} {
		d, err := ParseNodeDevice([]byte(in))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Hostdev(); err == nil || !strings.Contains(err.Error(), d.Name) {
			t.Errorf("%s: Hostdev error %v, want one naming the device", in, err)
		}
	}
}

func TestNodeDeviceCreatable(t *testing.T) {
	uuid, err := ParseUUID("d069d019-36ea-4111-8f0a-8c9a70e21366")
	if err != nil {
		t.Fatal(err)
	}
	mdev := NewMDevDevice("pci_0000_00_02_0", "i915-GVTg_V5_8", &uuid)
	mdev.MDev().Attrs = []NodeDeviceMDevAttr{{Name: "assign_adapter", Value: "5"}}
	vhba := NewVHBA("scsi_host3", "20000000c9831b4b", "10000000c9831b4b")
	out, err := mdev.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	want := `<device>
  <parent>pci_0000_00_02_0</parent>
  <capability type="mdev">
    <type id="i915-GVTg_V5_8"></type>
    <uuid>d069d019-36ea-4111-8f0a-8c9a70e21366</uuid>
    <attr name="assign_adapter" value="5"></attr>
  </capability>
</device>
`
	if string(out) != want {
		t.Errorf("mdev:\n%s\nwant\n%s", out, want)
	}
	// With the name libvirt gives them, both are schema-valid.
	docs := map[string][]byte{}
	vhba.SCSIHost().Host = ptr(uint(7)) // as libvirt reports it
	for name, d := range map[string]*NodeDevice{"mdev_d069d019_36ea_4111_8f0a_8c9a70e21366": mdev, "scsi_host7": vhba} {
		d.Name = name
		out, err := d.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		docs[name] = out
	}
	validate(t, "nodedev.rng", docs)
	back, err := ParseNodeDevice(docs["scsi_host7"])
	if err != nil {
		t.Fatal(err)
	}
	h := back.SCSIHost()
	if h == nil || len(h.Capabilities) != 1 || h.Capabilities[0].Type != "fc_host" || h.Capabilities[0].FCHost.WWPN != "10000000c9831b4b" {
		t.Errorf("vHBA read back %+v", h)
	}
}

// Every capability type and sub-capability type of nodedev.rng, built in
// Go with only its field set, is written with its type and is
// schema-valid.
func TestNodeDeviceEveryCapability(t *testing.T) {
	u := func(n uint) *uint { return &n }
	u64 := func(n uint64) *uint64 { return &n }
	uuid, err := NewUUID()
	if err != nil {
		t.Fatal(err)
	}
	mac, err := RandomMAC()
	if err != nil {
		t.Fatal(err)
	}
	pciAddr := NewPCIAddress(PCIAddr{Bus: 3, Function: 1})
	pciAddr.Type = ""
	ccw := func() (*uint, *uint, *uint) { return u(0xfe), u(0), u(0x1234) }
	cssid, ssid, devno := ccw()
	mdevTypes := []NodeDeviceSubCapability{{MDevTypes: &NodeDeviceMDevTypes{Types: []NodeDeviceMDevType{{ID: "t", Name: "n", DeviceAPI: "vfio-ccw", AvailableInstances: u(1)}}}}}
	caps := map[string]NodeDeviceCapability{
		"system": {System: &NodeDeviceSystem{Product: "p", Hardware: &NodeDeviceSystemHardware{Vendor: "v", UUID: &uuid},
			Firmware: &NodeDeviceSystemFirmware{ReleaseDate: "01/01/2024"}}},
		"pci": {PCI: &NodeDevicePCI{Class: u(0x030000), Domain: u(0), Bus: u(3), Slot: u(0), Function: u(0),
			Product: &NodeDeviceID{ID: "0x1234", Name: "GPU"}, Vendor: &NodeDeviceID{ID: "0x10de"},
			Capabilities: []NodeDeviceSubCapability{
				{PhysFunction: &NodeDevicePhysFunction{Address: pciAddr}},
				{VirtFunctions: &NodeDeviceVirtFunctions{MaxCount: u(2), Addresses: []Address{*pciAddr}}},
				{Bridge: &Flag{}},
				mdevTypes[0],
				{VPD: &NodeDeviceVPD{Name: "card", Fields: []NodeDeviceVPDSet{
					{Access: "readonly", PartNumber: "pn", VendorFields: []NodeDeviceVPDField{{Index: "0", Value: "x"}}},
					{Access: "readwrite", AssetTag: "a", SystemFields: []NodeDeviceVPDField{{Index: "B", Value: "y"}}}}}},
			},
			IOMMUGroup: &NodeDeviceIOMMUGroup{Number: 4, Addresses: []Address{*pciAddr}},
			NUMA:       &NodeDeviceNUMA{Node: ptr(1)},
			PCIExpress: &NodeDevicePCIExpress{Links: []NodeDevicePCIExpressLink{{Validity: "sta", Speed: "8", Width: u(16)}}}}},
		"pci-cardbus": {PCI: &NodeDevicePCI{Domain: u(0), Bus: u(3), Slot: u(0), Function: u(0),
			Product: &NodeDeviceID{ID: "0x1234"}, Vendor: &NodeDeviceID{ID: "0x10de"},
			Capabilities: []NodeDeviceSubCapability{{Type: "cardbus-bridge", Bridge: &Flag{}}}}},
		"usb_device": {USBDevice: &NodeDeviceUSBDevice{Bus: u(1), Device: u(4), Product: &NodeDeviceID{ID: "0x0001"}, Vendor: &NodeDeviceID{ID: "0x1d6b"}}},
		"usb":        {USBInterface: &NodeDeviceUSBInterface{Number: u(0), Class: u(9), Subclass: u(0), Protocol: u(0), Description: "hub"}},
		"net": {Net: &NodeDeviceNet{Interface: "eth0", Address: mac, Link: &HostInterfaceLink{Speed: u(1000), State: "up"},
			Features: []NodeDeviceNetFeature{{Name: "rx"}}, Capabilities: []NodeDeviceSubCapability{{IEEE80203: &Flag{}}, {IEEE80211: &Flag{}}}}},
		"scsi_host": {SCSIHost: &NodeDeviceSCSIHost{Host: u(2), UniqueID: u(3), Capabilities: []NodeDeviceSubCapability{
			{FCHost: &NodeDeviceFCHost{WWNN: "20000000c9831b4b", WWPN: "10000000c9831b4b", FabricWWN: "2002000573de9a81"}},
			{VPortOps: &NodeDeviceVPortOps{MaxVPorts: u(127), VPorts: u(0)}}}}},
		"scsi_target": {SCSITarget: &NodeDeviceSCSITarget{Target: "target0:0:0", Capabilities: []NodeDeviceSubCapability{
			{FCRemotePort: &NodeDeviceFCRemotePort{RPort: "rport-0:0-0", WWPN: "0x9d73bc45f0e21a86"}}}}},
		"scsi":         {SCSI: &NodeDeviceSCSI{Host: u(0), Bus: u(0), Target: u(0), LUN: u(0), Type: "disk"}},
		"scsi_generic": {SCSIGeneric: &NodeDeviceSCSIGeneric{Char: "/dev/sg0"}},
		"storage": {Storage: &NodeDeviceStorage{Block: "/dev/sda", Bus: "ata", DriveType: "disk", Size: u64(1 << 30), LogicalBlockSize: u64(512),
			NumBlocks: u64(1 << 21), Capabilities: []NodeDeviceSubCapability{{Hotpluggable: &Flag{}}}}},
		"storage-removable": {Storage: &NodeDeviceStorage{Block: "/dev/sr0", Capabilities: []NodeDeviceSubCapability{
			{Removable: &NodeDeviceRemovable{MediaAvailable: u(1), MediaSize: u64(1 << 20), MediaLabel: "l", LogicalBlockSize: u64(2048), NumBlocks: u64(512)}}}}},
		"drm":  {DRM: &NodeDeviceDRM{Type: "render"}},
		"mdev": {MDev: &NodeDeviceMDev{Type: &NodeDeviceMDevType{ID: "nvidia-63"}, IOMMUGroup: &NodeDeviceIOMMUGroup{Number: 5}, UUID: &uuid, ParentAddr: "0000:00:02.0"}},
		"ccw": {CCW: &NodeDeviceCCW{State: "online", CSSID: cssid, SSID: ssid, DevNo: devno,
			Capabilities: []NodeDeviceSubCapability{{CCWGroupMember: &NodeDeviceCCWGroupMember{GroupDevice: "ccwgroup_0_0_bd00"}}}}},
		"ccwgroup": {CCWGroup: &NodeDeviceCCWGroup{CSSID: cssid, SSID: ssid, DevNo: devno,
			Members:      &NodeDeviceCCWGroupMembers{Devices: []NodeDeviceCCWGroupDevice{{Ref: "cdev0", Name: "ccw_0_0_bd00"}}},
			Capabilities: []NodeDeviceSubCapability{{Type: "qeth_layer2", QETH: &NodeDeviceQETH{CardType: "OSD_10GIG", CHPID: "BD"}}}}},
		"css": {CSS: &NodeDeviceCSS{CSSID: cssid, SSID: ssid, DevNo: devno,
			ChannelDevAddr: &NodeDeviceCCWAddress{CSSID: cssid, SSID: ssid, DevNo: devno}, Capabilities: mdevTypes}},
		"vdpa":      {VDPA: &NodeDeviceVDPA{CharDev: "/dev/vhost-vdpa-0"}},
		"ap_card":   {APCard: &NodeDeviceAPCard{Adapter: u(7)}},
		"ap_queue":  {APQueue: &NodeDeviceAPQueue{Adapter: u(7), Domain: u(0x38)}},
		"ap_matrix": {APMatrix: &NodeDeviceAPMatrix{Capabilities: mdevTypes}},
	}
	// Every variant field of the two unions is used above.
	used := map[string]bool{}
	docs := map[string][]byte{}
	for name, c := range caps {
		d := &NodeDevice{Name: name, Parent: &NodeDeviceParent{Name: "computer"}, Capabilities: []NodeDeviceCapability{c}}
		out, err := d.Marshal()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		docs[name] = out
		back, err := ParseNodeDevice(out)
		if err != nil {
			t.Fatal(err)
		}
		bc := back.Capabilities[0]
		if typ, _, _ := strings.Cut(name, "-"); bc.Type != typ || !bc.Extra.IsEmpty() {
			t.Errorf("%s: read back as type %q, Extra %+v", name, bc.Type, bc.Extra)
		}
		markVariants(reflect.ValueOf(bc), used)
	}
	validate(t, "nodedev.rng", docs)
	for _, rt := range []reflect.Type{reflect.TypeOf(NodeDeviceCapability{}), reflect.TypeOf(NodeDeviceSubCapability{})} {
		for i := 0; i < rt.NumField(); i++ {
			f := rt.Field(i)
			if hasVariantTag(f) && !used[rt.Name()+"."+f.Name] {
				t.Errorf("%s.%s is not tested", rt.Name(), f.Name)
			}
		}
	}
	if hex := string(docs["ccw"]); !strings.Contains(hex, "<cssid>0xfe</cssid>") || !strings.Contains(hex, "<devno>0x1234</devno>") ||
		!strings.Contains(string(docs["ap_queue"]), "<ap-domain>0x0038</ap-domain>") || !strings.Contains(string(docs["pci"]), "<class>0x030000</class>") {
		t.Error("new numbers not written in libvirt's hex form")
	}
}

// markVariants records which variant fields of the capability unions hold
// something anywhere in v.
func markVariants(v reflect.Value, used map[string]bool) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			markVariants(v.Elem(), used)
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			markVariants(v.Index(i), used)
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := v.Field(i)
			if hasVariantTag(t.Field(i)) && !f.IsNil() {
				used[t.Name()+"."+t.Field(i).Name] = true
			}
			if t.Field(i).IsExported() {
				markVariants(f, used)
			}
		}
	}
}

func TestNodeDeviceCapabilityOfUnknownType(t *testing.T) {
	in := `<device><name>x</name><capability type='quantum'><qubits>5</qubits></capability></device>`
	d, err := ParseNodeDevice([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	c := d.Capability("quantum")
	if c == nil || len(c.Extra.Nodes) != 1 || c.Extra.Nodes[0].Text() != "5" {
		t.Fatalf("capability %+v", c)
	}
	if d.PCI() != nil || d.MDevTypes() != nil {
		t.Error("typed accessors found something")
	}
	// A capability built in Go is found by the type of its variant.
	d.Capabilities = append(d.Capabilities, NodeDeviceCapability{Net: &NodeDeviceNet{Interface: "eth0"}})
	if d.Capability(NodeDeviceCapNet) == nil || d.Net().Interface != "eth0" || d.Storage() != nil || d.MDev() != nil {
		t.Error("capability built in Go not found by its type")
	}
	out, err := d.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `<capability type="quantum">`) || !strings.Contains(string(out), `<capability type="net">`) {
		t.Errorf("output:\n%s", out)
	}
}

func FuzzParseNodeDevice(f *testing.F) {
	f.Add([]byte(sriovPF))
	f.Add([]byte(`<device><name>n</name><capability type='storage'><block>/dev/sr0</block><capability type='removable'><media_available>1</media_available></capability></capability><capability type='mystery' a='b'/></device>`))
	addCorpusSeeds(f, "device")
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRoundTrip(t, data, func(b []byte) (document, error) { return ParseNodeDevice(b) })
	})
}

func hasVariantTag(f reflect.StructField) bool {
	_, ok := f.Tag.Lookup("variant")
	return ok
}
