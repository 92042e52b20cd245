#!/usr/bin/env bash
# `vigil scan` on the real test images: every image form gives the same findings; the SBOM round
# trip (vigil sbom -> vigil scan --sbom, CycloneDX and SPDX) gives the findings of the image scan;
# the findings equal the independent oracle's (scan_oracle.py) on the image's own inventory; the
# base image is found from the history and from --base, and --exclude-base leaves it out.
source "$(dirname "$0")/lib.sh"

DB="$WORK/db"
# As scripts/demo.sh: the advisories and the NVD records of CVEs the app image has.
"$VIGIL" db --db "$DB" import "$E2E_DIR/testdata/scan-advisories.jsonl" "$E2E_DIR/testdata/scan-cve-records.json" > /dev/null
# scan_pairs OUT ARGS...: "purl id fix layer" rows of one scan.
scan_rows() {
  local out="$1"; shift
  if "$VIGIL" scan -q --db "$DB" --no-cache -f json -o "$out.json" "$@"; then
    jq -r '.findings[] | "\(.package.purl) \(.id) \(.fix // "-") \(.layer.index)"' "$out.json" | sort > "$out"
  else
    fail "vigil scan $* exited non-zero"
    : > "$out"
  fi
}

for img in base app many; do
  scan_rows "$WORK/$img.docker" "$IMAGES/$img/image.docker.tar"
  n="$(wc -l < "$WORK/$img.docker")"
  [ "$n" -gt 0 ] && pass "$img: $n findings" || fail "$img: no finding"
  # Other forms of the same image.
  for form in "$IMAGES/$img/image.oci.tar" "$IMAGES/$img/oci"; do
    scan_rows "$WORK/$img.form" "$form"
    same_rows "$img: $(form_name "$form") gives the docker-archive's findings" "$WORK/$img.docker" "$WORK/$img.form"
  done
  # SBOM round trip; the layer index survives vigil's own CycloneDX and JSON inventory, not SPDX
  # (no layer field).
  for fmt in cyclonedx spdx json; do
    "$VIGIL" sbom -q --no-cache -f "$fmt" -o "$WORK/$img.$fmt.json" "$IMAGES/$img/image.docker.tar"
    scan_rows "$WORK/$img.rt" --sbom "$WORK/$img.$fmt.json"
    if [ "$fmt" = spdx ]; then
      cut -d' ' -f1-3 "$WORK/$img.docker" > "$WORK/$img.a"; cut -d' ' -f1-3 "$WORK/$img.rt" > "$WORK/$img.b"
      same_rows "$img: vigil sbom -f spdx | vigil scan --sbom gives the image's findings" "$WORK/$img.a" "$WORK/$img.b"
    else
      same_rows "$img: vigil sbom -f $fmt | vigil scan --sbom gives the image's findings" "$WORK/$img.docker" "$WORK/$img.rt"
    fi
  done
  # The independent oracle on this image's own inventory.
  /usr/bin/python3 "$E2E_DIR/scan_oracle.py" expect "$WORK/$img.cyclonedx.json" "$E2E_DIR/testdata/scan-advisories.jsonl" > "$WORK/$img.oracle"
  /usr/bin/python3 "$E2E_DIR/scan_oracle.py" findings "$WORK/$img.docker.json" > "$WORK/$img.pairs"
  same_rows "$img: (package, advisory) pairs equal the oracle's" "$WORK/$img.oracle" "$WORK/$img.pairs"
done

# Severities, as the demo shows them: a finding a CVE record rates carries that rating and names
# its source; no rated finding lacks a source.
rated="$(jq '[.findings[] | select(.cve_record.cvss != null)] | length' "$WORK/app.docker.json")"
[ "$rated" -gt 0 ] && pass "app: $rated findings rated from the CVE records" || fail "app: no finding rated from the CVE records"
jq -e '[.findings[] | select(.cve_record.cvss != null) | select(.severity == "UNKNOWN" or .severity_source != .cve_record.cvss.source)]
  | length == 0' "$WORK/app.docker.json" > /dev/null && pass "app: each with its severity and source" ||
  fail "app: a finding rated by a CVE record lacks its severity or source"
jq -e '[.findings[] | select(.severity != "UNKNOWN" and .severity_source == null)] | length == 0' "$WORK/app.docker.json" \
  > /dev/null && pass "app: no severity without a source" || fail "app: a severity without a source"

# Base image: inferred from buildah's history, and given with --base; the same layer either way.
jq -e '.base_image.known and .base_image.layers == 1 and .base_image.name == "localhost/vigil-test/base:latest"' \
  "$WORK/app.docker.json" > /dev/null && pass "app: base image inferred from the history (1 layer)" ||
  fail "app: base image not inferred: $(jq -c .base_image "$WORK/app.docker.json")"
"$VIGIL" scan -q --db "$DB" --no-cache -f json -o "$WORK/app.base.json" --base "$IMAGES/base/image.docker.tar" \
  "$IMAGES/app/image.docker.tar" || fail "scan --base exited non-zero"
jq -e '.base_image.how | startswith("--base ")' "$WORK/app.base.json" > /dev/null && pass "--base is used" || fail "--base not used"
base_findings="$(jq '[.findings[] | select(.layer.base)] | length' "$WORK/app.base.json")"
base_alone="$(wc -l < "$WORK/base.docker")"
[ "$base_findings" = "$base_alone" ] && pass "app: $base_findings findings marked base = the base image's own scan" ||
  fail "app: $base_findings findings marked base, the base image alone has $base_alone"
"$VIGIL" scan -q --db "$DB" --no-cache -f json -o "$WORK/app.own.json" --exclude-base "$IMAGES/app/image.docker.tar"
own="$(jq '.findings | length' "$WORK/app.own.json")"
all="$(wc -l < "$WORK/app.docker")"
[ "$own" = $((all - base_alone)) ] && pass "--exclude-base leaves $own of $all findings" ||
  fail "--exclude-base left $own of $all findings (base has $base_alone)"
rc=0; "$VIGIL" scan -q --db "$DB" --no-cache --base "$IMAGES/app/image.docker.tar" "$IMAGES/base/image.docker.tar" \
  > /dev/null 2> "$WORK/err.txt" || rc=$?
[ "$rc" = 2 ] && grep -q "more layers" "$WORK/err.txt" && pass "a --base that is not the image's base is an error" ||
  fail "--base of another image: exit $rc, $(cat "$WORK/err.txt")"
# The layer that brought each finding is the layer that brought its package.
jq -e '[.findings[] | select(.package.name == "stdlib") | .layer.created_by | test("COPY file")] | all' \
  "$WORK/app.docker.json" > /dev/null && pass "app: Go stdlib findings point at the COPY step of esbuild" ||
  fail "app: stdlib findings have the wrong layer"
jq -e '[.findings[] | select(.package.name == "libexpat1")] | length == 0' "$WORK/app.docker.json" > /dev/null &&
  pass "app: libexpat1 upgraded to its security version in a later layer has no finding" ||
  fail "app: findings for the upgraded libexpat1"

# The license policy on the real image: strong copyleft denied (Debian's GPL packages), one
# exception by purl; exit 1, findings in the JSON report, bash allowed by its exception.
cat > "$WORK/licenses.yaml" <<'YAML'
deny_categories: [strong-copyleft, network-copyleft]
unknown: warn
exceptions:
  - package: pkg:deb/debian/bash
    license: "*"
    reason: the base image's shell
YAML
rc=0; "$VIGIL" scan -q --db "$DB" --no-cache -f json -o "$WORK/app.lic.json" --license-policy "$WORK/licenses.yaml" \
  "$IMAGES/app/image.docker.tar" || rc=$?
[ "$rc" = 1 ] && pass "--license-policy denying strong copyleft fails the gate (exit 1)" ||
  fail "--license-policy: exit $rc, expected 1"
jq -e '.licenses.denied > 0 and ([.licenses.findings[] | select(.package == "coreutils" and .verdict == "denied")] | length == 1)' \
  "$WORK/app.lic.json" > /dev/null && pass "coreutils (GPL-3.0-or-later) is denied" || fail "coreutils not denied"
jq -e '[.licenses.findings[] | select(.package == "bash")] | length == 0' "$WORK/app.lic.json" > /dev/null &&
  pass "bash is allowed by its exception" || fail "bash reported despite its exception"
jq -e '.policy.failed and (.policy.reasons | map(test("license the policy denies")) | any)' "$WORK/app.lic.json" > /dev/null &&
  pass "the policy's reasons name the denied licenses" || fail "policy reasons lack the license line"
printf 'deny: [Not-A-License]\n' > "$WORK/bad-licenses.yaml"
rc=0; "$VIGIL" scan -q --db "$DB" --no-cache --license-policy "$WORK/bad-licenses.yaml" "$IMAGES/app/image.docker.tar" \
  > /dev/null 2> "$WORK/err.txt" || rc=$?
[ "$rc" = 2 ] && grep -q "bad-licenses.yaml:1:8" "$WORK/err.txt" && pass "a policy naming an unknown id is refused with file:line:col" ||
  fail "bad policy: exit $rc, $(cat "$WORK/err.txt")"
finish
