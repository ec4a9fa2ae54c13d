#!/usr/bin/env bash
# usage: scripts/lab-run.sh [--root] [--no-guest] [--no-modular] [--label] COMMAND [ARG...]
# Starts a lab (internal/lab) in a fresh folder under /tmp, runs COMMAND with
# VIRTWIRE_LAB pointing at it and CI set (so a test that cannot reach the lab
# fails instead of skipping), and always stops the lab and removes the folder,
# whatever COMMAND does. Exits with COMMAND's status, or non-zero if the lab
# could not be started or stopped. `make test` and `make demo` use it.
# VIRTWIRE_LAB_CMD is exported too: the lab command, for `lab uri NAME` etc.
#
#   --root        run the lab and COMMAND inside the libvirt root (Debian 12
#                 with libvirt 11.3 from bookworm-backports; `lab root`), so
#                 that every daemon, virsh and virt-admin are libvirt 11.3's.
#                 The checkout, Go and its caches, and libvirt's source are
#                 bound into it at the same paths; the root is unpacked from
#                 the cache into the run's folder and removed with it.
#   --no-guest    no guest tier (a QEMU guest in a network namespace, which
#                 otherwise boots while COMMAND starts)
#   --no-modular  no modular tier (libvirt 11.3's virtproxyd, virtqemud,
#                 virtnetworkd and virtstoraged in a libvirt root)
#   --label       prefix every line COMMAND prints with the lab's libvirt
#                 release, such as [libvirt 9.0.0], so that a log says which
#                 daemons each test ran against
set -euo pipefail
cd "$(dirname "$0")/.."
root=0 label=0
up_flags=() flags=()
while [ $# -gt 0 ]; do
	case $1 in
	--root) root=1 ;;
	--no-guest) up_flags+=(-guest=false) flags+=("$1") ;;
	--no-modular) up_flags+=(-modular=false) flags+=("$1") ;;
	--label) label=1 flags+=("$1") ;;
	*) break ;;
	esac
	shift
done
[ $# -gt 0 ] || { echo "usage: $0 [--root] [--no-guest] [--no-modular] [--label] COMMAND [ARG...]" >&2; exit 2; }

GO=${GO:-go}
work=$(mktemp -d /tmp/virtwire-lab.XXXXXX)
lab=$work/lab

if [ $root = 1 ]; then
	# Built on the host, once: the same code makes the root and enters it.
	trap 'rm -rf "$work"' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	$GO build -o "$lab" ./internal/lab/cmd/lab
	$GO mod download # the root has no network for Go: GOPROXY=off inside
	src=$($GO run ./internal/libvirtsrc/cmd/libvirtsrc)
	"$lab" root "$work/root" >/dev/null
	goroot=$($GO env GOROOT) gocache=$($GO env GOCACHE) gomodcache=$($GO env GOMODCACHE)
	# The guest image and QEMU's probed capabilities of libvirt 11.3 are
	# kept apart from the host's.
	guestcache=${VIRTWIRE_GUEST_CACHE:-/var/cache/virtwire-lab}/libvirt-11.3-guest
	mkdir -p "$guestcache" "$gocache"
	set +e
	"$lab" enter -bind "$PWD" -bind "$gocache" -bind "$guestcache" \
		-bind-ro "$goroot" -bind-ro "$gomodcache" -bind-ro "$src" "$work/root" \
		/usr/bin/env PATH="$goroot/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
		HOME=/root GOCACHE="$gocache" GOMODCACHE="$gomodcache" GOFLAGS=-buildvcs=false \
		GOPROXY=off GOTOOLCHAIN=local CGO_ENABLED=0 LIBVIRT_SOURCE="$src" \
		VIRTWIRE_GUEST_CACHE="$guestcache" GO="$GO" \
		/bin/bash -c 'cd "$1" && shift && exec scripts/lab-run.sh "$@"' lab-run "$PWD" "${flags[@]}" "$@"
	rc=$?
	set -e
	# Unmounted already: every mount lived in the root's own namespace.
	rm -rf "$work"
	trap - EXIT
	exit $rc
fi

dir=$work/l
# What /run/netns looked like before: Down must leave it so (ip makes the
# folder and its self bind mount at the first `ip netns add`).
had_netns_dir=0 had_netns_mount=0
[ ! -d /run/netns ] || had_netns_dir=1
! mountpoint -q /run/netns 2>/dev/null || had_netns_mount=1
down() {
	local rc=$? ns= left=()
	local nsfiles=("$dir/guest/netns" "$dir/modular/netns") namespaces=()
	for f in "${nsfiles[@]}"; do
		[ ! -f "$f" ] || namespaces+=("$(cat "$f")")
	done
	if [ -x "$lab" ] && ! "$lab" down -dir "$dir"; then
		echo "lab-run: stopping the lab in $dir failed" >&2
		[ $rc -ne 0 ] || rc=1
	fi
	for ns in "${namespaces[@]}"; do
		[ ! -e "/run/netns/$ns" ] || left+=("network namespace $ns")
	done
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
$GO build -o "$lab" ./internal/lab/cmd/lab
"$lab" up "${up_flags[@]}" -dir "$dir"
export VIRTWIRE_LAB=$dir/lab.json VIRTWIRE_LAB_CMD=$lab
export CI=${CI:-true}
release=$("$lab" version -dir "$dir")
echo "lab-run: $release"
if [ $label = 0 ]; then
	"$@"
else
	tag="[libvirt ${release%% *}]"
	"$@" 2>&1 | sed -u "s/^/$tag /"
fi
