#!/usr/bin/env bash
# Runs every check and test of the project: what CI runs (.ci/run) and what
# the README tells a newcomer to run. It installs what the tests need first.
set -euo pipefail
cd "$(dirname "$0")/.."

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
# about a second). The shielded packages run again without it, and the
# two setup-ceremony tests of internal/cli and worker run only without it:
# their Groth16 tests skip under the detector (below). Every other test
# runs exactly once, fuzz targets with their seed corpora.
no_race='^github.com/phalanetwork/phala/(e2e|bench)$'
twice='/(modules/stakepool|llm/local)$'
race_pkgs=$(go list ./... | grep -Ev "$no_race" | grep -Ev "$twice")
plain_pkgs=$(go list ./... | grep -E "$no_race")
# -race turns on checkptr, which stops the QuickJS engine (C translated to
# Go, modernc.org) at its pointer arithmetic on C memory, a false positive;
# it stays on for every other package.
race_flags=(-race -gcflags='modernc.org/...=-d=checkptr=0' -count=1 -timeout 15m)
# Screenshots and captures the tests save (ignored by git).
export PHALA_TEST_ARTIFACTS="${PHALA_TEST_ARTIFACTS:-$PWD/test-artifacts}"
mkdir -p "$PHALA_TEST_ARTIFACTS"

# Scheduling. The end-to-end tests take the longest but use little CPU:
# their devnets and testnets mostly wait for blocks (about 330 CPU-seconds
# in 8-9 minutes, a third of the 2 cores). So they start first, in the
# background at normal priority, and everything that has no time bound
# runs beside them at the lowest priority (nice 19), taking only the CPU
# they leave idle, so that their time bounds see an otherwise quiet
# machine. That is, in the background, the race step of the deterministic
# packages ($pure: no wall clock, no network, state machines driven in
# memory) and the full stakepool simulation, and in the foreground gofmt,
# vet, staticcheck, modules/stakepool's and llm/local's race runs and the
# llama.cpp comparisons (whose only bounds are minutes-long guards against
# a hang, so they end before the next step starts), and the race build of
# the other packages. Their race step, whose tests do have time bounds,
# runs after the end-to-end tests as before, at normal priority (the
# background work left, at nice 19, only takes the CPU it leaves idle),
# and the zoo last. A background run's output follows when it ends.
pure='/(chain|modules|crypto|shielded|sharepool)(/|$)|/(fixedpoint|uint128|pha)$'
logs=$(mktemp -d)
bg_pids=()
# On any exit, stop what is left of the background runs (setsid gives each
# its own process group, its devnets included).
cleanup() {
  for pid in "${bg_pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  rm -rf "$logs"
}
trap cleanup EXIT
# background NAME CMD... runs CMD in its own process group with its output
# in $logs/NAME, and sets bg_pid.
background() {
  local name=$1
  shift
  setsid -w "$@" >"$logs/$name" 2>&1 &
  bg_pid=$!
  bg_pids+=("$bg_pid")
}
# collect PID NAME waits for a background run and prints its output; the
# script fails with it.
collect() {
  local rc=0 pid left=()
  wait "$1" || rc=$?
  for pid in "${bg_pids[@]}"; do [ "$pid" = "$1" ] || left+=("$pid"); done
  bg_pids=("${left[@]}")
  cat "$logs/$2"
  return "$rc"
}
idle=(nice -n 19)

# The end-to-end tests need the Node.js packages: this install runs first
# in their background run; the install below waits for it (the script
# takes a lock) and then finds everything in place.
background e2e bash -c 'bash scripts/install-test-deps.sh && go test -count=1 -timeout 25m "$@"' - $plain_pkgs
e2e=$bg_pid
# Work with no time bound at all: it may go on beside anything.
# The Groth16 tests (setup, proving, the setup ceremony) skip under the
# detector, which slows gnark's curve arithmetic past minutes; they run
# here without it.
proof_heavy='TestShieldedCeremonyCLI|TestGatekeepersRunTheSetupCeremony'
background pure "${idle[@]}" bash -c 'go test "$@" &&
  go test -count=1 -timeout 25m ./modules/stakepool ./shielded/... ./modules/shielded &&
  go test -count=1 -timeout 15m -run "$0" ./internal/cli ./worker' "$proof_heavy" "${race_flags[@]}" $(grep -E "$pure" <<<"$race_pkgs")
pure_run=$bg_pid

echo "== gofmt"
unformatted=$("${idle[@]}" gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then
  echo "not gofmt-formatted:"; echo "$unformatted"; exit 1
fi

echo "== go vet"
"${idle[@]}" go vet ./...

echo "== staticcheck"
"${idle[@]}" go run honnef.co/go/tools/cmd/staticcheck@v0.6.1 ./...

echo "== go test"
bash scripts/install-test-deps.sh
"${idle[@]}" go test "${race_flags[@]}" -short ./modules/stakepool ./llm/local
"${idle[@]}" go test -count=1 -timeout 25m -run LlamaCpp ./llm/local
timed_pkgs=$(grep -Ev "$pure" <<<"$race_pkgs")
# The race build of the other non-main packages, which their race step
# below finds in the build cache.
"${idle[@]}" go build "${race_flags[0]}" "${race_flags[1]}" $(go list -f '{{if and (ne .Name "main") .GoFiles}}{{.ImportPath}}{{end}}' $timed_pkgs)
echo "== go test (end-to-end and benchmarks, in the background)"
collect "$e2e" e2e
# worker, the longest, first.
go test "${race_flags[@]}" $(grep -E '/worker$' <<<"$timed_pkgs") $(grep -Ev '/worker$' <<<"$timed_pkgs")
echo "== go test (deterministic packages and modules/stakepool in full, in the background)"
collect "$pure_run" pure
go test -count=1 -run TestZoo ./sandbox
