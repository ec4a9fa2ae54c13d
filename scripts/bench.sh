#!/usr/bin/env bash
# usage: scripts/bench.sh [benchrun flags...]     (`make bench`)
# Benchmarks virtwire, go-libvirt and libvirt's C client on one tuned private
# libvirtd (bench/): installs the C harness's build dependencies when missing,
# builds the harnesses, runs every scenario (bench/cmd/benchrun), and writes
# the raw results to bench/results.txt and the report to BENCHMARKS.md.
# BENCH_ROUNDS sets the number of rounds (default 6, the fewest from which
# benchstat computes confidence intervals). Benchmarks report;
# they never fail on time. Needs root, as the lab does.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}

# The C harness links libvirt.so: gcc, pkg-config and libvirt's headers.
packages=(gcc libc6-dev pkg-config libvirt-dev)
missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "bench: missing ${missing[*]}; as root: apt-get install ${missing[*]}" >&2
		exit 1
	fi
	echo "bench: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get -o DPkg::Lock::Timeout=300 update -q >/dev/null
	apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

work=$(mktemp -d /tmp/virtwire-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

$GO build -o "$work/goharness" ./bench/cmd/goharness
$GO build -o "$work/benchrun" ./bench/cmd/benchrun
# shellcheck disable=SC2046 # pkg-config's flags are meant to split
gcc -O2 -Wall -Wextra -std=gnu11 -o "$work/harness" bench/c/harness.c $(pkg-config --cflags --libs libvirt) -lpthread

# S7 holds 1,000 connections: the client and the daemon (which inherits this
# limit) each need a descriptor per connection.
ulimit -n "$(ulimit -Hn)"

# S6 streams a 1 GiB volume; where /tmp (the daemon's folder) lacks room for
# it and its copy on upload, a smaller volume is used and the report says so.
size=$((1 << 30))
free=$(df --output=avail -B1 /tmp | tail -n 1)
if [ "$free" -lt $((3 * size)) ]; then
	size=$((256 << 20))
	echo "bench: only $((free >> 20)) MiB free in /tmp: streaming a volume of $((size >> 20)) MiB instead of 1 GiB"
fi

echo "bench: load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
"$work/benchrun" -goharness "$work/goharness" -charness "$work/harness" \
	-rounds "${BENCH_ROUNDS:-6}" -stream-size "$size" -footprint "$work/footprint" \
	-out bench/results.txt "$@"
$GO run ./bench/cmd/benchreport -in bench/results.txt -out BENCHMARKS.md
echo "bench: wrote bench/results.txt and BENCHMARKS.md"
