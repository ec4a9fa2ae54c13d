#!/bin/sh
# udhcpc's event script in virtwire's lab guest: applies a lease to the NIC
# and reports it on the serial console. Only IPv4 is flushed, so the NIC keeps
# its IPv6 link-local address.
case "$1" in
deconfig)
	ip -4 addr flush dev "$interface"
	ip link set "$interface" up
	;;
bound | renew)
	ip -4 addr flush dev "$interface"
	ip addr add "$ip/${mask:-24}" dev "$interface"
	[ -z "$router" ] || ip route replace default via "${router%% *}" dev "$interface"
	echo "virtwire-guest: $1 $interface $ip/${mask:-24} $(cut -d' ' -f1 /proc/uptime)"
	;;
esac
exit 0
