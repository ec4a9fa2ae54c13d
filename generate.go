package virtwire

// The protocol packages (protocol/remote, qemu, lxc, admin, keepalive) and
// constants.gen.go are generated from the .x files and headers of the pinned
// libvirt release, which internal/libvirtsrc fetches (or $LIBVIRT_SOURCE).
//go:generate go run ./internal/xdrgen/cmd/xdrgen
