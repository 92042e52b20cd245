#!/usr/bin/env bash
# The scan golden suite (needs no image): the committed inventories of the three test images
# (tests/match/testdata/images) against the committed real advisories (testdata/
# scan-advisories.jsonl). vigil's findings must equal the checked-in golden rows (testdata/golden)
# and the independent oracle (scan_oracle.py); the CLI's policy, exit codes, error messages and
# report formats are checked on the way.
#   bash tests/e2e/scan_golden.sh VIGIL - WORK_DIR
E2E_NEEDS_IMAGES=0
source "$(dirname "$0")/lib.sh"

DATA="$E2E_DIR/testdata"
FIX="$REPO/tests/match/testdata/images"
TI="$REPO/tests/vulndb/testdata/threat-intel"
DB="$WORK/db"
# As scripts/demo.sh: the advisories, CISA KEV, and real NVD records of CVEs the app image has
# (scan-cve-records.json) so that findings the advisories leave unrated get a severity.
"$VIGIL" db --db "$DB" import "$DATA/scan-advisories.jsonl" "$TI/known_exploited_vulnerabilities.json" \
  "$TI/epss-excerpt-2025-02-20.csv" "$DATA/scan-cve-records.json" > "$WORK/import.txt"
check "database imported" grep -q "411 new" "$WORK/import.txt"
check "  ... with the CVE records" grep -q "20 CVE records" "$WORK/import.txt"

for img in base app many; do
  rc=0
  "$VIGIL" scan -q --db "$DB" --sbom "$FIX/$img.cdx.json" -f json -o "$WORK/$img.json" || rc=$?
  [ "$rc" = 0 ] && pass "$img: scan --sbom exits 0" || fail "$img: scan --sbom exited $rc"
  jq -r -f "$E2E_DIR/scan_rows.jq" "$WORK/$img.json" > "$WORK/$img.tsv"
  same_rows "$img: findings equal the golden rows" "$DATA/golden/$img.tsv" "$WORK/$img.tsv"
  /usr/bin/python3 "$E2E_DIR/scan_oracle.py" expect "$FIX/$img.cdx.json" "$DATA/scan-advisories.jsonl" > "$WORK/$img.oracle"
  /usr/bin/python3 "$E2E_DIR/scan_oracle.py" findings "$WORK/$img.json" > "$WORK/$img.pairs"
  same_rows "$img: (package, advisory) pairs equal the oracle's" "$WORK/$img.oracle" "$WORK/$img.pairs"
done

# CISA's SSVC decision points of a CVE record reach the report (CVE-2026-15308's NVD record has them).
jq -e '[.findings[] | select(.id == "CVE-2026-15308") | .cve_record.ssvc == {"exploitation": "none",
  "automatable": "yes", "technical_impact": "partial"}] | (length > 0 and all)' "$WORK/app.json" > /dev/null &&
  pass "app: CVE-2026-15308 findings carry the record's SSVC decision points" ||
  fail "app: CVE-2026-15308 findings lack the SSVC decision points"
# No finding for a package whose files a Debian package owns (PyYAML, packaging, six, commons-lang3).
owned="$(jq '[.findings[] | select(.package.type == "pypi" or .package.type == "maven")] | length' "$WORK/app.json")"
[ "$owned" = 0 ] && pass "app: no upstream findings for dpkg-owned language packages" ||
  fail "app: $owned findings for dpkg-owned language packages"
# One finding per (package, CVE): no id twice for one purl.
dups="$(jq -r '.findings[] | "\(.package.purl) \(.id)"' "$WORK/app.json" | sort | uniq -d | wc -l)"
[ "$dups" = 0 ] && pass "app: one finding per (package, vulnerability)" || fail "app: $dups duplicated findings"

# SBOMs written by the peers (tests/sbom/testdata/peers: Trivy CycloneDX and SPDX, cdxgen) scan
# too, every package with a purl looked up or — where this database has no advisories for its
# ecosystem (their Debian 10 packages) — reported as not checked, never as clean.
PEERS_DIR="$REPO/tests/sbom/testdata/peers"
for f in trivy-tiny.cdx.json:6 trivy-tiny.spdx.json:6 cdxgen-tiny.cdx.json:9; do
  name="${f%%:*}"; want="${f##*:}"
  if "$VIGIL" scan -q --db "$DB" --sbom "$PEERS_DIR/$name" -f json -o "$WORK/peer.json"; then
    got="$(jq '.summary.packages_matched + .summary.packages_unchecked' "$WORK/peer.json")"
    [ "$got" = "$want" ] && pass "$name: scanned, $got packages looked up" || fail "$name: $got packages looked up, want $want"
  else
    fail "$name: scan --sbom exited non-zero"
  fi
done

# --- policy and exit codes --------------------------------------------------------------------
expect_rc() {  # expect_rc LABEL RC COMMAND...
  local label="$1" want="$2" got=0; shift 2
  "$@" > "$WORK/out.txt" 2> "$WORK/err.txt" || got=$?
  [ "$got" = "$want" ] && pass "$label (exit $got)" || { fail "$label: exit $got, want $want"; sed 's/^/    /' "$WORK/err.txt" | head -5; }
}
jq_true() { jq -e "$1" "$2" > /dev/null; }  # jq_true FILTER FILE
APP=(--db "$DB" --sbom "$FIX/app.cdx.json" -f json -o "$WORK/gate.json")
expect_rc "--fail-on unknown fails on any finding" 1 "$VIGIL" scan "${APP[@]}" --fail-on unknown
check "the failed policy is explained on stderr" grep -q "policy failed: 174 findings rated unknown or higher" "$WORK/err.txt"
expect_rc "--fail-on critical fails: the 113 unrated findings count as critical by default" 1 \
  "$VIGIL" scan "${APP[@]}" --fail-on critical
check "  ... saying so" grep -q "policy failed: 113 findings of unknown severity, counted as critical" "$WORK/err.txt"
expect_rc "--fail-on critical --unknown-severity ignore fails on the 4 findings a CVE record rates critical" 1 \
  "$VIGIL" scan "${APP[@]}" --fail-on critical --unknown-severity ignore
check "  ... saying so" grep -q "policy failed: 4 findings rated critical or higher" "$WORK/err.txt"
# Severities: every finding the advisories leave unrated but a CVE record rates carries the
# record's rating and names its source; none is rated without a source.
check "61 findings rated from the CVE records" \
  jq_true '[.findings[] | select(.cve_record.cvss != null)] | length == 61' "$WORK/gate.json"
check "  ... each with a severity and its source" jq_true '[.findings[] | select(.cve_record.cvss != null) |
  select(.severity == "UNKNOWN" or .severity_source != .cve_record.cvss.source)] | length == 0' "$WORK/gate.json"
check "  ... sources named as docs/SCAN.md says" jq_true '[.findings[].severity_source | select(. != null)] | unique ==
  ["CISA-ADP CVSS 3.1", "CNA (cna@python.org) CVSS 4.0", "NVD CVSS 3.1"]' "$WORK/gate.json"
check "no severity without a source" jq_true '[.findings[] | select(.severity != "UNKNOWN" and .severity_source == null)] |
  length == 0' "$WORK/gate.json"
check "pam's CVE-2024-22365 is rated by NVD" jq_true '[.findings[] | select(.id == "CVE-2024-22365") |
  .severity + " " + .severity_source + " " + (.cve_record.cvss.score | tostring)] | unique == ["MEDIUM NVD CVSS 3.1 5.5"]' \
  "$WORK/gate.json"
expect_rc "--fail-on-kev passes (no finding in KEV)" 0 "$VIGIL" scan "${APP[@]}" --fail-on-kev
# Packages the database cannot check (Debian 10 has no advisories here) fail a gate, unless accepted.
TINY=(--db "$DB" --sbom "$PEERS_DIR/trivy-tiny.cdx.json" -f json -o "$WORK/tiny.json")
expect_rc "unchecked packages fail the gate" 1 "$VIGIL" scan "${TINY[@]}" --fail-on critical
check "  ... saying what could not be checked" grep -q "no advisories for Debian 10" "$WORK/err.txt"
check "  ... and the report says it is not complete" jq -e '.complete == false and (.unchecked | length) > 0' "$WORK/tiny.json"
expect_rc "--accept-incomplete accepts them" 0 "$VIGIL" scan "${TINY[@]}" --fail-on critical --accept-incomplete
expect_rc "without a gate: exit 0" 0 "$VIGIL" scan "${TINY[@]}"
check "  ... with a warning on stderr" grep -q "warning: the database has no advisories for Debian 10" "$WORK/err.txt"
expect_rc "--fail-on with a bad severity is an error" 2 "$VIGIL" scan "${APP[@]}" --fail-on severe
check "  ... naming the accepted values" grep -q "critical,high,medium,low,negligible,unknown" "$WORK/err.txt"
expect_rc "a missing database is an error" 2 "$VIGIL" scan --db "$WORK/nodb" --sbom "$FIX/app.cdx.json"
check "  ... telling to run db update or import" grep -q "vigil db update" "$WORK/err.txt"
: > "$WORK/empty.jsonl"
"$VIGIL" db --db "$WORK/emptydb" import "$WORK/empty.jsonl" > /dev/null 2>&1 || true
expect_rc "an empty database is an error" 2 "$VIGIL" scan --db "$WORK/emptydb" --sbom "$FIX/app.cdx.json"
check "  ... saying it holds no advisories" grep -q "holds no advisories" "$WORK/err.txt"
cp -r "$DB" "$WORK/newerdb"
/usr/bin/python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("UPDATE meta SET value = ? WHERE key = ?", ("99", "schema_version"))
c.commit()' "$WORK/newerdb/vigil.db"
expect_rc "a database written by a newer vigil is an error" 2 "$VIGIL" scan --db "$WORK/newerdb" --sbom "$FIX/app.cdx.json"
check "  ... saying so and what to do" grep -q "written by a newer vigil (database schema 99; this vigil reads 2): update vigil" "$WORK/err.txt"
expect_rc "neither IMAGE nor --sbom is an error" 2 "$VIGIL" scan --db "$DB"
expect_rc "a missing SBOM file is an error" 2 "$VIGIL" scan --db "$DB" --sbom "$WORK/none.json"
echo '{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [' > "$WORK/broken.cdx.json"
expect_rc "a malformed SBOM is an error" 2 "$VIGIL" scan --db "$DB" --sbom "$WORK/broken.cdx.json"
check "  ... naming the file" grep -q "broken.cdx.json" "$WORK/err.txt"

# --- suppression ------------------------------------------------------------------------------
cat > "$WORK/vex.json" <<'JSON'
{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex/golden", "author": "tests",
 "timestamp": "2026-01-01T00:00:00Z", "version": 1,
 "statements": [{"vulnerability": {"name": "CVE-2021-4189"},
                 "products": [{"@id": "pkg:deb/debian/libpython3.11-stdlib"}],
                 "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}]}
JSON
expect_rc "a VEX statement suppresses and the gate ignores it" 1 "$VIGIL" scan "${APP[@]}" --vex "$WORK/vex.json" --fail-on unknown
n="$(jq '[.findings[] | select(.suppressed != null)] | length' "$WORK/gate.json")"
[ "$n" = 1 ] && pass "exactly one finding suppressed by VEX" || fail "$n findings suppressed by VEX, want 1"
check "  ... with its reason" jq_true '.findings[] | select(.suppressed != null) | .suppressed.reason == "vulnerable_code_not_in_execute_path"' "$WORK/gate.json"
check "  ... and the gate counts the others" jq_true '.policy.violations == 173' "$WORK/gate.json"
echo '{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{"status": "maybe"}]}' > "$WORK/bad-vex.json"
expect_rc "a VEX file with errors is an error" 2 "$VIGIL" scan "${APP[@]}" --vex "$WORK/bad-vex.json"
check "  ... with the JSON path of each" grep -q "bad-vex.json:statements\[0\]" "$WORK/err.txt"
printf 'ignore:\n  - id: CVE-2026-109518\n    reason: apt is not used at run time\n  - id: CVE-2024-22365\n    reason: old\n    expires: 2020-01-01\n' > "$WORK/ignore.yaml"
expect_rc "an ignore file suppresses" 0 "$VIGIL" scan "${APP[@]}" --ignore-file "$WORK/ignore.yaml"
n="$(jq '[.findings[] | select(.suppressed.by == "ignore")] | length' "$WORK/gate.json")"
[ "$n" = 2 ] && pass "CVE-2026-109518 ignored in apt and libapt-pkg6.0" || fail "$n findings ignored, want 2"
check "  ... the expired entry warns" grep -q "ignore.yaml:6:14: warning: entry for CVE-2024-22365 expired on 2020-01-01" "$WORK/err.txt"
printf 'ignore:\n  - id: CVE-2026-109518\n    expires: 2026-13-01\n' > "$WORK/bad-ignore.yaml"
expect_rc "an ignore file with errors is an error" 2 "$VIGIL" scan "${APP[@]}" --ignore-file "$WORK/bad-ignore.yaml"
check "  ... with file:line:col" grep -q "bad-ignore.yaml:2:5: error" "$WORK/err.txt"
expect_rc "--only-fixed" 0 "$VIGIL" scan "${APP[@]}" --only-fixed
check "  ... keeps the findings that have a fix" jq_true '[.findings[] | select(.fix == null and (.fixed_versions | length) == 0)] | length == 0' "$WORK/gate.json"

# --- formats ----------------------------------------------------------------------------------
S="$E2E_DIR/schemas"
validator="$REPO/tests/tools/validate-schema.js"
for fmt in table json sarif cyclonedx markdown; do
  expect_rc "format $fmt" 0 "$VIGIL" scan --db "$DB" --sbom "$FIX/app.cdx.json" -f "$fmt" -o "$WORK/app.$fmt"
done
check "SARIF 2.1.0 valid against the schema" node "$validator" "$S/sarif-schema-2.1.0.json" "$WORK/app.sarif"
check "CycloneDX 1.6 with vulnerabilities valid against the schema" node "$validator" "$S/bom-1.6.schema.json" \
  "$WORK/app.cyclonedx" "$S/spdx.schema.json" "$S/jsf-0.82.schema.json"
check "vigil-scan/1 valid, with the CVE records' fields" node "$validator" "$REPO/docs/schemas/vigil-scan-1.schema.json" \
  "$WORK/app.json"
check "CycloneDX carries every finding" jq_true '.vulnerabilities | length == 174' "$WORK/app.cyclonedx"
check "SARIF carries every finding" jq_true '.runs[0].results | length == 174' "$WORK/app.sarif"
check "the table groups by layer" grep -q "^Layer 3  sha256:f5ead3bfe5ee  COPY file:" "$WORK/app.table"
check "Markdown summary" grep -q "174 vulnerabilities" "$WORK/app.markdown"
jq '.runs[0].results[0].level = "fatal"' "$WORK/app.sarif" > "$WORK/broken.sarif"
if node "$validator" "$S/sarif-schema-2.1.0.json" "$WORK/broken.sarif" > /dev/null 2>&1; then
  fail "the SARIF validator accepted a bad level"
else
  pass "the SARIF validator rejects a bad level"
fi
# --- an incomplete inventory is an error unless accepted ------------------------------------
# A root folder whose package.json is over the npm cataloger's 8 MiB limit: its packages are
# unknown, so neither `sbom` nor `scan` may answer as if it were not there.
ROOT="$WORK/incomplete-root"
mkdir -p "$ROOT/app/node_modules/big" "$ROOT/app/node_modules/small"
printf '{"name":"small","version":"1.0.0"}' > "$ROOT/app/node_modules/small/package.json"
{ printf '{"name":"big","version":"1.0.0","pad":"'; head -c $((9 * 1024 * 1024)) /dev/zero | tr '\0' x; printf '"}'; } \
  > "$ROOT/app/node_modules/big/package.json"
expect_rc "sbom of an incomplete inventory is an error" 2 "$VIGIL" sbom "dir:$ROOT" -f json -o "$WORK/inc.json"
check "  ... naming the file it could not read" grep -q "app/node_modules/big/package.json (npm)" "$WORK/err.txt"
check "  ... and the flag that accepts it" grep -q -- "--accept-incomplete" "$WORK/err.txt"
expect_rc "sbom --accept-incomplete" 0 "$VIGIL" sbom "dir:$ROOT" -f json -o "$WORK/inc.json" --accept-incomplete
check "  ... the JSON says it is incomplete" jq -e '.complete == false and .unread[0].path == "app/node_modules/big/package.json"' "$WORK/inc.json"
"$VIGIL" sbom "dir:$ROOT" -f cyclonedx -o "$WORK/inc.cdx.json" --accept-incomplete -q
check "  ... CycloneDX says the component list is incomplete" \
  jq -e '.compositions[0].aggregate == "incomplete" and (.metadata.properties | map(select(.name == "vigil:unread")) | length) == 1' "$WORK/inc.cdx.json"
check "  ... and is valid CycloneDX 1.6" node "$validator" "$S/bom-1.6.schema.json" "$WORK/inc.cdx.json" \
  "$S/spdx.schema.json" "$S/jsf-0.82.schema.json"
expect_rc "scan of an incomplete inventory is an error" 2 "$VIGIL" scan --db "$DB" "dir:$ROOT" -f json -o "$WORK/inc-scan.json"
check "  ... the report still written, saying so" jq -e '.complete == false' "$WORK/inc-scan.json"
expect_rc "scan --accept-incomplete" 0 "$VIGIL" scan --db "$DB" "dir:$ROOT" -f json -o "$WORK/inc-scan.json" --accept-incomplete

finish
