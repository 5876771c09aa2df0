#!/usr/bin/env bash
# Lints the GitHub Actions workflows with the pinned actionlint (tools/actionlint wrapper module),
# built once into the cache like the Pulumi CLI. Extra arguments go to actionlint.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="$(awk '$1 == "github.com/rhysd/actionlint" {print $2}' "$root/tools/actionlint/go.mod")"
bin="${WORKFX_CACHE:-$HOME/.cache/workfx}/actionlint-$version/actionlint"
if [ ! -x "$bin" ]; then
  mkdir -p "$(dirname "$bin")"
  echo "building actionlint $version" >&2
  (cd "$root/tools/actionlint" && GOFLAGS=-mod=readonly go build -o "$bin.tmp.$$" github.com/rhysd/actionlint/cmd/actionlint)
  mv -f "$bin.tmp.$$" "$bin"
fi
cd "$root"
exec "$bin" "$@"
