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

# The Kubernetes provider plugin takes the longest to build cold and nothing needs it before the
# real-engine suite at the end: build it alongside the tests (cached after the first run).
provider_log=$(mktemp)
./scripts/kube-provider.sh > "$provider_log" 2>&1 &
provider_pid=$!
trap 'kill "$provider_pid" 2>/dev/null || true' EXIT

echo "== go vet"
go vet ./...
(cd tests/kube && go vet ./...)

echo "== Pulumi CLI (built once from the module proxy, then cached)"
# The onboarding tests drive a real CLI; in CI (CI=true) they fail rather than skip without it.
WORKFX_PULUMI_CLI="$(./scripts/pulumi-cli.sh)"
export WORKFX_PULUMI_CLI
"$WORKFX_PULUMI_CLI" version

echo "== go test (unit, plan, policy, onboarding CLI tests)"
go test -count=1 ./...

echo "== fuzz config.Load for ${FUZZTIME:-30s} (the config package imports no Pulumi SDK: a small build)"
go test ./config -run '^$' -fuzz '^FuzzLoad$' -fuzztime "${FUZZTIME:-30s}"

echo "== real-cluster suite (tests/kube: etcd, kube-apiserver, controller-manager, scheduler, kwok)"
# Builds the control plane and kubectl into ~/.cache/workfx-kube/<version>/bin when missing
# (about 20 min cold on 2 cores), then applies every stack for real. Fails, never skips.
(cd tests/kube && go test -count=1 -v -timeout 75m .)

echo "== real-engine suite (Pulumi CLI + Kubernetes provider on the tests/kube control plane)"
if ! wait "$provider_pid"; then
  cat "$provider_log"; exit 1
fi
trap - EXIT
cat "$provider_log"
# Every Kubernetes-only stack and the onboarding example customer: up, up again (no changes),
# refresh and preview (no drift), changes that roll exactly what they should, failures that name
# the object, destroy and up again.
WORKFX_REAL_ENGINE=1 go test -p 1 -count=1 -v -timeout 60m ./tests/engine ./onboarding
