#!/usr/bin/env bash
# Debian packages: vigil's (name, version, arch) rows equal what dpkg-query lists as installed in
# the exported final filesystem, for every image and every form vigil reads.
source "$(dirname "$0")/lib.sh"

for img in base app many; do
  disk_deb_rows "$IMAGES/$img/rootfs" > "$WORK/$img.expected"
  [ -s "$WORK/$img.expected" ] || fail "$img: dpkg-query found no installed package"
  while IFS= read -r form; do
    name="$(form_name "$form")"
    sbom "$WORK/$img.$name.json" "$form" || continue
    vigil_deb_rows "$WORK/$img.$name.json" > "$WORK/$img.$name.rows"
    same_rows "$img $name: deb packages == dpkg-query" "$WORK/$img.expected" "$WORK/$img.$name.rows"
  done < <(forms_of "$img"; [ "$img" != app ] || echo "$IMAGES/zstd/oci")
done

# The upgraded package is reported at its new version only (var/lib/dpkg/status was rewritten).
new_expat="$(grep '^libexpat1 ' "$WORK/app.expected" || true)"
old_expat="$(disk_deb_rows "$IMAGES/base/rootfs" | grep '^libexpat1 ' || true)"
has_row "app: libexpat1 at its bookworm-security version" "$WORK/app.docker-archive.rows" "$new_expat"
grep -q '+deb12u' <<< "$new_expat" && pass "app: libexpat1 version ($new_expat) is a security update" ||
  fail "app: libexpat1 ($new_expat) does not look like a bookworm-security version"
[ "$(grep -c '^libexpat1 ' "$WORK/app.docker-archive.rows")" = 1 ] && pass "app: one libexpat1 row" ||
  fail "app: libexpat1 reported $(grep -c '^libexpat1 ' "$WORK/app.docker-archive.rows") times"
[ -z "$old_expat" ] || lacks_row "app: base's libexpat1 not reported" "$WORK/app.docker-archive.rows" "$old_expat"

# Licenses from usr/share/doc/<package>/copyright: every deb package whose copyright file the
# final filesystem holds (directly or through a symlinked doc folder) has an SPDX expression, and
# the one for bash is what its DEP-5 file says first (GPL-3+).
json="$WORK/app.docker-archive.json"
missing=""
while IFS= read -r name; do
  if [ -e "$IMAGES/app/rootfs/usr/share/doc/$name/copyright" ]; then
    lic="$(jq -r --arg n "$name" '[.packages[] | select(.type == "deb" and .name == $n) | .license // ""][0]' "$json")"
    [ -n "$lic" ] || missing="$missing $name"
  fi
done < <(jq -r '.packages[] | select(.type == "deb") | .name' "$json")
[ -z "$missing" ] && pass "app: every deb package with a copyright file has a license" ||
  fail "app: deb packages with a copyright file but no license:$missing"
bash_lic="$(jq -r '.packages[] | select(.type == "deb" and .name == "bash") | .license' "$json")"
grep -q 'GPL-3.0-or-later' <<< "$bash_lic" && pass "app: bash is GPL-3.0-or-later ($bash_lic)" ||
  fail "app: bash's license '$bash_lic' lacks GPL-3.0-or-later"
tz_lic="$(jq -r '.packages[] | select(.type == "deb" and .name == "tzdata") | .license' "$json")"
[ -z "$tz_lic" ] || [ "$tz_lic" = "LicenseRef-public-domain" ] && pass "app: tzdata is public domain" ||
  fail "app: tzdata's license '$tz_lic' is not LicenseRef-public-domain"
finish
