#!/bin/sh
# usage: root-enter.sh ROOT CMD [ARG...]
# Runs CMD chrooted in ROOT (a root made by root-build.sh) in a private mount
# namespace with /proc, /sys and /dev of the host, a fresh /run, and the host
# folders listed in VIRTWIRE_ROOT_BIND (read-write) and VIRTWIRE_ROOT_BIND_RO
# (read-only), space-separated, bound at the same paths inside. Every mount
# goes with the namespace's last process: nothing is left on the host. The
# exec chain keeps one PID from this script to CMD.
# Written by virtwire's internal/lab.
set -eu
R=$(readlink -f "$1")
shift
exec unshare --mount --propagation private sh -eu -c '
R=$1
shift
# ROOT as a mount point of its own: ip netns (the guest tier) makes / rslave.
mount --bind "$R" "$R"
mount -t proc proc "$R/proc"
mount --rbind /sys "$R/sys"
mount --rbind /dev "$R/dev"
mount -t tmpfs -o mode=755 virtwire-lab "$R/run"
# /var/lock is /run/lock: QEMU locks pty consoles there.
mkdir -m 1777 "$R/run/lock"
# The host /etc/hosts, which names this machine: the one in the root names
# only localhost, so virGetHostname in the daemon (CONNECT_GET_HOSTNAME)
# asked the DNS for the machine name and waited for it to time out.
if [ -f /etc/hosts ]; then
	[ -e "$R/etc/hosts" ] || : >"$R/etc/hosts"
	mount --bind /etc/hosts "$R/etc/hosts"
	mount -o remount,bind,ro "$R/etc/hosts"
fi
for d in ${VIRTWIRE_ROOT_BIND:-}; do
	mkdir -p "$R$d"
	mount --bind "$d" "$R$d"
done
for d in ${VIRTWIRE_ROOT_BIND_RO:-}; do
	mkdir -p "$R$d"
	mount --bind "$d" "$R$d"
	mount -o remount,bind,ro "$R$d"
done
exec chroot "$R" "$@"
' root-enter "$R" "$@"
