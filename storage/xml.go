package storage

import (
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
)

// The few elements of libvirt's pool and volume XML this package reads
// and writes itself: a volume's name, sizes, target format and backing
// store, a pool's type and target path. Programs that need the whole
// documents use XMLString.

// volumeDoc is a <volume>, as VolumeSpec writes it and as much of it as
// the package reads back.
type volumeDoc struct {
	XMLName      xml.Name    `xml:"volume"`
	Type         string      `xml:"type,attr,omitempty"`
	Name         string      `xml:"name"`
	Key          string      `xml:"key,omitempty"`
	Capacity     *sizeElem   `xml:"capacity"`
	Allocation   *sizeElem   `xml:"allocation"`
	Target       *targetElem `xml:"target"`
	BackingStore *targetElem `xml:"backingStore"`
}

type sizeElem struct {
	Unit  string `xml:"unit,attr,omitempty"`
	Value string `xml:",chardata"`
}

type targetElem struct {
	Path   string      `xml:"path,omitempty"`
	Format *formatElem `xml:"format"`
}

type formatElem struct {
	Type string `xml:"type,attr"`
}

// poolDoc is as much of a <pool> as the package reads.
type poolDoc struct {
	XMLName xml.Name `xml:"pool"`
	Type    string   `xml:"type,attr"`
	Name    string   `xml:"name"`
	Target  *struct {
		Path string `xml:"path"`
	} `xml:"target"`
}

func bytesElem(n uint64) *sizeElem { return &sizeElem{Unit: "bytes", Value: strconv.FormatUint(n, 10)} }

// bytes reads a size element in libvirt's units (the daemon writes bytes
// without a unit).
func (s *sizeElem) bytes() (uint64, error) {
	if s == nil {
		return 0, nil
	}
	v, err := strconv.ParseUint(strings.TrimSpace(s.Value), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("size %q: %w", s.Value, err)
	}
	mult, ok := units[strings.ToLower(s.Unit)]
	if !ok {
		return 0, fmt.Errorf("size %s: unknown unit %q", s.Value, s.Unit)
	}
	if mult > 1 && v > ^uint64(0)/mult {
		return 0, fmt.Errorf("size %s %s does not fit in 64 bits", s.Value, s.Unit)
	}
	return v * mult, nil
}

// units are libvirt's size units (formatstorage.rst), lower-cased.
var units = map[string]uint64{
	"": 1, "b": 1, "bytes": 1,
	"kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12, "pb": 1e15, "eb": 1e18,
	"k": 1 << 10, "kib": 1 << 10, "m": 1 << 20, "mib": 1 << 20, "g": 1 << 30, "gib": 1 << 30,
	"t": 1 << 40, "tib": 1 << 40, "p": 1 << 50, "pib": 1 << 50, "e": 1 << 60, "eib": 1 << 60,
}

func parseVolume(doc string) (*volumeDoc, error) {
	var v volumeDoc
	if err := xml.Unmarshal([]byte(doc), &v); err != nil {
		return nil, fmt.Errorf("reading the volume's XML: %w", err)
	}
	return &v, nil
}

func parsePool(doc string) (*poolDoc, error) {
	var p poolDoc
	if err := xml.Unmarshal([]byte(doc), &p); err != nil {
		return nil, fmt.Errorf("reading the pool's XML: %w", err)
	}
	return &p, nil
}

// format returns the type of a target's <format>, "" without one.
func (t *targetElem) format() string {
	if t == nil || t.Format == nil {
		return ""
	}
	return t.Format.Type
}
