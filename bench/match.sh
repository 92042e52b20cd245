#!/usr/bin/env bash
# Matching speed (issue 5): builds a database from every advisory input of DATA_DIR, then runs
# match_bench (1,000,000 packages, and one image's inventory) RUNS times and prints the medians.
# Usage: bench/match.sh [DATA_DIR] [RUNS]     (DATA_DIR default ../shared/data, RUNS 5)
# Needs the bench build:
#   cmake -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DVIGIL_BUILD_BENCH=ON -DVIGIL_BUILD_TESTS=OFF
#   ninja -C build/bench match_bench vigil
# Extra arguments for match_bench go in BENCH_ARGS (e.g. BENCH_ARGS=--benchmark_filter=Million).
# Figures: docs/BENCHMARKS.md, "Matching (issue 5)".
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-../shared/data}"
runs="${2:-5}"
. bench/lib.sh
vigil=$(vigil_bench_binary) || exit 2
bench=build/bench/bench/match_bench
[ -x "$bench" ] || { echo "build $bench first (see the header of this script)" >&2; exit 2; }
vigil_advisory_inputs "$data" || exit 2

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$vigil" db --db "$work/db" import --format json "${inputs[@]}" > "$work/import.json"
echo "database: ${#inputs[@]} inputs, $(jq '.read' "$work/import.json") records read, $(jq '.added' "$work/import.json") stored"

# shellcheck disable=SC2086  # BENCH_ARGS is a list of arguments
VIGIL_BENCH_DB="$work/db" "$bench" --benchmark_repetitions="$runs" \
  --benchmark_report_aggregates_only=true --benchmark_out="$work/bench.json" \
  --benchmark_out_format=json ${BENCH_ARGS:-} > /dev/null 2> "$work/bench.err" ||
  { cat "$work/bench.err" >&2; exit 1; }
jq -r '.context | "machine: \(.num_cpus) CPUs at \(.mhz_per_cpu) MHz, load average \(.load_avg | map(. * 100 | round / 100) | join(" "))"' "$work/bench.json"
jq -r '.benchmarks[] | select(.error_occurred) | "\(.name): skipped: \(.error_message)"' "$work/bench.json" | sort -u >&2
jq -r --argjson runs "$runs" '.benchmarks[] | select(.aggregate_name == "median") |
  "\(.run_name): median of \($runs): CPU \(.cpu_time | . * 100 | round / 100) \(.time_unit), wall \(.real_time | . * 100 | round / 100) \(.time_unit); \(.packages) packages, \(.affected) with findings, \(.findings) findings; \(.time_per_package * 1e9 | round) ns/package, \(.packages_per_s | round) packages/s"' \
  "$work/bench.json"
