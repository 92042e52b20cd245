#!/usr/bin/env bash
# Installs what vigil needs to build and test on Debian 12, as root (or through sudo).
# Safe to run again: it installs only what is missing.
#   scripts/setup.sh          build dependencies only
#   scripts/setup.sh --test   also the tools the test suite and bench/ use (podman, debootstrap, jq,
#                             node tools, /usr/bin/time, igzip, nginx + openssl for the HTTPS
#                             fetch tests, postgresql for the tests of the PostgreSQL adapter and
#                             store, which start their own throwaway server)
set -euo pipefail

want_test=0
for arg in "$@"; do
  case "$arg" in
    --test) want_test=1 ;;
    *) echo "setup.sh: unknown option '$arg'" >&2; exit 2 ;;
  esac
done

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

build_pkgs=(
  build-essential cmake ninja-build ccache pkg-config git
  libarchive-dev libisal-dev libdeflate-dev libzstd-dev libssl-dev libcurl4-openssl-dev libcpp-httplib-dev
  nlohmann-json3-dev libsqlite3-dev libpq-dev libcli11-dev libfmt-dev
  libyaml-cpp-dev libtomlplusplus-dev libsimdjson-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang clang-format libclang-rt-14-dev libbpf-dev bpftool
)
test_pkgs=(
  podman runc skopeo umoci buildah debootstrap fuse-overlayfs uidmap debian-archive-keyring
  nodejs npm python3 jq zstd dpkg-dev rpm
  libcommons-lang3-java time isal util-linux iproute2 tar gzip
  python3-apt python3-rpm golang-go golang-golang-x-mod-dev
  python3-packaging maven default-jdk-headless ruby php-cli php-composer-semver
  nginx openssl curl
  postgresql
)

pkgs=("${build_pkgs[@]}")
if [ "$want_test" = 1 ]; then pkgs+=("${test_pkgs[@]}"); fi

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# nodejs may come from another repository that provides npm itself.
if [ "${#missing[@]}" -gt 0 ] && command -v npm >/dev/null 2>&1; then
  filtered=()
  for p in "${missing[@]}"; do [ "$p" = npm ] || filtered+=("$p"); done
  missing=("${filtered[@]}")
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup.sh: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ "$want_test" = 1 ]; then
  here="$(cd "$(dirname "$0")/.." && pwd)"
  # Reinstall the node test tools whenever their lock file changed.
  if ! cmp -s "$here/tests/tools/package-lock.json" "$here/tests/tools/node_modules/.vigil-lock"; then
    (cd "$here/tests/tools" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$here/tests/tools/package-lock.json" "$here/tests/tools/node_modules/.vigil-lock"
  fi
fi
