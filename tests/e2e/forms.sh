#!/usr/bin/env bash
# The same image gives the same inventory in every form: docker-archive, oci-archive (gzip),
# OCI layout and, for app, an OCI layout with zstd layers; the exported root folder gives the
# same packages (all in its one layer). Compares whole package rows and the layer list.
source "$(dirname "$0")/lib.sh"

pkg_rows() {  # every field that must not depend on the form
  jq -r '.packages[] | [.type, (.namespace // ""), .name, .version, (.arch // ""), .location, .layer,
    .purl, (.owned_by // ""), (.licenses // [] | join("|"))] | @tsv' "$1"
}
layer_rows() { jq -r '.layers[] | [.index, .diff_id, .created_by, .entries] | @tsv' "$1"; }

for img in base app many; do
  ref=""
  forms=("$IMAGES/$img/image.docker.tar" "$IMAGES/$img/image.oci.tar" "$IMAGES/$img/oci")
  [ "$img" != app ] || forms+=("$IMAGES/zstd/oci")
  for form in "${forms[@]}"; do
    name="$(form_name "$form")"
    sbom "$WORK/$img.$name.json" "$form" || continue
    pkg_rows "$WORK/$img.$name.json" > "$WORK/$img.$name.pkgs"
    layer_rows "$WORK/$img.$name.json" > "$WORK/$img.$name.layers"
    if [ -z "$ref" ]; then
      ref="$name"
      n="$(wc -l < "$WORK/$img.$name.pkgs")"
      [ "$n" -gt 0 ] && pass "$img $name: $n packages" || fail "$img $name: no package"
      continue
    fi
    same_rows "$img: $name packages == $ref packages" "$WORK/$img.$ref.pkgs" "$WORK/$img.$name.pkgs"
    same_rows "$img: $name layers (diff_id, created_by, entries) == $ref layers" \
      "$WORK/$img.$ref.layers" "$WORK/$img.$name.layers"
  done
  # The exported root folder: one layer, so compare without layer (and without the purl's
  # qualifiers that need an image, none at present).
  sbom "$WORK/$img.rootfs.json" "$IMAGES/$img/rootfs" || continue
  cut -f1-6,8- "$WORK/$img.$ref.pkgs" > "$WORK/$img.$ref.nolayer"
  pkg_rows "$WORK/$img.rootfs.json" | cut -f1-6,8- > "$WORK/$img.rootfs.nolayer"
  same_rows "$img: rootfs packages == $ref packages (layer aside)" "$WORK/$img.$ref.nolayer" "$WORK/$img.rootfs.nolayer"
done
# The zstd layout really has zstd layers, the oci-archive gzip ones.
if grep -rqs 'tar+zstd' "$IMAGES/zstd/oci/blobs/sha256"; then pass "zstd layout has tar+zstd layers"; else fail "zstd layout has no tar+zstd layer"; fi
jq -e '[.layers[].media_type] | any(test("zstd"))' "$WORK/app.oci-layout-zstd.json" >/dev/null &&
  pass "vigil reports the zstd media types" || fail "vigil reports no zstd media type for the zstd layout"
finish
