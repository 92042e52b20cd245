#!/usr/bin/env bash
# `vigil db` end to end on the project's own fixtures: import (OSV JSON, YAML, KEV), status,
# lookup, get, check, a second import, the change log, and the errors a user meets.
# Usage: cli_db_test.sh VIGIL SOURCE_DIR   (registered in tests/vulndb/CMakeLists.txt)
set -euo pipefail
vigil="$1"
data="$2/tests/vulndb/testdata"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
expect() {  # expect NAME ACTUAL WANTED
  [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
}
db=(db --db "$work/db")

r="$("$vigil" "${db[@]}" import "$data/osv" "$data/threat-intel/kev-excerpt.json" --format json)"
expect "records read" "$(jq .read <<<"$r")" 9
expect "records added" "$(jq .added <<<"$r")" 9
expect "withdrawn" "$(jq .withdrawn <<<"$r")" 2
expect "KEV entries" "$(jq .kev <<<"$r")" 19
expect "skipped" "$(jq .skipped <<<"$r")" 0

s="$("$vigil" "${db[@]}" status --format json)"
expect "status records" "$(jq .records <<<"$s")" 9
expect "status Go records" "$(jq '.per_ecosystem.Go' <<<"$s")" 2
expect "status AlmaLinux records" "$(jq '.per_ecosystem["AlmaLinux:9"]' <<<"$s")" 1
expect "status KEV" "$(jq .kev.entries <<<"$s")" 19

l="$("$vigil" "${db[@]}" lookup AlmaLinux:9 openssl 1:3.0.1-46.el9_1 2>/dev/null)"
grep -q $'^ALSA-2023:0946\taffected\tfixed=1:3.0.1-47.el9_1' <<<"$l" || fail "lookup (affected): $l"
l="$("$vigil" "${db[@]}" lookup AlmaLinux:9 openssl 1:3.0.1-47.el9_1 2>/dev/null)"
grep -q $'^ALSA-2023:0946\tnot-affected' <<<"$l" || fail "lookup (fixed): $l"
l="$("$vigil" "${db[@]}" lookup PyPI Jinja2 2.11.2 2>/dev/null)"
grep -q $'^PYSEC-2021-66\taffected' <<<"$l" || fail "lookup (PyPI, name normalised): $l"
[ -z "$("$vigil" "${db[@]}" lookup AlmaLinux:8 openssl 2>/dev/null)" ] || fail "lookup matched another release"

expect "get" "$("$vigil" "${db[@]}" get GO-2022-0969 | jq -r .id)" GO-2022-0969
"$vigil" "${db[@]}" check >/dev/null || fail "check"

# Same input again: nothing changes; the first import into an empty database is not logged.
r="$("$vigil" "${db[@]}" import "$data/osv" --format json)"
expect "second import unchanged" "$(jq .unchanged <<<"$r")" 9
expect "second import added" "$(jq '.added + .changed' <<<"$r")" 0
expect "change log" "$("$vigil" "${db[@]}" changes --since 0 | wc -l)" 0

# Errors: exit 2 and a message that says what is wrong.
set +e
out="$("$vigil" db --db "$work/none" status 2>&1)"; rc=$?
set -e
expect "status without a database: exit" "$rc" 2
grep -q "no vulnerability database" <<<"$out" || fail "status without a database: $out"
set +e
out="$("$vigil" "${db[@]}" lookup Go golang.org/x/net 0.1.0 2>&1)"; rc=$?
set -e
expect "invalid version: exit" "$rc" 2
grep -q "invalid go version '0.1.0'" <<<"$out" || fail "invalid version: $out"
set +e
out="$("$vigil" "${db[@]}" import "$work/missing.json" 2>&1)"; rc=$?
set -e
expect "missing input: exit" "$rc" 2
grep -q "no such file or folder" <<<"$out" || fail "missing input: $out"
echo "cli_db_test: ok"
