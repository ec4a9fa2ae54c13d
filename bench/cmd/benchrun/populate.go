//go:build linux

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/virtwire/virtwire"
)

// Names of what populate makes.
const (
	xmlDomain  = "bench-xml"  // the domain with xmlDevices devices (S5, S10)
	xmlDevices = 100          // devices in its definition
	poolName   = "bench"      // the dir pool (S6)
	volName    = "bench.img"  // the volume streamed (S6)
	lookupName = "bench-0042" // looked up by S1
)

func domainXML(name string) string {
	return "<domain type='test'><name>" + name + "</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>" +
		"<os><type arch='x86_64'>hvm</type></os></domain>"
}

// defineDomains gives the test driver total more domains, running of them
// started (transient, DomainCreateXML) and the rest defined only, using 8
// concurrent callers on c.
func defineDomains(ctx context.Context, c *virtwire.Conn, total, running int) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= total {
					return
				}
				name := fmt.Sprintf("bench-%04d", i)
				var err error
				if i < running {
					_, err = c.DomainCreateXML(ctx, domainXML(name), 0)
				} else {
					_, err = c.DomainDefineXML(ctx, domainXML(name))
				}
				if err != nil {
					errs <- fmt.Errorf("domain %s: %w", name, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// richDomainXML is a test-driver domain whose definition holds n devices:
// disks, NICs and the usual console, input, graphics and video devices.
func richDomainXML(name string, n int) string {
	var b strings.Builder
	b.WriteString("<domain type='test'><name>" + name + "</name><memory unit='MiB'>512</memory><vcpu>2</vcpu>")
	b.WriteString("<os><type arch='x86_64'>hvm</type><boot dev='hd'/></os><features><acpi/><apic/></features><devices>")
	fixed := []string{
		"<controller type='usb' index='0'/>",
		"<serial type='pty'><target port='0'/></serial>",
		"<console type='pty'><target type='serial' port='0'/></console>",
		"<input type='tablet' bus='usb'/>",
		"<graphics type='vnc' port='-1' autoport='yes'/>",
		"<video><model type='vga'/></video>",
		"<memballoon model='virtio'/>",
		"<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>",
		"<watchdog model='i6300esb' action='reset'/>",
		"<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>",
	}
	left := n - len(fixed)
	disks := left / 2
	for i := range disks {
		fmt.Fprintf(&b, "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"+
			"<source file='/var/lib/libvirt/images/%s-%02d.qcow2'/><target dev='%s' bus='virtio'/></disk>",
			name, i, diskName(i))
	}
	for i := range left - disks {
		fmt.Fprintf(&b, "<interface type='network'><mac address='52:54:00:be:%02x:%02x'/>"+
			"<source network='default'/><model type='virtio'/></interface>", i/256, i%256)
	}
	for _, d := range fixed {
		b.WriteString(d)
	}
	b.WriteString("</devices></domain>")
	return b.String()
}

// diskName returns the i-th virtio disk name: vda..vdz, vdaa...
func diskName(i int) string {
	const letters = "abcdefghijklmnopqrstuvwxyz"
	if i < 26 {
		return "vd" + letters[i:i+1]
	}
	return "vd" + letters[i/26-1:i/26] + letters[i%26:i%26+1]
}

// makeVolume defines and starts a dir pool in dir and writes a volume of
// size bytes of a non-zero pattern (fully allocated) into it.
func makeVolume(ctx context.Context, c *virtwire.Conn, dir string, size int64) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, volName))
	if err != nil {
		return err
	}
	buf := make([]byte, 1<<20)
	for i := range buf {
		buf[i] = byte(i*7 + 1)
	}
	for left := size; left > 0; {
		n, err := f.Write(buf[:min(int64(len(buf)), left)])
		if err != nil {
			f.Close()
			return err
		}
		left -= int64(n)
	}
	if err := f.Close(); err != nil {
		return err
	}
	p, err := c.StoragePoolDefineXML(ctx, "<pool type='dir'><name>"+poolName+"</name><target><path>"+dir+"</path></target></pool>", 0)
	if err != nil {
		return fmt.Errorf("defining the pool: %w", err)
	}
	if err := c.StoragePoolCreate(ctx, p, 0); err != nil {
		return fmt.Errorf("starting the pool: %w", err)
	}
	v, err := c.StorageVolLookupByName(ctx, p, volName)
	if err != nil {
		return fmt.Errorf("the volume: %w", err)
	}
	_, capacity, _, err := c.StorageVolGetInfo(ctx, v)
	if err != nil {
		return err
	}
	if int64(capacity) != size {
		return fmt.Errorf("volume %s has %d bytes, want %d", volName, capacity, size)
	}
	return nil
}
