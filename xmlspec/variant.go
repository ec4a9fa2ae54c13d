package xmlspec

import (
	"encoding/xml"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// Variants model an element whose content depends on the value of one of
// its attributes, such as a node device's <capability type='pci'>, whose
// children are a PCI device's and not a USB device's. The element's struct
// holds the attribute and one pointer field per kind of content:
//
//	type NodeDeviceCapability struct {
//		Type  string            `xml:"type,attr"`
//		PCI   *NodeDevicePCI    `variant:"type=pci"`
//		USB   *NodeDeviceUSB    `variant:"type=usb_device"`
//		Extra Extra             `xml:"-"`
//	}
//
// Reading, the attribute's value picks the field ("a|b" in the tag lists
// several values for one field); that field's struct gets the element's
// other attributes and all its children. A value no field names leaves every
// variant nil and the element's content in the outer Extra. Writing, the
// variant set is written with the attribute first; the attribute is the
// outer field's value, or, when that is empty, the variant's first value.
// A variant field has the variant tag instead of an xml tag.
//
// Such a struct has only the attribute, the variants, an optional XMLName
// and Extra.

// parseVariant reads a variant tag's name, "attr=value|value".
func (fi *fieldInfo) parseVariant(name string) error {
	attr, values, ok := strings.Cut(name, "=")
	if !ok || attr == "" || values == "" {
		return fmt.Errorf("variant tag %q: want attribute=value", name)
	}
	fi.name = xml.Name{Local: attr}
	fi.key = name
	for _, v := range strings.Split(values, "|") {
		if v == "" {
			return fmt.Errorf("variant tag %q: empty value", name)
		}
		fi.values = append(fi.values, v)
	}
	return nil
}

// checkVariants validates a struct's variant fields and finds their
// discriminator attribute.
func (ti *typeInfo) checkVariants() error {
	if len(ti.variants) == 0 {
		return nil
	}
	attr := ti.variants[0].name
	seen := map[string]bool{}
	for _, fi := range ti.variants {
		if fi.name != attr {
			return fmt.Errorf("xmlspec: %s: variants chosen by attributes %s and %s", ti.typ, attr.Local, fi.name.Local)
		}
		for _, v := range fi.values {
			if seen[v] {
				return fmt.Errorf("xmlspec: %s: variant %s=%s mapped twice", ti.typ, attr.Local, v)
			}
			seen[v] = true
		}
	}
	d := ti.byAttr[attr]
	if d == nil || d.leaf != leafString || d.ptr {
		return fmt.Errorf("xmlspec: %s: variants need a string attribute field %q", ti.typ, attr.Local)
	}
	if len(ti.attrs) != 1 || len(ti.elems) != 0 || ti.chardata != nil {
		return fmt.Errorf("xmlspec: %s: a struct with variants holds only their attribute", ti.typ)
	}
	ti.discriminator = d
	return nil
}

// variantFor returns the variant field that an element's attributes choose,
// or nil.
func (ti *typeInfo) variantFor(attrs []xml.Attr) *fieldInfo {
	for _, a := range attrs {
		if a.Name != ti.discriminator.name {
			continue
		}
		for _, fi := range ti.variants {
			if slices.Contains(fi.values, a.Value) {
				return fi
			}
		}
		return nil
	}
	return nil
}

// decodeVariant reads an element into the variant fi: the discriminator
// attribute into the outer struct, the rest into the variant's.
func (dec *decoder) decodeVariant(start xml.StartElement, sv reflect.Value, ti *typeInfo, fi *fieldInfo) error {
	if err := dec.checkAttrs(start.Attr); err != nil {
		return err
	}
	if ti.xmlName >= 0 {
		sv.Field(ti.xmlName).Set(reflect.ValueOf(start.Name))
	}
	d := ti.discriminator
	inner := xml.StartElement{Name: start.Name, Attr: make([]xml.Attr, 0, len(start.Attr)-1)}
	for _, a := range start.Attr {
		if a.Name == d.name {
			sv.Field(d.index).SetString(a.Value)
			continue
		}
		inner.Attr = append(inner.Attr, a)
	}
	eti, err := fi.elemType()
	if err != nil {
		return err
	}
	return dec.decodeStruct(inner, dec.slot(sv.Field(fi.index), fi), eti)
}

// chosenVariant returns the variant field that is set, or nil if none is.
func (ti *typeInfo) chosenVariant(sv reflect.Value) (*fieldInfo, error) {
	var chosen *fieldInfo
	for _, fi := range ti.variants {
		if sv.Field(fi.index).IsNil() {
			continue
		}
		if chosen != nil {
			return nil, fmt.Errorf("xmlspec: %s: both %s and %s are set", ti.typ.Name(), ti.typ.Field(chosen.index).Name, ti.typ.Field(fi.index).Name)
		}
		chosen = fi
	}
	return chosen, nil
}

// encodeVariant writes the element from its variant fi.
func (enc *encoder) encodeVariant(name xml.Name, startAttrs []xml.Attr, sv reflect.Value, ti *typeInfo, fi *fieldInfo) error {
	extra := sv.Field(ti.extra).Addr().Interface().(*Extra)
	if !extra.IsEmpty() {
		return fmt.Errorf("xmlspec: %s: Extra holds content beside the variant %s", ti.typ.Name(), ti.typ.Field(fi.index).Name)
	}
	value := sv.Field(ti.discriminator.index).String()
	switch {
	case value == "":
		value = fi.values[0]
	case !slices.Contains(fi.values, value):
		return fmt.Errorf("xmlspec: %s: %s %q does not go with %s", ti.typ.Name(), ti.discriminator.name.Local, value, ti.typ.Field(fi.index).Name)
	}
	attrs := append(slices.Clip(startAttrs), xml.Attr{Name: ti.discriminator.name, Value: value})
	eti, err := fi.elemType()
	if err != nil {
		return err
	}
	return enc.encodeStruct(name, attrs, sv.Field(fi.index).Elem(), eti)
}

// variantValue returns the discriminator value of the variant set in *v (a
// pointer to a struct with variants), or "" if none or several are.
func variantValue(v any) string {
	rv := reflect.ValueOf(v).Elem()
	ti, err := typeOf(rv.Type())
	if err != nil || ti.discriminator == nil {
		return ""
	}
	fi, err := ti.chosenVariant(rv)
	if err != nil || fi == nil {
		return ""
	}
	return fi.values[0]
}
