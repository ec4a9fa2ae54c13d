package xmlspec

import (
	"encoding/xml"
	"fmt"
)

// Address types, the values of Address.Type.
const (
	AddressPCI          = "pci"
	AddressDrive        = "drive"
	AddressVirtioSerial = "virtio-serial"
	AddressCCID         = "ccid"
	AddressUSB          = "usb"
	AddressSpaprVIO     = "spapr-vio"
	AddressCCW          = "ccw"
	AddressISA          = "isa"
	AddressVirtioMMIO   = "virtio-mmio"
	AddressDIMM         = "dimm"
	AddressUnassigned   = "unassigned"
)

// Address is a device's <address> on its bus. Which attributes apply depends
// on Type:
//
//	pci            Domain, Bus, Slot, Function, Multifunction, ZPCI
//	drive          Controller, Bus, Target, Unit
//	virtio-serial  Controller, Bus, Port
//	ccid           Controller, Slot
//	usb            Bus, Port ("1.2.3" for hubs)
//	spapr-vio      Reg
//	ccw            CSSID, SSID, DevNo
//	isa            IOBase, IRQ
//	dimm           Slot, Base
//
// A host device's source address uses the same element with Bus and Device
// (USB) or UUID (mediated devices). Numbers keep their spelling from the
// document (PCI addresses are usually hex); new values are written as libvirt
// writes them for the type. PCI and DriveAddr give typed views.
type Address struct {
	XMLName       xml.Name `xml:"address"`
	Type          string   `xml:"type,attr"`
	Domain        *uint32  `xml:"domain,attr"`
	Controller    *uint    `xml:"controller,attr"`
	Bus           *uint    `xml:"bus,attr"`
	Target        *uint    `xml:"target,attr"`
	Unit          *uint64  `xml:"unit,attr"`
	Slot          *uint    `xml:"slot,attr"`
	Function      *uint    `xml:"function,attr"`
	Multifunction string   `xml:"multifunction,attr"` // "on" or "off"
	Port          string   `xml:"port,attr"`
	Device        *uint    `xml:"device,attr"`
	Reg           *uint64  `xml:"reg,attr"`
	CSSID         *uint    `xml:"cssid,attr"`
	SSID          *uint    `xml:"ssid,attr"`
	DevNo         *uint    `xml:"devno,attr"`
	IOBase        *uint    `xml:"iobase,attr"`
	IRQ           *uint    `xml:"irq,attr"`
	Base          *uint64  `xml:"base,attr"`
	UUID          *UUID    `xml:"uuid,attr"`
	ZPCI          *ZPCI    `xml:"zpci"`
	Extra         Extra    `xml:"-"`
}

// ZPCI holds the s390 zPCI identifiers of a PCI address.
type ZPCI struct {
	UID   *uint `xml:"uid,attr" format:"0x%04x"`
	FID   *uint `xml:"fid,attr" format:"0x%08x"`
	Extra Extra `xml:"-"`
}

// xmlFormat prints new address numbers the way libvirt's formatter does for
// the address type: PCI and CCW in hex, drive and DIMM slots in decimal.
func (a *Address) xmlFormat(attr string) string {
	switch a.Type {
	case AddressPCI, "":
		switch attr {
		case "domain":
			return "0x%04x"
		case "bus", "slot":
			return "0x%02x"
		case "function":
			return "0x%x"
		}
	case AddressCCW:
		switch attr {
		case "cssid", "ssid":
			return "0x%x"
		case "devno":
			return "0x%04x"
		}
	case AddressSpaprVIO:
		if attr == "reg" {
			return "0x%08x"
		}
	case AddressISA:
		if attr == "iobase" || attr == "irq" {
			return "0x%x"
		}
	case AddressDIMM:
		if attr == "base" {
			return "0x%x"
		}
	}
	return ""
}

// PCIAddr is a PCI address as numbers.
type PCIAddr struct {
	Domain        uint32
	Bus           uint8
	Slot          uint8
	Function      uint8
	Multifunction bool
}

// String formats p as domain:bus:slot.function, the way lspci does.
func (p PCIAddr) String() string {
	return fmt.Sprintf("%04x:%02x:%02x.%x", p.Domain, p.Bus, p.Slot, p.Function)
}

// NewPCIAddress returns an <address type='pci'> for p.
func NewPCIAddress(p PCIAddr) *Address {
	a := &Address{Type: AddressPCI}
	a.SetPCI(p)
	return a
}

// SetPCI makes a a PCI address with the values of p.
func (a *Address) SetPCI(p PCIAddr) {
	a.Type = AddressPCI
	dom, bus, slot, fn := p.Domain, uint(p.Bus), uint(p.Slot), uint(p.Function)
	a.Domain, a.Bus, a.Slot, a.Function = &dom, &bus, &slot, &fn
	a.Multifunction = ""
	if p.Multifunction {
		a.Multifunction = "on"
	}
}

// PCI returns a's PCI address. ok is false if a is not a PCI address (a
// missing type counts as PCI, as libvirt reads it in host device sources) or
// a number is out of range for PCI.
func (a *Address) PCI() (p PCIAddr, ok bool) {
	if a == nil || (a.Type != AddressPCI && a.Type != "") {
		return p, false
	}
	get := func(v *uint, max uint) (uint, bool) {
		if v == nil {
			return 0, true
		}
		return *v, *v <= max
	}
	if a.Domain != nil {
		p.Domain = *a.Domain
	}
	bus, ok1 := get(a.Bus, 0xff)
	slot, ok2 := get(a.Slot, 0x1f)
	fn, ok3 := get(a.Function, 7)
	p.Bus, p.Slot, p.Function = uint8(bus), uint8(slot), uint8(fn)
	p.Multifunction = a.Multifunction == "on"
	return p, ok1 && ok2 && ok3
}

// DriveAddr is a drive (IDE, SCSI, SATA, floppy) address as numbers.
type DriveAddr struct {
	Controller, Bus, Target uint
	Unit                    uint64
}

// NewDriveAddress returns an <address type='drive'> for d.
func NewDriveAddress(d DriveAddr) *Address {
	c, b, t, u := d.Controller, d.Bus, d.Target, d.Unit
	return &Address{Type: AddressDrive, Controller: &c, Bus: &b, Target: &t, Unit: &u}
}

// Drive returns a's drive address; ok is false if a is not one.
func (a *Address) Drive() (d DriveAddr, ok bool) {
	if a == nil || a.Type != AddressDrive {
		return d, false
	}
	if a.Controller != nil {
		d.Controller = *a.Controller
	}
	if a.Bus != nil {
		d.Bus = *a.Bus
	}
	if a.Target != nil {
		d.Target = *a.Target
	}
	if a.Unit != nil {
		d.Unit = *a.Unit
	}
	return d, true
}

// NewUSBAddress returns an <address type='usb'> on bus at port ("1", or
// "1.2" behind a hub).
func NewUSBAddress(bus uint, port string) *Address {
	return &Address{Type: AddressUSB, Bus: &bus, Port: port}
}

// NewCCWAddress returns an <address type='ccw'> for an s390 channel device.
func NewCCWAddress(cssid, ssid, devno uint) *Address {
	return &Address{Type: AddressCCW, CSSID: &cssid, SSID: &ssid, DevNo: &devno}
}
