// Package protocol is libvirt's wire format: an XDR (RFC 4506) encoder and
// decoder without reflection, the packet header, and the framing of whole
// packets on a byte stream.
//
// Every libvirt packet is a 4-byte big-endian length (which counts itself),
// a 24-byte [Header], and a body encoded with XDR. The generated packages
// under protocol/ (remote, qemu, lxc, admin, keepalive) give every type of
// libvirt's .x files EncodeXDR and DecodeXDR methods built on [Encoder] and
// [Decoder].
//
// Decoding is bounded: every length is checked against its .x limit and
// against the bytes left in the packet before anything is allocated, so a
// hostile peer cannot make a decoder allocate much more than the packet it
// sent.
//
//	var e protocol.Encoder
//	e.StartPacket(protocol.Header{Program: 0x20008086, Version: 1, Procedure: 23, Type: protocol.Call, Serial: 1})
//	e.String("guest1", 4194304)
//	pkt, err := e.FinishPacket()
package protocol
