#!/usr/bin/env bash
# Runs every Fuzz target in the module for $FUZZTIME each (go test -fuzz takes
# one target per run). New inputs that crash are written under testdata/fuzz
# by the go tool; commit them.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${FUZZTIME:=5s}"
status=0
while IFS= read -r file; do
	dir=$(dirname "$file")
	for target in $(grep -oE '^func (Fuzz[A-Za-z0-9_]+)\(' "$file" | sed -E 's/^func (Fuzz[A-Za-z0-9_]+)\(/\1/'); do
		echo "fuzz ./$dir $target ($FUZZTIME)"
		ok=0
		for attempt in 1 2; do
			if go test -run='^$' -fuzz="^${target}\$" -fuzztime="$FUZZTIME" "./$dir" >/tmp/virtwire-fuzz.$$ 2>&1; then
				ok=1; break
			fi
			# On a loaded machine the fuzzing engine's own worker start-up can
			# time out ("context deadline exceeded") without any failing
			# input; try once more. A real failure names its input.
			grep -q 'Failing input written to' /tmp/virtwire-fuzz.$$ && break
			grep -q 'context deadline exceeded' /tmp/virtwire-fuzz.$$ || break
		done
		if [ $ok = 0 ]; then
			cat /tmp/virtwire-fuzz.$$; status=1
		fi
	done
done < <(git ls-files '*_test.go' | xargs grep -l '^func Fuzz' || true)
rm -f /tmp/virtwire-fuzz.$$
exit $status
