#!/usr/bin/env bash
# Builds the program into bin/workfx (or $WORKFX_BIN) and prints its path. The same binary runs
# the offline plan (`bin/workfx plan …`) and, run by the Pulumi CLI, the deployment.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${WORKFX_BIN:-bin/workfx}
if [ ! -x "$out" ]; then
  # Said before the compiler starts: a cold first build is long and prints nothing.
  echo "building $out: with a cold Go build cache the first build compiles the Pulumi, Kubernetes," \
    "azure-native and aws SDKs, about 15 minutes on two cores; later builds take seconds." >&2
fi
go build -o "$out" .
echo "$out"
