package virtwire

// The protocol packages (protocol/remote, qemu, lxc, admin, keepalive),
// constants.gen.go and the rest of this package's *.gen.go, and package
// admin's methods and constants are generated from the .x files and
// headers of the pinned libvirt release, which internal/libvirtsrc fetches
// (or $LIBVIRT_SOURCE).
//go:generate go run ./internal/xdrgen/cmd/xdrgen
