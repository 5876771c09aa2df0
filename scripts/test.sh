#!/usr/bin/env bash
# The test suite (README's test command). Runs on a fresh machine with only Go installed.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './out/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

echo "== go vet"
go vet ./...

echo "== Pulumi CLI (built once from the module proxy, then cached)"
# The onboarding tests drive a real CLI; in CI (CI=true) they fail rather than skip without it.
WORKFX_PULUMI_CLI="$(./scripts/pulumi-cli.sh)"
export WORKFX_PULUMI_CLI
"$WORKFX_PULUMI_CLI" version

echo "== go test"
go test -count=1 ./...
