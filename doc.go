// Package virtwire is a pure-Go client for libvirt. It speaks libvirt's XDR
// remote protocol directly to the daemon over unix, tcp, tls and ssh, with no
// cgo and no libvirt.so.
package virtwire
