#!/usr/bin/env bash
# Python distributions: vigil's (name, version, location, owner) rows equal the dist-info /
# egg-info metadata on disk, the owner being the Debian package whose file list names it.
source "$(dirname "$0")/lib.sh"

for img in app many; do
  disk_pypi_rows "$IMAGES/$img/rootfs" > "$WORK/$img.expected"
  [ -s "$WORK/$img.expected" ] || fail "$img: no dist-info or egg-info found"
  while IFS= read -r form; do
    name="$(form_name "$form")"
    sbom "$WORK/$img.$name.json" "$form" || continue
    vigil_pypi_rows "$WORK/$img.$name.json" > "$WORK/$img.$name.rows"
    same_rows "$img $name: Python packages == dist-info/egg-info on disk" "$WORK/$img.expected" "$WORK/$img.$name.rows"
  done < <(forms_of "$img")
done

json="$WORK/app.docker-archive.json"
owner="$(jq -r '[.packages[] | select(.type == "pypi" and .name == "PyYAML")][0].owned_by // "none"' "$json")"
[ "$owner" = "deb:python3-yaml" ] && pass "app: PyYAML owned_by deb:python3-yaml" ||
  fail "app: PyYAML owned_by is '$owner', want deb:python3-yaml"
owner="$(jq -r '[.packages[] | select(.type == "pypi" and .name == "six")][0].owned_by // "none"' "$json")"
[ "$owner" = "deb:python3-six" ] && pass "app: six (egg-info) owned_by deb:python3-six" ||
  fail "app: six owned_by is '$owner', want deb:python3-six"
owner="$(jq -r '[.packages[] | select(.type == "pypi" and .name == "setuptools")][0] | if . == null then "missing" else (.owned_by // "none") end' "$json")"
[ "$owner" = "none" ] && pass "app: setuptools unpacked from a wheel has no owner" ||
  fail "app: setuptools owned_by is '$owner', want no owner"
n="$(jq '[.packages[] | select(.type == "pypi" and (.owned_by // "") == "")] | length' "$WORK/many.docker-archive.json")"
[ "$n" -ge 2 ] && pass "many: $n Python packages copied by hand, none owned" || fail "many: $n unowned Python packages, want >= 2"
finish
