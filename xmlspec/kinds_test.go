package xmlspec

import (
	"encoding/xml"
	"reflect"
	"testing"
)

// Each kind of document reads and writes through encoding/xml alone and
// inside a program's own struct, and keeps what it does not model.
func TestKindsThroughEncodingXML(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		run  func(t *testing.T, doc string) (alone, wrapped []byte)
	}{
		{"snapshot", `<domainsnapshot><name>s</name><new a="1"></new><domain><uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid></domain></domainsnapshot>`, roundTripKind[DomainSnapshot]},
		{"checkpoint", `<domaincheckpoint><name>c</name><disks><disk name="vda" checkpoint="bitmap" x="y"></disk></disks></domaincheckpoint>`, roundTripKind[DomainCheckpoint]},
		{"backup", `<domainbackup mode="pull"><server transport="unix" socket="/s"></server><new></new></domainbackup>`, roundTripKind[DomainBackup]},
		{"nodedev", `<device><name>n</name><capability type="pci"><domain>0</domain><bus>0x1</bus><new></new></capability></device>`, roundTripKind[NodeDevice]},
		{"secret", `<secret private="yes"><usage type="tls"><name>t</name></usage><new></new></secret>`, roundTripKind[Secret]},
		{"nwfilter", `<filter name="f"><rule action="drop" direction="in"><tcp dstportstart="0x16" new="1"></tcp></rule></filter>`, roundTripKind[NWFilter]},
		{"nwfilterbinding", `<filterbinding><portdev name="vnet0"></portdev><mac address="52:54:00:AB:CD:EF"></mac><new></new></filterbinding>`, roundTripKind[NWFilterBinding]},
		{"interface", `<interface type="ethernet" name="eth0"><mac address="AA:BB:CC:DD:EE:FF"></mac><new xmlns="urn:x"></new></interface>`, roundTripKind[HostInterface]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			alone, wrapped := tt.run(t, tt.doc)
			if string(alone) != tt.doc {
				t.Errorf("alone:\ngot  %s\nwant %s", alone, tt.doc)
			}
			if want := "<batch>" + tt.doc + tt.doc + "</batch>"; string(wrapped) != want {
				t.Errorf("wrapped:\ngot  %s\nwant %s", wrapped, want)
			}
		})
	}
}

func roundTripKind[T any](t *testing.T, doc string) (alone, wrapped []byte) {
	t.Helper()
	var v T
	if err := xml.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatal(err)
	}
	alone, err := xml.Marshal(&v)
	if err != nil {
		t.Fatal(err)
	}
	// A program's struct with a list of the documents, under their own
	// element name: struct{ XMLName; Items []T `xml:"root"` }.
	ti, err := typeOf(reflect.TypeOf(v))
	if err != nil {
		t.Fatal(err)
	}
	wt := reflect.StructOf([]reflect.StructField{
		{Name: "XMLName", Type: xmlNameType, Tag: `xml:"batch"`},
		{Name: "Items", Type: reflect.TypeOf([]T(nil)), Tag: reflect.StructTag(`xml:"` + ti.rootName + `"`)},
	})
	w := reflect.New(wt)
	if err := xml.Unmarshal([]byte("<batch>"+doc+doc+"</batch>"), w.Interface()); err != nil {
		t.Fatal(err)
	}
	if n := w.Elem().Field(1).Len(); n != 2 {
		t.Fatalf("%d items in the wrapper", n)
	}
	wrapped, err = xml.Marshal(w.Interface())
	if err != nil {
		t.Fatal(err)
	}
	return alone, wrapped
}
