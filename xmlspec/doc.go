// Package xmlspec holds Go structs for libvirt's domain, network and network
// port XML documents.
//
// The structs read and write through encoding/xml, and they are lossless:
// whatever a document holds that a struct does not model (an element a newer
// libvirt added, a <metadata> child, a <qemu:commandline>, a comment) is kept
// in that struct's Extra field and written back in its place, and typed values
// keep their spelling (a MAC address in upper case, a PCI slot in hex) unless
// the program changes them. A program can therefore read a domain, change one
// NIC and write it back without destroying configuration it never looked at.
//
//	dom, err := xmlspec.ParseDomain(data)
//	if err != nil {
//		return err
//	}
//	nic := dom.InterfaceByMAC(mac)
//	nic.Source.Bridge = "br1"
//	out, err := dom.Marshal()
//
// The element and attribute names follow libvirt's formatdomain, formatnetwork
// and formatnetworkport documents and RELAX NG schemas (libvirt 11.3).
package xmlspec

//go:generate go run ./internal/codecgen
