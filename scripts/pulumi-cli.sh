#!/usr/bin/env bash
# Builds the pinned Pulumi CLI from the Go module proxy (tools/pulumi-cli wrapper module) once and caches
# the binary outside the checkout, then prints its absolute path. A cold build takes many minutes, so the
# cache is keyed by version and reused by every checkout, test run and CI step on the machine.
#
#   PULUMI=$(scripts/pulumi-cli.sh)
#
# WORKFX_CACHE overrides the cache root (default $HOME/.cache/workfx).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="$(awk '$1 == "github.com/pulumi/pulumi/pkg/v3" {print $2}' "$root/tools/pulumi-cli/go.mod")"
dir="${WORKFX_CACHE:-$HOME/.cache/workfx}/pulumi-$version"
bin="$dir/bin/pulumi"  # <root>/bin/pulumi: the layout auto.NewPulumiCommand expects of a Root

if [ ! -x "$bin" ]; then
  mkdir -p "$dir/bin"
  echo "building Pulumi CLI $version into $dir (cold build takes several minutes)" >&2
  tmp="$dir/bin/pulumi.tmp.$$"
  # Build to a temporary name and rename, so an interrupted build never leaves a half-written binary
  # that later runs would trust.
  (cd "$root/tools/pulumi-cli" && GOFLAGS=-mod=readonly go build \
    -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
    -o "$tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
  mv -f "$tmp" "$bin"
fi
echo "$bin"
