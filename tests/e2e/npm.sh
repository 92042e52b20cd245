#!/usr/bin/env bash
# npm packages: vigil's (name, version, location) rows equal the package.json files found in
# node_modules folders of the exported filesystem; deleted, opaque-replaced and overwritten
# packages are checked one by one.
source "$(dirname "$0")/lib.sh"

for img in app many; do
  disk_npm_rows "$IMAGES/$img/rootfs" > "$WORK/$img.expected"
  [ -s "$WORK/$img.expected" ] || fail "$img: no package.json found under node_modules"
  while IFS= read -r form; do
    name="$(form_name "$form")"
    sbom "$WORK/$img.$name.json" "$form" || continue
    vigil_npm_rows "$WORK/$img.$name.json" > "$WORK/$img.$name.rows"
    same_rows "$img $name: npm packages == package.json files on disk" "$WORK/$img.expected" "$WORK/$img.$name.rows"
  done < <(forms_of "$img"; [ "$img" != app ] || echo "$IMAGES/zstd/oci")
done

for name in docker-archive oci-archive oci-layout oci-layout-zstd; do
  rows="$WORK/app.$name.rows"
  [ -f "$rows" ] || continue
  # (d) RUN rm -rf: whiteouts, some stored by podman as regular files with a linkname.
  if grep -q '^lodash ' "$rows"; then fail "app $name: deleted lodash is reported: $(grep '^lodash ' "$rows")"
  else pass "app $name: deleted lodash is absent"; fi
  if grep -q '^array-flatten .* app/' "$rows"; then fail "app $name: deleted array-flatten is reported"
  else pass "app $name: deleted array-flatten is absent"; fi
  # (d') folder deleted and made again: opaque marker hides the old content.
  has_row "app $name: minimist replaced in an opaque folder" "$rows" "minimist 1.2.8 app/node_modules/minimist/package.json"
  lacks_row "app $name: minimist 1.2.0 hidden by the opaque marker" "$rows" "minimist 1.2.0 app/node_modules/minimist/package.json"
  # (e) package.json rewritten in a later layer.
  has_row "app $name: overwritten ms package.json at its new version" "$rows" "ms 2.1.3 app/node_modules/ms/package.json"
  lacks_row "app $name: ms 2.0.0 (before the overwrite) gone" "$rows" "ms 2.0.0 app/node_modules/ms/package.json"
  # (f) content in the WORKDIR, and a scoped package.
  has_row "app $name: WORKDIR content (left-pad in /srv/site)" "$rows" "left-pad 1.1.3 srv/site/node_modules/left-pad/package.json"
  has_row "app $name: scoped package @hapi/hoek" "$rows" "@hapi/hoek 8.2.0 app/node_modules/@hapi/hoek/package.json"
done
# many: the package copied in layer 4 is deleted again in layer 42.
deleted="$(jq -r '.layers[] | select(.created_by | test("rm -rf /opt/many/node_modules/")) | .created_by' "$WORK/many.docker-archive.json" | sed 's|.*/opt/many/node_modules/||; s| .*||')"
if [ -n "$deleted" ] && ! grep -q " opt/many/node_modules/$deleted/package.json$" "$WORK/many.docker-archive.rows"; then
  pass "many: $deleted, deleted in a later layer, is absent"
else
  fail "many: the package deleted in a later layer ('$deleted') is reported or the step was not found"
fi
finish
