#!/bin/sh
# usage: run-libvirtd.sh ROOT
# Runs a root libvirtd with ROOT/libvirtd.conf in a private mount namespace where
# /run/libvirt, /var/lib/libvirt, /var/cache/libvirt, /var/log/libvirt and
# /etc/libvirt are ROOT/state/{run,lib,cache,log,etc}, so it never shares a pid
# file, lock or config with another libvirtd on the machine. Where one of those
# folders does not exist on the host, its parent is overlaid (in the namespace
# only, upper layer under ROOT/overlay) to make the mount point without writing
# to the host. The exec chain keeps one PID from this script to libvirtd.
# Written by virtwire's internal/lab; the same script serves `lab up` and tests.
set -eu
exec unshare --mount --propagation private sh -eu -c '
R=$1
n=0
place() {
	if [ ! -d "$2" ]; then
		n=$((n + 1))
		rm -rf "$R/overlay/$n"
		mkdir -p "$R/overlay/$n/upper" "$R/overlay/$n/work"
		parent=$(dirname "$2")
		mount -t overlay virtwire-lab -o "lowerdir=$parent,upperdir=$R/overlay/$n/upper,workdir=$R/overlay/$n/work" "$parent"
		mkdir -p "$2"
	fi
	mount --bind "$1" "$2"
}
for d in run lib cache log etc; do mkdir -p "$R/state/$d"; done
place "$R/state/run" /run/libvirt
place "$R/state/lib" /var/lib/libvirt
place "$R/state/cache" /var/cache/libvirt
place "$R/state/log" /var/log/libvirt
place "$R/state/etc" /etc/libvirt
exec libvirtd -f "$R/libvirtd.conf" -p "$R/libvirtd.pid" -l
' run-libvirtd "$(readlink -f "$1")"
