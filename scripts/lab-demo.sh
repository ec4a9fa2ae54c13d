#!/usr/bin/env bash
# usage: scripts/lab-run.sh scripts/lab-demo.sh   (what `make demo` runs)
# Prints the running lab's endpoints, then a listing over its unix endpoint
# with virsh: versions, host name, domains with their state, networks with
# their bridges. Stands in for examples/quickstart until the client exists.
set -euo pipefail
: "${VIRTWIRE_LAB:?run me through scripts/lab-run.sh}" "${VIRTWIRE_LAB_CMD:?run me through scripts/lab-run.sh}"
lab=$VIRTWIRE_LAB_CMD
dir=$(dirname "$VIRTWIRE_LAB")

"$lab" status -dir "$dir"
uri=$("$lab" uri -dir "$dir" unix)
v() { virsh -c "$uri" "$@"; }

echo
echo "== virsh -c '$uri'"
v version
printf 'Host name: %s\n\n' "$(v hostname)"
echo "Domains:"
v list --all
echo "Networks:"
v net-list --all
for net in $(v net-list --all --name); do
	printf '  %-12s bridge %s\n' "$net" "$(v net-info "$net" | awk '$1 == "Bridge:" { print $2 }')"
done
