#!/usr/bin/env bash
# usage: scripts/lab-run.sh scripts/lab-demo.sh   (what `make demo` runs)
# Prints the running lab's endpoints, then what examples/quickstart finds
# over its unix endpoint on the test driver: versions, host name, domains
# with their state, networks with their bridge and DHCP range, and the test
# domain's interfaces.
set -euo pipefail
: "${VIRTWIRE_LAB:?run me through scripts/lab-run.sh}" "${VIRTWIRE_LAB_CMD:?run me through scripts/lab-run.sh}"
lab=$VIRTWIRE_LAB_CMD
dir=$(dirname "$VIRTWIRE_LAB")

"$lab" status -dir "$dir"
uri=$("$lab" uri -dir "$dir" unix)

echo
echo "== go run ./examples/quickstart -c '$uri'"
${GO:-go} run ./examples/quickstart -c "$uri"
