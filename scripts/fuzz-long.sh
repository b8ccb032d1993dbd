#!/usr/bin/env bash
# fuzz-long.sh runs every fuzz target of the project for FUZZTIME each
# (default 10m): the long variant of the hostile-input suite. The normal test
# command runs the same targets on their seed corpora only.
#
#   scripts/fuzz-long.sh                 # every target, 10 minutes each
#   FUZZTIME=30s scripts/fuzz-long.sh    # a quick pass
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime="${FUZZTIME:-10m}"
failed=0
for pkg in $(go list ./...); do
	for target in $(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
		echo "== $pkg $target ($fuzztime)"
		if ! go test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime"; then
			failed=1
		fi
	done
done
exit $failed
