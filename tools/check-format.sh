#!/usr/bin/env bash
# Checks that every C++ source file the repository tracks is formatted as .clang-format says
# (Google style, 120 columns). The BPF programs (*.bpf.c) keep the kernel's own style and are
# left out, as are test data and fuzz corpora.
#   tools/check-format.sh          list the files that differ; exit 1 if any
#   tools/check-format.sh --fix    reformat them in place
set -euo pipefail
cd "$(dirname "$0")/.."
fix=0
[ "${1:-}" = "--fix" ] && fix=1
command -v clang-format >/dev/null || { echo "check-format: clang-format is not installed (scripts/setup.sh installs it)" >&2; exit 2; }
mapfile -t files < <(git ls-files '*.cc' '*.h' '*.cpp' | grep -v -e '\.bpf\.c$' -e '/testdata/' -e '^fuzz/corpus/' -e 'node_modules/')
if [ "$fix" = 1 ]; then
  clang-format -i "${files[@]}"
  exit 0
fi
bad=()
for f in "${files[@]}"; do
  clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ "${#bad[@]}" -gt 0 ]; then
  printf 'check-format: not formatted as .clang-format says: %s\n' "${bad[@]}" >&2
  echo "check-format: ${#bad[@]} file(s); run tools/check-format.sh --fix" >&2
  exit 1
fi
echo "check-format: ${#files[@]} files formatted"
