#!/usr/bin/env bash
# Two `vigil serve` sharing one PostgreSQL store (issue 14, scale out): the test starts its own
# PostgreSQL (tests/support/pg_cluster.sh), two servers on it with one advisory database folder,
# one webhook receiver. One server leads (runs updates); an update's alert reaches the receiver
# once although both servers deliver; the leader is killed (-9), the other takes over, and the
# next update's alert arrives once too. The store is restarted under the servers: they reconnect.
E2E_NEEDS_IMAGES=0
source "$(dirname "$0")/lib.sh"

RECEIVER="$E2E_DIR/webhook_receiver.py"
PG="$WORK/pg"
DB="$WORK/db"
mkdir -p "$WORK/sources" "$WORK/a" "$WORK/b"
"$VIGIL" db --db "$DB" import "$E2E_DIR/testdata/scan-advisories.jsonl" > /dev/null

A_PID="" B_PID="" RECEIVER_PID=""
cleanup() {
  for pid in "$A_PID" "$B_PID" "$RECEIVER_PID"; do [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true; done
  bash "$REPO/tests/support/pg_cluster.sh" stop "$PG" > /dev/null 2>&1 || true
}
trap cleanup EXIT

bash "$REPO/tests/support/pg_cluster.sh" start "$PG" > "$WORK/pg.log" 2>&1 || { cat "$WORK/pg.log"; fail "PostgreSQL did not start"; finish; exit 1; }
STORE="$(head -1 "$PG/url")"

# Servers sharing a store share the webhook key: the first one's, copied to the second.
python3 "$RECEIVER" "$WORK/receiver.port" "$WORK/received.txt" "$WORK/a/webhook.secret" &
RECEIVER_PID=$!
for _ in $(seq 100); do [ -s "$WORK/receiver.port" ] && break; sleep 0.1; done
HOOK="http://127.0.0.1:$(cat "$WORK/receiver.port")/hook"

# start NAME: starts server NAME (a or b); sets NAME_PID and NAME_URL.
start() {
  local name="$1"
  : > "$WORK/$name.log"
  "$VIGIL" serve --data "$WORK/$name" --db "$DB" --store "$STORE" --listen 127.0.0.1:0 \
    --source-root "$WORK/sources" --webhook "$HOOK" >> "$WORK/$name.log" 2>&1 &
  local pid=$! port=""
  for _ in $(seq 300); do
    port="$(sed -n 's/.*listening on .*, port \([0-9]*\)$/\1/p' "$WORK/$name.log" | tail -1)"
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$port" ] || { cat "$WORK/$name.log"; fail "server $name did not start"; finish; exit 1; }
  printf -v "${name^^}_PID" '%s' "$pid"
  printf -v "${name^^}_URL" '%s' "http://127.0.0.1:$port"
}
# leader URL: prints 1 when the server at URL leads (its /metrics say so), else 0.
leads() { curl -s -H "Authorization: Bearer $(cat "$WORK/a/admin.token")" "$1/metrics" | awk '$1 == "vigil_fleet_leader" {print ($2 > 0.5) ? 1 : 0}'; }

start a
cp "$WORK/a/webhook.secret" "$WORK/b/webhook.secret"
start b
check "one server leads, the other does not" bash -c "[ \"$(leads "$A_URL")$(leads "$B_URL")\" = 10 ]"
check "the log of the first says it leads" grep -q "this server leads" "$WORK/a.log"
check "the second knows another leads" grep -q "another server leads" "$WORK/b.log"

# Both servers answer from the one store: an image added through b is listed by a, with the admin
# token of a (tokens live in the store).
cat > "$WORK/app.cdx.json" <<'JSON'
{"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
 "metadata": {"component": {"type": "container", "name": "shop/web:1"}},
 "components": [
  {"type": "library", "name": "lodash", "version": "4.17.20", "purl": "pkg:npm/lodash@4.17.20"},
  {"type": "library", "name": "minimist", "version": "1.2.5", "purl": "pkg:npm/minimist@1.2.5"}]}
JSON
export VIGIL_TOKEN_FILE="$WORK/a/admin.token"
check "an SBOM added through the second server" \
  "$VIGIL" fleet --server "$B_URL" images add --sbom "$WORK/app.cdx.json" --name shop/web:1
check "the first server lists it" bash -c "'$VIGIL' fleet --server '$A_URL' images list --format json | jq -e '.images | length == 1'"
# A second image through b, after a has answered a listing: a sees it too (no stale list).
cat > "$WORK/api.cdx.json" <<'JSON'
{"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
 "metadata": {"component": {"type": "container", "name": "shop/api:1"}},
 "components": [{"type": "library", "name": "express", "version": "4.0.0", "purl": "pkg:npm/express@4.0.0"}]}
JSON
check "a second SBOM through the second server" \
  "$VIGIL" fleet --server "$B_URL" images add --sbom "$WORK/api.cdx.json" --name shop/api:1
check "the first server lists both, and finds the new one by name" bash -c \
  "'$VIGIL' fleet --server '$A_URL' images list --format json | jq -e '.images | length == 2' && '$VIGIL' fleet --server '$A_URL' images show shop/api:1 > /dev/null"

osv() { # osv ID NAME FIXED MODIFIED
  printf '{"id":"%s","modified":"%s","aliases":[],"affected":[{"package":{"ecosystem":"npm","name":"%s"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"%s"}]}]}]}\n' "$1" "$4" "$2" "$3"
}
osv GHSA-e2e1-aaaa-aaaa lodash 4.17.99 2026-01-01T00:00:00Z > "$WORK/sources/one.jsonl"
code="$(curl -s -o "$WORK/answer.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $(cat "$WORK/a/admin.token")" \
  -H 'Content-Type: application/json' --data-binary "{\"source\": \"$WORK/sources/one.jsonl\"}" "$B_URL/v1/db/update")"
check "an update asked of the follower is refused with 503 and says why" \
  bash -c "[ '$code' = 503 ] && grep -q 'does not lead' '$WORK/answer.json'"
check "the leader runs the update" \
  "$VIGIL" fleet --server "$A_URL" db update --source "$WORK/sources/one.jsonl"

# wait_keys N: waits (15 s at most) until N distinct alerts were accepted.
wait_keys() {
  for _ in $(seq 150); do
    [ "$(awk '$2 == 200 {print $1}' "$WORK/received.txt" 2>/dev/null | sort -u | wc -l)" -ge "$1" ] && return 0
    sleep 0.1
  done
  return 1
}
check "the alert reached the receiver" wait_keys 1
sleep 2  # both servers' deliverers have passed over the outbox since
check "exactly once, although both servers deliver" \
  bash -c "[ \$(awk '\$2 == 200' '$WORK/received.txt' | wc -l) = 1 ] && grep -q 'GHSA-e2e1-aaaa-aaaa' '$WORK/received.txt'"

# The leader dies; the other takes over within a few seconds.
kill -9 "$A_PID"; wait "$A_PID" 2>/dev/null || true; A_PID=""
took=0
for _ in $(seq 100); do [ "$(leads "$B_URL")" = 1 ] && { took=1; break; }; sleep 0.1; done
check "after kill -9 of the leader, the other server leads" test "$took" = 1
osv GHSA-e2e2-bbbb-bbbb minimist 1.2.99 2026-01-02T00:00:00Z > "$WORK/sources/two.jsonl"
check "the new leader runs the next update" \
  "$VIGIL" fleet --server "$B_URL" db update --source "$WORK/sources/two.jsonl"
check "its alert arrives" wait_keys 2
check "once" bash -c "[ \$(awk '\$2 == 200' '$WORK/received.txt' | wc -l) = 2 ] && grep -q 'GHSA-e2e2-bbbb-bbbb' '$WORK/received.txt'"
check "every webhook request was signed with the shared key" bash -c "! awk '{print \$3}' '$WORK/received.txt' | grep -qv '^ok$'"

# The database restarted under the server: it reconnects, keeps leading, answers and updates.
check "PostgreSQL restarted" bash "$REPO/tests/support/pg_cluster.sh" restart "$PG"
ok=0
for _ in $(seq 100); do
  "$VIGIL" fleet --server "$B_URL" images list --format json > "$WORK/list.json" 2>/dev/null && { ok=1; break; }
  sleep 0.1
done
check "after the restart the server answers from the store" bash -c "[ $ok = 1 ] && jq -e '.images | length == 2' '$WORK/list.json' > /dev/null"
took=0
for _ in $(seq 100); do [ "$(leads "$B_URL")" = 1 ] && { took=1; break; }; sleep 0.1; done
check "and leads again (its lock was lost with its session)" test "$took" = 1
osv GHSA-e2e3-cccc-cccc lodash 4.17.98 2026-01-03T00:00:00Z > "$WORK/sources/three.jsonl"
check "an update after the restart" "$VIGIL" fleet --server "$B_URL" db update --source "$WORK/sources/three.jsonl"
check "its alert arrives once" bash -c "$(declare -f wait_keys); WORK='$WORK' wait_keys 3 && [ \$(awk '\$2 == 200' '$WORK/received.txt' | wc -l) = 3 ]"
check "the server is still running" kill -0 "$B_PID"
finish
