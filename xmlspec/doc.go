// Package xmlspec holds Go structs for libvirt's XML documents, written from
// libvirt's format documents (formatdomain.rst, formatnetwork.rst...) and
// RELAX NG schemas (libvirt 11.3). One type per kind of document, each with
// a Parse function and a Marshal method:
//
//	<domain>                   Domain                   a guest's definition
//	<network>                  Network                  a virtual network
//	<networkport>              NetworkPort              a port of a virtual network
//	<pool>                     StoragePool              a storage pool
//	<volume>                   StorageVolume            a storage volume
//	<storagepoolCapabilities>  StoragePoolCapabilities  the pool types a host supports
//	<capabilities>             HostCapabilities         the host's capabilities
//	<domainCapabilities>       DomainCapabilities       what a hypervisor offers a guest
//	<domainsnapshot>           DomainSnapshot           a snapshot of a guest
//	<domaincheckpoint>         DomainCheckpoint         a checkpoint for incremental backups
//	<domainbackup>             DomainBackup             a backup job
//	<device>                   NodeDevice               a host device (node device)
//	<secret>                   Secret                   a secret's definition
//	<filter>                   NWFilter                 a network filter
//	<filterbinding>            NWFilterBinding          a network filter bound to a port
//	<interface>                HostInterface            a host network interface
//
// Helpers cover common tasks: the NICs of a domain (NewNetworkInterface,
// Domain.InterfaceByMAC), DHCP hosts of a network, pools and volumes to
// create (NewDirPool, NewQcow2VolumeBackedBy), the machine types and NUMA
// nodes of a host (HostCapabilities.MachineTypes, NUMACells), the CPU
// models and firmware a domain may use (DomainCapabilities.CPUModels,
// Firmwares).
//
// The structs read and write through encoding/xml (xml.Unmarshal,
// xml.Marshal and friends work on them, alone or inside a program's own
// structs), and they are lossless: a program can read a domain, change one
// NIC and write it back without destroying configuration it never looked at.
//
//	dom, err := xmlspec.ParseDomain(data)
//	if err != nil {
//		return err
//	}
//	mac, err := xmlspec.ParseMAC("52:54:00:ab:cd:ef")
//	if err != nil {
//		return err
//	}
//	if nic := dom.InterfaceByMAC(mac); nic != nil {
//		nic.Source.Network = "isolated"
//	}
//	out, err := dom.Marshal()
//
// Lossless means:
//
//   - Whatever a struct does not model (an element or attribute a newer
//     libvirt added, a <metadata> child, a comment) is kept in the struct's
//     Extra field and written back in its place.
//   - Children are written in the order they were read. A child added to a
//     list goes after the existing ones of its kind; a kind the document did
//     not have goes where the struct's field order puts it, which follows
//     libvirt's own output.
//   - Typed values keep their spelling until the program changes them: a MAC
//     address in upper case, a PCI slot in hex or decimal, a UUID without
//     dashes, an attribute present but empty, a zero that was written out.
//   - Namespaced content (<qemu:commandline>, <dnsmasq:options>, metadata
//     with its own xmlns) keeps its prefixes and declarations; content added
//     in a namespace reuses a prefix declared in scope or declares one.
//
// What is not kept: the document's formatting. Marshal writes attributes in
// double quotes and empty elements as <a></a>; space between elements is
// indentation and space around text mixed with elements is trimmed. Two
// documents that differ only so are equal for libvirt.
//
// Zero values are left out: an attribute or element whose field holds its
// zero value is not written unless the document had it. Fields where zero is
// a meaningful value (PCI slot 0, controller index 0) are pointers.
//
// The package's tests read and write every document of these kinds in
// libvirt's own test suite and check that each comes back identical (in the
// sense above) and that the output of each schema-valid document is
// schema-valid too (xmllint --relaxng).
package xmlspec

//go:generate go run ./internal/codecgen
