package xmlspec_test

import (
	"fmt"
	"log"

	"github.com/virtwire/virtwire/xmlspec"
)

// Define a directory pool, the XML for virStoragePoolDefineXML.
func ExampleNewDirPool() {
	pool := xmlspec.NewDirPool("images", "/srv/images")
	pool.Target.Permissions = &xmlspec.StoragePermissions{}
	pool.Target.Permissions.SetFileMode(0o711)
	out, err := pool.Marshal()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(out))
	// Output:
	// <pool type="dir">
	//   <name>images</name>
	//   <target>
	//     <path>/srv/images</path>
	//     <permissions>
	//       <mode>0711</mode>
	//     </permissions>
	//   </target>
	// </pool>
}

// Define a Ceph pool whose client authenticates with a libvirt secret.
func ExampleNewRBDPool() {
	secret, err := xmlspec.ParseUUID("2ec115d7-3a88-3ceb-bc12-0ac909a6fd87")
	if err != nil {
		log.Fatal(err)
	}
	pool := xmlspec.NewRBDPool("ceph", "libvirt-pool", "mon1.example.com:6789", "mon2.example.com:6789")
	pool.SetAuth(xmlspec.StoragePoolAuthCeph, "libvirt", secret)
	out, err := pool.Marshal()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(out))
	// Output:
	// <pool type="rbd">
	//   <name>ceph</name>
	//   <source>
	//     <host name="mon1.example.com" port="6789"></host>
	//     <host name="mon2.example.com" port="6789"></host>
	//     <name>libvirt-pool</name>
	//     <auth type="ceph" username="libvirt">
	//       <secret uuid="2ec115d7-3a88-3ceb-bc12-0ac909a6fd87"></secret>
	//     </auth>
	//   </source>
	// </pool>
}

// What virStorageVolGetXMLDesc returns for a cloud image in a dir pool.
const baseVolume = `<volume type='file'>
  <name>debian-12.qcow2</name>
  <key>/srv/images/debian-12.qcow2</key>
  <capacity unit='bytes'>2147483648</capacity>
  <allocation unit='bytes'>421527552</allocation>
  <physical unit='bytes'>421265408</physical>
  <target>
    <path>/srv/images/debian-12.qcow2</path>
    <format type='qcow2'/>
  </target>
</volume>`

// Create a guest disk backed by a cloud image, twenty GiB large: the XML
// for virStorageVolCreateXML in the same pool.
func ExampleNewQcow2VolumeBackedBy() {
	base, err := xmlspec.ParseStorageVolume([]byte(baseVolume))
	if err != nil {
		log.Fatal(err)
	}
	vol, err := xmlspec.NewQcow2VolumeBackedBy("web1.qcow2", base)
	if err != nil {
		log.Fatal(err)
	}
	vol.SetCapacity(20 << 30)
	out, err := vol.Marshal()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(out))
	// Output:
	// <volume>
	//   <name>web1.qcow2</name>
	//   <capacity unit="GiB">20</capacity>
	//   <target>
	//     <format type="qcow2"></format>
	//   </target>
	//   <backingStore>
	//     <path>/srv/images/debian-12.qcow2</path>
	//     <format type="qcow2"></format>
	//   </backingStore>
	// </volume>
}

// Read how large a volume is and how much of it the host has allocated.
func ExampleStorageVolume_CapacityBytes() {
	vol, err := xmlspec.ParseStorageVolume([]byte(baseVolume))
	if err != nil {
		log.Fatal(err)
	}
	capacity, err := vol.CapacityBytes()
	if err != nil {
		log.Fatal(err)
	}
	allocation, err := vol.AllocationBytes()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %s, %d GiB, %d MiB allocated\n", vol.TargetPath(), vol.TargetFormat(), capacity>>30, allocation>>20)
	// Output:
	// /srv/images/debian-12.qcow2: qcow2, 2 GiB, 402 MiB allocated
}

// Find out whether the daemon can make qcow2 volumes in a directory pool.
func ExampleStoragePoolCapabilities_Pool() {
	caps, err := xmlspec.ParseStoragePoolCapabilities([]byte(`<storagepoolCapabilities>
  <pool type='dir' supported='yes'>
    <volOptions>
      <defaultFormat type='raw'/>
      <enum name='targetFormatType'>
        <value>raw</value>
        <value>qcow2</value>
      </enum>
    </volOptions>
  </pool>
  <pool type='rbd' supported='no'/>
</storagepoolCapabilities>`))
	if err != nil {
		log.Fatal(err)
	}
	dir := caps.Pool(xmlspec.StoragePoolDir)
	fmt.Println(dir.IsSupported(), dir.VolumeFormats())
	fmt.Println(caps.Pool(xmlspec.StoragePoolRBD).IsSupported())
	// Output:
	// true [raw qcow2]
	// false
}
