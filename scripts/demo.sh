#!/usr/bin/env bash
# Installs what is missing, builds vigil, builds the example image "app" from local material
# (Debian bookworm via debootstrap, point-release .debs, old npm packages, a Go binary, jars;
# see scripts/build-test-images.sh), prints its SBOM as a table grouped by layer, then builds a
# vulnerability database from the real advisories committed in tests/e2e/testdata (OSV records
# of Debian 12, npm, PyPI, Go, Maven; the CISA KEV catalog; NVD CVE records, which rate findings
# the advisories leave without a severity) and scans the image with it.
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
echo "== vigil db import tests/e2e/testdata/scan-advisories.jsonl (+ CISA KEV, NVD CVE records) into build/demo-db"
rm -rf build/demo-db
build/release/apps/vigil/vigil db --db build/demo-db import tests/e2e/testdata/scan-advisories.jsonl \
  tests/vulndb/testdata/threat-intel/known_exploited_vulnerabilities.json tests/e2e/testdata/scan-cve-records.json
echo
echo "== vigil scan build/test-images/app/image.docker.tar (the gate: --fail-on high)"
rc=0
build/release/apps/vigil/vigil scan --db build/demo-db --fail-on high build/test-images/app/image.docker.tar \
  --format table || rc=$?
echo "(exit code $rc: 0 the policy passed, 1 it failed, 2 an error)"
echo
echo "Also try: build/release/apps/vigil/vigil sbom build/test-images/app/image.oci.tar -f cyclonedx"
echo "          build/release/apps/vigil/vigil scan --db build/demo-db -f sarif build/test-images/app/image.oci.tar"
echo "          build/release/apps/vigil/vigil db --db build/demo-db get CVE-2024-22365   (advisories + CVE record)"
echo "          build/release/apps/vigil/vigil db update   (the whole osv.dev database, over the network)"
