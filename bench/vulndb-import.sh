#!/usr/bin/env bash
# Import speed, memory and size of the vulnerability database, then index load and lookup speed.
# Usage: bench/vulndb-import.sh [DATA_DIR] [RUNS]     (DATA_DIR default ../shared/data, RUNS 3)
# Needs the release build (scripts/test.sh makes it) and the bench build:
#   cmake -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DVIGIL_BUILD_BENCH=ON -DVIGIL_BUILD_TESTS=OFF
#   ninja -C build/bench vulndb_bench vigil
# Prints medians; per-core speed is records / (user + sys CPU seconds). Figures: docs/BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-../shared/data}"
runs="${2:-3}"
. bench/lib.sh
vigil=$(vigil_bench_binary) || exit 2

vigil_advisory_inputs "$data" || exit 2
raw=$(du -cb "${inputs[@]}" | tail -1 | cut -f1)

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
: > "$work/wall"; : > "$work/cpu"; : > "$work/rss"
for i in $(seq "$runs"); do
  rm -rf "$work/db"
  /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$vigil" db --db "$work/db" import --format json "${inputs[@]}" > "$work/report.json"
  read -r wall user sys rss < "$work/time"
  echo "$wall" >> "$work/wall"
  echo "$user $sys" | awk '{print $1 + $2}' >> "$work/cpu"
  echo "$rss" >> "$work/rss"
done
records=$(jq '.read' "$work/report.json")
size=$(stat -c %s "$work/db/vigil.db")
cpu=$(median < "$work/cpu")
echo "inputs: ${#inputs[@]} files, $raw bytes raw"
echo "records read: $records ($(jq '.added' "$work/report.json") stored, $(jq '.skipped' "$work/report.json") skipped, $(jq '.kev' "$work/report.json") KEV, $(jq '.epss' "$work/report.json") EPSS)"
echo "import wall median: $(median < "$work/wall") s; CPU median: $cpu s; per core: $(awk -v r="$records" -v c="$cpu" 'BEGIN {printf "%.0f", r / c}') records/s"
echo "peak RSS median: $(median < "$work/rss") KB"
echo "database: $size bytes = $(awk -v s="$size" -v r="$raw" 'BEGIN {printf "%.1f", 100 * s / r}') % of the raw input"
if [ -x build/bench/bench/vulndb_bench ]; then
  VIGIL_BENCH_DB="$work/db" build/bench/bench/vulndb_bench --benchmark_format=console 2>/dev/null | grep -E "IndexLoad.*median|BM_Lookup"
fi
