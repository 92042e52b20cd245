#!/usr/bin/env bash
# Builds vigil's end-to-end test images from local material: a debootstrap'd Debian bookworm
# root, Debian packages at their point-release versions, old npm packages, a Go binary from an
# npm package. Every image is a real multi-layer image built with podman (in a private storage
# under OUT_DIR, so nothing touches the machine's own image store) and saved in every form vigil
# reads, with the final filesystem beside it for independently derived expected inventories.
#
#   scripts/build-test-images.sh [OUT_DIR]        (default: build/test-images)
#
# Needs root, network access to the Debian archive and the npm registry (downloads are cached
# in OUT_DIR/cache, so a rebuild needs neither), and the tools scripts/setup.sh --test installs.
# Idempotent: an image whose stamp matches this script's hash (and its base image) is skipped.
# Environment:
#   VIGIL_DEBIAN_MIRROR           default http://deb.debian.org/debian
#   VIGIL_DEBIAN_SECURITY_MIRROR  default http://deb.debian.org/debian-security
#   VIGIL_TEST_IMAGES             images to build, default "base app many zstd"
#
# Output (per image NAME in OUT_DIR/NAME/):
#   image.docker.tar   podman save --format docker-archive (uncompressed layers)
#   image.oci.tar      podman save --format oci-archive (gzip layers)
#   oci/               OCI image layout (podman save --format oci-dir; base: uncompressed layer
#                      and a manifest without mediaType; app, many: gzip layers)
#   rootfs/            the final filesystem (podman create + podman export)
#   info.txt           what the image holds, for people
# OUT_DIR/zstd/oci/    the app image with zstd-compressed layers (OCI layout)
set -euo pipefail

log() { printf '[build-test-images %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'build-test-images: error: %s\n' "$*" >&2; exit 1; }

script="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
repo="$(cd "$(dirname "$script")/.." && pwd)"
OUT="${1:-$repo/build/test-images}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
MIRROR="${VIGIL_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SECURITY_MIRROR="${VIGIL_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
IMAGES="${VIGIL_TEST_IMAGES:-base app many zstd}"
SUITE=bookworm
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, podman with overlay storage)"
for tool in debootstrap podman skopeo npm apt-get dpkg-deb tar sha256sum python3 flock; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is missing; run scripts/setup.sh --test"
done
[ -f "$KEYRING" ] || die "$KEYRING is missing (package debian-archive-keyring)"

# Every stamp carries this hash: editing the script rebuilds what it builds.
SCRIPT_KEY="$(sha256sum "$script" | cut -c1-16)"
hash_of() { printf '%s' "$*" | sha256sum | cut -c1-12; }

# One build at a time per OUT_DIR (ctest may start several users of the images).
exec 9> "$OUT/.lock"
if ! flock -n 9; then
  log "another build holds $OUT/.lock; waiting for it"
  flock 9
fi

CACHE="$OUT/cache"
mkdir -p "$CACHE" "$OUT/podman/tmp" "$OUT/tmp"
# Temporary files of podman, buildah, skopeo and npm stay under OUT_DIR. (The one write outside
# it: containers/image, as root, updates its digest cache /var/lib/containers/cache/
# blob-info-cache-v1.boltdb; podman has no option to move it.)
export TMPDIR="$OUT/tmp"
# A private image store: the machine's own podman images and other users are left alone.
STORAGE_ROOT="$OUT/podman/root"
# podman refuses a runroot longer than 50 characters, and OUT may be deep (CI checks out under a
# long path), so the runroot (transient locks and mount state only) gets a short name of its own,
# keyed by OUT so two build folders never share one.
STORAGE_RUN="/run/vigil-ti-$(printf '%s' "$OUT" | sha256sum | cut -c1-12)"
mkdir -p "$STORAGE_RUN"
PODMAN=(podman --root "$STORAGE_ROOT" --runroot "$STORAGE_RUN" --tmpdir "$OUT/podman/tmp"
        --storage-driver overlay --events-backend none --cgroup-manager=cgroupfs --runtime runc)
STORE_REF="containers-storage:[overlay@$STORAGE_ROOT+$STORAGE_RUN]"
# --layers keeps one layer per step; --no-cache because buildah does not invalidate a cached
# RUN step when the content of its bind mount (the .debs) changes.
BUILD_FLAGS=(--network none --ulimit nofile=10000:10000 --ulimit nproc=5000:5000 --layers --no-cache)

created_containers=()
cleanup() {
  local c
  for c in "${created_containers[@]}"; do "${PODMAN[@]}" rm -f "$c" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT

# stamp_ok NAME KEY: the image NAME was built with KEY and its outputs are all there.
stamp_ok() {
  local dir="$OUT/$1" key="$2"
  [ -f "$dir/.stamp" ] && [ "$(cat "$dir/.stamp")" = "$key" ]
}
write_stamp() { printf '%s' "$2" > "$OUT/$1/.stamp"; }
image_id() { "${PODMAN[@]}" image inspect --format '{{.Id}}' "localhost/vigil-test/$1:latest"; }

# save_forms NAME FORMS...: writes the image in the forms asked for (docker oci-archive oci rootfs).
save_forms() {
  local name="$1"; shift
  local ref="localhost/vigil-test/$name:latest" dir="$OUT/$name" form
  for form in "$@"; do
    case "$form" in
      docker)
        log "$name: podman save --format docker-archive -> $dir/image.docker.tar"
        rm -f "$dir/image.docker.tar"
        "${PODMAN[@]}" save -q --format docker-archive -o "$dir/image.docker.tar" "$ref" ;;
      oci-archive)
        log "$name: podman save --format oci-archive -> $dir/image.oci.tar"
        rm -f "$dir/image.oci.tar"
        "${PODMAN[@]}" save -q --format oci-archive -o "$dir/image.oci.tar" "$ref" ;;
      oci)
        # For an imported image (base) podman writes the manifest without mediaType.
        log "$name: podman save --format oci-dir -> OCI layout $dir/oci"
        rm -rf "$dir/oci"
        "${PODMAN[@]}" save -q --format oci-dir -o "$dir/oci" "$ref" ;;
      rootfs)
        log "$name: podman create + podman export -> $dir/rootfs"
        local c="vigil-test-export-$name-$$"
        created_containers+=("$c")
        "${PODMAN[@]}" create -q --name "$c" "$ref" >/dev/null
        rm -rf "$dir/rootfs" "$dir/export.tar"
        mkdir -p "$dir/rootfs"
        "${PODMAN[@]}" export -o "$dir/export.tar" "$c"
        "${PODMAN[@]}" rm -f "$c" >/dev/null
        tar -C "$dir/rootfs" --numeric-owner --exclude='dev/*' --exclude='./dev/*' -xf "$dir/export.tar"
        rm -f "$dir/export.tar" ;;
      *) die "unknown form $form" ;;
    esac
  done
}

# ---------------------------------------------------------------------------------------------
# Private apt roots: only the suites named, so apt picks point-release (or security) versions.
# apt_in ROOT ARGS...: runs apt-get against ROOT, resolving against the status file $APT_STATUS.
apt_root() {
  local root="$1" line="$2"
  mkdir -p "$root/etc/apt/apt.conf.d" "$root/etc/apt/preferences.d" "$root/etc/apt/sources.list.d" \
           "$root/var/lib/apt/lists/partial" "$root/var/cache/apt/archives/partial" "$root/var/lib/dpkg"
  printf 'deb [signed-by=%s] %s\n' "$KEYRING" "$line" > "$root/etc/apt/sources.list"
  [ -f "$root/var/lib/dpkg/status" ] || : > "$root/var/lib/dpkg/status"
}
apt_in() {
  local root="$1"; shift
  apt-get -q -o Dir="$root" -o Dir::Etc="$root/etc/apt" \
    -o Dir::Etc::SourceList="$root/etc/apt/sources.list" -o Dir::Etc::SourceParts="$root/etc/apt/sources.list.d" \
    -o Dir::Etc::Parts="$root/etc/apt/apt.conf.d" -o Dir::Etc::PreferencesParts="$root/etc/apt/preferences.d" \
    -o Dir::State="$root/var/lib/apt" -o Dir::State::status="${APT_STATUS:-$root/var/lib/dpkg/status}" \
    -o Dir::Cache="$root/var/cache/apt" -o Debug::NoLocking=1 -o APT::Sandbox::User=root \
    -o APT::Architecture=amd64 -o APT::Architectures::=amd64 "$@"
}

# ---------------------------------------------------------------------------------------------
# base: debootstrap --variant=minbase bookworm, imported as a one-layer image.
ROOTFS_TAR="$CACHE/$SUITE-minbase-$(hash_of "$MIRROR $SUITE minbase v1").tar"
build_rootfs_tar() {
  [ -f "$ROOTFS_TAR" ] && return 0
  local dir="$CACHE/debootstrap"
  rm -rf "$dir"
  log "base: debootstrap --variant=minbase $SUITE from $MIRROR (about 30 s)"
  debootstrap --variant=minbase "$SUITE" "$dir" "$MIRROR" > "$CACHE/debootstrap.log" 2>&1 ||
    { tail -20 "$CACHE/debootstrap.log" >&2; die "debootstrap failed (log: $CACHE/debootstrap.log)"; }
  # Left out as official images do: downloaded .debs, apt lists, device and kernel folders.
  tar -C "$dir" --numeric-owner \
    --exclude='./var/cache/apt/archives/*.deb' --exclude='./var/lib/apt/lists/*' \
    --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -cf "$ROOTFS_TAR.part" .
  mv "$ROOTFS_TAR.part" "$ROOTFS_TAR"
  rm -rf "$dir"
  log "base: cached the root filesystem as $ROOTFS_TAR"
}

build_base() {
  local key="$SCRIPT_KEY $(basename "$ROOTFS_TAR")"
  if stamp_ok base "$key" && "${PODMAN[@]}" image exists localhost/vigil-test/base:latest; then
    log "base: up to date"; return 0
  fi
  build_rootfs_tar
  rm -rf "$OUT/base"; mkdir -p "$OUT/base"
  log "base: podman import (one layer)"
  "${PODMAN[@]}" import -q --change 'CMD ["/bin/bash"]' \
    -m "debootstrap --variant=minbase $SUITE" "$ROOTFS_TAR" localhost/vigil-test/base:latest >/dev/null
  save_forms base docker oci-archive oci rootfs
  cat > "$OUT/base/info.txt" <<EOF
base: debootstrap --variant=minbase $SUITE ($MIRROR), one layer made by podman import.
EOF
  write_stamp base "$key"
}

# ---------------------------------------------------------------------------------------------
# Material for app and many, cached under OUT_DIR/cache.
APP_DEBS="python3-yaml python3-six python3-packaging python3-setuptools-whl libcommons-lang3-java curl libxml2"
UPDATE_DEBS="libexpat1"     # taken again from bookworm-security in a later layer
NPM_APP="lodash@4.17.15 minimist@1.2.0 express@4.16.0 @hapi/hoek@8.2.0"
NPM_SITE="left-pad@1.1.3 ms@2.0.0"
ESBUILD_VERSION=0.17.19

fetch_debs() {
  local dest="$CACHE/debs-$(hash_of "$MIRROR $APP_DEBS $(basename "$ROOTFS_TAR")")"
  DEBS_DIR="$dest"
  [ -f "$dest/.done" ] && return 0
  log "app: downloading $APP_DEBS and their missing dependencies ($SUITE main only)"
  local root="$CACHE/apt-$SUITE" status_dir="$CACHE/base-status"
  apt_root "$root" "$MIRROR $SUITE main"
  # Resolve against the base image's dpkg status, so only what base lacks is downloaded.
  rm -rf "$status_dir"; mkdir -p "$status_dir"
  tar -C "$status_dir" -xf "$ROOTFS_TAR" ./var/lib/dpkg/status
  apt_in "$root" update >/dev/null
  rm -rf "$dest"; mkdir -p "$dest/partial"
  APT_STATUS="$status_dir/var/lib/dpkg/status" apt_in "$root" install -y --download-only \
    --no-install-recommends -o Dir::Cache::archives="$dest" $APP_DEBS >/dev/null
  rm -rf "$dest/partial" "$dest/lock"
  ls "$dest"/*.deb >/dev/null 2>&1 || die "no .deb downloaded into $dest"
  touch "$dest/.done"
}

fetch_update_debs() {
  local dest="$CACHE/debs-security-$(hash_of "$SECURITY_MIRROR $UPDATE_DEBS")"
  UPDATE_DIR="$dest"
  [ -f "$dest/.done" ] && return 0
  log "app: downloading $UPDATE_DEBS from $SUITE-security"
  local root="$CACHE/apt-$SUITE-security"
  apt_root "$root" "$SECURITY_MIRROR $SUITE-security main"
  apt_in "$root" update >/dev/null
  rm -rf "$dest"; mkdir -p "$dest"
  (cd "$dest" && apt_in "$root" download $UPDATE_DEBS >/dev/null)
  ls "$dest"/*.deb >/dev/null 2>&1 || die "no .deb downloaded into $dest"
  touch "$dest/.done"
}

npm_project() {  # npm_project DIR NAME PACKAGES...
  local dir="$1" name="$2"; shift 2
  [ -f "$dir/.done" ] && return 0
  log "npm install --ignore-scripts --save-exact $* (in $dir)"
  rm -rf "$dir"; mkdir -p "$dir"
  printf '{\n  "name": "%s",\n  "version": "1.0.0",\n  "private": true\n}\n' "$name" > "$dir/package.json"
  (cd "$dir" && npm install --cache "$CACHE/npm-cache" --ignore-scripts --save-exact --no-audit \
     --no-fund --no-update-notifier --loglevel=error "$@" >/dev/null)
  touch "$dir/.done"
}

fetch_esbuild() {
  ESBUILD="$CACHE/esbuild-$ESBUILD_VERSION/esbuild"
  [ -f "$ESBUILD" ] && return 0
  log "npm pack @esbuild/linux-x64@$ESBUILD_VERSION (a Go binary with full module build info)"
  local d="$CACHE/esbuild-$ESBUILD_VERSION"
  rm -rf "$d"; mkdir -p "$d"
  (cd "$d" && npm pack --cache "$CACHE/npm-cache" --silent "@esbuild/linux-x64@$ESBUILD_VERSION" >/dev/null &&
     tar -xzf ./*.tgz package/bin/esbuild && mv package/bin/esbuild esbuild && rm -rf package ./*.tgz)
}

# Python packages copied by hand into the many image (not owned by any Debian package there).
fetch_python_dists() {
  PYDIST="$CACHE/pydist-$(hash_of "$DEBS_DIR")"
  [ -f "$PYDIST/.done" ] && return 0
  rm -rf "$PYDIST"; mkdir -p "$PYDIST/x"
  local deb
  for deb in "$DEBS_DIR"/python3-six_*.deb "$DEBS_DIR"/python3-packaging_*.deb; do
    dpkg-deb -x "$deb" "$PYDIST/x"
  done
  mv "$PYDIST/x/usr/lib/python3/dist-packages" "$PYDIST/site"
  rm -rf "$PYDIST/x"
  touch "$PYDIST/.done"
}

# ---------------------------------------------------------------------------------------------
# app: FROM base, one build step per thing a scanner must get right.
build_app() {
  local base_id key ctx
  base_id="$(image_id base)"
  key="$SCRIPT_KEY $base_id"
  if stamp_ok app "$key" && "${PODMAN[@]}" image exists localhost/vigil-test/app:latest; then
    log "app: up to date"; return 0
  fi
  fetch_debs
  fetch_update_debs
  fetch_esbuild
  npm_project "$CACHE/npm-app" vigil-test-app $NPM_APP
  npm_project "$CACHE/npm-site" vigil-test-site $NPM_SITE
  ctx="$OUT/context/app"
  rm -rf "$ctx"; mkdir -p "$ctx"
  cp -a "$DEBS_DIR" "$ctx/debs"; rm -f "$ctx/debs/.done"
  cp -a "$UPDATE_DIR" "$ctx/debs-update"; rm -f "$ctx/debs-update/.done"
  cp -a "$CACHE/npm-app" "$ctx/npm-app"; rm -f "$ctx/npm-app/.done"
  cp -a "$CACHE/npm-site" "$ctx/site"; rm -f "$ctx/site/.done"
  cp "$ESBUILD" "$ctx/esbuild"
  # Each RUN/COPY is one layer; the comments name the case it covers.
  cat > "$ctx/Containerfile" <<'EOF'
FROM localhost/vigil-test/base:latest
# (a) Debian packages at their bookworm point-release versions: dpkg-owned Python packages with
#     dist-info (python3-yaml, python3-packaging) and egg-info (python3-six), jars with pom.properties
#     (libcommons-lang3-java), curl, libxml2.
RUN --mount=type=bind,source=debs,target=/tmp/debs apt-get install -y --no-install-recommends /tmp/debs/*.deb && rm -rf /var/cache/apt/archives/*.deb
# (b) an npm project with old versions and its package-lock.json
COPY npm-app/ /app/
# (c) a Go binary with full module build info
COPY esbuild /usr/local/bin/esbuild
# (g) a wheel unpacked where pip puts it: a dist-info no Debian package owns
RUN python3 -m zipfile -e /usr/share/python-wheels/setuptools-66.1.1-py3-none-any.whl /usr/local/lib/python3.11/dist-packages/
# (d) deleted folders: whiteouts; podman stores all but the first of a layer's whiteouts as
#     regular files that still carry a tar linkname (they are hard links of one overlay inode)
RUN rm -rf /app/node_modules/array-flatten /app/node_modules/lodash /usr/share/doc/apt /usr/share/doc/dpkg
# (d') a folder deleted and made again in one step: opaque marker .wh..wh..opq
RUN rm -rf /app/node_modules/minimist && mkdir /app/node_modules/minimist && printf '{\n  "name": "minimist",\n  "version": "1.2.8",\n  "license": "MIT"\n}\n' > /app/node_modules/minimist/package.json
# (e) a file overwritten: a package.json whose version is rewritten
RUN sed -i 's/"version": "2.0.0"/"version": "2.1.3"/' /app/node_modules/ms/package.json
# (e') a Debian package upgraded to its bookworm-security version: var/lib/dpkg/status rewritten
RUN --mount=type=bind,source=debs-update,target=/tmp/debs apt-get install -y --no-install-recommends /tmp/debs/*.deb
# (f) content in the WORKDIR
WORKDIR /srv/site
COPY site/ ./
CMD ["/usr/bin/python3"]
EOF
  rm -rf "$OUT/app"; mkdir -p "$OUT/app"
  log "app: podman build (about a minute)"
  "${PODMAN[@]}" build -q "${BUILD_FLAGS[@]}" -f "$ctx/Containerfile" -t localhost/vigil-test/app:latest "$ctx" \
    > "$OUT/app/build.log" 2>&1 || { tail -30 "$OUT/app/build.log" >&2; die "podman build of app failed"; }
  save_forms app docker oci-archive oci rootfs
  {
    echo "app: FROM base; build steps (one layer each):"
    grep -v '^#' "$ctx/Containerfile"
  } > "$OUT/app/info.txt"
  cp "$ctx/Containerfile" "$OUT/app/Containerfile"
  write_stamp app "$key"
}

# ---------------------------------------------------------------------------------------------
# many: 44 layers on top of base; some add npm packages, some Python dists, one deletes.
build_many() {
  local base_id key ctx n pkgs i six_info packaging_info
  base_id="$(image_id base)"
  key="$SCRIPT_KEY $base_id"
  if stamp_ok many "$key" && "${PODMAN[@]}" image exists localhost/vigil-test/many:latest; then
    log "many: up to date"; return 0
  fi
  fetch_debs
  npm_project "$CACHE/npm-app" vigil-test-app $NPM_APP
  fetch_python_dists
  ctx="$OUT/context/many"
  rm -rf "$ctx"; mkdir -p "$ctx/files"
  cp -a "$CACHE/npm-app/node_modules" "$ctx/node_modules"
  cp -a "$PYDIST/site" "$ctx/site"
  six_info="$(cd "$ctx/site" && ls -d six-*.egg-info)"
  packaging_info="$(cd "$ctx/site" && ls -d packaging-*.dist-info)"
  [ -n "$six_info" ] && [ -n "$packaging_info" ] || die "many: no six egg-info or packaging dist-info in $ctx/site"
  mkdir -p "$ctx/pysix" && mv "$ctx/site/six.py" "$ctx/site/$six_info" "$ctx/pysix/"
  # npm packages without nested node_modules, in a fixed order.
  mapfile -t pkgs < <(cd "$ctx/node_modules" && for d in */; do d="${d%/}";
    case "$d" in @*|.*) continue ;; esac; [ -d "$d/node_modules" ] || echo "$d"; done | sort | head -12)
  [ "${#pkgs[@]}" -ge 12 ] || die "many: fewer than 12 npm packages to spread over layers"
  {
    echo "FROM localhost/vigil-test/base:latest"
    i=0
    for n in $(seq 1 44); do
      if [ $((n % 4)) = 0 ] && [ "$i" -lt 12 ]; then
        echo "COPY node_modules/${pkgs[$i]}/ /opt/many/node_modules/${pkgs[$i]}/"
        i=$((i + 1))
      elif [ "$n" = 14 ]; then
        echo "COPY pysix/ /usr/local/lib/python3/dist-packages/"
      elif [ "$n" = 22 ]; then
        echo "COPY site/packaging /usr/local/lib/python3/dist-packages/packaging/"
      elif [ "$n" = 23 ]; then
        echo "COPY site/$packaging_info /usr/local/lib/python3/dist-packages/$packaging_info/"
      elif [ "$n" = 42 ]; then
        echo "RUN rm -rf /opt/many/node_modules/${pkgs[0]}"
      elif [ $((n % 2)) = 0 ]; then
        echo "n=$n" > "$ctx/files/f$n"
        echo "COPY files/f$n /f$n"
      else
        echo "RUN echo $n > /f$n"
      fi
    done
    echo 'CMD ["/bin/bash"]'
  } > "$ctx/Containerfile"
  rm -rf "$OUT/many"; mkdir -p "$OUT/many"
  log "many: podman build ($(grep -cE '^(RUN|COPY)' "$ctx/Containerfile") layer steps, about a minute)"
  "${PODMAN[@]}" build -q "${BUILD_FLAGS[@]}" -f "$ctx/Containerfile" -t localhost/vigil-test/many:latest "$ctx" \
    > "$OUT/many/build.log" 2>&1 || { tail -30 "$OUT/many/build.log" >&2; die "podman build of many failed"; }
  save_forms many docker oci-archive oci rootfs
  cp "$ctx/Containerfile" "$OUT/many/Containerfile"
  echo "many: FROM base plus $(grep -cE '^(RUN|COPY)' "$ctx/Containerfile") layers (see Containerfile)" > "$OUT/many/info.txt"
  write_stamp many "$key"
}

# ---------------------------------------------------------------------------------------------
# zstd: the app image with zstd-compressed layers, as an OCI layout.
build_zstd() {
  local key="$SCRIPT_KEY $(image_id app)"
  if stamp_ok zstd "$key" && [ -f "$OUT/zstd/oci/index.json" ]; then
    log "zstd: up to date"; return 0
  fi
  rm -rf "$OUT/zstd"; mkdir -p "$OUT/zstd"
  log "zstd: skopeo copy --dest-compress-format zstd -> OCI layout $OUT/zstd/oci"
  skopeo copy -q --dest-compress --dest-compress-format zstd \
    "${STORE_REF}localhost/vigil-test/app:latest" "oci:$OUT/zstd/oci:latest"
  grep -q 'tar+zstd' "$OUT/zstd/oci/blobs/sha256/"* 2>/dev/null ||
    die "zstd: skopeo did not write zstd layers"
  echo "zstd: the app image, layers recompressed with zstd (OCI layout)" > "$OUT/zstd/info.txt"
  write_stamp zstd "$key"
}

start=$(date +%s)
log "building [$IMAGES] into $OUT (script hash $SCRIPT_KEY)"
declare -A done_images=()
ensure() {  # ensure NAME: builds NAME once per run, after what it is built from
  [ -n "${done_images[$1]:-}" ] && return 0
  case "$1" in
    base) build_base ;;
    app) ensure base; build_app ;;
    many) ensure base; build_many ;;
    zstd) ensure app; build_zstd ;;
    *) die "unknown image '$1' (known: base app many zstd)" ;;
  esac
  done_images[$1]=1
}
for img in $IMAGES; do ensure "$img"; done
# Images left untagged by earlier versions of this script (private storage: nobody else's).
"${PODMAN[@]}" image prune -f >/dev/null 2>&1 || true
log "done in $(( $(date +%s) - start )) s"
