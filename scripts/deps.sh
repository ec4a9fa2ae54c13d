#!/usr/bin/env bash
# Installs the Debian packages the lab (internal/lab) and the tests need, and the
# libvirt-qemu system user that libvirtd's QEMU driver looks up at start-up (the
# libvirt-daemon package does not create it). Idempotent: prints nothing and
# changes nothing when everything is present. Run as root; otherwise it prints the
# exact command to run and fails.
set -euo pipefail

# qemu-system-x86, dnsmasq-base, iptables and iproute2 serve the lab's guest
# tier (QEMU guests on isolated networks in a network namespace); its guest
# image is made of packages fetched with apt-get download, not installed.
# debootstrap and zstd build and unpack the libvirt 11.3 root (internal/lab's
# Root) that the modular tier and `make test-11.3` run in. qemu-utils gives
# the daemon qemu-img, which libvirt's dir pools run to create, clone and
# resize qcow2 volumes (the storage package's tests).
packages=(
	libvirt-daemon libvirt-clients qemu-system-x86 dnsmasq-base iptables
	sasl2-bin libsasl2-modules openssh-server openssh-client netcat-openbsd
	openssl iproute2 cpio libxml2-utils debootstrap zstd qemu-utils
)

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing+=("$p")
done
need_user=0
getent passwd libvirt-qemu >/dev/null || need_user=1

[ ${#missing[@]} -eq 0 ] && [ $need_user -eq 0 ] && exit 0

apt_line="DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ${missing[*]:-}"
user_line="useradd --system --user-group --no-create-home --home-dir /var/lib/libvirt --shell /usr/sbin/nologin libvirt-qemu"

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing, and installing needs root:" >&2
	[ ${#missing[@]} -eq 0 ] || echo "  apt-get update && $apt_line" >&2
	[ $need_user -eq 0 ] || echo "  $user_line" >&2
	exit 1
fi

if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	log=$(mktemp /tmp/virtwire-deps.XXXXXX)
	# No init system runs here: a policy-rc.d that refuses every action keeps the
	# packages' postinst scripts from starting sshd, libvirtd or dnsmasq. An
	# existing policy-rc.d is left alone (it is honoured anyway).
	own_policy=0
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\n# written by virtwire scripts/deps.sh for the duration of one install\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		own_policy=1
	fi
	cleanup() {
		[ $own_policy -eq 0 ] || rm -f /usr/sbin/policy-rc.d
		rm -f "$log"
	}
	trap cleanup EXIT
	export DEBIAN_FRONTEND=noninteractive
	lock=(-o DPkg::Lock::Timeout=300)
	if ! { apt-get "${lock[@]}" update -q &&
		apt-get "${lock[@]}" install -y -q --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
		tail -n 40 "$log" >&2
		echo "deps: failed: apt-get update && $apt_line" >&2
		exit 1
	fi
fi

if [ $need_user -eq 1 ] && ! getent passwd libvirt-qemu >/dev/null; then
	echo "deps: creating system user libvirt-qemu"
	$user_line
fi
