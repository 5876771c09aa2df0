#!/usr/bin/env bash
# Builds the Pulumi Kubernetes provider plugin from the Go module proxy (tools/pulumi-kubernetes
# wrapper module) once and caches it outside the checkout, then prints the directory holding
# `pulumi-resource-kubernetes`. Put that directory on PATH: the engine prefers a plugin found on
# PATH, so nothing is ever downloaded.
#
#   PATH="$(scripts/kube-provider.sh):$PATH"
#
# The served pseudo-version is the commit of the provider's v4.25.0 tag, so the plugin reports
# 4.25.0 (the program's SDK is v4.30.0; it uses no resource or option newer than 4.25.0).
# WORKFX_CACHE overrides the cache root (default $HOME/.cache/workfx).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
wrapper="$root/tools/pulumi-kubernetes"
version=4.25.0
module=github.com/pulumi/pulumi-kubernetes/provider/v4
pseudo="$(awk -v m="$module" '$1 == m {print $2} $1 == "require" && $2 == m {print $3}' "$wrapper/go.mod")"
dir="${WORKFX_CACHE:-$HOME/.cache/workfx}/pulumi-resource-kubernetes-$version-${pseudo##*-}"
bin="$dir/pulumi-resource-kubernetes"

if [ ! -x "$bin" ]; then
  echo "building pulumi-resource-kubernetes $version ($module@$pseudo; a cold build takes several minutes)" >&2
  mkdir -p "$dir"
  src="$(cd "$wrapper" && GOFLAGS=-mod=readonly go mod download -json "$module@$pseudo" | awk -F'"' '$2 == "Dir" {print $4}')"
  gen="$src/cmd/pulumi-resource-kubernetes"
  [ -f "$gen/schema.json" ] || { echo "no schema.json in $gen" >&2; exit 1; }
  # Upstream's generate.go: schema.json with the version set, and terraform-mapping.json. The
  # wrapper is built in a scratch copy so the checkout never holds the 7 MB generated files.
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  cp "$wrapper/go.mod" "$wrapper/go.sum" "$wrapper/main.go" "$work/"
  [ "$(head -n 1 "$gen/schema.json")" = "{" ] || { echo "unexpected first line of $gen/schema.json" >&2; exit 1; }
  { echo "{"; echo "    \"version\": \"$version\","; tail -n +2 "$gen/schema.json"; } > "$work/schema-embed.json"
  cp "$gen/terraform-mapping.json" "$work/terraform-mapping-embed.json"
  (cd "$work" && GOFLAGS=-mod=readonly go build -trimpath \
    -ldflags "-s -w -X $module/pkg/version.Version=$version" -o "$bin.tmp.$$" .)
  mv -f "$bin.tmp.$$" "$bin"
fi
echo "$dir"
