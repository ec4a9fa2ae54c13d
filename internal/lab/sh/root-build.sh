#!/bin/sh
# usage: root-build.sh ROOT MIRROR
# Builds a Debian 12 (bookworm) root in ROOT (missing or empty) with libvirt's
# daemons and clients from bookworm-backports and everything else the lab uses
# from bookworm itself (QEMU stays 7.2, as on the host), so that a lab can run
# libvirt 11.3 chrooted there without touching the host's packages. MIRROR is
# the Debian mirror the host's apt already uses. Every mount is made in a
# private mount namespace and goes with it. No daemon is started (policy-rc.d).
# Written by virtwire's internal/lab (libvirtroot.go), which caches the result.
set -eu
R=$1 M=$2
B=bookworm-backports
debootstrap --variant=minbase --include=ca-certificates bookworm "$R" "$M"
cat >"$R/etc/apt/sources.list" <<EOF
deb $M bookworm main
deb $M bookworm-updates main
deb ${M%/debian}/debian-security bookworm-security main
deb $M $B main
EOF
printf '#!/bin/sh\nexit 101\n' >"$R/usr/sbin/policy-rc.d"
chmod 755 "$R/usr/sbin/policy-rc.d"
cp /etc/resolv.conf "$R/etc/resolv.conf"
# Only the libvirt packages name the backports suite: their dependencies come
# from there where they must, the rest (QEMU among them) stays bookworm's.
# The node device driver (libvirt-daemon-driver-nodedev) is left out: with it,
# libvirtd 11.3 takes 30 s to stop (its udev thread holds the shutdown), and
# the tests' node devices are the test driver's own.
unshare --mount --propagation private sh -eu -c '
R=$1 B=$2
mount -t proc proc "$R/proc"
mount -t sysfs sysfs "$R/sys"
mount --bind /dev/pts "$R/dev/pts"
chroot "$R" apt-get update -q
DEBIAN_FRONTEND=noninteractive chroot "$R" apt-get install -y -q --no-install-recommends \
	libvirt-daemon/$B libvirt-clients/$B libvirt-daemon-driver-qemu/$B \
	libvirt-daemon-driver-network/$B libvirt-daemon-driver-storage/$B \
	libvirt-daemon-driver-secret/$B libvirt-daemon-driver-nwfilter/$B \
	libvirt-daemon-driver-interface/$B \
	qemu-system-x86 dnsmasq-base iptables sasl2-bin libsasl2-modules \
	openssh-server openssh-client netcat-openbsd openssl iproute2 cpio libxml2-utils \
	qemu-utils
chroot "$R" apt-get clean
' root-build "$R" "$B"
rm -f "$R"/var/cache/apt/*.bin
# The QEMU driver runs guests as root with no systemd, virtlogd or per-guest
# namespaces, as on the host (the lab writes the same settings per daemon).
printf 'user = "root"\ngroup = "root"\nstdio_handler = "file"\nremember_owner = 0\nnamespaces = []\n' \
	>"$R/etc/libvirt/qemu.conf"
