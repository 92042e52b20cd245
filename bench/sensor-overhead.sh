#!/usr/bin/env bash
# Overhead of the eBPF sensor on a syscall-heavy workload, in one run, as a ratio (issue 6).
# The workload (default) opens, reads and closes a file N times (openat + read + close per round,
# plus the perl interpreter's own syscalls), first without the sensor, then with `vigil sensor`
# running with its default event set (EVENTS=exec,exit,fork to choose), alternating RUNS times;
# prints the medians and the ratio.
#   bench/sensor-overhead.sh [RUNS] [N]        (defaults 5, 2000000); needs root
# With --host the sensor also reports the host's processes (the workload is a host process):
#   HOST=1 bench/sensor-overhead.sh
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
n="${2:-2000000}"
. bench/lib.sh
# The release build (scripts/test.sh builds it with the probes); VIGIL= to choose another.
vigil="${VIGIL:-build/release/apps/vigil/vigil}"
require_sensor "$vigil"
work="$(mktemp -d)"
trap 'kill "$sensor" 2>/dev/null || true; rm -rf "$work"' EXIT
# WORKLOAD=build instead compiles src/common/strings.cc N times (g++ -O2 -c): a build's mix of
# exec, open and read, far fewer system calls per second than the loop.
workload() {
  if [ "${WORKLOAD:-loop}" = build ]; then
    /usr/bin/time -f '%e' bash -c 'for i in $(seq 1 "$1"); do g++ -std=c++20 -O2 -Isrc -c src/common/strings.cc -o "$2/s.o"; done' \
      _ "$n" "$work" 2>&1 >/dev/null | tail -1
  else
    /usr/bin/time -f '%e' perl -e 'for (1..$ARGV[0]) { open(my $f, "<", "/etc/hostname") or die; my $l = <$f>; close $f }' "$n" \
      2>&1 >/dev/null | tail -1
  fi
}
host_flag=()
[ "${HOST:-0}" = 1 ] && host_flag=(--host)
: > "$work/without"; : > "$work/with"
for r in $(seq 1 "$runs"); do
  workload >> "$work/without"
  "$vigil" sensor "${host_flag[@]}" ${EVENTS:+--events "$EVENTS"} -o /dev/null 2> "$work/sensor.err" &
  sensor=$!
  wait_sensor_started "$work/sensor.err" || true
  workload >> "$work/with"
  kill -INT "$sensor"; wait "$sensor" || true
  grep "stopped" "$work/sensor.err" | sed 's/^/  /' >&2
done
without=$(median < "$work/without"); with=$(median < "$work/with")
echo "workload: ${WORKLOAD:-loop} x $n; $runs alternating runs; sensor ${host_flag[*]:-(containers only)} ${EVENTS:+--events $EVENTS}"
echo "without sensor: median ${without} s   with sensor: median ${with} s   ratio $(awk -v a="$with" -v b="$without" 'BEGIN { printf "%.3f", a / b }')"
