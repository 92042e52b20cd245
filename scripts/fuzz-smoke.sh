#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each briefly over a copy of its seed corpus.
# Usage: scripts/fuzz-smoke.sh [SECONDS_PER_TARGET]   (default 10)
# Longer local runs: build/fuzz/fuzz/<target> -max_total_time=600 <corpus folder>
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-10}"
CC=clang CXX=clang++ cmake -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DVIGIL_BUILD_FUZZERS=ON -DVIGIL_BUILD_TESTS=OFF >/dev/null
cmake --build build/fuzz -j "$(nproc)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
status=0
for bin in build/fuzz/fuzz/*_fuzz; do
  name="$(basename "$bin" _fuzz)"
  mkdir -p "$work/$name"
  if [ -d "fuzz/corpus/$name" ]; then cp -r "fuzz/corpus/$name/." "$work/$name/"; fi
  echo "== fuzz $name for ${secs}s"
  if ! (cd "$work" && "$OLDPWD/$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
        -artifact_prefix="$work/$name-" "$work/$name" >"$work/$name.log" 2>&1); then
    echo "fuzz $name FAILED:"; tail -40 "$work/$name.log"; status=1
  else
    grep -E "^Done" "$work/$name.log" || true
  fi
done
exit $status
