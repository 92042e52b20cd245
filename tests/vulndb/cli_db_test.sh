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
# Issue 12: `db get` by alias and by upstream id; every record naming it, one per line.
expect "get by alias" "$("$vigil" "${db[@]}" get CVE-2022-27664 2>/dev/null | jq -r .id)" GO-2022-0969
expect "get by upstream" "$("$vigil" "${db[@]}" get CVE-2013-2208 2>/dev/null | jq -r .id)" UBUNTU-CVE-2013-2208
err="$("$vigil" "${db[@]}" get CVE-2022-27664 2>&1 >/dev/null)"
expect "get by alias: stderr" "$err" "1 record names CVE-2022-27664: GO-2022-0969"
set +e
out="$("$vigil" "${db[@]}" get CVE-1999-0001 2>&1)"; rc=$?
set -e
expect "get unknown: exit" "$rc" 2
grep -q "no advisory has the id or alias CVE-1999-0001" <<<"$out" || fail "get unknown: $out"

# CVE records (NVD, CVE5): imported by content, shown by `db get` after the advisories, counted by
# `db status`; a CVE with a record and no advisory is found too.
"$vigil" "${db[@]}" import "$data/nvd" "$data/cve5/CVE-2024-3094.json" >"$work/cve.txt" || fail "import CVE records"
grep -q "6 CVE records" "$work/cve.txt" || fail "import CVE records: $(cat "$work/cve.txt")"
expect "get CVE record: rating" "$("$vigil" "${db[@]}" get CVE-2024-22365 2>/dev/null | jq -r '.cve_record.rating')" \
  "NVD CVSS 3.1"
expect "get CVE5 record: CNA" "$("$vigil" "${db[@]}" get CVE-2024-3094 2>/dev/null | jq -r '.cve_record.rating')" \
  "CNA (redhat) CVSS 3.1"
expect "get rejected CVE" "$("$vigil" "${db[@]}" get CVE-2023-5129 2>/dev/null | jq -r '.cve_record.rejected')" true
expect "status: CVE records" "$("$vigil" "${db[@]}" status --format json | jq -c .cve_records)" '{"entries":6,"rejected":1}'

# A database from before the alias table (emptied here by hand): read-only, `db get` reads every
# record to answer; the next import fills the table once.
python3 -c '
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("DELETE FROM alias"); c.execute("DELETE FROM meta WHERE key = '"'"'alias_index'"'"'"); c.commit()
' "$work/db/vigil.db"
expect "get by alias, old database" "$("$vigil" "${db[@]}" get CVE-2022-27664 2>/dev/null | jq -r .id)" GO-2022-0969
"$vigil" "${db[@]}" import "$data/osv/GO-2022-0969.json" >/dev/null
rows="$(python3 -c '
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(c.execute("SELECT count(*) FROM alias").fetchone()[0], c.execute("SELECT value FROM meta WHERE key = '"'"'alias_index'"'"'").fetchone()[0])
' "$work/db/vigil.db")"
expect "alias table filled (the 9 records name 14 others and 13 package names)" "$rows" "27 2"
expect "get by alias, filled" "$("$vigil" "${db[@]}" get CVE-2022-27664 2>/dev/null | jq -r .id)" GO-2022-0969
# A run by a vigil that does not keep the table (simulated: a run row it did not record) makes
# the table stale: read-only answers come from the records, the next import fills it again.
python3 -c '
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("DELETE FROM alias"); c.execute("INSERT INTO run(command, started) VALUES('"'"'import'"'"', '"'"'x'"'"')"); c.commit()
' "$work/db/vigil.db"
expect "get by alias, stale table" "$("$vigil" "${db[@]}" get CVE-2022-27664 2>/dev/null | jq -r .id)" GO-2022-0969
"$vigil" "${db[@]}" import "$data/osv/GO-2022-0969.json" >/dev/null
expect "alias table filled again" "$(python3 -c '
import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM alias").fetchone()[0])
' "$work/db/vigil.db")" 27

# --db after the subcommand as well as before it (after wins), and VIGIL_DB when neither.
r="$("$vigil" db import --db "$work/db2" "$data/osv/GO-2022-0969.json" --format json)"
expect "--db after import" "$(jq .added <<<"$r")" 1
expect "--db after get" "$("$vigil" db get --db "$work/db2" GO-2022-0969 | jq -r .id)" GO-2022-0969
expect "--db before and after" "$("$vigil" db --db "$work/none" status --db "$work/db2" --format json | jq .records)" 1
expect "VIGIL_DB" "$(VIGIL_DB="$work/db2" "$vigil" db status --format json | jq .records)" 1

# No progress display when stderr is not a terminal: stderr stays empty.
err="$("$vigil" db import --db "$work/db3" "$data/osv" 2>&1 >/dev/null)"
expect "import stderr without a TTY" "$err" ""

# Issue 12: an import that imports nothing fails (exit 2) and says why for each input; when only
# some inputs give nothing, it still exits 2 and says what the others gave.
printf 'not an advisory\n' >"$work/junk.json"
set +e
out="$("$vigil" "${db[@]}" import "$work/junk.json" 2>&1)"; rc=$?
set -e
expect "nothing imported: exit" "$rc" 2
grep -q "nothing could be imported from the input" <<<"$out" || fail "nothing imported: $out"
grep -qF "input $work/junk.json (unknown): nothing imported: not a format vigil imports" <<<"$out" ||
  fail "nothing imported, per input: $out"
set +e
out="$("$vigil" "${db[@]}" import "$work/junk.json" "$data/osv/GO-2020-0001.json" 2>&1)"; rc=$?
set -e
expect "partial import: exit" "$rc" 2
grep -q "1 of 2 inputs gave nothing (listed above); what the others gave was imported" <<<"$out" ||
  fail "partial import: $out"
grep -qF "input $data/osv/GO-2020-0001.json (osv-json): 1 imported, 0 skipped" <<<"$out" || fail "partial import: $out"

# Issue 12: a second writer waits for the one holding the database, says so, and gives up after
# --lock-timeout naming the database (here the holder is not vigil, so it left no note).
python3 -c '
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
open(sys.argv[1] + ".held", "w").close()
time.sleep(30)
' "$work/db/vigil.db" &
holder=$!
for _ in $(seq 100); do [ -e "$work/db/vigil.db.held" ] && break; sleep 0.1; done
[ -e "$work/db/vigil.db.held" ] || fail "the lock holder did not start"
set +e
out="$("$vigil" "${db[@]}" import --lock-timeout 0.5 "$data/osv/GO-2020-0001.json" 2>&1)"; rc=$?
set -e
kill "$holder"
wait "$holder" 2>/dev/null || true
expect "locked: exit" "$rc" 2
grep -qF "vigil: waiting for another process (no running vigil writer left a note in $work/db/vigil.db.writer) to finish writing $work/db/vigil.db (up to 0.5 s)" <<<"$out" ||
  fail "locked, waiting message: $out"
grep -qF "$work/db/vigil.db is locked by another process" <<<"$out" || fail "locked, error: $out"
grep -q "still locked after waiting 0.5 s" <<<"$out" || fail "locked, error: $out"
# Once released, the same import goes through.
"$vigil" "${db[@]}" import "$data/osv/GO-2020-0001.json" >/dev/null || fail "import after the lock was released"


# A YAML billion-laughs file (501 bytes, 9^9 nodes expanded) is refused by the YAML guard before
# it is expanded: exit 2, naming the file, line and column of the alias; nothing is committed.
set +e
out="$("$vigil" "${db[@]}" import "$data/osv" "$data/hostile/billion-laughs.yaml" 2>&1)"; rc=$?
set -e
expect "billion laughs: exit" "$rc" 2
grep -q "billion-laughs.yaml:9:8: alias \*e makes the document expand to more than" <<<"$out" ||
  fail "billion laughs: $out"
expect "billion laughs: nothing committed" "$("$vigil" "${db[@]}" status --format json | jq .records)" 9
echo "cli_db_test: ok"
