#!/usr/bin/env bash
# usage: scripts/lab-run.sh scripts/lab-demo.sh   (what `make demo` runs)
# Prints the running lab's endpoints, then what examples/quickstart finds
# over its unix endpoint on the test driver (libvirt 9.0, Debian 12's):
# versions, host name, domains with their state, networks with their bridge
# and DHCP range, and the test domain's interfaces; then the same on
# qemu:///system through the modular tier's virtproxyd (libvirt 11.3's
# modular daemons, as Fedora and RHEL run them).
set -euo pipefail
: "${VIRTWIRE_LAB:?run me through scripts/lab-run.sh}" "${VIRTWIRE_LAB_CMD:?run me through scripts/lab-run.sh}"
lab=$VIRTWIRE_LAB_CMD
dir=$(dirname "$VIRTWIRE_LAB")

"$lab" status -dir "$dir"
uri=$("$lab" uri -dir "$dir" unix)

echo
echo "== go run ./examples/quickstart -c '$uri'"
${GO:-go} run ./examples/quickstart -c "$uri"

proxy=$("$lab" uri -dir "$dir" proxy)
echo
echo "== go run ./examples/quickstart -c '$proxy'"
echo "   (the modular tier: virtproxyd in front of virtqemud, virtnetworkd and virtstoraged)"
${GO:-go} run ./examples/quickstart -c "$proxy"
