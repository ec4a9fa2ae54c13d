package xmlspec

import (
	"encoding"
	"encoding/xml"
	"fmt"
	"net"
	"reflect"
	"strings"
	"sync"
)

// The codec reads the same `xml` struct tags as encoding/xml ("name,attr",
// "name", "namespace-URL name", ",chardata", "-") and one of its own:
// `format:"0x%02x"` says how to print an integer that was set in Go rather
// than read from a document; and `variant:"type=pci"` (see variant.go), in
// place of an xml tag, for an element whose content depends on the value of
// one of its attributes.

type fieldKind uint8

const (
	attrField fieldKind = iota + 1
	elemField
	charField
	variantField
)

type leafKind uint8

const (
	notLeaf leafKind = iota
	leafString
	leafInt
	leafUint
	leafMAC
	leafTextual // encoding.TextMarshaler and TextUnmarshaler
)

type fieldInfo struct {
	index  int
	kind   fieldKind
	name   xml.Name
	key    string // raw-spelling and order key: name.Local, or "URL local"
	order  int    // position among element fields
	ptr    bool   // *T
	slice  bool   // []T
	leaf   leafKind
	typ    reflect.Type // T without pointer or slice
	format string
	values []string // variantField: the discriminator values that choose it
}

type typeInfo struct {
	typ      reflect.Type
	xmlName  int    // index of the XMLName field, or -1
	rootName string // element name from the XMLName tag, if any
	extra    int    // index of the Extra field
	chardata *fieldInfo
	attrs    []*fieldInfo
	elems    []*fieldInfo
	byAttr   map[xml.Name]*fieldInfo
	byElem   map[xml.Name]*fieldInfo
	byKey    map[string]*fieldInfo
	// A struct with variant fields: the attribute whose value picks one,
	// and the variants in field order.
	discriminator *fieldInfo
	variants      []*fieldInfo
}

var (
	typeCache         sync.Map // reflect.Type -> *typeInfo
	extraType         = reflect.TypeOf(Extra{})
	xmlNameType       = reflect.TypeOf(xml.Name{})
	macType           = reflect.TypeOf(net.HardwareAddr(nil))
	uuidType          = reflect.TypeOf(UUID{})
	textMarshalType   = reflect.TypeOf((*encoding.TextMarshaler)(nil)).Elem()
	textUnmarshalType = reflect.TypeOf((*encoding.TextUnmarshaler)(nil)).Elem()
)

// Keys in Extra.seq that are not element fields: nodeKey marks an
// Extra.Nodes entry, textKey where the chardata field's text stood among
// the children (recorded only when it had children beside it).
const (
	nodeKey = "\x00"
	textKey = "\x01"
)

// typeOf returns the codec's view of struct type t, building and caching it
// on first use. A struct without an Extra field, or with a field type the
// codec cannot read and write losslessly, is a programming error reported
// here rather than silently mis-encoded.
func typeOf(t reflect.Type) (*typeInfo, error) {
	if ti, ok := typeCache.Load(t); ok {
		return ti.(*typeInfo), nil
	}
	ti, err := buildType(t)
	if err != nil {
		return nil, err
	}
	actual, _ := typeCache.LoadOrStore(t, ti)
	return actual.(*typeInfo), nil
}

func buildType(t reflect.Type) (*typeInfo, error) {
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("xmlspec: %s is not a struct", t)
	}
	ti := &typeInfo{
		typ:     t,
		xmlName: -1,
		extra:   -1,
		byAttr:  make(map[xml.Name]*fieldInfo),
		byElem:  make(map[xml.Name]*fieldInfo),
		byKey:   make(map[string]*fieldInfo),
	}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		if sf.Anonymous {
			return nil, fmt.Errorf("xmlspec: %s.%s: embedded fields are not supported", t, sf.Name)
		}
		tag := sf.Tag.Get("xml")
		if sf.Type == extraType {
			ti.extra = i
			continue
		}
		if sf.Name == "XMLName" && sf.Type == xmlNameType {
			ti.xmlName = i
			ti.rootName, _, _ = strings.Cut(tag, ",")
			continue
		}
		if tag == "-" {
			continue
		}
		fi, err := buildField(t, sf, i, tag)
		if err != nil {
			return nil, err
		}
		switch fi.kind {
		case attrField:
			if _, dup := ti.byAttr[fi.name]; dup {
				return nil, fmt.Errorf("xmlspec: %s: attribute %q mapped twice", t, fi.key)
			}
			ti.attrs = append(ti.attrs, fi)
			ti.byAttr[fi.name] = fi
		case elemField:
			if _, dup := ti.byElem[fi.name]; dup {
				return nil, fmt.Errorf("xmlspec: %s: element %q mapped twice", t, fi.key)
			}
			fi.order = len(ti.elems)
			ti.elems = append(ti.elems, fi)
			ti.byElem[fi.name] = fi
			ti.byKey[fi.key] = fi
		case charField:
			if ti.chardata != nil {
				return nil, fmt.Errorf("xmlspec: %s: two chardata fields", t)
			}
			ti.chardata = fi
		case variantField:
			ti.variants = append(ti.variants, fi)
		}
	}
	if ti.extra < 0 {
		return nil, fmt.Errorf("xmlspec: %s has no Extra field", t)
	}
	if err := ti.checkVariants(); err != nil {
		return nil, err
	}
	return ti, nil
}

func buildField(t reflect.Type, sf reflect.StructField, index int, tag string) (*fieldInfo, error) {
	fi := &fieldInfo{index: index, format: sf.Tag.Get("format")}
	name, opts, _ := strings.Cut(tag, ",")
	variant, isVariant := sf.Tag.Lookup("variant")
	switch {
	case isVariant && tag != "":
		return nil, fmt.Errorf("xmlspec: %s.%s: a variant field has no xml tag", t, sf.Name)
	case isVariant:
		fi.kind = variantField
		name = variant
	case hasOpt(opts, "attr"):
		fi.kind = attrField
	case hasOpt(opts, "chardata"):
		fi.kind = charField
	case hasOpt(opts, "innerxml"), hasOpt(opts, "any"), hasOpt(opts, "comment"), strings.Contains(name, ">"):
		return nil, fmt.Errorf("xmlspec: %s.%s: tag %q is not supported", t, sf.Name, tag)
	default:
		fi.kind = elemField
	}
	if fi.kind == variantField {
		if err := fi.parseVariant(name); err != nil {
			return nil, fmt.Errorf("xmlspec: %s.%s: %v", t, sf.Name, err)
		}
	} else if fi.kind != charField {
		if name == "" {
			return nil, fmt.Errorf("xmlspec: %s.%s: tag needs a name", t, sf.Name)
		}
		if space, local, ok := strings.Cut(name, " "); ok {
			fi.name = xml.Name{Space: space, Local: local}
			fi.key = space + " " + local
		} else {
			fi.name = xml.Name{Local: name}
			fi.key = name
		}
	}
	ft := sf.Type
	switch {
	case ft == macType:
		// net.HardwareAddr is a slice but one value.
	case ft.Kind() == reflect.Pointer:
		fi.ptr = true
		ft = ft.Elem()
	case ft.Kind() == reflect.Slice && ft.Elem().Kind() != reflect.Uint8:
		fi.slice = true
		ft = ft.Elem()
	}
	fi.typ = ft
	fi.leaf = leafOf(ft)
	switch {
	case fi.leaf != notLeaf:
	case ft.Kind() == reflect.Struct && fi.kind == elemField:
	case ft.Kind() == reflect.Struct && fi.kind == variantField && fi.ptr:
	default:
		return nil, fmt.Errorf("xmlspec: %s.%s: type %s is not supported for %q", t, sf.Name, sf.Type, tag)
	}
	if fi.kind != elemField && fi.slice {
		return nil, fmt.Errorf("xmlspec: %s.%s: a list cannot be an attribute or chardata", t, sf.Name)
	}
	if fi.slice && ft.Kind() == reflect.Pointer {
		return nil, fmt.Errorf("xmlspec: %s.%s: use []T, not []*T", t, sf.Name)
	}
	return fi, nil
}

func leafOf(t reflect.Type) leafKind {
	switch {
	case t == macType:
		return leafMAC
	case reflect.PointerTo(t).Implements(textUnmarshalType) && t.Implements(textMarshalType):
		return leafTextual
	}
	switch t.Kind() {
	case reflect.String:
		return leafString
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return leafInt
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return leafUint
	}
	return notLeaf
}

func hasOpt(opts, want string) bool {
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == want {
			return true
		}
	}
	return false
}

// elemType returns the typeInfo of a struct element field. It is looked up
// each time rather than stored, since types may refer to themselves (a disk's
// backing store chain) and fieldInfo is shared between goroutines.
func (fi *fieldInfo) elemType() (*typeInfo, error) { return typeOf(fi.typ) }
