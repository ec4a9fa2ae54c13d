package virtwire

// The protocol packages (protocol/remote, qemu, lxc, admin, keepalive) and
// constants.gen.go are generated from libvirt's .x files and headers in
// ../shared/libvirt (or $LIBVIRT_SOURCE).
//go:generate go run ./internal/xdrgen/cmd/xdrgen
