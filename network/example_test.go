package network_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/network"
	"github.com/virtwire/virtwire/xmlspec"
)

// Build the definition virter's `network add net1 --dhcp --network-cidr
// 10.255.0.1/24` asks for.
func ExampleConfig_Definition() {
	cidr, err := network.ParseCIDR("10.255.0.1/24")
	if err != nil {
		log.Fatal(err)
	}
	def, err := network.Config{Name: "net1", CIDR: cidr, DHCP: true, ForwardMode: "nat"}.Definition()
	if err != nil {
		log.Fatal(err)
	}
	out, _ := def.Marshal()
	fmt.Print(string(out))
	// Output:
	// <network>
	//   <name>net1</name>
	//   <forward mode="nat"></forward>
	//   <ip address="10.255.0.1" prefix="24">
	//     <dhcp>
	//       <range start="10.255.0.2" end="10.255.0.254"></range>
	//     </dhcp>
	//   </ip>
	// </network>
}

// A CIDR names the host's address on the network, not the subnet.
func ExampleParseCIDR() {
	_, err := network.ParseCIDR("10.255.0.0/24")
	fmt.Println(err)
	fmt.Println(errors.Is(err, network.ErrInvalid))
	// Output:
	// invalid argument: CIDR 10.255.0.0/24: 10.255.0.0 is the subnet's own address; give the host's address, such as 10.255.0.1/24
	// true
}

// Define and start a network unless its name, bridge or subnet is taken.
func ExampleDefine() {
	ctx := context.Background()
	conn, err := virtwire.Dial(ctx, "qemu:///system")
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	cidr, err := network.ParseCIDR("10.255.0.1/24")
	if err != nil {
		log.Fatal(err)
	}
	def, err := network.Config{Name: "net1", CIDR: cidr, DHCP: true}.Definition()
	if err != nil {
		log.Fatal(err)
	}
	if err := network.CheckConflicts(ctx, conn, def); err != nil {
		log.Fatal(err)
	}
	n, err := network.Define(ctx, conn, def)
	if err != nil {
		log.Fatal(err)
	}
	if err := n.Start(ctx); err != nil {
		log.Fatal(err)
	}
	if err := n.SetAutostart(ctx, true); err != nil {
		log.Fatal(err)
	}
}

// Give a guest a fixed address, live and in the persistent configuration.
func ExampleNetwork_AddDHCPHost() {
	ctx := context.Background()
	conn, err := virtwire.Dial(ctx, "qemu:///system")
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	n, err := network.Lookup(ctx, conn, "default")
	if err != nil {
		log.Fatal(err)
	}
	mac, _ := xmlspec.ParseMAC("52:54:00:00:00:08")
	host := xmlspec.DHCPHost{MAC: mac, Name: "alma-8-8", IP: "192.168.122.8"}
	if err := n.AddDHCPHost(ctx, host, network.AffectLive|network.AffectConfig); err != nil {
		log.Fatal(err)
	}
}

// Print which guests are on a network, as virter's `network list-attached`
// does.
func ExampleNetwork_ListAttached() {
	ctx := context.Background()
	conn, err := virtwire.Dial(ctx, "qemu:///system")
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	n, err := network.Lookup(ctx, conn, "default")
	if err != nil {
		log.Fatal(err)
	}
	nics, err := n.ListAttached(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, a := range nics {
		fmt.Println(a.Domain, a.MAC, a.IPs, a.Hostname, a.HostDevice)
	}
}
