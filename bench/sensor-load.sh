#!/usr/bin/env bash
# Sustained load and loss accounting of the eBPF sensor (issue 6), with a load generator in a
# podman container (bench/sensor_load.c: open(2) calls with a write flag, one "open" event each):
#   1. idle: the sensor (default events + open) with nothing happening, 10 s: its CPU and RSS;
#   2. sustained: RATE events/s (default 200,000) for SECONDS from 2 processes: attempted,
#      delivered, dropped, the sensor's CPU and peak RSS;
#   3. as fast as the generator can (2 processes): the rate reached and any drops;
#   4. forced loss: a 1 MiB ring buffer and the sensor stopped (SIGSTOP) for 2 s under full load:
#      drops must happen and attempted == delivered + ring_full + undecodable must hold.
# Each phase RUNS times (default 3); medians of the figures.
#   bench/sensor-load.sh [RUNS] [SECONDS] [RATE]        needs root and the base test image
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"; seconds="${2:-10}"; rate="${3:-200000}"
. bench/lib.sh
vigil="${VIGIL:-build/release/apps/vigil/vigil}"
images="${IMAGES:-build/release/test-images}"
require_sensor "$vigil"
[ -f "$images/base/image.docker.tar" ] || { echo "no base test image in $images (scripts/build-test-images.sh)" >&2; exit 2; }
work="$(mktemp -d)"
P=(podman --root "$work/podman" --runroot "$work/run" --storage-driver overlay --events-backend none
   --cgroup-manager=cgroupfs --runtime runc)
sensor=""
cleanup() {
  [ -z "$sensor" ] || { kill -CONT "$sensor"; kill -INT "$sensor"; } 2>/dev/null || true
  "${P[@]}" rm -af -t 0 > /dev/null 2>&1 || true
  "${P[@]}" rmi -af > /dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
gcc -O2 -static -o "$work/sensor_load" bench/sensor_load.c
"${P[@]}" load -q -i "$images/base/image.docker.tar" > /dev/null
cid="$("${P[@]}" run -d --network none -v "$work:/w:ro" --ulimit nofile=10000:10000 --ulimit nproc=5000:5000 \
       localhost/vigil-test/base:latest sleep 3600)"

ticks="$(getconf CLK_TCK)"
cpu_s() { awk -v t="$ticks" '{ print ($14 + $15) / t }' "/proc/$1/stat"; }
start_sensor() {  # start_sensor OUTPUT EXTRA_FLAGS...: the sensor (default events + open) in the background
  local out="$1"; shift
  "$vigil" sensor --events default,open --no-metadata -o "$out" "$@" 2> "$work/sensor.err" &
  sensor=$!
  wait_sensor_started "$work/sensor.err" && return 0
  echo "the sensor did not start: $(cat "$work/sensor.err")" >&2; exit 1
}
stop_sensor() { kill -INT "$sensor"; wait "$sensor" || true; sensor=""; }
: > "$work/idle"; : > "$work/sustained"; : > "$work/max"; : > "$work/forced"
for r in $(seq 1 "$runs"); do
  # 1. idle
  start_sensor /dev/null
  c0="$(cpu_s "$sensor")"; sleep 10; c1="$(cpu_s "$sensor")"
  rss="$(awk '/VmRSS/ { print $2 }' "/proc/$sensor/status")"
  stop_sensor
  echo "$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.4f", (b - a) / 10 }') $rss" >> "$work/idle"
  # 2. sustained, 3. as fast as possible
  for phase in sustained max; do
    want="$rate"; [ "$phase" = max ] && want=0
    start_sensor "$work/out.jsonl"
    c0="$(cpu_s "$sensor")"
    made="$("${P[@]}" exec "$cid" /w/sensor_load "$want" "$seconds" 2 /tmp)"
    c1="$(cpu_s "$sensor")"
    hwm="$(awk '/VmHWM/ { print $2 }' "/proc/$sensor/status")"
    stop_sensor
    final="$(tail -1 "$work/out.jsonl")"; rm -f "$work/out.jsonl"
    n="$(awk '{ print $1 }' <<< "$made")"; per_s="$(awk '{ print $6 }' <<< "$made")"
    echo "$per_s $n $(jq -r '[.per_type.open.attempted, .per_type.open.delivered, .ring_full, .hold_overflow, .attempted == .delivered + .ring_full + .undecodable] | join(" ")' <<< "$final") $(awk -v a="$c0" -v b="$c1" -v s="$seconds" 'BEGIN { printf "%.3f", (b - a) / s }') $hwm" >> "$work/$phase"
  done
  # 4. forced loss
  start_sensor "$work/out.jsonl" --ring-buffer-mb 1
  "${P[@]}" exec "$cid" /w/sensor_load 0 4 2 /tmp > "$work/made" &
  load=$!
  sleep 1; kill -STOP "$sensor"; sleep 2; kill -CONT "$sensor"
  wait "$load"
  stop_sensor
  final="$(tail -1 "$work/out.jsonl")"
  lines="$(($(wc -l < "$work/out.jsonl") - 1))"; rm -f "$work/out.jsonl"
  echo "$(awk '{ print $1 }' "$work/made") $(jq -r --argjson lines "$lines" '[.attempted, .delivered, .ring_full, .undecodable, .emitted == $lines, .attempted == .delivered + .ring_full + .undecodable] | join(" ")' <<< "$final")" >> "$work/forced"
done
col_median() { awk -v c="$1" '{ print $c }' "$2" | median; }
echo "sensor load benchmark: $runs runs, $seconds s each, target $rate events/s, generator: 2 processes in a podman container"
echo "idle (default events + open, 10 s): CPU $(col_median 1 "$work/idle") cores, RSS $(col_median 2 "$work/idle") KiB (medians)"
for phase in sustained max; do
  echo "$phase: generator $(col_median 1 "$work/$phase") opens/s; per run [made open_attempted open_delivered ring_full hold_overflow reconciles sensor_cpu_cores peak_rss_kib]:"
  awk '{ print "  " $2, $3, $4, $5, $6, $7, $8, $9 }' "$work/$phase"
done
echo "forced loss (1 MiB ring, sensor stopped 2 s): per run [made attempted delivered ring_full undecodable lines==emitted reconciles]:"
sed 's/^/  /' "$work/forced"
