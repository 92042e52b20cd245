#!/usr/bin/env bash
# Before/after: the same benchmarks on two builds of vigil, interleaved run by run (A B A B ...)
# so that the machine's drift falls on both alike; prints one Markdown table of medians and the
# after/before ratio. For refactors that must not change speed (docs/BENCHMARKS.md).
#
#   bench/before-after.sh BEFORE_BUILD AFTER_BUILD [RUNS] [DATA_DIR] [IMAGES_DIR]
#     BEFORE_BUILD, AFTER_BUILD  build folders of the release preset with VIGIL_BUILD_BENCH=ON
#                                (apps/vigil/vigil, bench/*_bench)
#     RUNS                       runs per side (default 5)
#     DATA_DIR                   advisory data in the layout of ../shared/data (default ../shared/data)
#     IMAGES_DIR                 test images of scripts/build-test-images.sh (default
#                                AFTER_BUILD/test-images)
# Measured: `vigil sbom` of each test image (no cache; warm cache), `vigil db import` of every
# advisory input, `vigil scan` of each image against that database (no cache), and every Google
# Benchmark of version_bench, vulndb_bench, match_bench and sensor_bench (median of RUNS
# repetitions, real time).
set -euo pipefail
cd "$(dirname "$0")/.."
before="$1"; after="$2"; runs="${3:-5}"; data="${4:-../shared/data}"; images="${5:-$after/test-images}"
. bench/lib.sh
vigil_advisory_inputs "$data" || exit 2
for b in "$before" "$after"; do
  [ -x "$b/apps/vigil/vigil" ] || { echo "no vigil in $b/apps/vigil" >&2; exit 2; }
done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# timeit NAME SIDE CMD...: appends the wall time of CMD (output discarded) to $work/NAME.SIDE
timeit() {
  local name="$1" side="$2"; shift 2
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; return 1; }
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f\n", b - a}' >> "$work/$name.$side"
}

names=()
add_name() { [[ " ${names[*]} " == *" $1 "* ]] || names+=("$1"); }

for side in before after; do
  b=$before; [ "$side" = after ] && b=$after
  "$b/apps/vigil/vigil" db --db "$work/db.$side" import "${inputs[@]}" >/dev/null
done
imgs=()
declare -A tar
for img in base app many zstd; do
  for f in image.docker.tar image.oci.tar oci; do
    [ -e "$images/$img/$f" ] || continue
    imgs+=("$img")
    tar[$img]="$images/$img/$f"
    [ "$f" = oci ] && tar[$img]="oci:$images/$img/oci"
    break
  done
done
# MICRO_ONLY=1 skips the command timings (the Google Benchmarks only).
for i in $(seq "$runs"); do
  [ "${MICRO_ONLY:-0}" = 1 ] && break
  for side in before after; do
    b=$before; [ "$side" = after ] && b=$after
    v="$b/apps/vigil/vigil"
    for img in "${imgs[@]}"; do
      timeit "sbom $img (no cache)" $side "$v" sbom "${tar[$img]}" --no-cache -f json -q
      add_name "sbom $img (no cache)"
      rm -rf "$work/cache.$side"
      "$v" sbom "${tar[$img]}" --cache-dir "$work/cache.$side" -f json -q >/dev/null
      timeit "sbom $img (warm cache)" $side "$v" sbom "${tar[$img]}" --cache-dir "$work/cache.$side" -f json -q
      add_name "sbom $img (warm cache)"
      timeit "scan $img (no cache)" $side "$v" scan "${tar[$img]}" --db "$work/db.$side" --no-cache -f json -q
      add_name "scan $img (no cache)"
    done
    rm -rf "$work/imp.$side"
    timeit "db import (all of DATA_DIR)" $side "$v" db --db "$work/imp.$side" import "${inputs[@]}"
    add_name "db import (all of DATA_DIR)"
  done
done

echo "| benchmark | before | after | after/before |"
echo "|---|---:|---:|---:|"
for n in "${names[@]}"; do
  a=$(median < "$work/$n.before"); c=$(median < "$work/$n.after")
  printf '| %s | %.3f s | %.3f s | %.2f |\n' "$n" "$a" "$c" "$(awk -v a="$a" -v c="$c" 'BEGIN {print c / a}')"
done

# Google Benchmark binaries: interleaved too (one repetition per side and run), then the median
# of the RUNS real times per benchmark.
for bin in version_bench vulndb_bench match_bench sensor_bench; do
  [ -x "$before/bench/$bin" ] && [ -x "$after/bench/$bin" ] || continue
  for i in $(seq "$runs"); do
    for side in before after; do
      b=$before; [ "$side" = after ] && b=$after
      VIGIL_BENCH_DB="$work/db.$side" "$b/bench/$bin" --benchmark_format=json > "$work/$bin.$side.$i.json" 2>/dev/null || true
    done
  done
  python3 - "$work" "$bin" "$runs" <<'PY'
import json, statistics, sys
work, name, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
times = {"before": {}, "after": {}}
units = {}
for side in times:
    for i in range(1, runs + 1):
        try:
            doc = json.load(open(f"{work}/{name}.{side}.{i}.json"))
        except (OSError, ValueError):
            continue
        for b in doc.get("benchmarks", []):
            times[side].setdefault(b["name"], []).append(b["real_time"])
            units[b["name"]] = b["time_unit"]
for bench, before in times["before"].items():
    after = times["after"].get(bench)
    if not after:
        continue
    mb, ma = statistics.median(before), statistics.median(after)
    print(f"| {bench} | {mb:.4g} {units[bench]} | {ma:.4g} {units[bench]} | {ma / mb:.2f} |")
PY
done
