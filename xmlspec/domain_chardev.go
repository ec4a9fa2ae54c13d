package xmlspec

import "encoding/xml"

// Chardev is a character device: a <serial>, <parallel>, <console> or
// <channel>. Type says what it is connected to on the host (pty, file, unix,
// tcp, udp, spicevmc, ...), Sources where, Target how the guest sees it.
//
// XMLName says which of the four it is when the Chardev is marshalled on its
// own (for attaching it); inside Devices the list it is in decides.
type Chardev struct {
	XMLName  xml.Name
	Type     string           `xml:"type,attr"`
	TTY      string           `xml:"tty,attr"`
	Sources  []ChardevSource  `xml:"source"`
	Protocol *ChardevProtocol `xml:"protocol"`
	Log      *ChardevLog      `xml:"log"`
	Target   *ChardevTarget   `xml:"target"`
	Alias    *Alias           `xml:"alias"`
	ACPI     *DeviceACPI      `xml:"acpi"`
	Address  *Address         `xml:"address"`
	Extra    Extra            `xml:"-"`
}

// ChardevSource is a character device's host end. A udp device has two:
// mode connect and mode bind.
type ChardevSource struct {
	Mode      string     `xml:"mode,attr"` // bind, connect
	Path      string     `xml:"path,attr"`
	Host      string     `xml:"host,attr"`
	Service   string     `xml:"service,attr"`
	Channel   string     `xml:"channel,attr"`
	Master    string     `xml:"master,attr"`
	Slave     string     `xml:"slave,attr"`
	Append    string     `xml:"append,attr"`
	TLS       string     `xml:"tls,attr"`
	Reconnect *Reconnect `xml:"reconnect"`
	SecLabels []SecLabel `xml:"seclabel"`
	Clipboard *Clipboard `xml:"clipboard"`
	Mouse     *MouseMode `xml:"mouse"`
	Extra     Extra      `xml:"-"`
}

// ChardevProtocol is the wire protocol of a TCP character device.
type ChardevProtocol struct {
	Type  string `xml:"type,attr"` // raw, telnet, telnets, tls
	Extra Extra  `xml:"-"`
}

// ChardevLog copies a character device's output to a file.
type ChardevLog struct {
	File   string `xml:"file,attr"`
	Append string `xml:"append,attr"`
	Extra  Extra  `xml:"-"`
}

// ChardevTarget is the guest end: a serial port type and number, a virtio
// or xen channel name, or a guestfwd address and port.
type ChardevTarget struct {
	Type    string              `xml:"type,attr"`
	Name    string              `xml:"name,attr"`
	State   string              `xml:"state,attr"`
	Address string              `xml:"address,attr"`
	Port    string              `xml:"port,attr"`
	Model   *ChardevTargetModel `xml:"model"`
	Extra   Extra               `xml:"-"`
}

// ChardevTargetModel is the device model of a serial target.
type ChardevTargetModel struct {
	Name  string `xml:"name,attr"`
	Extra Extra  `xml:"-"`
}

// Clipboard is <clipboard copypaste='...'/>.
type Clipboard struct {
	CopyPaste string `xml:"copypaste,attr"`
	Extra     Extra  `xml:"-"`
}

// MouseMode is <mouse mode='...'/>.
type MouseMode struct {
	Mode  string `xml:"mode,attr"` // server, client
	Extra Extra  `xml:"-"`
}

// Graphics is a <graphics> console: vnc, spice, sdl, rdp, desktop,
// egl-headless or dbus.
type Graphics struct {
	XMLName       xml.Name           `xml:"graphics"`
	Type          string             `xml:"type,attr"`
	Port          *int               `xml:"port,attr"`
	TLSPort       *int               `xml:"tlsPort,attr"`
	AutoPort      string             `xml:"autoport,attr"`
	WebSocket     *int               `xml:"websocket,attr"`
	Listen        string             `xml:"listen,attr"`
	SharePolicy   string             `xml:"sharePolicy,attr"`
	PowerControl  string             `xml:"powerControl,attr"`
	Socket        string             `xml:"socket,attr"`
	Passwd        string             `xml:"passwd,attr"`
	Keymap        string             `xml:"keymap,attr"`
	PasswdValidTo string             `xml:"passwdValidTo,attr"`
	Connected     string             `xml:"connected,attr"`
	DefaultMode   string             `xml:"defaultMode,attr"`
	Display       string             `xml:"display,attr"`
	XAuth         string             `xml:"xauth,attr"`
	FullScreen    string             `xml:"fullscreen,attr"`
	Address       string             `xml:"address,attr"`
	P2P           string             `xml:"p2p,attr"`
	ReplaceUser   string             `xml:"replaceUser,attr"`
	MultiUser     string             `xml:"multiUser,attr"`
	Username      string             `xml:"username,attr"`
	Listens       []GraphicsListen   `xml:"listen"`
	Channels      []GraphicsChannel  `xml:"channel"`
	Image         *GraphicsCompress  `xml:"image"`
	JPEG          *GraphicsCompress  `xml:"jpeg"`
	ZLib          *GraphicsCompress  `xml:"zlib"`
	Playback      *GraphicsCompress  `xml:"playback"`
	Streaming     *GraphicsStreaming `xml:"streaming"`
	Clipboard     *Clipboard         `xml:"clipboard"`
	Mouse         *MouseMode         `xml:"mouse"`
	FileTransfer  *GraphicsEnable    `xml:"filetransfer"`
	GL            *GraphicsGL        `xml:"gl"`
	Audio         *AudioRef          `xml:"audio"`
	Extra         Extra              `xml:"-"`
}

// GraphicsListen is where a graphics server listens.
type GraphicsListen struct {
	Type    string `xml:"type,attr"` // address, network, socket, none
	Address string `xml:"address,attr"`
	Network string `xml:"network,attr"`
	Socket  string `xml:"socket,attr"`
	Extra   Extra  `xml:"-"`
}

// GraphicsChannel sets one SPICE channel's security mode.
type GraphicsChannel struct {
	Name  string `xml:"name,attr"`
	Mode  string `xml:"mode,attr"`
	Extra Extra  `xml:"-"`
}

// GraphicsCompress is a SPICE compression setting.
type GraphicsCompress struct {
	Compression string `xml:"compression,attr"`
	Extra       Extra  `xml:"-"`
}

// GraphicsStreaming is SPICE's <streaming mode='...'/>.
type GraphicsStreaming struct {
	Mode  string `xml:"mode,attr"`
	Extra Extra  `xml:"-"`
}

// GraphicsEnable is an element with an enable attribute.
type GraphicsEnable struct {
	Enable string `xml:"enable,attr"`
	Extra  Extra  `xml:"-"`
}

// GraphicsGL is <gl>: OpenGL acceleration.
type GraphicsGL struct {
	Enable     string `xml:"enable,attr"`
	RenderNode string `xml:"rendernode,attr"`
	Extra      Extra  `xml:"-"`
}

// Hostdev is a <hostdev>: a host device (PCI, USB, SCSI, mediated device...)
// given to the guest.
type Hostdev struct {
	XMLName   xml.Name       `xml:"hostdev"`
	Mode      string         `xml:"mode,attr"` // subsystem, capabilities
	Type      string         `xml:"type,attr"` // pci, usb, scsi, scsi_host, mdev; storage, misc, net
	Managed   string         `xml:"managed,attr"`
	Model     string         `xml:"model,attr"`
	SGIO      string         `xml:"sgio,attr"`
	RawIO     string         `xml:"rawio,attr"`
	Display   string         `xml:"display,attr"`
	RAMFB     string         `xml:"ramfb,attr"`
	Driver    *HostdevDriver `xml:"driver"`
	Source    *HostdevSource `xml:"source"`
	IPs       []InterfaceIP  `xml:"ip"`
	Routes    []Route        `xml:"route"`
	Teaming   *Teaming       `xml:"teaming"`
	Boot      *DeviceBoot    `xml:"boot"`
	ROM       *ROM           `xml:"rom"`
	Alias     *Alias         `xml:"alias"`
	ACPI      *DeviceACPI    `xml:"acpi"`
	Address   *Address       `xml:"address"`
	ReadOnly  *Flag          `xml:"readonly"`
	Shareable *Flag          `xml:"shareable"`
	Extra     Extra          `xml:"-"`
}

// HostdevDriver is a host device's <driver>: the assignment backend.
type HostdevDriver struct {
	Name  string `xml:"name,attr"` // vfio, kvm, xen
	Model string `xml:"model,attr"`
	Extra Extra  `xml:"-"`
}

// HostdevSource identifies the host device. PCI devices use Address; USB
// devices Vendor and Product and/or Address (bus and device); SCSI devices
// Adapter and Address, or Protocol, Name and Hosts for iSCSI; mediated
// devices Address with a UUID; capabilities devices Block, Char or
// Interface.
type HostdevSource struct {
	StartupPolicy  string        `xml:"startupPolicy,attr"`
	WriteFiltering string        `xml:"writeFiltering,attr"`
	GuestReset     string        `xml:"guestReset,attr"`
	Protocol       string        `xml:"protocol,attr"`
	Name           string        `xml:"name,attr"`
	WWPN           string        `xml:"wwpn,attr"`
	Missing        string        `xml:"missing,attr"`
	Vendor         *USBID        `xml:"vendor"`
	Product        *USBID        `xml:"product"`
	Adapter        *SCSIAdapter  `xml:"adapter"`
	Address        *Address      `xml:"address"`
	Hosts          []HostdevHost `xml:"host"`
	Auth           *DiskAuth     `xml:"auth"`
	Initiator      *Initiator    `xml:"initiator"`
	Block          string        `xml:"block"`
	Char           string        `xml:"char"`
	Interface      string        `xml:"interface"`
	Extra          Extra         `xml:"-"`
}

// USBID is a USB <vendor id='...'/> or <product id='...'/>.
type USBID struct {
	ID    string `xml:"id,attr"` // hex, usually 0x1234
	Extra Extra  `xml:"-"`
}

// SCSIAdapter is the SCSI host adapter of a SCSI host device.
type SCSIAdapter struct {
	Type            string          `xml:"type,attr"`
	Name            string          `xml:"name,attr"`
	Parent          string          `xml:"parent,attr"`
	Managed         string          `xml:"managed,attr"`
	ParentWWNN      string          `xml:"parent_wwnn,attr"`
	ParentWWPN      string          `xml:"parent_wwpn,attr"`
	ParentFabricWWN string          `xml:"parent_fabric_wwn,attr"`
	WWNN            string          `xml:"wwnn,attr"`
	WWPN            string          `xml:"wwpn,attr"`
	ParentAddr      *SCSIParentAddr `xml:"parentaddr"`
	Extra           Extra           `xml:"-"`
}

// SCSIParentAddr is the PCI address of a SCSI adapter's parent.
type SCSIParentAddr struct {
	UniqueID *uint    `xml:"unique_id,attr"`
	Address  *Address `xml:"address"`
	Extra    Extra    `xml:"-"`
}

// HostdevHost is an iSCSI server of a SCSI host device.
type HostdevHost struct {
	Name  string `xml:"name,attr"`
	Port  *int   `xml:"port,attr"`
	Extra Extra  `xml:"-"`
}
