#!/usr/bin/env bash
# Installs what is missing, builds vigil, builds the example image "app" from local material
# (Debian bookworm via debootstrap, point-release .debs, old npm packages, a Go binary, jars;
# see scripts/build-test-images.sh) and prints its SBOM as a table grouped by layer.
# Needs root (debootstrap, podman) and the Debian archive and npm registry on the network.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
cmake --preset release >/dev/null
cmake --build --preset release --target vigil -j "$(nproc)"
VIGIL_TEST_IMAGES=app scripts/build-test-images.sh build/test-images
echo
echo "== vigil sbom build/test-images/app/image.docker.tar"
build/release/apps/vigil/vigil sbom build/test-images/app/image.docker.tar --format table
echo
echo "Also try: build/release/apps/vigil/vigil sbom build/test-images/app/image.oci.tar -f cyclonedx"
