#!/bin/sh
# udhcpc's event script in virtwire's lab guest: applies a lease to the NIC,
# reports it on the serial console, and pings the DHCP server once. Only IPv4 is flushed, so the NIC keeps
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
	# Talk to the DHCP server (the host's side of the network), as any guest
	# talks to its gateway: the host then has this address in its neighbour
	# table, which libvirt's ARP address source reads.
	[ -z "$serverid" ] || ping -c 1 -W 1 -I "$interface" "$serverid" >/dev/null 2>&1 &
	;;
esac
exit 0
