#!/usr/bin/env bash
# usage: scripts/lab-run.sh [--no-guest] COMMAND [ARG...]
# Starts a lab (internal/lab) in a fresh folder under /tmp, runs COMMAND with
# VIRTWIRE_LAB pointing at it and CI set (so a test that cannot reach the lab
# fails instead of skipping), and always stops the lab and removes the folder,
# whatever COMMAND does. Exits with COMMAND's status, or non-zero if the lab
# could not be started or stopped. `make test` and `make demo` use it.
# VIRTWIRE_LAB_CMD is exported too: the lab command, for `lab uri NAME` etc.
# The lab has its guest tier (a QEMU guest in a network namespace, which boots
# while COMMAND starts) unless --no-guest is given.
set -euo pipefail
cd "$(dirname "$0")/.."
up_flags=()
if [ "${1:-}" = --no-guest ]; then
	up_flags=(-guest=false)
	shift
fi
[ $# -gt 0 ] || { echo "usage: $0 [--no-guest] COMMAND [ARG...]" >&2; exit 2; }

work=$(mktemp -d /tmp/virtwire-lab.XXXXXX)
lab=$work/lab
dir=$work/l
# What /run/netns looked like before: Down must leave it so (ip makes the
# folder and its self bind mount at the first `ip netns add`).
had_netns_dir=0 had_netns_mount=0
[ ! -d /run/netns ] || had_netns_dir=1
! mountpoint -q /run/netns 2>/dev/null || had_netns_mount=1
down() {
	local rc=$? ns=
	[ ! -f "$dir/guest/netns" ] || ns=$(cat "$dir/guest/netns")
	if [ -x "$lab" ] && ! "$lab" down -dir "$dir"; then
		echo "lab-run: stopping the lab in $dir failed" >&2
		[ $rc -ne 0 ] || rc=1
	fi
	local left=()
	[ -z "$ns" ] || [ ! -e "/run/netns/$ns" ] || left+=("network namespace $ns")
	if [ -d /run/netns ] && [ -z "$(ls -A /run/netns)" ]; then
		[ $had_netns_mount -eq 1 ] || ! mountpoint -q /run/netns || left+=("the /run/netns mount")
		[ $had_netns_dir -eq 1 ] || left+=("the /run/netns folder")
	fi
	if [ ${#left[@]} -gt 0 ]; then
		printf 'lab-run: the lab left behind: %s\n' "${left[@]}" >&2
		[ $rc -ne 0 ] || rc=1
	fi
	rm -rf "$work"
	exit $rc
}
trap down EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Built once, so that stopping uses the same code that started, whatever
# the command does to the tree in between.
${GO:-go} build -o "$lab" ./internal/lab/cmd/lab
"$lab" up "${up_flags[@]}" -dir "$dir"
export VIRTWIRE_LAB=$dir/lab.json VIRTWIRE_LAB_CMD=$lab
export CI=${CI:-true}
"$@"
