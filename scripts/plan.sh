#!/usr/bin/env bash
# Offline plan of a stack: builds the program (scripts/build.sh says when that takes long), then
# runs `plan` with the given flags, e.g. ./scripts/plan.sh --stack ka [--report] [--json].
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(./scripts/build.sh)
exec "$bin" plan "$@"
