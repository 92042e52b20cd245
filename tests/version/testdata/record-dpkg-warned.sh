#!/usr/bin/env bash
# Appends to dpkg-compare-versions-warned.tsv what this machine's `dpkg --compare-versions` answers
# for pairs of versions that dpkg accepts only with a warning. Review the diff before committing.
set -euo pipefail
cd "$(dirname "$0")"
warn() {  # the reason dpkg gives for $1, or "-"
  local w
  w=$(dpkg --compare-versions "$1" eq "$1" 2>&1 >/dev/null | sed -n "s/.*has bad syntax: //p" | head -1)
  echo "${w:--}"
}
while IFS=' ' read -r a b; do
  r=
  dpkg --compare-versions "$a" lt "$b" 2>/dev/null && r=-1
  dpkg --compare-versions "$a" eq "$b" 2>/dev/null && r=0
  dpkg --compare-versions "$a" gt "$b" 2>/dev/null && r=1
  printf '%s\t%s\t%s\t%s\t%s\n' "$a" "$b" "$r" "$(warn "$a")" "$(warn "$b")"
done <<'PAIRS' >> dpkg-compare-versions-warned.tsv
a1.0 1.0
a1.0 b1.0
abc 1
1.0_1 1.0
1.0_1 1.0.1
1.0_1 1.0~1
1:a 1:1
1:a 0:99
1.0-a_b 1.0-a
1.0-a_b 1.0-a.b
~1 a
a~ a
A a
Z a
1.0@x 1.0
1.0@x 1.0+x
x-1 x-2
code-not-present 1.0
code-not-present 99:1.0
windows-specific code-not-present
foo5.2 5.2
0:foo5.2 foo5.2
5.2@3-2 5.2-2
1:1.0-1:1 1:1.0-1
1.0=1 1.0
1.0/2 1.0/10
1.0#1 1.0#2
1.0!1 1.0a
1.0 1.0_
PAIRS
