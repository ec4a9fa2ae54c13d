package xdrgen

import "testing"

func TestNames(t *testing.T) {
	tests := []struct {
		fn       func(string) string
		in, want string
	}{
		{camel, "domain_get_xml_desc", "DomainGetXMLDesc"},
		{camel, "callbackID", "CallbackID"},
		{camel, "oldMAC", "OldMAC"},
		{camel, "nrVirtCpu", "NrVirtCpu"},
		{camel, "uuid", "UUID"},
		{camel, "io_error_reason", "IOErrorReason"},
		{camel, "migrate_prepare3_params", "MigratePrepare3Params"},
		{cName, "DOMAIN_XML_SECURE", "DomainXMLSecure"},
		{cName, "ERR_NO_DOMAIN", "ErrNoDomain"},
		{cName, "FROM_QEMU", "FromQEMU"},
		{lowerCamel, "xml_desc", "xmlDesc"},
		{lowerCamel, "dom", "dom"},
		{lowerCamel, "type", "type_"},
		{lowerCamel, "nil", "nil_"},
		{lowerCamel, "uuid", "uuid"},
		{lowerCamel, "need_results", "needResults"},
	}
	for _, tt := range tests {
		if got := tt.fn(tt.in); got != tt.want {
			t.Errorf("%q -> %q, want %q", tt.in, got, tt.want)
		}
	}
}
