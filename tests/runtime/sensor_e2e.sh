#!/usr/bin/env bash
# The eBPF sensor end to end with real containers (needs root, BTF, the base test image):
# a podman container is started; the test execs into it (with and without a TTY), reads
# /etc/shadow, writes under /etc, runs a binary copied in after start, connects to a port on the
# container's loopback and to the cloud metadata address (the container has no network: nothing
# leaves), and a host-network container connects to the host's loopback. Each event must arrive
# with the container's id and the right fields, and the final counters must reconcile.
#   bash tests/runtime/sensor_e2e.sh VIGIL IMAGES_DIR WORK_DIR
set -euo pipefail
VIGIL="$1"; IMAGES="$2"; WORK="$3"
PASSED=0; FAILED=0
pass() { PASSED=$((PASSED + 1)); echo "ok: $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL: $*"; }
finish() { echo "$PASSED passed, $FAILED failed"; [ "$FAILED" = 0 ]; }

[ "$(id -u)" = 0 ] || { echo "FAIL: needs root"; exit 1; }
[ -f "$IMAGES/base/image.docker.tar" ] || { echo "FAIL: $IMAGES/base is not built (scripts/build-test-images.sh)"; exit 1; }
rm -rf "$WORK"; mkdir -p "$WORK"
RUNROOT="/run/vigil-se-$(printf '%s' "$WORK" | sha256sum | cut -c1-12)"
P=(podman --root "$WORK/podman" --runroot "$RUNROOT" --storage-driver overlay --events-backend none
   --cgroup-manager=cgroupfs --runtime runc)
RUN=(--ulimit nofile=10000:10000 --ulimit nproc=5000:5000)
sensor_pid=""
cleanup() {
  [ -z "$sensor_pid" ] || kill -INT "$sensor_pid" 2>/dev/null || true
  "${P[@]}" rm -af -t 0 >/dev/null 2>&1 || true
  "${P[@]}" rmi -af >/dev/null 2>&1 || true
  rm -rf "$RUNROOT"
}
trap cleanup EXIT

"${P[@]}" load -q -i "$IMAGES/base/image.docker.tar" >/dev/null
CID="$("${P[@]}" run -d --network none "${RUN[@]}" localhost/vigil-test/base:latest sleep 300)"
[ "${#CID}" = 64 ] && pass "container started ($CID)" || { fail "podman run gave '$CID'"; finish; }

"$VIGIL" sensor -o "$WORK/events.jsonl" 2> "$WORK/sensor.err" &
sensor_pid=$!
for _ in $(seq 1 100); do grep -q "running on kernel" "$WORK/sensor.err" 2>/dev/null && break; sleep 0.1; done
grep -q "running on kernel" "$WORK/sensor.err" && pass "the sensor started" ||
  { fail "the sensor did not start: $(cat "$WORK/sensor.err")"; finish; }

"${P[@]}" exec "$CID" sh -c 'cat /etc/shadow > /dev/null; echo x > /etc/vigil-e2e'
"${P[@]}" cp /usr/bin/true "$CID:/usr/local/bin/dropped-after-start"
"${P[@]}" exec "$CID" /usr/local/bin/dropped-after-start
"${P[@]}" exec "$CID" bash -c 'echo > /dev/tcp/127.0.0.1/9' 2>/dev/null || true
"${P[@]}" exec "$CID" bash -c 'echo > /dev/tcp/169.254.169.254/80' 2>/dev/null || true
"${P[@]}" exec -t "$CID" id > /dev/null
# A host-network container reaching a port on the host's loopback (a listener of the test's own).
python3 -c 'import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
open("'"$WORK"'/port", "w").write(str(s.getsockname()[1])); time.sleep(8)' &
listener=$!
for _ in $(seq 1 50); do [ -s "$WORK/port" ] && break; sleep 0.1; done
PORT="$(cat "$WORK/port")"
HOSTNET="$("${P[@]}" run -d --network host "${RUN[@]}" localhost/vigil-test/base:latest bash -c "echo > /dev/tcp/127.0.0.1/$PORT; sleep 2")"
sleep 3
kill -INT "$sensor_pid"; wait "$sensor_pid" || fail "the sensor exited non-zero"
sensor_pid=""
kill "$listener" 2>/dev/null || true

E="$WORK/events.jsonl"
in_ctr() { jq -c --arg id "$1" "select(.container.id == \$id) | $2" "$E"; }
has() {  # has LABEL CONTAINER JQ_FILTER
  if [ -n "$(in_ctr "$2" "$3" | head -1)" ]; then pass "$1"; else fail "$1"; fi
}
has "exec into the container by the runtime: sh, container_exec, argv" "$CID" \
  'select(.type == "exec" and .exec.container_exec and .exec.argv[0] == "sh" and .process.ns_pid != 1)'
has "read of /etc/shadow in the container" "$CID" 'select(.type == "open" and .open.path == "/etc/shadow" and .process.comm == "cat")'
has "write under /etc in the container" "$CID" 'select(.type == "open" and .open.path == "/etc/vigil-e2e" and .open.flags % 4 != 0)'
has "exec of a binary copied in after start" "$CID" \
  'select(.type == "exec" and .exec.filename == "/usr/local/bin/dropped-after-start")'
has "connect to the container's loopback (refused)" "$CID" \
  'select(.type == "connect" and .connect.address == "127.0.0.1" and .connect.port == 9 and .connect.result == -111 and .connect.host_call == null)'
has "connect to the cloud metadata address is a host call" "$CID" \
  'select(.type == "connect" and .connect.address == "169.254.169.254" and .connect.host_call == "cloud metadata")'
has "podman exec -t: an exec into the container with its TTY and user" "$CID" \
  'select(.type == "exec" and .exec.argv == ["id"] and .exec.container_exec and (.process.tty | startswith("pts")) and .process.uid == 0)'
has "the container's init is not an exec into it" "$CID" 'select(.type == "exit")'
if [ -n "$(in_ctr "$CID" 'select(.type == "exec" and .process.ns_pid == 1 and .exec.container_exec)' | head -1)" ]; then
  fail "an init process was reported as an exec into the container"
else
  pass "no init process reported as an exec into the container"
fi
has "a host-network container reaching the host's loopback is a host call" "$HOSTNET" \
  "select(.type == \"connect\" and .connect.port == $PORT and .connect.host_call == \"host loopback (host network)\")"
# Nothing of the host in the default (containers only) mode.
host_events="$(jq -c 'select(.type != "final_stats" and .container == null)' "$E" | wc -l)"
[ "$host_events" = 0 ] && pass "no host process reported without --host" || fail "$host_events host events without --host"
# The counters reconcile exactly after the stop.
final="$(tail -1 "$E")"
jq -e '.type == "final_stats" and .attempted == .delivered + .ring_full + .undecodable' <<< "$final" > /dev/null &&
  pass "final stats reconcile: $(jq -c '{attempted, delivered, ring_full, undecodable, host_filtered}' <<< "$final")" ||
  fail "final stats do not reconcile: $final"
delivered_lines="$(jq -c 'select(.type != "final_stats")' "$E" | wc -l)"
jq -e --argjson n "$delivered_lines" '.delivered == $n + .host_filtered' <<< "$final" > /dev/null &&
  pass "every delivered event is a line or a filtered host event ($delivered_lines lines)" ||
  fail "delivered $(jq .delivered <<< "$final") != $delivered_lines lines + $(jq .host_filtered <<< "$final") filtered"
finish
