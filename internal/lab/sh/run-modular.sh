#!/bin/sh
# usage: run-modular.sh ROOT STATE PREFIX DAEMON [ARG...]
# Runs one of libvirt's modular daemons (PREFIX/sbin/DAEMON, built by
# modular-build.sh) in a private mount namespace, chrooted in ROOT ("/" when
# this already runs inside it), with a fresh /run and STATE/{run,lib,cache,
# log,etc} bound on /run/libvirt, /var/lib/libvirt, /var/cache/libvirt,
# /var/log/libvirt and /etc/libvirt. STATE is a host path. The daemons of one
# set share STATE: virtproxyd finds its backends only at
# /run/libvirt/virt<driver>d-sock, which has no setting, so they must see the
# same /run/libvirt. Their pid files (/run/DAEMON.pid) stay in the private
# /run. The exec chain keeps one PID from this script to the daemon.
# Written by virtwire's internal/lab (modular_linux.go).
set -eu
R=$(readlink -f "$1")
S=$(readlink -f "$2")
shift 2
exec unshare --mount --propagation private sh -eu -c '
R=$1 S=$2 P=$3
shift 3
if [ "$R" = / ]; then
	R=
else
	mount -t proc proc "$R/proc"
	mount --rbind /sys "$R/sys"
	mount --rbind /dev "$R/dev"
fi
mount -t tmpfs -o mode=755 virtwire-lab "$R/run"
mkdir -m 1777 "$R/run/lock"
mkdir "$R/run/libvirt"
mount --bind "$S/run" "$R/run/libvirt"
for p in lib:/var/lib/libvirt cache:/var/cache/libvirt log:/var/log/libvirt etc:/etc/libvirt; do
	mkdir -p "$R${p#*:}"
	mount --bind "$S/${p%%:*}" "$R${p#*:}"
done
export PATH="$P/sbin:$P/bin:/usr/sbin:/usr/bin:/sbin:/bin"
if [ -z "$R" ]; then
	exec "$@"
fi
exec chroot "$R" "$@"
' run-modular "$R" "$S" "$@"
