#!/usr/bin/env bash
# The layer cache: a second run with the same --cache-dir reads every layer from the cache and
# gives the same packages; --no-cache writes nothing anywhere.
source "$(dirname "$0")/lib.sh"

pkgs() { jq -c '.packages' "$1"; }
for img in app many; do
  cache="$WORK/cache-$img"
  image="$IMAGES/$img/image.oci.tar"
  sbom "$WORK/$img.cold.json" "$image" --cache-dir "$cache" || continue
  sbom "$WORK/$img.warm.json" "$image" --cache-dir "$cache" || continue
  n="$(jq '.layers | length' "$WORK/$img.cold.json")"
  cold="$(jq '[.layers[] | select(.from_cache)] | length' "$WORK/$img.cold.json")"
  warm="$(jq '[.layers[] | select(.from_cache)] | length' "$WORK/$img.warm.json")"
  [ "$cold" = 0 ] && pass "$img: first run read all $n layers" || fail "$img: first run says $cold of $n layers came from an empty cache"
  [ "$warm" = "$n" ] && pass "$img: second run took all $n layers from the cache" ||
    fail "$img: second run took $warm of $n layers from the cache: $(jq -c '[.layers[] | select(.from_cache | not) | .index]' "$WORK/$img.warm.json")"
  files="$(find "$cache" -type f -printf x | wc -c)"
  [ "$files" -gt 0 ] && pass "$img: $files cache files written" || fail "$img: the cache folder is empty"
  if [ "$(pkgs "$WORK/$img.cold.json")" = "$(pkgs "$WORK/$img.warm.json")" ]; then
    pass "$img: identical package list from the cache"
  else
    fail "$img: the cached run differs"
    diff <(jq -r '.packages[] | [.type, .name, .version, .location, .layer] | @tsv' "$WORK/$img.cold.json") \
         <(jq -r '.packages[] | [.type, .name, .version, .location, .layer] | @tsv' "$WORK/$img.warm.json") | head -40 || true
  fi
done
# The docker-archive shares diff_ids with the oci-archive: its layers come from the same cache.
sbom "$WORK/app.docker-warm.json" "$IMAGES/app/image.docker.tar" --cache-dir "$WORK/cache-app" || true
warm="$(jq '[.layers[] | select(.from_cache)] | length' "$WORK/app.docker-warm.json")"
n="$(jq '.layers | length' "$WORK/app.docker-warm.json")"
[ "$warm" = "$n" ] && pass "app docker-archive: all $n layers from the cache the oci-archive filled" ||
  fail "app docker-archive: $warm of $n layers from the cache"
[ "$(pkgs "$WORK/app.docker-warm.json")" = "$(pkgs "$WORK/app.cold.json")" ] &&
  pass "app docker-archive from the cache: same packages" || fail "app docker-archive from the cache: packages differ"

# --no-cache: nothing written, neither to --cache-dir nor to any default location.
home="$WORK/home"
mkdir -p "$home"
if HOME="$home" XDG_CACHE_HOME="$WORK/xdg" VIGIL_CACHE_DIR="$WORK/env-cache" \
   "$VIGIL" sbom -q -f json --no-cache --cache-dir "$WORK/nocache" -o "$WORK/app.nocache.json" "$IMAGES/app/image.oci.tar"; then
  written="$(find "$home" "$WORK/xdg" "$WORK/env-cache" "$WORK/nocache" -mindepth 1 2>/dev/null || true)"
  [ -z "$written" ] && pass "--no-cache wrote nothing" || fail "--no-cache wrote: $written"
  [ "$(jq '[.layers[] | select(.from_cache)] | length' "$WORK/app.nocache.json")" = 0 ] &&
    pass "--no-cache read no layer from a cache" || fail "--no-cache reported layers from a cache"
  [ "$(pkgs "$WORK/app.nocache.json")" = "$(pkgs "$WORK/app.cold.json")" ] &&
    pass "--no-cache: same packages" || fail "--no-cache: packages differ"
else
  fail "vigil sbom --no-cache exited non-zero"
fi
# Without flags the cache goes to $VIGIL_CACHE_DIR.
if VIGIL_CACHE_DIR="$WORK/env-cache2" "$VIGIL" sbom -q -f json -o "$WORK/app.env.json" "$IMAGES/app/image.oci.tar"; then
  [ -n "$(find "$WORK/env-cache2" -type f 2>/dev/null || true)" ] && pass "default cache dir follows \$VIGIL_CACHE_DIR" ||
    fail "nothing written to \$VIGIL_CACHE_DIR"
else
  fail "vigil sbom with VIGIL_CACHE_DIR exited non-zero"
fi
finish
