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
