package xmlspec_test

import (
	"encoding/xml"
	"fmt"
	"log"

	"github.com/virtwire/virtwire/xmlspec"
)

// Read a host PCI device (virNodeDeviceGetXMLDesc), see what it is, and
// build the <hostdev> that passes it through to a guest.
func ExampleNodeDevice_Hostdev() {
	dev, err := xmlspec.ParseNodeDevice([]byte(`<device>
  <name>pci_0000_02_00_0</name>
  <parent>pci_0000_00_01_0</parent>
  <driver><name>igb</name></driver>
  <capability type='pci'>
    <class>0x020000</class>
    <domain>0</domain>
    <bus>2</bus>
    <slot>0</slot>
    <function>0</function>
    <product id='0x10c9'>82576 Gigabit Network Connection</product>
    <vendor id='0x8086'>Intel Corporation</vendor>
    <capability type='virt_functions' maxCount='7'>
      <address domain='0x0000' bus='0x02' slot='0x10' function='0x0'/>
      <address domain='0x0000' bus='0x02' slot='0x10' function='0x2'/>
    </capability>
    <iommuGroup number='15'>
      <address domain='0x0000' bus='0x02' slot='0x00' function='0x0'/>
    </iommuGroup>
  </capability>
</device>`))
	if err != nil {
		log.Fatal(err)
	}
	pci := dev.PCI()
	addr, _ := pci.Address()
	fmt.Println(addr, pci.Vendor.Name, pci.Product.Name)
	vfs, max, _ := pci.VirtFunctions()
	fmt.Printf("%d of %d virtual functions: %v\n", len(vfs), max, vfs)

	hd, err := dev.Hostdev()
	if err != nil {
		log.Fatal(err)
	}
	out, err := xml.MarshalIndent(hd, "", "  ")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(out))
	// Output:
	// 0000:02:00.0 Intel Corporation 82576 Gigabit Network Connection
	// 2 of 7 virtual functions: [0000:02:10.0 0000:02:10.2]
	// <hostdev mode="subsystem" type="pci" managed="yes">
	//   <source>
	//     <address domain="0x0000" bus="0x02" slot="0x00" function="0x0"></address>
	//   </source>
	// </hostdev>
}

// Define a Ceph key for RBD disks and pools to refer to by usage name;
// the key itself is set with virSecretSetValue.
func ExampleNewSecret() {
	s := xmlspec.NewSecret(xmlspec.SecretUsageCeph, "client.libvirt", "RBD key for pool vms")
	out, err := s.Marshal()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(out))
	// Output:
	// <secret ephemeral="no" private="yes">
	//   <description>RBD key for pool vms</description>
	//   <usage type="ceph">
	//     <name>client.libvirt</name>
	//   </usage>
	// </secret>
}

// A filter for guests that may only receive SSH and answer it, on top of
// libvirt's clean-traffic filter (no MAC, IP or ARP spoofing).
func ExampleNWFilter_AddRule() {
	first, last := 100, 1000 // rule priorities: lower goes first
	f := &xmlspec.NWFilter{Name: "ssh-only", Chain: "root"}
	f.AddFilterRef("clean-traffic")
	f.AddRule(xmlspec.NWFilterRule{
		Action: xmlspec.NWFilterAccept, Direction: xmlspec.NWFilterIn, Priority: &first,
		TCP: &xmlspec.NWFilterTCP{DstPortStart: "22", State: "NEW,ESTABLISHED"},
	})
	f.AddRule(xmlspec.NWFilterRule{
		Action: xmlspec.NWFilterAccept, Direction: xmlspec.NWFilterOut, Priority: &first,
		TCP: &xmlspec.NWFilterTCP{SrcPortStart: "22", State: "ESTABLISHED"},
	})
	f.AddRule(xmlspec.NWFilterRule{Action: xmlspec.NWFilterDrop, Direction: xmlspec.NWFilterInOut, Priority: &last,
		All: &xmlspec.NWFilterProtocol{}})
	for _, r := range f.Rules {
		fmt.Println(r.Action, r.Direction, r.Protocol())
	}
	out, err := f.Marshal()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(out))
	// Output:
	// accept in tcp
	// accept out tcp
	// drop inout all
	// <filter name="ssh-only" chain="root">
	//   <filterref filter="clean-traffic"></filterref>
	//   <rule action="accept" direction="in" priority="100">
	//     <tcp dstportstart="22" state="NEW,ESTABLISHED"></tcp>
	//   </rule>
	//   <rule action="accept" direction="out" priority="100">
	//     <tcp srcportstart="22" state="ESTABLISHED"></tcp>
	//   </rule>
	//   <rule action="drop" direction="inout" priority="1000">
	//     <all></all>
	//   </rule>
	// </filter>
}

// Read the binding libvirt made for a guest NIC (virNWFilterBindingGetXMLDesc).
func ExampleParseNWFilterBinding() {
	b, err := xmlspec.ParseNWFilterBinding([]byte(`<filterbinding>
  <owner>
    <name>web1</name>
    <uuid>d54df46f-1ab5-4a22-8618-4560ef5fac2c</uuid>
  </owner>
  <portdev name='vnet0'/>
  <mac address='52:54:00:7b:35:93'/>
  <filterref filter='clean-traffic'>
    <parameter name='IP' value='192.168.122.10'/>
  </filterref>
</filterbinding>`))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(b.Owner.Name, b.PortDev.Name, b.MAC.Address, b.FilterRef.Filter, b.FilterRef.Values("IP"))
	// Output:
	// web1 vnet0 52:54:00:7b:35:93 clean-traffic [192.168.122.10]
}

// A host bridge over eth0 for guests to share the host's LAN, for
// virInterfaceDefineXML.
func ExampleNewHostBridge() {
	br := xmlspec.NewHostBridge("br0", "eth0")
	out, err := br.Marshal()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(out))
	// Output:
	// <interface type="bridge" name="br0">
	//   <start mode="onboot"></start>
	//   <protocol family="ipv4">
	//     <dhcp></dhcp>
	//   </protocol>
	//   <bridge stp="off">
	//     <interface type="ethernet" name="eth0"></interface>
	//   </bridge>
	// </interface>
}
