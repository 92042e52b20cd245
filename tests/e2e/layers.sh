#!/usr/bin/env bash
# Layer attribution (see layers.py) on every form that has layers, plus named cases.
source "$(dirname "$0")/lib.sh"

for img in app many; do
  for form in "$IMAGES/$img/image.docker.tar" "$IMAGES/$img/image.oci.tar" "$IMAGES/$img/oci"; do
    name="$(form_name "$form")"
    sbom "$WORK/$img.$name.json" "$form" || continue
    if python3 "$E2E_DIR/layers.py" "$img" "$WORK/$img.$name.json" "$IMAGES"; then
      pass "$img $name: every package in the layer of the step that brought it"
    else
      fail "$img $name: packages attributed to the wrong layer (rows above)"
    fi
  done
done

json="$WORK/app.docker-archive.json"
layer_of() { jq -r --arg t "$1" --arg n "$2" '[.packages[] | select(.type == $t and .name == $n)][0].layer // "missing"' "$json"; }
[ "$(layer_of deb bash)" = 0 ] && pass "app: bash (base) in layer 0" || fail "app: bash in layer $(layer_of deb bash), want 0"
l="$(layer_of deb python3-yaml)"
cb="$(jq -r --argjson l "${l/missing/-1}" '.layers[$l].created_by // ""' "$json")"
[[ "$cb" == *"source=debs,target"* ]] && pass "app: python3-yaml keeps its layer $l although a later layer rewrote the dpkg status" ||
  fail "app: python3-yaml in layer $l ('$cb')"
l="$(layer_of deb libexpat1)"
cb="$(jq -r --argjson l "${l/missing/-1}" '.layers[$l].created_by // ""' "$json")"
[[ "$cb" == *"source=debs-update"* ]] && pass "app: upgraded libexpat1 in the upgrade's layer $l" ||
  fail "app: libexpat1 in layer $l ('$cb')"
l="$(jq -r '[.packages[] | select(.type == "npm" and .name == "express")][0].layer' "$json")"
cb="$(jq -r --argjson l "$l" '.layers[$l].created_by' "$json")"
[[ "$cb" == *"COPY dir:"*" in /app/"* ]] && pass "app: npm packages in the layer of COPY npm-app/ /app/" ||
  fail "app: express in layer $l ('$cb')"
finish
