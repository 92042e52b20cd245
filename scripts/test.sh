#!/usr/bin/env bash
# Sets up what is missing, builds vigil, and runs the whole test suite:
#   1. the release build (warnings are errors) with every test, end-to-end ones included;
#   2. every libFuzzer target briefly over its seed corpus;
#   3. the unit tests again under AddressSanitizer + UndefinedBehaviorSanitizer.
# Usage: scripts/test.sh [--no-asan]
set -euo pipefail
cd "$(dirname "$0")/.."

asan=1
for arg in "$@"; do
  case "$arg" in
    --no-asan) asan=0 ;;
    *) echo "test.sh: unknown option '$arg'" >&2; exit 2 ;;
  esac
done

bash scripts/setup.sh --test
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
jobs="$(nproc)"

echo "== release build and all tests"
# The eBPF probes are required here (the sensor tests must not be skipped): ON fails loudly when
# clang, bpftool, libbpf-dev or the kernel BTF are missing.
cmake --preset release -DVIGIL_BUILD_BPF=ON >/dev/null
cmake --build --preset release -j "$jobs"
ctest --preset release -j "$jobs"

echo "== fuzz targets, a short run each"
scripts/fuzz-smoke.sh 10

if [ "$asan" = 1 ]; then
  echo "== unit tests under ASan + UBSan"
  cmake --preset asan >/dev/null
  cmake --build --preset asan -j "$jobs"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --preset asan -j "$jobs" --label-exclude e2e
fi
