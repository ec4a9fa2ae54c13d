package virtwire_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/virtwire/virtwire"
)

func ExampleDial() {
	ctx := context.Background()
	conn, err := virtwire.Dial(ctx, "qemu+ssh://root@host.example/system?keyfile=/root/.ssh/id_ed25519")
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	dom, err := conn.DomainLookupByName(ctx, "guest1")
	if errors.Is(err, virtwire.ErrNoDomain) {
		log.Fatal("no such guest")
	} else if err != nil {
		log.Fatal(err)
	}
	state, _, err := conn.DomainGetState(ctx, dom, 0)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(dom.Name, state)
}

func ExampleConn_SubscribeDomainEvents() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := virtwire.Dial(ctx, "qemu:///system")
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	sub, err := conn.SubscribeDomainEvents(ctx, nil, virtwire.DomainEventIDLifecycle, virtwire.DomainEventIDDeviceAdded)
	if err != nil {
		log.Fatal(err)
	}
	for ev := range sub.Events() {
		switch ev := ev.(type) {
		case *virtwire.DomainEventLifecycle:
			fmt.Println(ev.Dom.Name, ev.Event)
		case *virtwire.DomainEventDeviceAdded:
			fmt.Println(ev.Dom.Name, "added", ev.DevAlias)
		}
	}
	// The channel closes when ctx ends; Err says why.
	fmt.Println(sub.Err())
}

func ExampleStream() {
	ctx := context.Background()
	conn, err := virtwire.Dial(ctx, "qemu:///system")
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	pool, err := conn.StoragePoolLookupByName(ctx, "default")
	if err != nil {
		log.Fatal(err)
	}
	vol, err := conn.StorageVolLookupByName(ctx, pool, "disk.qcow2")
	if err != nil {
		log.Fatal(err)
	}
	// A sparse download into a file: holes become seeks, so the copy stays sparse.
	st, err := conn.StorageVolDownload(ctx, vol, 0, 0, virtwire.StorageVolDownloadSparseStream)
	if err != nil {
		log.Fatal(err)
	}
	f, err := os.Create("disk.qcow2")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	if _, err := io.Copy(f, st); err != nil {
		st.Abort()
		log.Fatal(err)
	}
	if err := st.Close(); err != nil { // waits for the daemon to confirm
		log.Fatal(err)
	}
}

func ExampleConn_DomainCreate() {
	ctx := context.Background()
	conn, err := virtwire.Dial(ctx, "qemu:///system")
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	dom, err := conn.DomainLookupByName(ctx, "guest1")
	if err != nil {
		log.Fatal(err)
	}
	// Like libvirt's client, DomainCreate updates the domain it is given:
	// dom.ID is the running domain's ID afterwards, and -1 again after
	// DomainDestroy.
	if err := conn.DomainCreate(ctx, &dom); err != nil {
		log.Fatal(err)
	}
	fmt.Println(dom.Name, "runs as", dom.ID, "with UUID", dom.UUID)
}

func ExampleParseUUID() {
	// Any spelling libvirt accepts; String gives libvirt's.
	u, err := virtwire.ParseUUID("4DEA22B31D52D8F32516782E98AB3FA0")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(u)
	_, err = virtwire.ParseUUID("4dea22b3-1d52-d8f3")
	fmt.Println(errors.Is(err, virtwire.ErrInvalidUUID))
	// Output:
	// 4dea22b3-1d52-d8f3-2516-782e98ab3fa0
	// true
}
