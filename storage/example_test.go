package storage_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/virtwire/virtwire"
	"github.com/virtwire/virtwire/storage"
)

// The pools of a connection with their sizes, as virsh pool-list
// --details shows them.
func ExampleListPoolInfo() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := virtwire.Dial(ctx, "") // LIBVIRT_DEFAULT_URI, here the lab's test driver
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	pools, err := storage.ListPoolInfo(ctx, conn, 0)
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range pools {
		fmt.Printf("%s %s persistent=%v capacity=%d GiB available=%d GiB\n",
			p.Name, storage.PoolStateName(p.State), p.Persistent, p.Capacity>>30, p.Available>>30)
	}
	// Output:
	// default-pool running persistent=true capacity=100 GiB available=100 GiB
}

// A disk for a new guest: a volume in a pool, found again by its path (as
// a domain's <disk> names it), then deleted.
func ExamplePool_CreateVolumeAs() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := virtwire.Dial(ctx, "")
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	pool, err := storage.LookupPool(ctx, conn, "default-pool")
	if err != nil {
		log.Fatal(err)
	}
	vol, err := pool.CreateVolumeAs(ctx, storage.VolumeSpec{Name: "example-web1.img", Capacity: 10 << 30}, 0)
	if err != nil {
		log.Fatal(err)
	}
	defer vol.Delete(ctx, 0)
	path, err := vol.Path(ctx)
	if err != nil {
		log.Fatal(err)
	}
	same, err := storage.LookupVolumeByPath(ctx, conn, path)
	if err != nil {
		log.Fatal(err)
	}
	in, err := same.Info(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(in.Name, in.Path, storage.VolumeTypeName(in.Type), in.Capacity>>30, "GiB")
	// Output:
	// example-web1.img /default-pool/example-web1.img file 10 GiB
}
