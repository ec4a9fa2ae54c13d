#!/bin/sh
# usage: modular-build.sh TARBALL PREFIX DEST     (run chrooted in a throwaway
# copy of the libvirt root, by virtwire's internal/lab, modular.go)
# Builds libvirt's modular daemons (virtproxyd, virtqemud, virtnetworkd,
# virtstoraged and the other virt*d) from the release TARBALL with meson and
# installs them under PREFIX in DEST (DEST/PREFIX/sbin/virtqemud...). Debian
# packages none of them. The daemons keep libvirt's usual paths (/etc/libvirt,
# /var/lib/libvirt, /run/libvirt), so a lab binds its own folders there; the
# drivers are those the lab uses: QEMU, network, storage (directory pools),
# secrets, interfaces, nwfilter, test and remote. libvirtd must be built too:
# without it libvirt's meson drops the QEMU and network drivers.
set -eu
TARBALL=$1 PREFIX=$2 DEST=$3
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	meson ninja-build gcc libc6-dev pkg-config perl python3 libxml2-utils xsltproc xz-utils \
	libxml2-dev libglib2.0-dev libgnutls28-dev libtirpc-dev libjson-c-dev \
	libnl-3-dev libnl-route-3-dev libudev-dev libpciaccess-dev libcap-ng-dev libsasl2-dev
apt-get clean
mkdir -p /build
tar -C /build -xJf "$TARBALL"
cd /build/libvirt-*
# Every optional feature the lab does not use is off: fewer build
# dependencies, a shorter build. Paths as Debian's libvirtd has them.
meson setup build \
	--prefix="$PREFIX" --sysconfdir=/etc --localstatedir=/var -Drunstatedir=/run \
	--buildtype=release -Dno_git=true -Ddocs=disabled -Dtests=disabled -Dexpensive_tests=disabled \
	-Ddriver_remote=enabled -Ddriver_libvirtd=enabled -Ddriver_qemu=enabled \
	-Ddriver_network=enabled -Ddriver_test=enabled -Ddriver_secrets=enabled \
	-Ddriver_interface=enabled -Dstorage_dir=enabled \
	-Dstorage_fs=disabled -Dstorage_disk=disabled -Dstorage_gluster=disabled \
	-Dstorage_iscsi=disabled -Dstorage_iscsi_direct=disabled -Dstorage_lvm=disabled \
	-Dstorage_mpath=disabled -Dstorage_rbd=disabled -Dstorage_scsi=disabled \
	-Dstorage_vstorage=disabled -Dstorage_zfs=disabled \
	-Ddriver_lxc=disabled -Ddriver_libxl=disabled -Ddriver_vbox=disabled -Ddriver_esx=disabled \
	-Ddriver_ch=disabled -Ddriver_bhyve=disabled -Ddriver_openvz=disabled \
	-Ddriver_vmware=disabled -Ddriver_hyperv=disabled -Ddriver_vz=disabled \
	-Dsecdriver_apparmor=disabled -Dsecdriver_selinux=disabled -Dapparmor=disabled \
	-Dapparmor_profiles=disabled -Dselinux=disabled -Daudit=disabled -Dattr=disabled \
	-Dblkid=disabled -Dcurl=disabled -Dfuse=disabled -Dglusterfs=disabled -Dlibiscsi=disabled \
	-Dlibpcap=disabled -Dlibssh=disabled -Dlibssh2=disabled -Dnetcf=disabled -Dnls=disabled \
	-Dnumactl=disabled -Dopenwsman=disabled -Dpolkit=disabled -Dreadline=disabled \
	-Dsanlock=disabled -Dwireshark_dissector=disabled -Dbash_completion=disabled \
	-Ddtrace=disabled -Dfirewalld=disabled -Dfirewalld_zone=disabled -Dhost_validate=disabled \
	-Dlogin_shell=disabled -Dnss=disabled -Dnumad=disabled -Dnbdkit=disabled \
	-Dnbdkit_config_default=disabled -Dpm_utils=disabled -Dssh_proxy=disabled \
	-Dsysctl_config=disabled -Duserfaultfd_sysctl=disabled -Dinit_script=none \
	-Djson_c=enabled -Dlibnl=enabled -Dudev=enabled -Dpciaccess=enabled -Dcapng=enabled \
	-Dsasl=enabled
ninja -C build -j"$(nproc)"
rm -rf "$DEST"
DESTDIR="$DEST" meson install -C build --no-rebuild --quiet
# The sample configuration goes inside the prefix, for reference; the lab
# writes its own. The network driver's "default" autostart link is dropped,
# so no daemon ever starts a bridge on its own.
mkdir -p "$DEST$PREFIX/share/libvirt/sample-etc"
cp -a "$DEST/etc/libvirt/." "$DEST$PREFIX/share/libvirt/sample-etc/"
rm -rf "$DEST$PREFIX/share/libvirt/sample-etc/qemu/networks/autostart"
