#!/usr/bin/env bash
# The fleet at 10,000 containers (issue 14, "Scale"): builds the advisory database of DATA_DIR,
# generates the fleet (bench/fleet_scale: 2,000 images from real inventories over ~30 base package
# sets, 10,000 containers) and measures the store's deltas RUNS times, then starts a real
# `vigil serve` on that fleet and database and loads it with wrk: GET /v1/affected/ID and
# GET /v1/images with a read token. Also the server's RSS, the store's size and the rescan
# baseline (`vigil scan --sbom` of a representative inventory, times the number of images).
#
# Usage: bench/fleet-scale.sh [DATA_DIR] [OUT_DIR]     (defaults: ../shared/data, build/fleet-scale)
# Environment: RUNS (3) runs of fleet_scale; ROUNDS (200) rounds per measure; DURATION (20s) per
# wrk run; PORT (18723); VIGIL, FLEET_SCALE (the binaries; default the release build's).
# Needs wrk and curl (apt-get install wrk curl), jq. Figures: docs/BENCHMARKS.md,
# "Fleet at 10,000 containers". Prints a summary; everything else is in OUT_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-../shared/data}"
out="${2:-build/fleet-scale}"
runs="${RUNS:-3}"
rounds="${ROUNDS:-200}"
duration="${DURATION:-20s}"
port="${PORT:-18723}"
vigil="${VIGIL:-build/release/apps/vigil/vigil}"
bench="${FLEET_SCALE:-build/release/bench/fleet_scale}"
. bench/lib.sh
for t in wrk curl jq; do command -v "$t" > /dev/null || { echo "$t is missing (apt-get install $t)" >&2; exit 2; }; done
if [ ! -x "$vigil" ] || [ ! -x "$bench" ]; then
  echo "build first: cmake --preset release -DVIGIL_BUILD_BENCH=ON; cmake --build --preset release --target vigil fleet_scale" >&2
  exit 2
fi
mkdir -p "$out"
out="$(cd "$out" && pwd)"
db="$out/db"
log() { printf '[fleet-scale %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
log "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

# 1. The advisory database: every advisory input of DATA_DIR, as bench/match.sh builds it.
vigil_advisory_inputs "$data" || exit 2  # sets inputs
rm -rf "$db"
# shellcheck disable=SC2154
"$vigil" db --db "$db" import "${inputs[@]}" > "$out/import.log" 2>&1
log "database: $(du -sh "$db" | cut -f1)"

# 2. The fleet and the store's measures, RUNS times (the same fleet each time: the generator is seeded).
for r in $(seq "$runs"); do
  log "fleet_scale run $r of $runs"
  "$bench" "$data" "$db" "$out/fleet" --rounds "$rounds" | tee "$out/fleet_scale.$r.txt"
done

# 3. A real server on that fleet (a copy of the store: the measures above wrote into their own copy).
serve="$out/serve"
rm -rf "$serve"
mkdir -p "$serve"
cp "$out/fleet/fleet.db" "$serve/fleet.db"
chmod 700 "$serve"
# No per-token rate limit: wrk sends more than the default 1,000 requests/s of one token.
"$vigil" serve --data "$serve" --db "$db" --listen "127.0.0.1:$port" --rate-limit 0 > "$out/serve.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2> /dev/null || true' EXIT
for _ in $(seq 1 300); do curl -fsS "http://127.0.0.1:$port/healthz" > /dev/null 2>&1 && break; sleep 0.1; done
admin="$(cat "$serve/admin.token")"
token="$(curl -fsS -H "Authorization: Bearer $admin" -d '{"name":"bench","scopes":["read"]}' \
  "http://127.0.0.1:$port/v1/tokens" | jq -r .token)"
base="http://127.0.0.1:$port"
rss() { awk '/^VmRSS|^VmHWM/ {printf "%s %.0f MB  ", $1, $2 / 1024}' "/proc/$pid/status"; }
log "server started: $(rss)"

# Single requests, for the sizes.
widest="$(head -1 "$out/fleet/affected-ids.txt")"
curl -fsS -o "$out/affected.json" -w '%{size_download} bytes, %{time_total} s\n' -H "Authorization: Bearer $token" \
  "$base/v1/affected/$widest" | sed "s|^|GET /v1/affected/$widest (widest): |" | tee "$out/sizes.txt"
curl -fsS -o /dev/null -w '%{size_download} bytes, %{time_total} s\n' -H "Authorization: Bearer $token" \
  "$base/v1/images" | sed "s|^|GET /v1/images: |" | tee -a "$out/sizes.txt"
echo "affected $widest: $(jq '.images | length' "$out/affected.json") images, $(jq .running_containers "$out/affected.json") running containers" |
  tee -a "$out/sizes.txt"

# wrk scripts: the token, the paths in turn, and (paced) a delay per request and connection.
lua() {  # lua NAME DELAY_MS PATH...
  local name="$1" delay="$2"; shift 2
  {
    echo "wrk.headers[\"Authorization\"] = \"Bearer $token\""
    printf 'local paths = {'; printf '"%s",' "$@"; echo '}'
    echo 'local i = 0'
    echo 'request = function() i = i + 1; return wrk.format("GET", paths[(i % #paths) + 1]) end'
    [ "$delay" -gt 0 ] && echo "delay = function() return $delay end"
    # Count non-2xx answers so that a fast error is never taken for a fast answer.
    echo 'response = function(status) if status ~= 200 then bad = (bad or 0) + 1 end end'
  } > "$out/$name.lua"
}
mapfile -t ids < "$out/fleet/affected-ids.txt"
affected_paths=()
for id in "${ids[@]}"; do affected_paths+=("/v1/affected/$id"); done
lua affected 0 "${affected_paths[@]}"
lua affected-paced 10 "${affected_paths[@]}"
lua images 0 /v1/images
lua mixed-paced 10 "${affected_paths[@]}" /v1/images

run_wrk() {  # run_wrk NAME CONNECTIONS
  log "wrk $1 (-c $2, $duration)"
  # A 30 s timeout: a slow answer is counted with its latency, not dropped as a timeout.
  wrk -t 2 -c "$2" -d "$duration" --timeout 30s --latency -s "$out/$1.lua" "$base" > "$out/wrk-$1.txt" 2>&1 || true
  printf '%-16s %s  p50 %s  p99 %s  %s\n' "$1" "$(awk '/Requests\/sec/ {print $2 " req/s"}' "$out/wrk-$1.txt")" \
    "$(awk '$1 == "50%" {print $2}' "$out/wrk-$1.txt")" "$(awk '$1 == "99%" {print $2}' "$out/wrk-$1.txt")" \
    "$(grep -E 'Non-2xx|Socket errors' "$out/wrk-$1.txt" | tr '\n' ' ')" | tee -a "$out/wrk-summary.txt"
}
: > "$out/wrk-summary.txt"
run_wrk affected 8
run_wrk affected-paced 10
run_wrk images 4
run_wrk mixed-paced 10
echo "server after the load: $(rss)" | tee "$out/rss.txt"

# 4. The store's size and the rescan baseline: one `vigil scan --sbom` of the representative
# inventory (5 times, median), times the number of images.
du -cb "$serve"/fleet.db* | tail -1 | awk '{printf "store: %.1f MB (fleet.db with its WAL)\n", $1 / 1e6}' | tee "$out/store.txt"
: > "$out/scan-times"
for _ in 1 2 3 4 5; do
  /usr/bin/time -f '%e' -o "$out/scan-time" "$vigil" scan --sbom "$out/fleet/representative.cdx.json" --db "$db" \
    -f json -o /dev/null 2> /dev/null || true
  tail -1 "$out/scan-time" >> "$out/scan-times"
done
scan="$(median < "$out/scan-times")"
images="$(grep -o '^fleet: [0-9]*' "$out/fleet_scale.1.txt" | grep -o '[0-9]*')"
one="$(grep -h '^one changed advisory.*server path' "$out"/fleet_scale.*.txt | grep -o 'median [0-9.]*' | grep -o '[0-9.]*' | median)"
awk -v s="$scan" -v n="$images" -v one="$one" 'BEGIN {
  printf "rescan baseline: vigil scan --sbom of the representative inventory %.2f s (median of 5) x %d images = %.0f s; one changed advisory on the server path %.1f ms (median of the runs medians): ratio %.0fx\n", s, n, s * n, one, s * n / (one / 1000) }' |
  tee "$out/rescan.txt"
log "done: $out"
