#!/usr/bin/env bash
# Runs every check and test of the project: what CI runs (.ci/run) and what
# the README tells a newcomer to run. It installs what the tests need first.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-deps.sh

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then
  echo "not gofmt-formatted:"; echo "$unformatted"; exit 1
fi

echo "== go vet"
go vet ./...

echo "== staticcheck"
go run honnef.co/go/tools/cmd/staticcheck@v0.6.1 ./...

echo "== go test"
# Screenshots and captures the tests save (ignored by git).
export PHALA_TEST_ARTIFACTS="${PHALA_TEST_ARTIFACTS:-$PWD/test-artifacts}"
mkdir -p "$PHALA_TEST_ARTIFACTS"
# The race detector runs on every package but the long end-to-end and
# benchmark ones (whole devnets and testnets, measured load), which run
# without it. modules/stakepool runs twice: its 30-day economy simulation
# drives the single-goroutine state machine for minutes, which the detector
# would slow past 10 minutes on this 2-core machine, so under the detector
# it runs with -short (a 3-day simulation) and in full without it. Two sets
# of tests run again without the detector: llm/local's comparisons with
# llama.cpp (single-threaded reference work that took most of the race
# step; skipped by -short there) and sandbox's zoo (its time bounds are
# tight only without the detector, whose bookkeeping for large blocks adds
# about a second). Every other test runs exactly once, fuzz targets with
# their seed corpora.
no_race='^github.com/phalanetwork/phala/(e2e|bench)$'
twice='/(modules/stakepool|llm/local)$'
race_pkgs=$(go list ./... | grep -Ev "$no_race" | grep -Ev "$twice")
plain_pkgs=$(go list ./... | grep -E "$no_race")
# -race turns on checkptr, which stops the QuickJS engine (C translated to
# Go, modernc.org) at its pointer arithmetic on C memory, a false positive;
# it stays on for every other package.
race_flags=(-race -gcflags='modernc.org/...=-d=checkptr=0' -count=1 -timeout 15m)
go test "${race_flags[@]}" $race_pkgs
go test "${race_flags[@]}" -short ./modules/stakepool ./llm/local
go test -count=1 -timeout 25m $plain_pkgs ./modules/stakepool
go test -count=1 -run 'LlamaCpp|TestZoo' ./llm/local ./sandbox
