package xmlspec

import "encoding/xml"

// StoragePoolCapabilities is the <storagepoolCapabilities> document of
// formatstoragecaps.rst (storagepoolcaps.rng), what
// virConnectGetStoragePoolCapabilities returns: for each pool type, whether
// the daemon supports it and the formats its pools and volumes take.
type StoragePoolCapabilities struct {
	XMLName xml.Name                `xml:"storagepoolCapabilities"`
	Pools   []StoragePoolCapability `xml:"pool"`
	Extra   Extra                   `xml:"-"`
}

// StoragePoolCapability is one <pool type='...' supported='yes|no'> of the
// storage pool capabilities.
type StoragePoolCapability struct {
	Type        string                  `xml:"type,attr"`      // StoragePoolDir...
	Supported   string                  `xml:"supported,attr"` // yes, no
	PoolOptions *StoragePoolCapsOptions `xml:"poolOptions"`
	VolOptions  *StoragePoolCapsOptions `xml:"volOptions"`
	Extra       Extra                   `xml:"-"`
}

// StoragePoolCapsOptions is <poolOptions> or <volOptions>: the default
// format and the enum of formats (sourceFormatType for pools,
// targetFormatType for volumes).
type StoragePoolCapsOptions struct {
	DefaultFormat *StoragePoolCapsFormat `xml:"defaultFormat"`
	Enums         []CapsEnum             `xml:"enum"`
	Extra         Extra                  `xml:"-"`
}

// StoragePoolCapsFormat is <defaultFormat type='...'/>.
type StoragePoolCapsFormat struct {
	Type  string `xml:"type,attr"`
	Extra Extra  `xml:"-"`
}

// CapsEnum is an <enum name='...'> of <value>s in a capabilities document
// (domain or storage pool): the values an attribute or element may take.
type CapsEnum struct {
	Name   string   `xml:"name,attr"`
	Values []string `xml:"value"`
	Extra  Extra    `xml:"-"`
}

// ParseStoragePoolCapabilities reads a <storagepoolCapabilities> document.
func ParseStoragePoolCapabilities(data []byte) (*StoragePoolCapabilities, error) {
	return parseAs[StoragePoolCapabilities](data, "storagepoolCapabilities")
}

// Marshal writes c as an indented XML document.
func (c *StoragePoolCapabilities) Marshal() ([]byte, error) { return marshalIndent(c) }

// Pool returns the capabilities of pool type typ (StoragePoolDir...), or
// nil if the document does not list it.
func (c *StoragePoolCapabilities) Pool(typ string) *StoragePoolCapability {
	for i := range c.Pools {
		if c.Pools[i].Type == typ {
			return &c.Pools[i]
		}
	}
	return nil
}

// SupportedPoolTypes returns the pool types the daemon supports, in
// document order.
func (c *StoragePoolCapabilities) SupportedPoolTypes() []string {
	var out []string
	for _, p := range c.Pools {
		if p.Supported == "yes" {
			out = append(out, p.Type)
		}
	}
	return out
}

// IsSupported reports whether the daemon supports pools of this type.
func (p *StoragePoolCapability) IsSupported() bool { return p != nil && p.Supported == "yes" }

// VolumeFormats returns the formats volumes of this pool type may have
// (the targetFormatType enum), or nil.
func (p *StoragePoolCapability) VolumeFormats() []string {
	if p == nil {
		return nil
	}
	return p.VolOptions.enum("targetFormatType").values()
}

// SourceFormats returns the formats the pool's source may have (the
// sourceFormatType enum: file systems, partition tables), or nil.
func (p *StoragePoolCapability) SourceFormats() []string {
	if p == nil {
		return nil
	}
	return p.PoolOptions.enum("sourceFormatType").values()
}

func (o *StoragePoolCapsOptions) enum(name string) *CapsEnum {
	if o == nil {
		return nil
	}
	return findEnum(o.Enums, name)
}
