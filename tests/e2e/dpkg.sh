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
finish
