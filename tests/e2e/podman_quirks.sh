#!/usr/bin/env bash
# What podman really writes, checked in the archives themselves, and read right by vigil:
#  1. whiteouts stored as regular files that still carry a tar linkname (all but the first
#     whiteout of a layer: overlayfs makes them hard links of one whiteout inode);
#  2. an OCI manifest without mediaType (podman save --format oci-dir of an imported image);
#  3. an opaque-folder marker (.wh..wh..opq) from a folder deleted and made again in one step.
source "$(dirname "$0")/lib.sh"

# Lists every whiteout entry of every layer of a docker-archive or oci-archive:
# "LAYER<TAB>TYPE<TAB>NAME<TAB>LINKNAME".
list_whiteouts() {
  python3 - "$1" <<'PY'
import json, sys, tarfile
outer = tarfile.open(sys.argv[1])
names = outer.getnames()
if "manifest.json" in names:
    layers = json.load(outer.extractfile("manifest.json"))[0]["Layers"]
else:
    index = json.load(outer.extractfile("index.json"))
    m = json.load(outer.extractfile("blobs/sha256/" + index["manifests"][0]["digest"].split(":")[1]))
    layers = ["blobs/sha256/" + l["digest"].split(":")[1] for l in m["layers"]]
for i, name in enumerate(layers):
    with tarfile.open(fileobj=outer.extractfile(name), mode="r:*") as t:
        for e in t:
            if "/.wh." in "/" + e.name:
                print(f"{i}\t{e.type.decode()}\t{e.name}\t{e.linkname}")
PY
}

for form in "$IMAGES/app/image.docker.tar" "$IMAGES/app/image.oci.tar"; do
  name="$(form_name "$form")"
  list_whiteouts "$form" > "$WORK/$name.whiteouts"
  echo "  whiteouts in $name:"; sed 's/^/    /' "$WORK/$name.whiteouts"
  linked="$(awk -F'\t' '$2 == "0" && $4 != "" && $3 ~ /\/\.wh\.[^.]/' "$WORK/$name.whiteouts")"
  if [ -n "$linked" ]; then
    pass "$name: $(wc -l <<< "$linked") whiteouts are regular files carrying a linkname"
  else
    fail "$name: no whiteout stored as a regular file with a linkname (did podman change?)"
  fi
  if grep -qP '\t0\tapp/node_modules/\.wh\.lodash\t.+$' "$WORK/$name.whiteouts"; then
    pass "$name: the lodash whiteout is one of them"
  else
    fail "$name: app/node_modules/.wh.lodash is not a regular file with a linkname"
  fi
  grep -qP '\tapp/node_modules/minimist/\.wh\.\.wh\.\.opq\t' "$WORK/$name.whiteouts" &&
    pass "$name: opaque marker for app/node_modules/minimist" || fail "$name: no opaque marker for minimist"
  sbom "$WORK/$name.json" "$form" || continue
  vigil_npm_rows "$WORK/$name.json" > "$WORK/$name.npm"
  for gone in lodash array-flatten; do
    if grep -q "^$gone .* app/node_modules/$gone/package.json$" "$WORK/$name.npm"; then
      fail "$name: vigil reports $gone, deleted by a linkname-carrying whiteout"
    else
      pass "$name: $gone (whited out) is absent"
    fi
  done
  lacks_row "$name: minimist 1.2.0 hidden by the opaque marker" "$WORK/$name.npm" \
    "minimist 1.2.0 app/node_modules/minimist/package.json"
done
# GNU tar lists those whiteouts as plain regular files ("-" mode), not as hard links ("h").
# (Listings go through files: with pipefail, grep -q closing a pipe early would fail the pipe.)
tvf=""
while IFS= read -r l; do
  tar -xOf "$IMAGES/app/image.docker.tar" "$l" | tar -tvf - > "$WORK/layer.tvf"
  if grep -q '\.wh\.lodash$' "$WORK/layer.tvf"; then tvf="$(grep '\.wh\.' "$WORK/layer.tvf")"; fi
done < <(tar -xOf "$IMAGES/app/image.docker.tar" manifest.json | jq -r '.[0].Layers[]')
echo "  tar -tvf of the layer with the whiteouts:"; sed 's/^/    /' <<< "$tvf"
grep -q '^-.* app/node_modules/\.wh\.lodash$' <<< "$tvf" && pass "tar -tvf shows .wh.lodash as a regular file" ||
  fail "tar -tvf does not show .wh.lodash as a regular file"

# 2. The base image's OCI layout: manifest without mediaType.
index="$IMAGES/base/oci/index.json"
digest="$(jq -r '.manifests[0].digest' "$index")"
manifest="$IMAGES/base/oci/blobs/sha256/${digest#sha256:}"
if jq -e 'has("mediaType") | not' "$manifest" >/dev/null; then
  pass "base OCI layout: the manifest has no mediaType"
else
  fail "base OCI layout: the manifest has a mediaType (podman changed?): $(jq -c '.mediaType' "$manifest")"
fi
if sbom "$WORK/base-oci.json" "$IMAGES/base/oci"; then
  disk_deb_rows "$IMAGES/base/rootfs" > "$WORK/base.expected"
  vigil_deb_rows "$WORK/base-oci.json" > "$WORK/base-oci.rows"
  same_rows "base OCI layout without manifest mediaType: deb packages == dpkg-query" "$WORK/base.expected" "$WORK/base-oci.rows"
fi
finish
