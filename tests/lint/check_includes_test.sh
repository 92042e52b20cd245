#!/usr/bin/env bash
# tools/check_includes.py: the tree keeps the include rules, and the checker does catch a part
# that includes another part's internal header or a part it does not link, and yaml-cpp used
# outside the YAML adapter (common/yaml_node.h).
set -euo pipefail
root="$1"
python3 "$root/tools/check_includes.py" --root "$root"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src/low/internal" "$tmp/src/high" "$tmp/tools"
printf 'vigil_library(low\n  SOURCES a.cc\n  DEPS vigil::other)\n' >"$tmp/src/low/CMakeLists.txt"
printf 'vigil_library(high\n  SOURCES b.cc\n  DEPS vigil::low)\n' >"$tmp/src/high/CMakeLists.txt"
echo '#include "low/internal/secret.h"' >"$tmp/src/high/b.cc"
printf '#include "high/b.h"\n#include <yaml-cpp/yaml.h>\n' >"$tmp/src/low/a.cc"
if python3 "$root/tools/check_includes.py" --root "$tmp" 2>"$tmp/err"; then
  echo "check_includes.py accepted a broken tree" >&2
  exit 1
fi
grep -q 'src/high/b.cc:1: includes low/internal/secret.h, an internal header' "$tmp/err"
grep -q "src/low/a.cc:1: the part 'low' includes high/b.h but does not link vigil::high" "$tmp/err"
grep -q "src/low/a.cc:2: includes yaml-cpp directly; read YAML with LoadYaml" "$tmp/err"
[ "$(python3 "$root/tools/check_includes.py" --root "$tmp" --graph)" = "$(printf "high -> low\nlow -> high")" ]
echo "check_includes: ok"
