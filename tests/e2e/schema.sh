#!/usr/bin/env bash
# vigil's CycloneDX output validates against the CycloneDX 1.6 JSON schema and its SPDX output
# against the SPDX 2.3 JSON schema (tests/e2e/schemas/, validated with ajv).
source "$(dirname "$0")/lib.sh"

S="$E2E_DIR/schemas"
validator="$REPO/tests/tools/validate-schema.js"
command -v node >/dev/null 2>&1 || { fail "node is missing (scripts/setup.sh --test)"; finish; }
[ -d "$REPO/tests/tools/node_modules/ajv" ] ||
  { fail "ajv is not installed: run 'cd tests/tools && npm ci' (scripts/setup.sh --test does)"; finish; }

for img in base app many; do
  image="$IMAGES/$img/image.docker.tar"
  if "$VIGIL" sbom -q --no-cache -f cyclonedx -o "$WORK/$img.cdx.json" "$image"; then
    check "$img: CycloneDX 1.6 valid" node "$validator" "$S/bom-1.6.schema.json" "$WORK/$img.cdx.json" \
      "$S/spdx.schema.json" "$S/jsf-0.82.schema.json"
    n="$(jq '.components | length' "$WORK/$img.cdx.json")"
    [ "$n" -gt 0 ] && pass "$img: $n CycloneDX components" || fail "$img: no CycloneDX component"
  else
    fail "$img: vigil sbom -f cyclonedx exited non-zero"
  fi
  if "$VIGIL" sbom -q --no-cache -f spdx -o "$WORK/$img.spdx.json" "$image"; then
    check "$img: SPDX 2.3 valid" node "$validator" "$S/spdx-2.3-schema.json" "$WORK/$img.spdx.json"
  else
    fail "$img: vigil sbom -f spdx exited non-zero"
  fi
done
# The validator itself rejects what is invalid.
jq '.components[0].type = "not-a-type"' "$WORK/app.cdx.json" > "$WORK/broken.cdx.json"
if node "$validator" "$S/bom-1.6.schema.json" "$WORK/broken.cdx.json" "$S/spdx.schema.json" "$S/jsf-0.82.schema.json" >/dev/null 2>&1; then
  fail "the validator accepted a CycloneDX document with a bad component type"
else
  pass "the validator rejects a bad component type"
fi
finish
