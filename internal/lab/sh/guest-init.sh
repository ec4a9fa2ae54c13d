#!/bin/busybox sh
# /init of virtwire's lab guest (internal/lab): PID 1 of a busybox initramfs.
# It loads the kernel modules listed in /etc/modules (dependencies first),
# then loops forever, every half second:
#   - starting qemu-ga on the virtio-serial port named org.qemu.guest_agent.0
#     (found through /sys/class/virtio-ports/*/name; there is no udev) if it
#     does not run;
#   - starting udhcpc on every ethN that has none, hot-plugged ones included,
#     and stopping the udhcpc of a NIC that went away;
#   - every second iteration, writing "virtwire-guest: alive NAME UPTIME" to
#     the serial console, for tests that read the console stream.
# NAME is virtwire.name=NAME from the kernel command line; it is also the host
# name, which udhcpc sends to the DHCP server.
/bin/busybox mkdir -p /proc /sys /dev /run /tmp
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
/bin/busybox --install -s /bin
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
exec </dev/null >/dev/console 2>&1

# The loop below runs twice a second for as long as the guest lives, and
# under emulation every fork costs: it reads files with the shell's read,
# not with cat.
say() { echo "virtwire-guest: $*"; }
uptime_s() { read -r up _ </proc/uptime && echo "$up"; }

name=virtwire-guest
for a in $(cat /proc/cmdline); do
	case $a in virtwire.name=?*) name=${a#virtwire.name=} ;; esac
done
hostname "$name"

while read -r m; do
	[ -z "$m" ] || insmod "/lib/modules/$m" || say "insmod $m failed"
done </etc/modules
ip link set lo up
mkdir -p /run/dhcp
# The ACPI power button (virsh shutdown --mode acpi): acpid reads it from
# /dev/input (modules button and evdev) and runs /etc/acpi/PWRF/00000080.
acpid -c /etc/acpi -l /run/acpid.log
say "booted $name $(uptime_s)"

qga=
agent() {
	if [ -n "$qga" ] && kill -0 "$qga" 2>/dev/null; then return; fi
	qga=
	for p in /sys/class/virtio-ports/*; do
		pn=
		read -r pn 2>/dev/null <"$p/name"
		[ "$pn" = org.qemu.guest_agent.0 ] || continue
		/usr/sbin/qemu-ga -m virtio-serial -p "/dev/${p##*/}" -t /run -l /run/qemu-ga.log &
		qga=$!
		say "qemu-ga started on /dev/${p##*/} $(uptime_s)"
		return
	done
}

# /run/dhcp/IFACE.IFINDEX holds the PID of IFACE's udhcpc. The ifindex tells
# a NIC hot-plugged under an old name from the one that had it before. A
# udhcpc that died is started again.
dhcp() {
	for f in /run/dhcp/*; do
		[ -e "$f" ] || continue
		n=${f##*/}
		i=${n##*.}
		n=${n%.*}
		now= pid=
		read -r now 2>/dev/null <"/sys/class/net/$n/ifindex"
		read -r pid <"$f"
		if [ "$now" = "$i" ]; then
			# Still there: restart its udhcpc below if it died.
			kill -0 "$pid" 2>/dev/null || rm -f "$f"
			continue
		fi
		kill "$pid" 2>/dev/null
		rm -f "$f"
		say "$n removed $(uptime_s)"
	done
	for d in /sys/class/net/eth*; do
		[ -e "$d" ] || continue
		n=${d##*/}
		read -r i <"$d/ifindex"
		[ ! -e "/run/dhcp/$n.$i" ] || continue
		ip link set "$n" up
		udhcpc -f -i "$n" -s /etc/udhcpc.sh -x "hostname:$name" -T 1 -t 5 -A 1 &
		echo $! >"/run/dhcp/$n.$i"
		read -r mac <"$d/address"
		say "$n added $mac $(uptime_s)"
	done
}

t=0
while :; do
	agent
	dhcp
	t=$((t + 1))
	if [ $((t % 2)) -eq 0 ]; then
		read -r up _ </proc/uptime
		say "alive $name $up"
	fi
	sleep 0.5
done
