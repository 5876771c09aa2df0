#!/usr/bin/env bash
# The test suite (README's test command). Runs on a fresh machine with only Go installed.
#   FUZZTIME   duration of the config fuzz run (default 30s; see docs/verification.md)
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './out/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

echo "== go vet"
go vet ./...
(cd tests/kube && go vet ./...)

echo "== Pulumi CLI (built once from the module proxy, then cached)"
# The onboarding tests drive a real CLI; in CI (CI=true) they fail rather than skip without it.
WORKFX_PULUMI_CLI="$(./scripts/pulumi-cli.sh)"
export WORKFX_PULUMI_CLI
"$WORKFX_PULUMI_CLI" version

echo "== go test (unit, plan, policy, onboarding against the real CLI)"
go test -count=1 ./...

echo "== fuzz stacks.LoadConfig for ${FUZZTIME:-30s}"
go test ./stacks -run '^$' -fuzz '^FuzzLoadConfig$' -fuzztime "${FUZZTIME:-30s}"

echo "== real-cluster suite (tests/kube: etcd, kube-apiserver, controller-manager, scheduler, kwok)"
# Builds the control plane into ~/.cache/workfx-kube/<version>/bin when missing (about 17 min
# cold on 2 idle cores), then applies every stack for real. Fails, never skips, if it cannot.
(cd tests/kube && go test -count=1 -v -timeout 75m .)
