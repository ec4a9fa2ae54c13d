package domain_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/domain"
	"github.com/virtwire/virtwire/xmlspec"
)

// List the IP addresses of a guest's NICs as libvirt's DHCP server knows
// them (virsh domifaddr).
func Example() {
	ctx := context.Background()
	// "" means libvirt's default URI: $LIBVIRT_DEFAULT_URI (here the test
	// driver), as for virsh.
	conn, err := virtwire.Dial(ctx, "")
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()

	dom, err := domain.LookupByName(ctx, conn, "test")
	if err != nil {
		log.Fatal(err)
	}
	ifaces, err := dom.Interfaces(ctx, virtwire.DomainInterfaceAddressesSrcLease)
	if err != nil {
		log.Fatal(err)
	}
	for _, iface := range ifaces {
		fmt.Println(iface.Name, iface.HWAddr, iface.Addrs)
	}
	// Output:
	// testnet0 aa:bb:cc:dd:ee:ff [192.168.122.3/24]
}

// Define a domain written in Go, start it and stop it.
func ExampleDefine() {
	ctx := context.Background()
	conn, err := virtwire.Dial(ctx, "")
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()

	mac, _ := xmlspec.ParseMAC("52:54:00:12:34:56")
	def := &xmlspec.Domain{
		Type:    "test", // "kvm" on a real host
		Name:    "example-define",
		Memory:  &xmlspec.DomainMemory{Value: 512, Unit: "MiB"},
		VCPU:    &xmlspec.VCPU{Value: 1},
		OS:      &xmlspec.OS{Type: &xmlspec.OSType{Arch: "x86_64", Value: "hvm"}},
		Devices: &xmlspec.Devices{Interfaces: []xmlspec.Interface{*xmlspec.NewNetworkInterface("default", mac)}},
	}
	dom, err := domain.Define(ctx, conn, def, 0)
	if err != nil {
		log.Fatal(err)
	}
	defer dom.Undefine(ctx, 0)

	for _, step := range []func(context.Context) error{
		func(ctx context.Context) error { return dom.Start(ctx, 0) },
		dom.Suspend,
		func(ctx context.Context) error { return dom.Destroy(ctx, 0) },
	} {
		if err := step(ctx); err != nil {
			log.Fatal(err)
		}
		st, err := dom.State(ctx)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(st)
	}
	// Output:
	// running (booted)
	// paused (user)
	// shut off (destroyed)
}

// Follow a domain's life as the daemon reports it.
func ExampleWatchLifecycle() {
	ctx := context.Background()
	conn, err := virtwire.Dial(ctx, "")
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()

	// Watch every domain (nil), since this one is not defined yet.
	w, err := domain.WatchLifecycle(ctx, conn, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer w.Close()

	def := &xmlspec.Domain{
		Type:   "test",
		Name:   "example-events",
		Memory: &xmlspec.DomainMemory{Value: 512, Unit: "MiB"},
		OS:     &xmlspec.OS{Type: &xmlspec.OSType{Value: "hvm"}},
	}
	dom, err := domain.Define(ctx, conn, def, 0)
	if err != nil {
		log.Fatal(err)
	}
	if err := dom.Start(ctx, 0); err != nil {
		log.Fatal(err)
	}
	if err := dom.Destroy(ctx, 0); err != nil {
		log.Fatal(err)
	}
	if err := dom.Undefine(ctx, 0); err != nil {
		log.Fatal(err)
	}
	for n := 0; n < 4; {
		ev, err := w.Next(ctx)
		if err != nil {
			log.Fatal(err)
		}
		if ev.Domain.Name() == "example-events" { // other programs' domains too
			fmt.Println(ev)
			n++
		}
	}
	// Output:
	// defined (added)
	// started (booted)
	// stopped (destroyed)
	// undefined (removed)
}

// Hot-plug a NIC on a libvirt network into a running guest and its
// persistent definition, then unplug it by its MAC address.
func ExampleDomain_AttachNIC() {
	ctx := context.Background()
	conn, err := virtwire.Dial(ctx, "qemu:///system")
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	dom, err := domain.LookupByName(ctx, conn, "web1")
	if err != nil {
		log.Fatal(err)
	}

	nic := xmlspec.NewNetworkInterface("default", nil) // virtio; libvirt-style random MAC
	both := virtwire.DomainDeviceModifyLive | virtwire.DomainDeviceModifyConfig
	mac, err := dom.AttachNIC(ctx, nic, both)
	if err != nil {
		log.Fatal(err) // errors.Is(err, virtwire.ErrNoNetwork), ErrDuplicateMAC...
	}
	fmt.Println("attached", mac)

	if _, err := dom.DetachNIC(ctx, mac, both); errors.Is(err, domain.ErrNoNIC) {
		fmt.Println("already gone")
	} else if err != nil {
		log.Fatal(err)
	}
}
