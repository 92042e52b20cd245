#!/usr/bin/env bash
# Builds the OSV -> Trivy DB converter and runs it.
#
#   tools/trivy-db/build.sh OUT_DIR OSV_FILE...
#   tools/trivy-db/build.sh --test          runs the converter's unit tests (go test) only
#     OUT_DIR   gets trivy.db, metadata.json and conversion-report.json; to use it, copy
#               trivy.db and metadata.json into CACHE/db/ and run Trivy with --cache-dir CACHE
#               --skip-db-update
#     OSV_FILE  OSV records: JSON lines, a JSON array or one JSON object per file
#   Environment:
#     GO        the Go toolchain (default: go on PATH; Go 1.18 or newer)
#     GOCODE    GOPATH holding go.etcd.io/bbolt (default /usr/share/gocode, Debian's
#               golang-github-coreos-bbolt-dev)
#     TRIVY_DB_OSV  use this converter binary instead of building one
#
# Built in GOPATH mode (GO111MODULE=off) against the distribution's bbolt, so it needs no network.
set -euo pipefail

die() { printf 'trivy-db/build.sh: error: %s\n' "$*" >&2; exit 1; }
testing=0
if [ "${1:-}" = --test ]; then testing=1; else
  [ "$#" -ge 2 ] || die "usage: $0 OUT_DIR OSV_FILE... | $0 --test"
  out="$1"; shift
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
GO="${GO:-go}"
GOCODE="${GOCODE:-/usr/share/gocode}"

if [ -z "${TRIVY_DB_OSV:-}" ] || [ "$testing" = 1 ]; then
  command -v "$GO" >/dev/null 2>&1 || die "no Go toolchain ('$GO'); apt-get install golang-go"
  [ -d "$GOCODE/src/go.etcd.io/bbolt" ] ||
    die "go.etcd.io/bbolt not found under $GOCODE/src (apt-get install golang-github-coreos-bbolt-dev)"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/gopath/src/trivy-db-osv" "$work/cache"
  cp "$here"/*.go "$work/gopath/src/trivy-db-osv/"
  gobuild() {
    (cd "$work/gopath/src/trivy-db-osv" &&
      GO111MODULE=off GOPATH="$work/gopath:$GOCODE" GOCACHE="$work/cache" GOFLAGS= "$GO" "$@")
  }
  if [ "$testing" = 1 ]; then
    gobuild vet . && gobuild test -count=1 . || die "the converter's tests failed"
    exit 0
  fi
  gobuild build -o "$work/trivy-db-osv" . || die "building the converter failed"
  TRIVY_DB_OSV="$work/trivy-db-osv"
fi

mkdir -p "$out"
"$TRIVY_DB_OSV" -o "$out" -report "$out/conversion-report.json" "$@"
