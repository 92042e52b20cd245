# Shared by the end-to-end scripts: sourced, never run. Every script is called by ctest as
#   bash tests/e2e/NAME.sh VIGIL IMAGES_DIR WORK_DIR
# VIGIL is the vigil binary, IMAGES_DIR what scripts/build-test-images.sh built, WORK_DIR a
# scratch folder of this test (emptied first). Expected inventories come from the images'
# exported filesystems through dpkg-query, find, jq and python3, never from vigil's code.
set -euo pipefail

if [ $# -lt 3 ]; then
  echo "usage: $0 VIGIL IMAGES_DIR WORK_DIR" >&2
  exit 2
fi
VIGIL="$1"
IMAGES="$2"
WORK="$3"
E2E_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$E2E_DIR/../.." && pwd)"
for tool in jq python3 dpkg-query find sort comm; do
  command -v "$tool" >/dev/null 2>&1 || { echo "FAIL: '$tool' is missing (scripts/setup.sh --test)"; exit 1; }
done
[ -x "$VIGIL" ] || { echo "FAIL: vigil binary '$VIGIL' is not executable"; exit 1; }
# Scripts that need no test image (the scan golden suite) set E2E_NEEDS_IMAGES=0 first.
if [ "${E2E_NEEDS_IMAGES:-1}" = 1 ]; then
  for img in base app many; do
    [ -f "$IMAGES/$img/.stamp" ] || { echo "FAIL: $IMAGES/$img is not built (scripts/build-test-images.sh $IMAGES)"; exit 1; }
  done
fi
rm -rf "$WORK"
mkdir -p "$WORK"

E2E_PASSED=0
E2E_FAILED=0
pass() { E2E_PASSED=$((E2E_PASSED + 1)); echo "ok: $*"; }
fail() { E2E_FAILED=$((E2E_FAILED + 1)); echo "FAIL: $*"; }
# check MESSAGE COMMAND...: passes when COMMAND succeeds.
check() {
  local msg="$1"; shift
  if "$@"; then pass "$msg"; else fail "$msg"; fi
}
# finish: the closing count; the exit status is the verdict.
finish() {
  echo "$E2E_PASSED passed, $E2E_FAILED failed"
  [ "$E2E_FAILED" = 0 ]
}

# same_rows LABEL EXPECTED_FILE ACTUAL_FILE: the two files hold the same set of lines.
# On a difference prints every row that only one side has.
same_rows() {
  local label="$1" exp="$WORK/.exp.$$" act="$WORK/.act.$$" only_exp only_act
  sort -u "$2" > "$exp"
  sort -u "$3" > "$act"
  if cmp -s "$exp" "$act"; then
    pass "$label ($(wc -l < "$exp") rows)"
  else
    only_exp="$(comm -23 "$exp" "$act")"
    only_act="$(comm -13 "$exp" "$act")"
    fail "$label: $(wc -l < "$exp") expected rows, $(wc -l < "$act") from vigil"
    [ -z "$only_exp" ] || printf '  expected but missing from vigil:\n%s\n' "$(sed 's/^/    /' <<< "$only_exp")"
    [ -z "$only_act" ] || printf '  reported by vigil but not expected:\n%s\n' "$(sed 's/^/    /' <<< "$only_act")"
  fi
  rm -f "$exp" "$act"
}

# has_row LABEL FILE ROW / lacks_row LABEL FILE ROW
has_row() {
  if grep -qxF -- "$3" "$2"; then pass "$1"; else fail "$1: no row '$3' in $(basename "$2")"; fi
}
lacks_row() {
  if grep -qxF -- "$3" "$2"; then fail "$1: unexpected row '$3' in $(basename "$2")"; else pass "$1"; fi
}

# sbom OUT IMAGE [ARGS...]: vigil's JSON inventory of IMAGE, without the cache unless ARGS say.
sbom() {
  local out="$1" image="$2"; shift 2
  local args=("$@")
  [ ${#args[@]} -gt 0 ] || args=(--no-cache)
  if ! "$VIGIL" sbom -q -f json "${args[@]}" -o "$out" "$image"; then
    fail "vigil sbom ${args[*]} $image exited non-zero"
    return 1
  fi
}

# The forms of one image: docker-archive, oci-archive, OCI layout, exported root folder.
forms_of() {
  local img="$1"
  echo "$IMAGES/$img/image.docker.tar"
  echo "$IMAGES/$img/image.oci.tar"
  echo "$IMAGES/$img/oci"
  echo "$IMAGES/$img/rootfs"
}
form_name() {
  case "$1" in
    *.docker.tar) echo docker-archive ;;
    *.oci.tar) echo oci-archive ;;
    */zstd/oci) echo oci-layout-zstd ;;
    */oci) echo oci-layout ;;
    */rootfs) echo rootfs ;;
    *) basename "$1" ;;
  esac
}

# --- rows from vigil's JSON ---------------------------------------------------------------
# deb: "name version arch", version with its epoch (as dpkg-query prints it).
vigil_deb_rows() {
  jq -r '.packages[] | select(.type == "deb") |
    (if (.epoch // "") != "" and (.version | contains(":") | not) then .epoch + ":" + .version
     else .version end) as $v | "\(.name) \($v) \(.arch // "")"' "$1"
}
# npm: "name version location" (name with its @scope).
vigil_npm_rows() {
  jq -r '.packages[] | select(.type == "npm") |
    "\(if (.namespace // "") != "" then .namespace + "/" else "" end)\(.name) \(.version) \(.location)"' "$1"
}
# pypi: "name version location owner" (owner "-" when no OS package owns it).
vigil_pypi_rows() {
  jq -r '.packages[] | select(.type == "pypi") | "\(.name) \(.version) \(.location) \(.owned_by // "-")"' "$1"
}

# --- rows from the exported filesystem -----------------------------------------------------
# Installed Debian packages per dpkg itself.
disk_deb_rows() {
  dpkg-query --admindir="$1/var/lib/dpkg" -W \
    -f '${Package} ${Version} ${Architecture} ${db:Status-Status}\n' | awk '$4 == "installed" { print $1, $2, $3 }'
}
# Installed npm packages: package.json directly in node_modules/NAME or node_modules/@SCOPE/NAME
# (npm never installs into names starting with "."), with a name and a version.
disk_npm_rows() {
  local root="$1" f rel
  find "$root" -type f -name package.json -path '*/node_modules/*' | sort |
    while IFS= read -r f; do
      rel="${f#"$root"/}"
      [[ "$rel" =~ (^|/)node_modules/(@[^/]+/)?[^/.@][^/]*/package\.json$ ]] || continue
      jq -r --arg loc "$rel" 'select((.name | type) == "string" and (.version | type) == "string")
        | "\(.name) \(.version) \($loc)"' "$f"
    done
}
# Installed Python distributions: *.dist-info/METADATA, *.egg-info/PKG-INFO and *.egg-info files,
# with the Debian package whose file list (var/lib/dpkg/info/*.list) names that file.
disk_pypi_rows() {
  python3 - "$1" <<'EOF'
import os, sys
root = sys.argv[1]
owners = {}
info = os.path.join(root, "var/lib/dpkg/info")
for name in os.listdir(info) if os.path.isdir(info) else []:
    if name.endswith(".list"):
        pkg = name[:-5].split(":")[0]
        with open(os.path.join(info, name), errors="replace") as f:
            for line in f:
                owners[line.rstrip("\n").lstrip("/")] = "deb:" + pkg
for dirpath, dirnames, filenames in os.walk(root):
    for fn in filenames:
        path = os.path.join(dirpath, fn)
        rel = os.path.relpath(path, root)
        d = os.path.basename(dirpath)
        if not ((d.endswith(".dist-info") and fn == "METADATA") or
                (d.endswith(".egg-info") and fn == "PKG-INFO") or fn.endswith(".egg-info")):
            continue
        if os.path.islink(path):
            continue
        headers = {}
        with open(path, errors="replace") as f:
            for line in f:
                if not line.strip():
                    break
                if line[0] in " \t" or ":" not in line:
                    continue
                k, v = line.split(":", 1)
                headers.setdefault(k.strip().lower(), v.strip())
        if headers.get("name") and headers.get("version"):
            print(headers["name"], headers["version"], rel, owners.get(rel, "-"))
EOF
}
