# Helpers shared by the bench scripts; source it (`. bench/lib.sh`) from the repository root.

# vigil_advisory_inputs DATA_DIR: sets the array `inputs` to every advisory input DATA_DIR has
# (the layout of ../shared/data), in the order a user would import them: OSV JSONL files, the
# Alpine secdb folder, the Debian tracker JSON and DSA/DLA lists, CISA KEV, the EPSS excerpt.
# Missing ones are left out. Returns 1 (after a message on stderr) when none is there.
vigil_advisory_inputs() {
  local data="$1" f
  inputs=()
  for f in "$data"/osv/*.jsonl; do [ -e "$f" ] && inputs+=("$f"); done
  for f in "$data"/alpine/secdb "$data"/debian/security-tracker-json-sample/debian.json \
           "$data"/debian/security-tracker/data/DSA/list "$data"/debian/security-tracker/data/DLA/list \
           "$data"/threat-intel/cisa-kev/known_exploited_vulnerabilities.json \
           "$data"/threat-intel/epss/epss-excerpt-2025-02-20.csv; do
    [ -e "$f" ] && inputs+=("$f")
  done
  [ "${#inputs[@]}" -gt 0 ] || { echo "no inputs under $data" >&2; return 1; }
}

# vigil_bench_binary: prints the vigil binary to use (the bench build's, else the release
# build's); returns 1 with a message when neither is built.
vigil_bench_binary() {
  local v
  for v in build/bench/apps/vigil/vigil build/release/apps/vigil/vigil; do
    [ -x "$v" ] && { echo "$v"; return 0; }
  done
  echo "build vigil first: ninja -C build/bench vigil (see bench/CMakeLists.txt)" >&2
  return 1
}

# median: the median of the numbers on stdin, one a line.
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
