#!/usr/bin/env bash
# Performance figures (reporting, never gating; README "Performance" shows a run's table):
#   1. the program binary: an up-to-date `go build -o bin/workfx` (what `pulumi up` pays with
#      Pulumi.yaml's buildTarget), a relink (what it pays after any change), size, biggest parts;
#   2. the real engine beside kubectl for every Kubernetes-only stack and the onboarding example
#      (tests/engine BenchmarkPhases, onboarding BenchmarkOnboardingPhases): first up, second up,
#      preview, image bump.
# Needs the Pulumi CLI and the Kubernetes provider plugin (scripts/test.sh builds both).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== program binary"
./scripts/build.sh > /dev/null           # whatever it takes (cold in a fresh CI run)
ms() { echo $(( $(date +%s%N) / 1000000 )); }
start=$(ms)
go build -o bin/workfx .                 # nothing changed: the up-to-date check only
uptodate=$(( $(ms) - start ))
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
start=$(ms)
# A different -X value changes only the link: every package comes from the build cache, as after
# an edit of one small package.
go build -ldflags "-X main.linkNonce=$RANDOM$RANDOM" -o "$tmp/workfx" .
relink=$(( $(ms) - start ))  # -X of a variable that does not exist is ignored
size=$(stat -c %s bin/workfx)
printf 'TABLE | program binary | go build, up to date | %d.%d s |\n' $((uptodate / 1000)) $((uptodate % 1000 / 100))
printf 'TABLE | program binary | go build, relink only | %d.%d s |\n' $((relink / 1000)) $((relink % 1000 / 100))
printf 'TABLE | program binary | size | %d MB |\n' $((size / 1000000))
echo "largest sections (bytes): $(size -A bin/workfx | sort -k2 -nr | awk 'NR>1 && NR<=5 {printf "%s %s  ", $1, $2}')"
echo "code by SDK (bytes of text):"
go tool nm -size bin/workfx | awk '$3 == "T" || $3 == "t" {
  n = $4; g = "other (Go runtime, gRPC, protobuf, …)"
  if (n ~ /pulumi-azure-native-sdk/) g = "azure-native SDK"
  else if (n ~ /pulumi-aws\//) g = "aws SDK"
  else if (n ~ /pulumi-kubernetes\/sdk/) g = "kubernetes SDK"
  else if (n ~ /pulumi\/pulumi\/sdk/) g = "pulumi SDK"
  else if (n ~ /workfx-platform/) g = "workfx (this program)"
  s[g] += $2 } END { for (g in s) printf "  %10d  %s\n", s[g], g }' | sort -rn

echo "== real engine vs kubectl"
WORKFX_REAL_ENGINE=1 go test -count=1 -run '^$' -bench 'Phases' -benchtime 1x -timeout 40m ./tests/engine ./onboarding |
  grep -E '^TABLE|^TRACE|^before|^slowest|^critical|^ +[0-9.]+s|^Benchmark|^ok|FAIL'
