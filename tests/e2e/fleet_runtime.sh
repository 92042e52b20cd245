#!/usr/bin/env bash
# The fleet server and running containers (issue 14), as root with podman: a podman API service
# on a private storage and socket; `vigil serve --runtime unix://…` follows it (list, then the
# events stream); three containers of the real app image → an advisory update that hits a package
# of that image → one alert naming the three containers; containers stopped → they leave the
# inventory; the service stopped → the runtime is marked stale, never silently empty; a container
# of an image the server does not have → the image exported through the API, scanned and stored
# (findings = `vigil scan`'s), no archive left behind.
source "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || { fail "needs root (CI runs the e2e label as root)"; finish; exit 1; }
command -v podman >/dev/null || { fail "podman is missing (scripts/setup.sh --test)"; finish; exit 1; }

DATA="$WORK/data"
DB="$WORK/db"
RUNROOT="/run/vigil-fleet-e2e-$$"
SOCK="$WORK/podman.sock"
P=(podman --root "$WORK/root" --runroot "$RUNROOT" --tmpdir "$WORK/tmp" --storage-driver overlay
   --events-backend file --cgroup-manager=cgroupfs)
mkdir -p "$WORK/tmp" "$WORK/sources"
SERVICE_PID=""
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill -9 "$SERVER_PID" 2>/dev/null || true
  "${P[@]}" rm -af -t 0 >/dev/null 2>&1 || true
  [ -n "$SERVICE_PID" ] && kill "$SERVICE_PID" 2>/dev/null && wait "$SERVICE_PID" 2>/dev/null || true
  "${P[@]}" rmi -af >/dev/null 2>&1 || true
  umount -R "$WORK/root/overlay" >/dev/null 2>&1 || true
  rm -rf "$RUNROOT"
}
trap cleanup EXIT

"$VIGIL" db --db "$DB" import "$E2E_DIR/testdata/scan-advisories.jsonl" > /dev/null
"${P[@]}" load -q -i "$IMAGES/app/image.docker.tar" > "$WORK/load.txt" 2>&1 || { cat "$WORK/load.txt"; fail "podman load"; finish; exit 1; }
IMAGE_ID="$("${P[@]}" image inspect --format '{{.Id}}' "$(sed -n 's/^Loaded image: //p' "$WORK/load.txt" | head -1)")"
check "the app image is loaded ($IMAGE_ID)" test "${#IMAGE_ID}" = 64
IMAGE_REF="$(sed -n 's/^Loaded image: //p' "$WORK/load.txt" | head -1)"

start_service() {
  "${P[@]}" system service --time=0 "unix://$SOCK" > "$WORK/service.log" 2>&1 &
  SERVICE_PID=$!
  for _ in $(seq 200); do [ -S "$SOCK" ] && break; sleep 0.05; done
}
start_service
check "the podman API service listens" test -S "$SOCK"

"$VIGIL" serve --data "$DATA" --db "$DB" --listen 127.0.0.1:0 --image-root "$IMAGES" --source-root "$WORK/sources" \
  --runtime "unix://$SOCK" --alerts-file "$WORK/alerts.jsonl" > "$WORK/serve.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 300); do grep -q "port [0-9]" "$WORK/serve.log" && break; sleep 0.1; done
PORT="$(sed -n 's/.*listening on .*, port \([0-9]*\)$/\1/p' "$WORK/serve.log" | tail -1)"
[ -n "$PORT" ] || { cat "$WORK/serve.log"; fail "the server did not start"; finish; exit 1; }
export VIGIL_SERVER="http://127.0.0.1:$PORT" VIGIL_TOKEN_FILE="$DATA/admin.token"

check "vigil fleet images add (the app image)" "$VIGIL" fleet images add "$IMAGES/app/image.docker.tar" --name app:running

for i in 1 2 3; do
  "${P[@]}" run -d --runtime runc --network none --ulimit nofile=10000:10000 --ulimit nproc=5000:5000 \
    --name "vigil-fleet-e2e-$i" "$IMAGE_REF" sleep 600 > /dev/null 2> "$WORK/run.log" || { cat "$WORK/run.log"; fail "podman run $i"; }
done
running() { "$VIGIL" fleet --format json containers | jq '[.containers[] | select(.image > 0)] | length'; }
for _ in $(seq 100); do [ "$(running)" = 3 ] && break; sleep 0.1; done
check "the three containers are known, each mapped to the stored image" test "$(running)" = 3

# An advisory for bash (Debian 12): one alert, naming the three containers, within a second.
cat > "$WORK/sources/adv.json" <<'JSON'
{"schema_version":"1.6.0","id":"VIGIL-E2E-RT-1","modified":"2026-12-07T00:00:00Z","published":"2026-12-07T00:00:00Z","summary":"e2e","affected":[{"package":{"ecosystem":"Debian:12","name":"bash"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"5.2.15-2+deb12u9"}]}]}]}
JSON
T0="$(date +%s%N)"
"$VIGIL" fleet db update --source "$WORK/sources/adv.json" > "$WORK/update.txt"
for _ in $(seq 100); do [ -s "$WORK/alerts.jsonl" ] && break; sleep 0.01; done
T1="$(date +%s%N)"
check "the alert was written $(( (T1 - T0) / 1000000 )) ms after the update was asked for (≤ 1 s)" test $(( (T1 - T0) / 1000000 )) -le 1000
check "one alert" test "$(wc -l < "$WORK/alerts.jsonl")" = 1
check "it names the three running containers" jq -e '.running == 3 and ([.containers[].name] | sort) == ["vigil-fleet-e2e-1","vigil-fleet-e2e-2","vigil-fleet-e2e-3"]' "$WORK/alerts.jsonl"
"$VIGIL" fleet --format json affected VIGIL-E2E-RT-1 > "$WORK/affected.json"
check "affected lists them too" jq -e '.running_containers == 3' "$WORK/affected.json"

# Stopped containers leave the inventory (from the events stream, no polling).
"${P[@]}" rm -f -t 0 vigil-fleet-e2e-1 vigil-fleet-e2e-2 > /dev/null
for _ in $(seq 100); do [ "$(running)" = 1 ] && break; sleep 0.1; done
check "two stopped: one container left" test "$(running)" = 1

# The runtime goes away: marked stale with the reason, its containers kept, not dropped.
kill "$SERVICE_PID"; wait "$SERVICE_PID" 2>/dev/null || true; SERVICE_PID=""
stale() { "$VIGIL" fleet --format json containers | jq -r '.runtimes[0].state'; }
for _ in $(seq 100); do [ "$(stale)" = stale ] && break; sleep 0.1; done
check "the runtime is marked stale" test "$(stale)" = stale
check "… and the table says so" bash -c "'$VIGIL' fleet containers | grep -q 'is stale'"
# It comes back: listed again, fresh.
start_service
for _ in $(seq 200); do [ "$(stale)" = ok ] && break; sleep 0.1; done
check "the runtime is listed again after it returns" test "$(stale)" = ok
check "with the one container still running" test "$(running)" = 1

# A container of an image the server was never given: exported through the API, scanned, stored.
"${P[@]}" load -q -i "$IMAGES/base/image.docker.tar" > "$WORK/load-base.txt" 2>&1 || { cat "$WORK/load-base.txt"; fail "podman load base"; }
BASE_REF="$(sed -n 's/^Loaded image: //p' "$WORK/load-base.txt" | head -1)"
BASE_ID="$("${P[@]}" image inspect --format '{{.Id}}' "$BASE_REF")"
"${P[@]}" run -d --runtime runc --network none --ulimit nofile=10000:10000 --ulimit nproc=5000:5000 \
  --name vigil-fleet-e2e-base "$BASE_REF" sleep 600 > /dev/null 2> "$WORK/run.log" || { cat "$WORK/run.log"; fail "podman run base"; }
base_state() {
  "$VIGIL" fleet --format json containers |
    jq -r '.containers[] | select(.name == "vigil-fleet-e2e-base") | "\(.scan_state) \(.scan_reason)"'
}
for _ in $(seq 1200); do case "$(base_state)" in scanned*|unscanned*) break ;; esac; sleep 0.1; done
check "a container of an image the server did not have: exported and scanned ($(base_state))" \
  bash -c "[[ \"\$1\" == scanned* ]]" _ "$(base_state)"
check "… stored under its image ID" bash -c "'$VIGIL' fleet images show 'sha256:$BASE_ID' > /dev/null"
"$VIGIL" scan -q --db "$DB" --no-cache -f json -o "$WORK/scan-base.json" "$IMAGES/base/image.docker.tar" || true
rows='.findings[] | "\(.package.purl) \(.id) \(.fix // "-") \(.layer.index) \(.severity)"'
jq -r "$rows" "$WORK/scan-base.json" | sort > "$WORK/scan-base.rows"
"$VIGIL" fleet --format json images show "sha256:$BASE_ID" > "$WORK/show-base.json" || true
jq -r "$rows" "$WORK/show-base.json" | sort > "$WORK/show-base.rows"
same_rows "the exported image's findings are vigil scan's of the same image" "$WORK/scan-base.rows" "$WORK/show-base.rows"
check "… and there are some ($(wc -l < "$WORK/scan-base.rows"))" test -s "$WORK/scan-base.rows"
check "no exported archive is left in the data folder" test -z "$(ls -A "$DATA/exports")"
check "the containers answer has no unscanned image" \
  bash -c "'$VIGIL' fleet --format json containers | jq -e '.unscanned_images == []' > /dev/null"

finish
