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
go test -count=1 -timeout 15m ./...
