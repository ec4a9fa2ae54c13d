package xmlspec_test

import (
	"encoding/xml"
	"fmt"
	"log"

	"github.com/virtwire/virtwire/xmlspec"
)

const guest = `<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>web1</name>
  <memory unit='GiB'>2</memory>
  <os>
    <type arch='x86_64'>hvm</type>
  </os>
  <devices>
    <interface type='network'>
      <mac address='52:54:00:AB:CD:EF'/>
      <source network='default'/>
      <model type='virtio'/>
      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
    </interface>
    <newdevice from='a newer libvirt'/>
  </devices>
  <qemu:commandline>
    <qemu:arg value='-no-user-config'/>
  </qemu:commandline>
</domain>`

// Read a domain, move one NIC to another network, write it back: the MAC
// keeps its spelling, the PCI address its hex, and what the structs do not
// know (<newdevice>) stays where it was.
func Example() {
	dom, err := xmlspec.ParseDomain([]byte(guest))
	if err != nil {
		log.Fatal(err)
	}
	mac, err := xmlspec.ParseMAC("52:54:00:ab:cd:ef")
	if err != nil {
		log.Fatal(err)
	}
	nic := dom.InterfaceByMAC(mac)
	if nic == nil {
		log.Fatal("no such NIC")
	}
	nic.Source.Network = "isolated"
	out, err := dom.Marshal()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(out))
	// Output:
	// <domain xmlns:qemu="http://libvirt.org/schemas/domain/qemu/1.0" type="kvm">
	//   <name>web1</name>
	//   <memory unit="GiB">2</memory>
	//   <os>
	//     <type arch="x86_64">hvm</type>
	//   </os>
	//   <devices>
	//     <interface type="network">
	//       <mac address="52:54:00:AB:CD:EF"></mac>
	//       <source network="isolated"></source>
	//       <model type="virtio"></model>
	//       <address type="pci" domain="0x0000" bus="0x01" slot="0x00" function="0x0"></address>
	//     </interface>
	//     <newdevice from="a newer libvirt"></newdevice>
	//   </devices>
	//   <qemu:commandline>
	//     <qemu:arg value="-no-user-config"></qemu:arg>
	//   </qemu:commandline>
	// </domain>
}

// Build a NIC for a bridge and get the XML to attach it with.
func ExampleNewBridgeInterface() {
	mac, err := xmlspec.ParseMAC("52:54:00:12:34:56")
	if err != nil {
		log.Fatal(err)
	}
	nic := xmlspec.NewBridgeInterface("br0", mac)
	nic.MTU = &xmlspec.MTU{Size: 9000}
	out, err := nic.Marshal()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(out))
	// Output:
	// <interface type="bridge">
	//   <mac address="52:54:00:12:34:56"></mac>
	//   <source bridge="br0"></source>
	//   <model type="virtio"></model>
	//   <mtu size="9000"></mtu>
	// </interface>
}

// Add a NIC with a fresh MAC address and remove another.
func ExampleDomain_AddInterface() {
	dom, err := xmlspec.ParseDomain([]byte(guest))
	if err != nil {
		log.Fatal(err)
	}
	mac, err := xmlspec.RandomMAC()
	if err != nil {
		log.Fatal(err)
	}
	dom.AddInterface(*xmlspec.NewNetworkInterface("isolated", mac))
	old, _ := xmlspec.ParseMAC("52:54:00:ab:cd:ef")
	if _, ok := dom.RemoveInterface(old); !ok {
		log.Fatal("no such NIC")
	}
	for _, nic := range dom.Interfaces() {
		fmt.Println(nic.Type, nic.SourceName(), nic.MACAddress()[:3])
	}
	// Output:
	// network isolated 52:54:00
}

// Give a host a fixed address on a network.
func ExampleNetwork_AddDHCPHost() {
	nw, err := xmlspec.ParseNetwork([]byte(`<network>
  <name>lab</name>
  <ip address='192.168.100.1' prefix='24'>
    <dhcp>
      <range start='192.168.100.100' end='192.168.100.199'/>
    </dhcp>
  </ip>
</network>`))
	if err != nil {
		log.Fatal(err)
	}
	mac, _ := xmlspec.ParseMAC("52:54:00:00:00:07")
	host, err := nw.AddDHCPHost(xmlspec.DHCPHost{MAC: mac, Name: "db", IP: "192.168.100.7"})
	if err != nil {
		log.Fatal(err)
	}
	// The <host> element on its own is what virNetworkUpdate takes.
	one, err := xml.Marshal(host)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(one))
	out, err := nw.Marshal()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(out))
	// Output:
	// <host mac="52:54:00:00:00:07" name="db" ip="192.168.100.7"></host>
	// <network>
	//   <name>lab</name>
	//   <ip address="192.168.100.1" prefix="24">
	//     <dhcp>
	//       <range start="192.168.100.100" end="192.168.100.199"></range>
	//       <host mac="52:54:00:00:00:07" name="db" ip="192.168.100.7"></host>
	//     </dhcp>
	//   </ip>
	// </network>
}
