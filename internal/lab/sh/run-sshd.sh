#!/bin/sh
# usage: run-sshd.sh SSHD_CONFIG LIBVIRT_SOCKET_DIR
# Runs sshd in the foreground in a private mount namespace with a fresh /run
# (so /run/sshd, its privilege separation folder, is not made on the host) and
# LIBVIRT_SOCKET_DIR bind-mounted on /run/libvirt, so that a logged-in client
# finds the lab's daemon at libvirt's default socket path (virt-ssh-helper).
# The exec chain keeps one PID from this script to sshd.
# Written by virtwire's internal/lab.
set -eu
exec unshare --mount --propagation private sh -eu -c '
mount -t tmpfs -o mode=755 virtwire-lab /run
mkdir -m 755 /run/sshd /run/libvirt
mount --bind "$2" /run/libvirt
exec /usr/sbin/sshd -D -e -f "$1"
' run-sshd "$(readlink -f "$1")" "$(readlink -f "$2")"
