package xdrgen

import (
	gotoken "go/token"
	"go/types"
	"strings"
	"unicode"
)

// initialisms are the words written in capitals in Go names.
var initialisms = map[string]string{
	"acpi": "ACPI", "api": "API", "arp": "ARP", "ipv4": "IPv4", "ipv6": "IPv6", "mtu": "MTU", "nvram": "NVRAM", "ro": "RO", "rpc": "RPC",
	"sev": "SEV", "tpm": "TPM", "vnc": "VNC", "cpu": "CPU", "dhcp": "DHCP", "dns": "DNS", "fd": "FD", "fds": "FDs",
	"id": "ID", "ids": "IDs", "io": "IO", "ip": "IP", "lxc": "LXC", "mac": "MAC",
	"numa": "NUMA", "pci": "PCI", "qemu": "QEMU", "sasl": "SASL", "scsi": "SCSI",
	"ssh": "SSH", "tcp": "TCP", "tls": "TLS", "udp": "UDP", "uri": "URI", "url": "URL",
	"usb": "USB", "uuid": "UUID", "uuids": "UUIDs", "xml": "XML",
}

// camel turns a snake_case or lowerCamel name into an exported Go name:
// "domain_get_xml_desc" -> "DomainGetXMLDesc", "callbackID" -> "CallbackID".
func camel(s string) string {
	var b strings.Builder
	for _, part := range strings.Split(s, "_") {
		if part == "" {
			continue
		}
		lower := strings.ToLower(part)
		if up, ok := initialisms[lower]; ok && (part == lower || part == strings.ToUpper(part)) {
			b.WriteString(up)
			continue
		}
		if part == strings.ToUpper(part) {
			// An all-caps C word: FOO -> Foo.
			part = lower
		}
		r := []rune(part)
		r[0] = unicode.ToUpper(r[0])
		b.WriteString(string(r))
	}
	return b.String()
}

// lowerCamel is camel with a lower-case first word, for parameter names;
// Go keywords get a suffix.
func lowerCamel(s string) string {
	c := camel(s)
	if c == "" {
		return c
	}
	// Lower the leading initialism or first letter: "XMLDesc" -> "xmlDesc".
	r := []rune(c)
	n := 1
	for n < len(r) && unicode.IsUpper(r[n]) && (n+1 == len(r) || unicode.IsUpper(r[n+1])) {
		n++
	}
	for i := 0; i < n; i++ {
		r[i] = unicode.ToLower(r[i])
	}
	out := string(r)
	if gotoken.IsKeyword(out) || types.Universe.Lookup(out) != nil {
		out += "_"
	}
	return out
}

// cName turns a C constant such as VIR_DOMAIN_XML_SECURE, after its prefix
// is removed, into a Go name: DOMAIN_XML_SECURE -> DomainXMLSecure.
func cName(s string) string { return camel(strings.ToLower(s)) }
