#!/usr/bin/env bash
# Runs every Fuzz target in the module's git-tracked tests (framing, header,
# generated types, URI and libvirt.conf parsers, XML, SASL, auth file, the
# Conn against hostile daemons...) for $FUZZTIME each, one after another:
# go test -fuzz takes one target per run. It fails if it finds no target.
#
#   FUZZTIME      how long each target fuzzes (default 5s)
#   FUZZPARALLEL  fuzzing workers per target (default: GOMAXPROCS)
#   FUZZ_KEEP=1   afterwards, copy the inputs this run found interesting
#                 from Go's fuzz cache into <package>/testdata/fuzz/<Target>,
#                 so that they are committed and every `go test` replays them
#
# An input that fails is written under testdata/fuzz by the go tool; commit
# it with the fix.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${FUZZTIME:=5s}"

targets=()
while IFS= read -r file; do
	dir=$(dirname "$file")
	for target in $(grep -oE '^func (Fuzz[A-Za-z0-9_]+)\(' "$file" | sed -E 's/^func (Fuzz[A-Za-z0-9_]+)\(/\1/'); do
		targets+=("$dir $target")
	done
done < <(git ls-files '*_test.go' | xargs grep -l '^func Fuzz' || true)
if [ ${#targets[@]} -eq 0 ]; then
	echo "fuzz: no Fuzz targets in the git-tracked tests" >&2
	exit 1
fi
echo "fuzz: ${#targets[@]} targets, $FUZZTIME each"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cache=$(go env GOCACHE)/fuzz
status=0
for t in "${targets[@]}"; do
	dir=${t% *} target=${t#* }
	echo "fuzz ./$dir $target"
	args=(-run='^$' -fuzz="^${target}\$" -fuzztime="$FUZZTIME")
	if [ -n "${FUZZPARALLEL:-}" ]; then
		args+=(-parallel="$FUZZPARALLEL")
	fi
	touch "$work/start"
	ok=0
	for attempt in 1 2; do
		if go test "${args[@]}" "./$dir" >"$work/log" 2>&1; then
			ok=1
			break
		fi
		# On a loaded machine the fuzzing engine's own worker start-up can
		# time out ("context deadline exceeded") without any failing input;
		# try once more. A real failure names its input.
		grep -q 'Failing input written to' "$work/log" && break
		grep -q 'context deadline exceeded' "$work/log" || break
	done
	if [ $ok = 0 ]; then
		cat "$work/log"
		status=1
	fi
	if [ "${FUZZ_KEEP:-}" = 1 ]; then
		# Only entries this run wrote: the cache is shared with other
		# checkouts, whose targets may take other arguments.
		src=$cache/$(go list "./$dir")/$target
		dst=$dir/testdata/fuzz/$target
		if [ -d "$src" ]; then
			mkdir -p "$dst"
			find "$src" -type f -newer "$work/start" -exec cp -n {} "$dst/" \;
			echo "  kept $(find "$src" -type f -newer "$work/start" | wc -l) inputs in $dst"
		fi
	fi
done
exit $status
