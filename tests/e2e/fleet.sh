#!/usr/bin/env bash
# The fleet server end to end (issue 14): `vigil serve` and `vigil fleet` on loopback with a
# real image and a real advisory database; every API answer checked against
# docs/api/fleet-v1.openapi.yaml; an advisory update alerting a webhook receiver (which fails,
# throttles, then accepts) and a JSON-lines file, once per alert, across kill -9 of the server
# during delivery, during an update and during an ingestion.
source "$(dirname "$0")/lib.sh"

SPEC="$REPO/docs/api/fleet-v1.openapi.yaml"
VALIDATE="$REPO/tests/tools/validate-openapi.js"
RECEIVER="$E2E_DIR/webhook_receiver.py"
DATA="$WORK/data"
DB="$WORK/db"
# The server reads image paths under the test images' folder only (a symlink in it that leads out
# would be refused: paths are checked after every link is resolved).
IMGROOT="$IMAGES"
mkdir -p "$WORK/sources"
"$VIGIL" db --db "$DB" import "$E2E_DIR/testdata/scan-advisories.jsonl" "$E2E_DIR/testdata/scan-cve-records.json" > /dev/null

check "the OpenAPI description is valid OpenAPI 3.1" node "$VALIDATE" "$SPEC"

SERVER_PID=""
RECEIVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill -9 "$SERVER_PID" 2>/dev/null || true
  [ -n "$RECEIVER_PID" ] && kill "$RECEIVER_PID" 2>/dev/null || true
}
trap cleanup EXIT

# The receiver starts before the server (the server makes webhook.secret on first start; the
# receiver reads it per request).
python3 "$RECEIVER" "$WORK/receiver.port" "$WORK/received.txt" "$DATA/webhook.secret" --fail 2 &
RECEIVER_PID=$!
for _ in $(seq 100); do [ -s "$WORK/receiver.port" ] && break; sleep 0.1; done
HOOK="http://127.0.0.1:$(cat "$WORK/receiver.port")/hook"

start_server() {
  : > "$WORK/serve.log"
  "$VIGIL" serve --data "$DATA" --db "$DB" --listen 127.0.0.1:0 --image-root "$IMGROOT" --source-root "$WORK/sources" \
    --webhook "$HOOK" --alerts-file "$WORK/alerts.jsonl" >> "$WORK/serve.log" 2>&1 &
  SERVER_PID=$!
  PORT=""
  for _ in $(seq 300); do
    PORT="$(sed -n 's/.*listening on .*, port \([0-9]*\)$/\1/p' "$WORK/serve.log" | tail -1)"
    [ -n "$PORT" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$PORT" ] || { cat "$WORK/serve.log"; fail "the server did not start"; finish; exit 1; }
  export VIGIL_SERVER="http://127.0.0.1:$PORT"
}
stop_server() { kill -9 "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""; }

# api METHOD PATH TEMPLATE STATUS [BODY] [TOKEN]: calls the API, checks the status, validates the
# answer against the spec's schema for TEMPLATE; the body is left in $WORK/answer.json.
api() {
  local method="$1" path="$2" template="$3" want="$4" body="${5:-}" token="${6:-$(cat "$DATA/admin.token")}"
  local args=(-s -o "$WORK/answer.json" -w '%{http_code}' -X "$method" -H "Authorization: Bearer $token")
  [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
  local got
  got="$(curl "${args[@]}" "$VIGIL_SERVER$path")"
  if [ "$got" != "$want" ]; then
    fail "$method $path: HTTP $got, expected $want: $(head -c 300 "$WORK/answer.json")"
    return 1
  fi
  if node "$VALIDATE" "$SPEC" "$method" "$template" "$got" "$WORK/answer.json" > "$WORK/validate.txt" 2>&1; then
    pass "$method $path: $got, as the OpenAPI description says"
  else
    fail "$method $path: the answer does not match the OpenAPI description: $(cat "$WORK/validate.txt")"
  fi
}

start_server
check "the admin token file is mode 0600" test "$(stat -c %a "$DATA/admin.token")" = 600
check "the log names the token file, not the token" bash -c "grep -q admin.token '$WORK/serve.log' && ! grep -qF '$(cat "$DATA/admin.token")' '$WORK/serve.log'"
export VIGIL_TOKEN_FILE="$DATA/admin.token"

# Authentication and bad input.
api GET /v1/images /v1/images 401 "" "vgl_not_a_token"
api GET /v1/images /v1/images 401 "" "$(cat "$DATA/admin.token")x"
api POST /v1/images /v1/images 400 'not json'
api POST /v1/images /v1/images 400 '{"path": "/etc/passwd"}'
api POST /v1/images /v1/images 400 '{"sbom": "{\"bomFormat\": 7}"}'
head -c 70000000 /dev/zero | tr '\0' ' ' > "$WORK/huge.json"
api POST /v1/images /v1/images 413 "@$WORK/huge.json"
api GET /v1/images/nope "/v1/images/{ref}" 404

# An image, and its findings against `vigil scan`'s.
check "vigil fleet images add" "$VIGIL" fleet images add "$IMGROOT/app/image.docker.tar" --name app:e2e
"$VIGIL" scan -q --db "$DB" --no-cache -f json -o "$WORK/scan.json" "$IMAGES/app/image.docker.tar" || true
rows='.findings[] | "\(.package.purl) \(.id) \(.fix // "-") \(.layer.index) \(.severity)"'
jq -r "$rows" "$WORK/scan.json" | sort > "$WORK/scan.rows"
"$VIGIL" fleet --format json images show app:e2e > "$WORK/show.json" || true
jq -r "$rows" "$WORK/show.json" | sort > "$WORK/show.rows"
same_rows "the server's findings of the image are vigil scan's" "$WORK/scan.rows" "$WORK/show.rows"
check "… and there are some ($(wc -l < "$WORK/scan.rows"))" test -s "$WORK/scan.rows"
api GET /v1/images /v1/images 200
api GET /v1/images/app:e2e "/v1/images/{ref}" 200
api GET /v1/containers /v1/containers 200
api GET /v1/exposure /v1/exposure 200
api GET /v1/rebuild /v1/rebuild 200
api GET /v1/db /v1/db 200
api GET /v1/affected/CVE-2024-22365 "/v1/affected/{id}" 200
check "affected CVE-2024-22365 names the image" jq -e '.images[0].name == "app:e2e" and (.images[0].packages_affected | length) > 0' "$WORK/answer.json"

# Tokens: a read token reads and cannot write.
api POST /v1/tokens /v1/tokens 201 '{"name": "dash", "scopes": ["read"]}'
READ_TOKEN="$(jq -r .token "$WORK/answer.json")"
api GET /v1/images /v1/images 200 "" "$READ_TOKEN"
api POST /v1/db/update /v1/db/update 403 '{}' "$READ_TOKEN"
api GET /v1/tokens /v1/tokens 200

# A new advisory for bash (Debian 12): one alert, to the webhook (after 500, 500, 429) and the file.
cat > "$WORK/sources/adv-bash.json" <<'JSON'
{"schema_version":"1.6.0","id":"VIGIL-E2E-0001","aliases":["CVE-2099-0001"],"modified":"2026-12-07T00:00:00Z","published":"2026-12-07T00:00:00Z","summary":"e2e advisory","affected":[{"package":{"ecosystem":"Debian:12","name":"bash"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"5.2.15-2+deb12u9"}]}]}]}
JSON
api POST /v1/db/update /v1/db/update 200 "{\"source\": \"$WORK/sources/adv-bash.json\"}"
check "the update added one finding and queued one alert" jq -e '.delta.added == 1 and .delta.alerts == 1 and .delta.images_evaluated == 1' "$WORK/answer.json"
api GET /v1/alerts /v1/alerts 200
check "the alert names the vulnerability and the image" jq -e '.alerts[0].alert | .vulnerability == "CVE-2099-0001" and .image.name == "app:e2e" and .kind == "new"' "$WORK/answer.json"
KEY1="$(jq -r '.alerts[0].alert.idempotency_key' "$WORK/answer.json")"
for _ in $(seq 150); do grep -q "^$KEY1 200 " "$WORK/received.txt" 2>/dev/null && break; sleep 0.1; done
check "the webhook got it after two 500s and a 429, signed" bash -c \
  "[ \"\$(grep -c '^$KEY1 500 ok' '$WORK/received.txt')\" = 2 ] && grep -q '^$KEY1 429 ok' '$WORK/received.txt' && grep -q '^$KEY1 200 ok' '$WORK/received.txt'"
for _ in $(seq 50); do [ -s "$WORK/alerts.jsonl" ] && break; sleep 0.1; done
check "the alerts file has it once" test "$(grep -c "$KEY1" "$WORK/alerts.jsonl")" = 1
check "vigil fleet affected CVE-2099-0001 (the alias) names the image" bash -c "'$VIGIL' fleet affected CVE-2099-0001 | grep -q app:e2e"

# kill -9 during delivery: a slow receiver, several alerts, the server killed while it sends.
kill "$RECEIVER_PID"; wait "$RECEIVER_PID" 2>/dev/null || true
rm -f "$WORK/receiver.port"
python3 "$RECEIVER" "$WORK/receiver.port" "$WORK/received.txt" "$DATA/webhook.secret" --delay 0.4 &
RECEIVER_PID=$!
for _ in $(seq 100); do [ -s "$WORK/receiver.port" ] && break; sleep 0.1; done
stop_server
HOOK="http://127.0.0.1:$(cat "$WORK/receiver.port")/hook"
start_server
python3 - "$WORK/sources/advs.jsonl" <<'PY'
import json, sys
pkgs = ["coreutils", "tar", "gzip", "grep", "sed", "dash"]
with open(sys.argv[1], "w") as f:
    for i, p in enumerate(pkgs):
        f.write(json.dumps({"id": f"VIGIL-E2E-1{i:03d}", "modified": "2026-12-07T00:00:00Z", "affected": [
            {"package": {"ecosystem": "Debian:12", "name": p},
             "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "99:1"}]}]}]}) + "\n")
PY
api POST /v1/db/update /v1/db/update 200 "{\"source\": \"$WORK/sources/advs.jsonl\"}"
ALERTS="$(jq -r '.delta.alerts' "$WORK/answer.json")"
check "six advisories, six alerts ($ALERTS)" test "$ALERTS" = 6
sleep 1.0
stop_server
SENT_BEFORE="$(wc -l < "$WORK/received.txt")"
start_server
for _ in $(seq 200); do
  [ "$(awk '$2 == 200' "$WORK/received.txt" | awk '{print $1}' | sort -u | wc -l)" -ge 7 ] && break; sleep 0.1
done
"$VIGIL" fleet --format json alerts > "$WORK/alerts.json" || true
jq -r '.alerts[].alert.idempotency_key' "$WORK/alerts.json" | sort > "$WORK/keys.expected"
awk '$2 == 200 {print $1}' "$WORK/received.txt" | sort -u > "$WORK/keys.received"
same_rows "after kill -9 during delivery every alert reached the webhook (by idempotency key)" "$WORK/keys.expected" "$WORK/keys.received"
check "… and none twice, but for the one in flight when killed (sent $SENT_BEFORE lines before the kill)" \
  bash -c "[ \$(awk '\$2 == 200 {print \$1}' '$WORK/received.txt' | sort | uniq -d | wc -l) -le 1 ]"
check "every webhook request was signed" bash -c "! awk '{print \$3}' '$WORK/received.txt' | grep -qv '^ok$'"
jq -r .idempotency_key "$WORK/alerts.jsonl" | sort > "$WORK/keys.file"
same_rows "the alerts file has every alert" "$WORK/keys.expected" <(sort -u "$WORK/keys.file")

# kill -9 during an update: a large source, the server killed while importing or evaluating;
# after a restart the store is consistent and the pending changes are evaluated.
BIG="$WORK/sources/big.jsonl"
cp "$REPO/../shared/data/osv/$(ls -S "$REPO/../shared/data/osv" | grep -m1 '\.jsonl$')" "$BIG" || true
if [ -f "$BIG" ]; then
  curl -s -o /dev/null -X POST -H "Authorization: Bearer $(cat "$DATA/admin.token")" -H 'Content-Type: application/json' \
    --data-binary "{\"source\": \"$BIG\"}" "$VIGIL_SERVER/v1/db/update" &
  CURL=$!
  sleep 1.5
  stop_server
  wait "$CURL" 2>/dev/null || true
  start_server
  api GET /v1/images /v1/images 200
  "$VIGIL" fleet --format json images show app:e2e > "$WORK/show2.json" || true
  "$VIGIL" scan -q --db "$DB" --no-cache -f json -o "$WORK/scan2.json" "$IMAGES/app/image.docker.tar" || true
  jq -r "$rows" "$WORK/scan2.json" | sort > "$WORK/scan2.rows"
  jq -r "$rows" "$WORK/show2.json" | sort > "$WORK/show2.rows"
  same_rows "after kill -9 during an update the findings still equal a fresh scan" "$WORK/scan2.rows" "$WORK/show2.rows"
else
  fail "no OSV file under ../shared/data/osv for the kill-during-update test"
fi

# kill -9 during an ingestion: the image is either stored whole or not at all.
curl -s -o /dev/null -X POST -H "Authorization: Bearer $(cat "$DATA/admin.token")" -H 'Content-Type: application/json' \
  --data-binary "{\"path\": \"$IMGROOT/many/image.docker.tar\", \"name\": \"many:e2e\"}" "$VIGIL_SERVER/v1/images" &
CURL=$!
sleep 0.3
stop_server
wait "$CURL" 2>/dev/null || true
start_server
api GET /v1/images /v1/images 200
N="$(jq '[.images[] | select(.name == "many:e2e")] | length' "$WORK/answer.json")"
if [ "$N" = 1 ]; then
  PK="$(jq '[.images[] | select(.name == "many:e2e")][0].packages' "$WORK/answer.json")"
  "$VIGIL" sbom -q --no-cache -f json -o "$WORK/many.inv.json" "$IMAGES/many/image.docker.tar"
  check "after kill -9 during ingestion the stored image is whole ($PK packages)" test "$PK" = "$(jq '.packages | length' "$WORK/many.inv.json")"
else
  check "after kill -9 during ingestion the image is not stored at all" test "$N" = 0
fi
check "ingesting it again works" "$VIGIL" fleet images add "$IMGROOT/many/image.docker.tar" --name many:e2e
check "/metrics counts the images" bash -c "curl -s -H 'Authorization: Bearer $(cat "$DATA/admin.token")' '$VIGIL_SERVER/metrics' | grep -q '^vigil_fleet_images 2'"

finish
