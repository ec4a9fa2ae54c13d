package xmlspec

import (
	"encoding/xml"
	"fmt"
	"net"
)

// NodeDevice is a device of the host as libvirt's node device driver sees
// it, the <device> document of formatnode.rst: a PCI or USB device, a
// network interface, a SCSI host, target or LUN, a block device, a
// mediated device... What it is and what it can do are its Capabilities,
// usually one; Parent names the device it hangs off (computer at the
// root).
//
// Programs read these documents (virNodeDeviceGetXMLDesc) and write two
// kinds: mediated devices (NewMDevDevice) and vHBAs (NewVHBA), for
// virNodeDeviceCreateXML and virNodeDeviceDefineXML.
type NodeDevice struct {
	XMLName      xml.Name               `xml:"device"`
	Name         string                 `xml:"name"`
	Path         string                 `xml:"path"` // in sysfs
	DevNodes     []NodeDeviceDevNode    `xml:"devnode"`
	Parent       *NodeDeviceParent      `xml:"parent"`
	Driver       *NodeDeviceDriver      `xml:"driver"`
	Capabilities []NodeDeviceCapability `xml:"capability"`
	Extra        Extra                  `xml:"-"`
}

// NodeDeviceDevNode is a <devnode>: a device file of the device.
type NodeDeviceDevNode struct {
	Type  string `xml:"type,attr"` // dev, or link (a symbolic link to it)
	Path  string `xml:",chardata"`
	Extra Extra  `xml:"-"`
}

// NodeDeviceParent is <parent>: the parent device's name, or, when
// creating a vHBA, the Fibre Channel host to create it on by its WWNN and
// WWPN or its fabric's WWN.
type NodeDeviceParent struct {
	WWNN      string `xml:"wwnn,attr"`
	WWPN      string `xml:"wwpn,attr"`
	FabricWWN string `xml:"fabric_wwn,attr"`
	Name      string `xml:",chardata"`
	Extra     Extra  `xml:"-"`
}

// NodeDeviceDriver is <driver>: the host driver bound to the device.
type NodeDeviceDriver struct {
	Name  string `xml:"name"`
	Extra Extra  `xml:"-"`
}

// Node device capability types, the values of NodeDeviceCapability.Type and
// of virsh nodedev-list --cap.
const (
	NodeDeviceCapSystem       = "system"
	NodeDeviceCapPCI          = "pci"
	NodeDeviceCapUSBDevice    = "usb_device"
	NodeDeviceCapUSBInterface = "usb"
	NodeDeviceCapNet          = "net"
	NodeDeviceCapSCSIHost     = "scsi_host"
	NodeDeviceCapSCSITarget   = "scsi_target"
	NodeDeviceCapSCSI         = "scsi"
	NodeDeviceCapSCSIGeneric  = "scsi_generic"
	NodeDeviceCapStorage      = "storage"
	NodeDeviceCapDRM          = "drm"
	NodeDeviceCapMDev         = "mdev"
	NodeDeviceCapCCW          = "ccw"
	NodeDeviceCapCCWGroup     = "ccwgroup"
	NodeDeviceCapCSS          = "css"
	NodeDeviceCapVDPA         = "vdpa"
	NodeDeviceCapAPCard       = "ap_card"
	NodeDeviceCapAPQueue      = "ap_queue"
	NodeDeviceCapAPMatrix     = "ap_matrix"
)

// NodeDeviceCapability is a device's <capability>. Type says what kind it
// is, and the field for that kind holds its content; the others are nil.
// A capability type this package does not know keeps its content in Extra.
// A capability built in Go needs only its field set: Marshal writes the
// type from it.
type NodeDeviceCapability struct {
	Type         string                  `xml:"type,attr"`
	System       *NodeDeviceSystem       `variant:"type=system"`
	PCI          *NodeDevicePCI          `variant:"type=pci"`
	USBDevice    *NodeDeviceUSBDevice    `variant:"type=usb_device"`
	USBInterface *NodeDeviceUSBInterface `variant:"type=usb"`
	Net          *NodeDeviceNet          `variant:"type=net"`
	SCSIHost     *NodeDeviceSCSIHost     `variant:"type=scsi_host"`
	SCSITarget   *NodeDeviceSCSITarget   `variant:"type=scsi_target"`
	SCSI         *NodeDeviceSCSI         `variant:"type=scsi"`
	SCSIGeneric  *NodeDeviceSCSIGeneric  `variant:"type=scsi_generic"`
	Storage      *NodeDeviceStorage      `variant:"type=storage"`
	DRM          *NodeDeviceDRM          `variant:"type=drm"`
	MDev         *NodeDeviceMDev         `variant:"type=mdev"`
	CCW          *NodeDeviceCCW          `variant:"type=ccw"`
	CCWGroup     *NodeDeviceCCWGroup     `variant:"type=ccwgroup"`
	CSS          *NodeDeviceCSS          `variant:"type=css"`
	VDPA         *NodeDeviceVDPA         `variant:"type=vdpa"`
	APCard       *NodeDeviceAPCard       `variant:"type=ap_card"`
	APQueue      *NodeDeviceAPQueue      `variant:"type=ap_queue"`
	APMatrix     *NodeDeviceAPMatrix     `variant:"type=ap_matrix"`
	Extra        Extra                   `xml:"-"`
}

// NodeDeviceSystem is the host itself (the device named computer).
type NodeDeviceSystem struct {
	Product  string                    `xml:"product"`
	Hardware *NodeDeviceSystemHardware `xml:"hardware"`
	Firmware *NodeDeviceSystemFirmware `xml:"firmware"`
	Extra    Extra                     `xml:"-"`
}

// NodeDeviceSystemHardware is the host's hardware, from its SMBIOS.
type NodeDeviceSystemHardware struct {
	Vendor  string `xml:"vendor"`
	Version string `xml:"version"`
	Serial  string `xml:"serial"`
	UUID    *UUID  `xml:"uuid"`
	Extra   Extra  `xml:"-"`
}

// NodeDeviceSystemFirmware is the host's BIOS or UEFI firmware.
type NodeDeviceSystemFirmware struct {
	Vendor      string `xml:"vendor"`
	Version     string `xml:"version"`
	ReleaseDate string `xml:"release_date"`
	Extra       Extra  `xml:"-"`
}

// NodeDevicePCI is a PCI device. Its address is in decimal numbers
// (Address gives it typed); Capabilities say whether it is an SR-IOV
// physical function (VirtFunctions) or virtual function (PhysFunction), a
// bridge, a parent of mediated devices (MDevTypes), and hold its vital
// product data (VPD).
type NodeDevicePCI struct {
	Class        *uint                     `xml:"class" format:"0x%06x"`
	Domain       *uint                     `xml:"domain"`
	Bus          *uint                     `xml:"bus"`
	Slot         *uint                     `xml:"slot"`
	Function     *uint                     `xml:"function"`
	Product      *NodeDeviceID             `xml:"product"`
	Vendor       *NodeDeviceID             `xml:"vendor"`
	Capabilities []NodeDeviceSubCapability `xml:"capability"`
	IOMMUGroup   *NodeDeviceIOMMUGroup     `xml:"iommuGroup"`
	NUMA         *NodeDeviceNUMA           `xml:"numa"`
	PCIExpress   *NodeDevicePCIExpress     `xml:"pci-express"`
	Extra        Extra                     `xml:"-"`
}

// NodeDeviceID is a PCI or USB device's <product> or <vendor>: its ID in
// hex ("0x8086") and name.
type NodeDeviceID struct {
	ID    string `xml:"id,attr"`
	Name  string `xml:",chardata"`
	Extra Extra  `xml:"-"`
}

// NodeDeviceIOMMUGroup is <iommuGroup>: the devices that can only be
// assigned to a guest together (for a PCI device; a mediated device has
// only the number).
type NodeDeviceIOMMUGroup struct {
	Number    uint      `xml:"number,attr"`
	Addresses []Address `xml:"address"`
	Extra     Extra     `xml:"-"`
}

// NodeDeviceNUMA is <numa node='...'/>: the host NUMA node the device is
// attached to.
type NodeDeviceNUMA struct {
	Node  *int  `xml:"node,attr"`
	Extra Extra `xml:"-"`
}

// NodeDevicePCIExpress is <pci-express>: a PCI Express device's links.
type NodeDevicePCIExpress struct {
	Links []NodeDevicePCIExpressLink `xml:"link"`
	Extra Extra                      `xml:"-"`
}

// NodeDevicePCIExpressLink is a link's capability (cap) or current status
// (sta).
type NodeDevicePCIExpressLink struct {
	Validity string `xml:"validity,attr"` // cap, sta
	Port     *uint  `xml:"port,attr"`
	Speed    string `xml:"speed,attr"` // GT/s: 2.5, 5, 8, 16...
	Width    *uint  `xml:"width,attr"` // lanes
	Extra    Extra  `xml:"-"`
}

// NodeDeviceUSBDevice is a USB device.
type NodeDeviceUSBDevice struct {
	Bus     *uint         `xml:"bus"`
	Device  *uint         `xml:"device"`
	Product *NodeDeviceID `xml:"product"`
	Vendor  *NodeDeviceID `xml:"vendor"`
	Extra   Extra         `xml:"-"`
}

// NodeDeviceUSBInterface is an interface of a USB device (capability type
// usb).
type NodeDeviceUSBInterface struct {
	Number      *uint  `xml:"number"`
	Class       *uint  `xml:"class"`
	Subclass    *uint  `xml:"subclass"`
	Protocol    *uint  `xml:"protocol"`
	Description string `xml:"description"`
	Extra       Extra  `xml:"-"`
}

// NodeDeviceNet is a network interface of the host.
type NodeDeviceNet struct {
	Interface    string                    `xml:"interface"` // eth0
	Address      net.HardwareAddr          `xml:"address"`
	Link         *HostInterfaceLink        `xml:"link"`
	Features     []NodeDeviceNetFeature    `xml:"feature"` // offloads: rx, tx, sg, tso...
	Capabilities []NodeDeviceSubCapability `xml:"capability"`
	Extra        Extra                     `xml:"-"`
}

// NodeDeviceNetFeature is one offload feature the interface has enabled.
type NodeDeviceNetFeature struct {
	Name  string `xml:"name,attr"`
	Extra Extra  `xml:"-"`
}

// NodeDeviceSCSIHost is a SCSI host adapter; a Fibre Channel HBA has an
// FCHost sub-capability, and one that can create vHBAs a VPortOps one.
type NodeDeviceSCSIHost struct {
	Host         *uint                     `xml:"host"`
	UniqueID     *uint                     `xml:"unique_id"`
	Capabilities []NodeDeviceSubCapability `xml:"capability"`
	Extra        Extra                     `xml:"-"`
}

// NodeDeviceSCSITarget is a SCSI target; one reached over Fibre Channel
// has an FCRemotePort sub-capability.
type NodeDeviceSCSITarget struct {
	Target       string                    `xml:"target"`
	Capabilities []NodeDeviceSubCapability `xml:"capability"`
	Extra        Extra                     `xml:"-"`
}

// NodeDeviceSCSI is a SCSI device (a LUN).
type NodeDeviceSCSI struct {
	Host   *uint  `xml:"host"`
	Bus    *uint  `xml:"bus"`
	Target *uint  `xml:"target"`
	LUN    *uint  `xml:"lun"`
	Type   string `xml:"type"` // disk, cdrom, tape...
	Extra  Extra  `xml:"-"`
}

// NodeDeviceSCSIGeneric is a SCSI generic device (/dev/sg*).
type NodeDeviceSCSIGeneric struct {
	Char  string `xml:"char"`
	Extra Extra  `xml:"-"`
}

// NodeDeviceStorage is a block device. A fixed disk has Size and its
// blocks here; a removable one (a CD-ROM drive) has a Removable
// sub-capability with its media instead.
type NodeDeviceStorage struct {
	Block            string                    `xml:"block"` // /dev/sda
	Bus              string                    `xml:"bus"`   // ata, scsi, usb, pci...
	DriveType        string                    `xml:"drive_type"`
	Model            string                    `xml:"model"`
	Vendor           string                    `xml:"vendor"`
	Serial           string                    `xml:"serial"`
	Size             *uint64                   `xml:"size"` // bytes
	LogicalBlockSize *uint64                   `xml:"logical_block_size"`
	NumBlocks        *uint64                   `xml:"num_blocks"`
	Capabilities     []NodeDeviceSubCapability `xml:"capability"`
	Extra            Extra                     `xml:"-"`
}

// NodeDeviceDRM is a DRM (graphics) device node.
type NodeDeviceDRM struct {
	Type  string `xml:"type"` // primary, control, render
	Extra Extra  `xml:"-"`
}

// NodeDeviceMDev is a mediated device: a slice of its parent (a GPU, an
// s390 channel subsystem or crypto adapter) of the given type.
type NodeDeviceMDev struct {
	Type       *NodeDeviceMDevType   `xml:"type"` // only ID
	IOMMUGroup *NodeDeviceIOMMUGroup `xml:"iommuGroup"`
	UUID       *UUID                 `xml:"uuid"`
	ParentAddr string                `xml:"parent_addr"`
	Attrs      []NodeDeviceMDevAttr  `xml:"attr"` // vendor-specific settings, in order
	Extra      Extra                 `xml:"-"`
}

// NodeDeviceMDevAttr is one vendor-specific <attr name='...' value='...'/>
// of a mediated device.
type NodeDeviceMDevAttr struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
	Extra Extra  `xml:"-"`
}

// NodeDeviceCCW is an s390 channel (CCW) device.
type NodeDeviceCCW struct {
	State        string                    `xml:"state"` // online, offline
	CSSID        *uint                     `xml:"cssid" format:"0x%x"`
	SSID         *uint                     `xml:"ssid" format:"0x%x"`
	DevNo        *uint                     `xml:"devno" format:"0x%04x"`
	Capabilities []NodeDeviceSubCapability `xml:"capability"` // CCWGroupMember
	Extra        Extra                     `xml:"-"`
}

// NodeDeviceCCWGroup is an s390 CCW group device (a QETH network card).
type NodeDeviceCCWGroup struct {
	State        string                     `xml:"state"`
	CSSID        *uint                      `xml:"cssid" format:"0x%x"`
	SSID         *uint                      `xml:"ssid" format:"0x%x"`
	DevNo        *uint                      `xml:"devno" format:"0x%04x"`
	Members      *NodeDeviceCCWGroupMembers `xml:"members"`
	Capabilities []NodeDeviceSubCapability  `xml:"capability"` // QETH
	Extra        Extra                      `xml:"-"`
}

// NodeDeviceCCWGroupMembers is <members>: the group's CCW devices.
type NodeDeviceCCWGroupMembers struct {
	Devices []NodeDeviceCCWGroupDevice `xml:"ccw_device"`
	Extra   Extra                      `xml:"-"`
}

// NodeDeviceCCWGroupDevice is one member, by node device name.
type NodeDeviceCCWGroupDevice struct {
	Ref   string `xml:"ref,attr"`
	Name  string `xml:",chardata"`
	Extra Extra  `xml:"-"`
}

// NodeDeviceCSS is an s390 channel subsystem device.
type NodeDeviceCSS struct {
	CSSID          *uint                     `xml:"cssid" format:"0x%x"`
	SSID           *uint                     `xml:"ssid" format:"0x%x"`
	DevNo          *uint                     `xml:"devno" format:"0x%04x"`
	ChannelDevAddr *NodeDeviceCCWAddress     `xml:"channel_dev_addr"`
	Capabilities   []NodeDeviceSubCapability `xml:"capability"` // MDevTypes
	Extra          Extra                     `xml:"-"`
}

// NodeDeviceCCWAddress is a CCW device's address.
type NodeDeviceCCWAddress struct {
	CSSID *uint `xml:"cssid" format:"0x%x"`
	SSID  *uint `xml:"ssid" format:"0x%x"`
	DevNo *uint `xml:"devno" format:"0x%04x"`
	Extra Extra `xml:"-"`
}

// NodeDeviceVDPA is a vDPA device.
type NodeDeviceVDPA struct {
	CharDev string `xml:"chardev"` // /dev/vhost-vdpa-0
	Extra   Extra  `xml:"-"`
}

// NodeDeviceAPCard is an s390 crypto adapter.
type NodeDeviceAPCard struct {
	Adapter *uint `xml:"ap-adapter" format:"0x%02x"`
	Extra   Extra `xml:"-"`
}

// NodeDeviceAPQueue is a queue (a domain) of an s390 crypto adapter.
type NodeDeviceAPQueue struct {
	Adapter *uint `xml:"ap-adapter" format:"0x%02x"`
	Domain  *uint `xml:"ap-domain" format:"0x%04x"`
	Extra   Extra `xml:"-"`
}

// NodeDeviceAPMatrix is the s390 crypto matrix device, the parent of
// vfio-ap mediated devices.
type NodeDeviceAPMatrix struct {
	Capabilities []NodeDeviceSubCapability `xml:"capability"` // MDevTypes
	Extra        Extra                     `xml:"-"`
}

// NodeDeviceSubCapability is a <capability> inside a capability. As in
// NodeDeviceCapability, Type says which field holds its content:
//
//	pci          PhysFunction, VirtFunctions, Bridge, MDevTypes, VPD
//	scsi_host    FCHost, VPortOps
//	scsi_target  FCRemotePort
//	storage      Removable, Hotpluggable
//	net          IEEE80203, IEEE80211
//	ccw          CCWGroupMember
//	ccwgroup     QETH
//	css, ap_matrix  MDevTypes
type NodeDeviceSubCapability struct {
	Type           string                    `xml:"type,attr"`
	PhysFunction   *NodeDevicePhysFunction   `variant:"type=phys_function"`
	VirtFunctions  *NodeDeviceVirtFunctions  `variant:"type=virt_functions"`
	Bridge         *Flag                     `variant:"type=pci-bridge|cardbus-bridge"`
	MDevTypes      *NodeDeviceMDevTypes      `variant:"type=mdev_types"`
	VPD            *NodeDeviceVPD            `variant:"type=vpd"`
	FCHost         *NodeDeviceFCHost         `variant:"type=fc_host"`
	VPortOps       *NodeDeviceVPortOps       `variant:"type=vport_ops"`
	FCRemotePort   *NodeDeviceFCRemotePort   `variant:"type=fc_remote_port"`
	Removable      *NodeDeviceRemovable      `variant:"type=removable"`
	Hotpluggable   *Flag                     `variant:"type=hotpluggable"`
	IEEE80203      *Flag                     `variant:"type=80203"` // Ethernet
	IEEE80211      *Flag                     `variant:"type=80211"` // wireless
	CCWGroupMember *NodeDeviceCCWGroupMember `variant:"type=ccwgroup_member"`
	QETH           *NodeDeviceQETH           `variant:"type=qeth_generic|qeth_layer2|qeth_layer3"`
	Extra          Extra                     `xml:"-"`
}

// NodeDevicePhysFunction is an SR-IOV virtual function's physical
// function.
type NodeDevicePhysFunction struct {
	Address *Address `xml:"address"`
	Extra   Extra    `xml:"-"`
}

// NodeDeviceVirtFunctions are an SR-IOV physical function's virtual
// functions, and how many it can have.
type NodeDeviceVirtFunctions struct {
	MaxCount  *uint     `xml:"maxCount,attr"`
	Addresses []Address `xml:"address"`
	Extra     Extra     `xml:"-"`
}

// NodeDeviceMDevTypes lists the mediated device types a parent device
// supports.
type NodeDeviceMDevTypes struct {
	Types []NodeDeviceMDevType `xml:"type"`
	Extra Extra                `xml:"-"`
}

// NodeDeviceMDevType is a mediated device type: its ID (nvidia-63,
// i915-GVTg_V5_4, vfio_ap-passthrough), name, device API and how many
// more devices of it the parent can create.
type NodeDeviceMDevType struct {
	ID                 string `xml:"id,attr"`
	Name               string `xml:"name"`
	DeviceAPI          string `xml:"deviceAPI"` // vfio-pci, vfio-ccw, vfio-ap
	AvailableInstances *uint  `xml:"availableInstances"`
	Extra              Extra  `xml:"-"`
}

// NodeDeviceVPD is a PCI device's vital product data.
type NodeDeviceVPD struct {
	Name   string             `xml:"name"`
	Fields []NodeDeviceVPDSet `xml:"fields"`
	Extra  Extra              `xml:"-"`
}

// NodeDeviceVPDSet is one <fields> of the VPD: the read-only ones or the
// read-write ones.
type NodeDeviceVPDSet struct {
	Access        string               `xml:"access,attr"` // readonly, readwrite
	ChangeLevel   string               `xml:"change_level"`
	ManufactureID string               `xml:"manufacture_id"`
	PartNumber    string               `xml:"part_number"`
	SerialNumber  string               `xml:"serial_number"`
	AssetTag      string               `xml:"asset_tag"`
	VendorFields  []NodeDeviceVPDField `xml:"vendor_field"`
	SystemFields  []NodeDeviceVPDField `xml:"system_field"`
	Extra         Extra                `xml:"-"`
}

// NodeDeviceVPDField is a vendor or system VPD field by its index (0-9,
// A-Z).
type NodeDeviceVPDField struct {
	Index string `xml:"index,attr"`
	Value string `xml:",chardata"`
	Extra Extra  `xml:"-"`
}

// NodeDeviceFCHost is a Fibre Channel HBA's port names.
type NodeDeviceFCHost struct {
	WWNN      string `xml:"wwnn"`
	WWPN      string `xml:"wwpn"`
	FabricWWN string `xml:"fabric_wwn"`
	Extra     Extra  `xml:"-"`
}

// NodeDeviceVPortOps says how many vHBAs (NPIV ports) an HBA can have and
// has.
type NodeDeviceVPortOps struct {
	MaxVPorts *uint `xml:"max_vports"`
	VPorts    *uint `xml:"vports"`
	Extra     Extra `xml:"-"`
}

// NodeDeviceFCRemotePort is the Fibre Channel remote port of a SCSI
// target.
type NodeDeviceFCRemotePort struct {
	RPort string `xml:"rport"`
	WWPN  string `xml:"wwpn"`
	Extra Extra  `xml:"-"`
}

// NodeDeviceRemovable is a removable drive's media.
type NodeDeviceRemovable struct {
	MediaAvailable   *uint   `xml:"media_available"` // 1 or 0
	MediaSize        *uint64 `xml:"media_size"`      // bytes
	MediaLabel       string  `xml:"media_label"`
	LogicalBlockSize *uint64 `xml:"logical_block_size"`
	NumBlocks        *uint64 `xml:"num_blocks"`
	Extra            Extra   `xml:"-"`
}

// NodeDeviceCCWGroupMember names the CCW group device a CCW device
// belongs to.
type NodeDeviceCCWGroupMember struct {
	GroupDevice string `xml:"group_device"`
	Extra       Extra  `xml:"-"`
}

// NodeDeviceQETH is a QETH network card's type and channel path.
type NodeDeviceQETH struct {
	CardType string `xml:"card_type"`
	CHPID    string `xml:"chpid"`
	Extra    Extra  `xml:"-"`
}

// ParseNodeDevice reads a node <device> document.
func ParseNodeDevice(data []byte) (*NodeDevice, error) { return parseAs[NodeDevice](data, "device") }

// Marshal writes d as an indented XML document.
func (d *NodeDevice) Marshal() ([]byte, error) { return marshalIndent(d) }

// NewMDevDevice returns a mediated device of type typeID (one of the
// parent's NodeDeviceMDevTypes) on the parent device named parent, for
// virNodeDeviceCreateXML (a transient device) or virNodeDeviceDefineXML.
// With a nil uuid, libvirt picks one. libvirt names the device itself, so
// it has no Name (which its schema wants in the documents it writes).
func NewMDevDevice(parent, typeID string, uuid *UUID) *NodeDevice {
	return &NodeDevice{
		Parent: &NodeDeviceParent{Name: parent},
		Capabilities: []NodeDeviceCapability{{MDev: &NodeDeviceMDev{
			Type: &NodeDeviceMDevType{ID: typeID},
			UUID: uuid,
		}}},
	}
}

// NewVHBA returns a vHBA (an NPIV virtual port) on the Fibre Channel HBA
// named parent (a scsi_host with VPortOps), for virNodeDeviceCreateXML.
// With empty wwnn and wwpn, libvirt generates them. Like NewMDevDevice's,
// the device has no Name.
func NewVHBA(parent, wwnn, wwpn string) *NodeDevice {
	return &NodeDevice{
		Parent: &NodeDeviceParent{Name: parent},
		Capabilities: []NodeDeviceCapability{{SCSIHost: &NodeDeviceSCSIHost{
			Capabilities: []NodeDeviceSubCapability{{FCHost: &NodeDeviceFCHost{WWNN: wwnn, WWPN: wwpn}}},
		}}},
	}
}

// NodeDeviceNamePCI returns the node device name libvirt gives the PCI
// device at p: pci_0000_03_00_1.
func NodeDeviceNamePCI(p PCIAddr) string {
	return fmt.Sprintf("pci_%04x_%02x_%02x_%x", p.Domain, p.Bus, p.Slot, p.Function)
}

// Capability returns the device's capability of type typ (a NodeDeviceCap
// constant), or nil.
func (d *NodeDevice) Capability(typ string) *NodeDeviceCapability {
	return findItem(d.Capabilities, func(c *NodeDeviceCapability) bool { return c.kind() == typ })
}

// kind returns the capability's type: Type, or for a capability built in
// Go without it, the type of the variant set.
func (c *NodeDeviceCapability) kind() string {
	if c.Type != "" {
		return c.Type
	}
	return variantValue(c)
}

// PCI returns the device's PCI capability, or nil.
func (d *NodeDevice) PCI() *NodeDevicePCI {
	return firstCapability(d, func(c *NodeDeviceCapability) *NodeDevicePCI { return c.PCI })
}

// USBDevice returns the device's USB device capability, or nil.
func (d *NodeDevice) USBDevice() *NodeDeviceUSBDevice {
	return firstCapability(d, func(c *NodeDeviceCapability) *NodeDeviceUSBDevice { return c.USBDevice })
}

// Net returns the device's network interface capability, or nil.
func (d *NodeDevice) Net() *NodeDeviceNet {
	return firstCapability(d, func(c *NodeDeviceCapability) *NodeDeviceNet { return c.Net })
}

// SCSIHost returns the device's SCSI host capability, or nil.
func (d *NodeDevice) SCSIHost() *NodeDeviceSCSIHost {
	return firstCapability(d, func(c *NodeDeviceCapability) *NodeDeviceSCSIHost { return c.SCSIHost })
}

// Storage returns the device's block device capability, or nil.
func (d *NodeDevice) Storage() *NodeDeviceStorage {
	return firstCapability(d, func(c *NodeDeviceCapability) *NodeDeviceStorage { return c.Storage })
}

// MDev returns the device's mediated device capability, or nil.
func (d *NodeDevice) MDev() *NodeDeviceMDev {
	return firstCapability(d, func(c *NodeDeviceCapability) *NodeDeviceMDev { return c.MDev })
}

func firstCapability[T any](d *NodeDevice, get func(*NodeDeviceCapability) *T) *T {
	for i := range d.Capabilities {
		if v := get(&d.Capabilities[i]); v != nil {
			return v
		}
	}
	return nil
}

// ParentName returns the name of the device's parent, or "".
func (d *NodeDevice) ParentName() string {
	if d.Parent == nil {
		return ""
	}
	return d.Parent.Name
}

// MDevTypes returns the mediated device types the device can be the parent
// of (a GPU, an s390 channel subsystem, the crypto matrix), in document
// order.
func (d *NodeDevice) MDevTypes() []NodeDeviceMDevType {
	var out []NodeDeviceMDevType
	for _, c := range d.Capabilities {
		var subs []NodeDeviceSubCapability
		switch {
		case c.PCI != nil:
			subs = c.PCI.Capabilities
		case c.CSS != nil:
			subs = c.CSS.Capabilities
		case c.APMatrix != nil:
			subs = c.APMatrix.Capabilities
		}
		for _, s := range subs {
			if s.MDevTypes != nil {
				out = append(out, s.MDevTypes.Types...)
			}
		}
	}
	return out
}

// Hostdev returns a <hostdev> that assigns the device to a guest: for a
// PCI device by its address, with managed='yes' so that libvirt detaches
// it from its host driver; for a USB device by vendor and product. Other
// devices give an error.
func (d *NodeDevice) Hostdev() (*Hostdev, error) {
	if p := d.PCI(); p != nil {
		addr, ok := p.Address()
		if !ok {
			return nil, fmt.Errorf("xmlspec: node device %s: incomplete PCI address", d.Name)
		}
		src := NewPCIAddress(addr)
		src.Type = "" // a host device's source address has no type
		return &Hostdev{Mode: "subsystem", Type: "pci", Managed: "yes", Source: &HostdevSource{Address: src}}, nil
	}
	if u := d.USBDevice(); u != nil {
		if u.Vendor == nil || u.Product == nil {
			return nil, fmt.Errorf("xmlspec: node device %s: USB device without vendor and product", d.Name)
		}
		return &Hostdev{Mode: "subsystem", Type: "usb", Source: &HostdevSource{
			Vendor: &USBID{ID: u.Vendor.ID}, Product: &USBID{ID: u.Product.ID},
		}}, nil
	}
	return nil, fmt.Errorf("xmlspec: node device %s is neither a PCI nor a USB device", d.Name)
}

// Address returns the PCI device's address; ok is false if a part is
// missing or out of range.
func (p *NodeDevicePCI) Address() (a PCIAddr, ok bool) {
	if p.Domain == nil || p.Bus == nil || p.Slot == nil || p.Function == nil ||
		*p.Domain > 0xffff || *p.Bus > 0xff || *p.Slot > 0x1f || *p.Function > 7 {
		return a, false
	}
	return PCIAddr{Domain: uint32(*p.Domain), Bus: uint8(*p.Bus), Slot: uint8(*p.Slot), Function: uint8(*p.Function)}, true
}

// PhysFunction returns the address of an SR-IOV virtual function's
// physical function; ok is false if the device is not a virtual function.
func (p *NodeDevicePCI) PhysFunction() (a PCIAddr, ok bool) {
	for _, s := range p.Capabilities {
		if s.PhysFunction != nil {
			return s.PhysFunction.Address.PCI()
		}
	}
	return a, false
}

// VirtFunctions returns the addresses of an SR-IOV physical function's
// virtual functions and the most it can have (0 if not given); ok is false
// if the device is not a physical function.
func (p *NodeDevicePCI) VirtFunctions() (vfs []PCIAddr, max uint, ok bool) {
	for _, s := range p.Capabilities {
		if v := s.VirtFunctions; v != nil {
			for i := range v.Addresses {
				if a, ok := v.Addresses[i].PCI(); ok {
					vfs = append(vfs, a)
				}
			}
			if v.MaxCount != nil {
				max = *v.MaxCount
			}
			return vfs, max, true
		}
	}
	return nil, 0, false
}
