#!/usr/bin/env bash
# Runs the whole test suite the way CI does: installs missing dependencies,
# vets, then runs every test with the race detector.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
export PATH="/usr/local/go/bin:$PATH"
test -z "$(gofmt -l .)" || { echo "gofmt would change:"; gofmt -l .; exit 1; }
go vet ./...
go test -race -count=1 -timeout 40m ./...
