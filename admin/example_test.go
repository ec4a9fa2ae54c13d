package admin_test

import (
	"context"
	"fmt"
	"log"
	"slices"

	"github.com/virtwire/virtwire/admin"
)

// Connect to the admin server of the daemon virt-admin would pick (here
// $LIBVIRT_ADMIN_DEFAULT_URI, the lab's libvirtd), list its servers and
// read one's worker pool.
func Example() {
	ctx := context.Background()
	conn, err := admin.Dial(ctx, "")
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()

	servers, _, err := conn.ConnectListServers(ctx, 1, 0)
	if err != nil {
		log.Fatal(err)
	}
	names := []string{}
	for _, s := range servers {
		names = append(names, s.Name)
	}
	slices.Sort(names) // the daemon's order is its own
	fmt.Println(names)
	pool, err := conn.ServerThreadPool(ctx, servers[0])
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(pool.MinWorkers <= pool.MaxWorkers)
	// Output:
	// [admin libvirtd]
	// true
}
