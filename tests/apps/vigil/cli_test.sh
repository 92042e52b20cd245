#!/usr/bin/env bash
# The CLI as Trivy and Grype users expect it, without any image (committed SBOMs and advisories):
# output escaping of hostile text, warnings on standard error in every format, the "Not checked"
# footer, -o as a file and format names, --severity / --ignore-unfixed / --unknown-severity,
# VIGIL_* environment variables, NO_COLOR and --color, the table's width, `vigil version`, `vigil
# help`, the completion scripts and the man page (each checked against the help CLI11 itself
# prints), and the JSON Schemas of vigil-scan/1 and vigil-inventory/1.
# Usage: cli_test.sh VIGIL SOURCE_DIR MAN_PAGE   (registered in tests/apps/vigil/CMakeLists.txt)
set -uo pipefail
vigil="$1"
src="$2"
manpage="$3"
data="$src/tests/apps/vigil/testdata"
fix="$src/tests/match/testdata/images"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
check() {  # check MESSAGE COMMAND...
  local msg="$1"; shift
  if "$@"; then pass "$msg"; else fail "$msg"; fi
}
run() {  # run RC COMMAND...: stdout in out.txt, stderr in err.txt; passes when the exit code is RC
  local want="$1" got=0; shift
  "$@" > out.txt 2> err.txt || got=$?
  if [ "$got" = "$want" ]; then pass "exit $got: ${*:2}"; else fail "exit $got, want $want: ${*:2}"; sed 's/^/    /' err.txt | head -5; fi
}
has() { grep -qF -- "$2" "$1"; }               # has FILE TEXT
jqe() { jq -e "$1" "$2" > /dev/null; }         # jqe FILTER FILE: FILTER is true
lacks() { ! grep -qF -- "$2" "$1"; }           # lacks FILE TEXT
no_controls() {  # no_controls FILE: no C0 control but LF, no DEL, no C1 (UTF-8 or raw), no bidi override
  ! LC_ALL=C grep -qP '[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xa8-\xae]|\xe2\x81[\xa6-\xa9]' "$1"
}
for tool in jq node python3; do
  command -v "$tool" > /dev/null || { echo "FAIL: $tool is missing (scripts/setup.sh --test)"; exit 1; }
done

"$vigil" db --db "$work/db" import "$src/tests/e2e/testdata/scan-advisories.jsonl" > /dev/null ||
  { echo "FAIL: db import"; exit 1; }
export VIGIL_DB="$work/db"
unset NO_COLOR COLUMNS VIGIL_FORMAT VIGIL_FAIL_ON VIGIL_SEVERITY VIGIL_COLOR

# --- escaping ----------------------------------------------------------------------------------
H="$data/hostile.cdx.json"
for fmt in table markdown sarif; do
  run 0 "$vigil" scan --sbom "$H" -f "$fmt"
  check "$fmt: no control character from the image reaches standard output" no_controls out.txt
  check "$fmt: none reaches standard error" no_controls err.txt
done
run 0 "$vigil" scan --sbom "$H" -f table
check "table: the tag's escape shown as \\x1b" has out.txt 'evil`tag\x1b[2J\x1b[H:1'
check "table: the history's OSC shown escaped" has out.txt 'apt-get install\x1b]0;pwned\x07 -y'
check "table: the package name's OSC shown escaped" has out.txt 'pam\x1b]0;owned\x1b\'
check "stderr: the warning quoting a hostile version is escaped" has err.txt "warning: deb perl 5.36\\x1b[31m: invalid"
run 0 "$vigil" scan --sbom "$H" -f markdown
check "markdown: the backtick in the tag cannot end the code span" has out.txt '### vigil scan: ``evil`tag\x1b[2J\x1b[H:1``'
run 0 "$vigil" scan --sbom "$H" -f json
check "json: the full value, JSON-escaped" jqe '.image.tags[0] == "evil`tag\u001b[2J\u001b[H:1"' out.txt

# --- Debian binary and source versions -----------------------------------------------------------
run 0 "$vigil" scan --sbom "$H" -f table
check "table: binNMU binary version with its source version" has out.txt "2.6.1+b1 (source 2.6.1)"
mkdir -p root/etc root/var/lib/dpkg
printf 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n' > root/etc/os-release
printf 'Package: apt\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.6.1+b1\nSource: apt (2.6.1)\n\n' > root/var/lib/dpkg/status
run 0 "$vigil" sbom -q --no-cache -f cyclonedx-json -o root.cdx.json dir:root
run 0 "$vigil" scan --sbom root.cdx.json -f table
check "dpkg cataloger → scan: apt 2.6.1+b1 (source 2.6.1) matched on the source version" has out.txt "2.6.1+b1 (source 2.6.1)"

# --- warnings and what could not be checked -------------------------------------------------------
U="$data/unsupported-distro.cdx.json"
run 0 "$vigil" scan --sbom "$U" -f table
check "table: warnings on standard error" has err.txt "warning: distribution plan9 is not supported"
check "table: no plain 'No vulnerabilities found.'" test -z "$(grep -x 'No vulnerabilities found.' out.txt)"
check "table: says what could not be checked" has out.txt "Not checked"
check "  ... the 2 OS packages of plan9" has out.txt "2 packages of the operating system not checked: distribution plan9"
run 0 "$vigil" scan -q --sbom "$U" -f table
check "-q: no warnings" test ! -s err.txt

# --- -o and -f --------------------------------------------------------------------------------
for name in json cyclonedx-json table sarif spdx-json; do
  run 2 "$vigil" scan --sbom "$fix/app.cdx.json" -o "$name"
  check "-o $name: says it is a format name and suggests -f" has err.txt "'$name' is a format name"
  check "-o $name: ... with -f $name" has err.txt "use -f $name"
  check "-o $name: no file written" test ! -e "$name"
  run 2 "$vigil" sbom -o "$name" dir:root
done
run 0 "$vigil" scan --sbom "$fix/app.cdx.json" -o ./json
check "-o ./json writes the file (JSON when not a terminal)" jqe '.schema == "vigil-scan/1"' json
run 0 "$vigil" scan --sbom "$fix/app.cdx.json" -f cyclonedx-json -o scan.cdx.json
check "scan -f cyclonedx-json" jqe '.bomFormat == "CycloneDX" and (.vulnerabilities | length) == 174' scan.cdx.json
run 0 "$vigil" scan --sbom "$fix/app.cdx.json" -f spdx-json -o scan.spdx.json
check "scan -f spdx-json writes the SBOM" jqe '.spdxVersion == "SPDX-2.3"' scan.spdx.json
run 0 "$vigil" scan --sbom "$fix/app.cdx.json" -f SARIF -o scan.sarif
check "-f is case-insensitive" jqe '.version == "2.1.0"' scan.sarif
run 0 "$vigil" sbom -q --no-cache -f spdx-json dir:root
run 2 "$vigil" sbom -f sarif dir:root
check "sbom -f sarif: points at vigil scan" has err.txt "use \`vigil scan -f sarif\`"
run 2 "$vigil" scan --sbom "$fix/app.cdx.json" -f xml

# --- severities and the gate --------------------------------------------------------------------
A=(--sbom "$fix/app.cdx.json" -f json)
run 0 "$vigil" scan "${A[@]}" --severity HIGH,CRITICAL
check "--severity HIGH,CRITICAL: the 174 unknown findings left out and counted" \
  jqe '(.findings | length) == 0 and .summary.severity_filtered == 174' out.txt
run 0 "$vigil" scan "${A[@]}" --severity unknown --severity low
check "--severity unknown: all kept" jqe '(.findings | length) == 174' out.txt
run 2 "$vigil" scan "${A[@]}" --severity severe
run 1 "$vigil" scan "${A[@]}" --fail-on critical
check "--fail-on critical fails on unrated findings by default, saying why" \
  has err.txt "policy failed: 174 findings of unknown severity, counted as critical"
run 0 "$vigil" scan "${A[@]}" --fail-on critical --unknown-severity ignore
run 0 "$vigil" scan "${A[@]}" --fail-on high --unknown-severity medium
run 1 "$vigil" scan "${A[@]}" --fail-on medium --unknown-severity medium
run 2 "$vigil" scan "${A[@]}" --unknown-severity sometimes
run 0 "$vigil" scan "${A[@]}" --only-fixed
jq -S .findings out.txt > only-fixed.json
run 0 "$vigil" scan "${A[@]}" --ignore-unfixed
jq -S .findings out.txt > ignore-unfixed.json
check "--ignore-unfixed is --only-fixed" cmp -s only-fixed.json ignore-unfixed.json

# --- environment, colour, width -------------------------------------------------------------------
run 0 env VIGIL_FORMAT=sarif "$vigil" scan --sbom "$fix/app.cdx.json"
check "VIGIL_FORMAT=sarif" jqe '.version == "2.1.0"' out.txt
run 1 env VIGIL_FAIL_ON=critical "$vigil" scan --sbom "$fix/app.cdx.json" -f json
run 0 env VIGIL_SEVERITY=high,critical "$vigil" scan --sbom "$fix/app.cdx.json" -f json
check "VIGIL_SEVERITY" jqe '.summary.severity_filtered == 174' out.txt
run 0 "$vigil" scan --sbom "$fix/app.cdx.json" -f table
check "no colour when standard output is not a terminal" lacks out.txt $'\x1b['
run 0 "$vigil" scan --sbom "$fix/app.cdx.json" -f table --color always
check "--color always" has out.txt $'\x1b[35mUNKNOWN\x1b[0m'
run 0 env VIGIL_COLOR=always "$vigil" scan --sbom "$fix/app.cdx.json" -f table
check "VIGIL_COLOR=always" has out.txt $'\x1b[35mUNKNOWN'
# On a terminal (script(1) gives one): colour by default, none with NO_COLOR or --color never.
tty_scan() { script -qec "$vigil scan --sbom $fix/app.cdx.json -f table $*" /dev/null > tty.txt 2>&1; }
if command -v script > /dev/null; then
  tty_scan; check "terminal: coloured" has tty.txt $'\x1b[35mUNKNOWN'
  NO_COLOR=1 tty_scan; check "terminal + NO_COLOR: no colour" lacks tty.txt $'\x1b[35m'
  tty_scan --color never; check "terminal + --color never: no colour" lacks tty.txt $'\x1b[35m'
else
  fail "script(1) is missing (util-linux)"
fi
widest() { python3 -c 'import sys, unicodedata
w = 0
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.rstrip("\n")
    w = max(w, sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line))
print(w)' "$1"; }
for cols in 60 80 132; do
  run 0 env COLUMNS=$cols "$vigil" scan --sbom "$fix/app.cdx.json" -f table --group-by severity
  w="$(widest out.txt)"
  [ "$w" -le "$cols" ] && pass "COLUMNS=$cols: widest line $w" || fail "COLUMNS=$cols: a line of $w columns"
  [ "$cols" = 60 ] && check "COLUMNS=60: a cut value ends in an ellipsis" has out.txt "…"
done
run 0 "$vigil" scan --sbom "$fix/app.cdx.json" -f table
check "no width limit off a terminal: the full Go pseudo-version" has out.txt "v0.0.0-20220715151400-c0bba94af5f8"

# --- version, help -----------------------------------------------------------------------------
run 0 "$vigil" version
check "vigil version" grep -qE '^vigil [0-9]+\.[0-9]+\.[0-9]+$' out.txt
check "vigil version: the commit" grep -qE '^commit +[0-9a-f]{12}|^commit +unknown' out.txt
run 0 "$vigil" version -f json
check "vigil version -f json" jqe '.version and .commit and .compiler' out.txt
run 0 "$vigil" --version
run 0 "$vigil" version compare -s semver 1.0.0 1.0.1
check "version compare still works" has out.txt "<"
run 0 "$vigil" help
check "vigil help lists the commands" has out.txt "completion"
run 0 "$vigil" help db import
check "vigil help db import" has out.txt "Usage: vigil db import"
run 2 "$vigil" help nosuch

# --- completion scripts and man page against CLI11's own help --------------------------------------
# Every command and flag, from `vigil help ...` (CLI11's formatter, not the generator).
commands() {  # commands PATH...: the subcommands listed by `vigil help PATH`
  "$vigil" help "$@" | awk '/^Subcommands:/ {s = 1; next} s && /^  [a-z]/ {print $1} s && /^$/ {s = 0}'
}
flags() {  # flags PATH...: every long option `vigil help PATH` lists
  "$vigil" help "$@" | grep -oE '(^|[ ,])--[a-z][a-z0-9-]*' | sed 's/^[ ,]//' | sort -u
}
all_paths() {
  local c d
  for c in $(commands); do
    echo "$c"
    for d in $(commands "$c"); do echo "$c $d"; done
  done
}
mapfile -t paths < <(all_paths)
[ "${#paths[@]}" -ge 15 ] && pass "${#paths[@]} commands found in the help" || fail "only ${#paths[@]} commands in the help"
for sh in bash zsh fish; do "$vigil" completion "$sh" > "completion.$sh" || fail "completion $sh"; done
check "completion bash: valid bash" bash -n completion.bash
run 2 "$vigil" completion tcsh
missing=0
for p in "${paths[@]}"; do
  last="${p##* }"
  for f in completion.bash completion.zsh completion.fish "$manpage"; do
    grep -qw -- "$last" "$f" || { fail "$f lacks the command '$p'"; missing=1; }
  done
  for flag in $(flags $p); do
    [ "$flag" = "--help" ] && continue
    word="(--|-l )${flag#--}([^a-z-]|\$)"  # bash/zsh and the man page: --flag; fish: -l flag
    for f in completion.bash completion.zsh completion.fish; do
      grep -qE -- "$word" "$f" || { fail "$f lacks $flag of '$p'"; missing=1; }
    done
    grep -qE -- "$word" <(sed 's/\\-/-/g' "$manpage") || { fail "the man page lacks $flag of '$p'"; missing=1; }
  done
done
[ "$missing" = 0 ] && pass "completions and man page mention every command and flag"
check "the hidden man command is not completed" lacks completion.bash '"/man"'
# The bash completion completes: subcommands, flags, values of a flag with choices.
complete_words() {  # complete_words WORD...: what the bash completion offers for the last word
  bash -c 'source completion.bash; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _vigil; printf "%s\n" "${COMPREPLY[@]}"' _ "$@"
}
check "bash: vigil sc<TAB> → scan" grep -qx scan <(complete_words vigil sc)
check "bash: vigil scan --sev<TAB> → --severity" grep -qx -- --severity <(complete_words vigil scan --sev)
check "bash: vigil scan -f <TAB> → cyclonedx-json" grep -qx cyclonedx-json <(complete_words vigil scan -f '')
check "bash: vigil db imp<TAB> → import" grep -qx import <(complete_words vigil db imp)
if command -v groff > /dev/null; then
  groff -man -Tutf8 -ww -z "$manpage" 2> groff.txt
  check "the man page formats without a groff warning" test ! -s groff.txt
fi
check "the man page lists the environment" grep -q '^\.SH ENVIRONMENT' "$manpage"
for env in $(grep -oE 'VIGIL_[A-Z_]+' "$manpage" | sort -u); do
  grep -qF "$env" "$src/docs/CLI.md" || fail "docs/CLI.md lacks $env"
done
pass "docs/CLI.md documents every VIGIL_ variable of the man page"

# --- JSON Schemas ------------------------------------------------------------------------------
validator="$src/tests/tools/validate-schema.js"
[ -d "$src/tests/tools/node_modules/ajv" ] ||
  { fail "ajv is not installed: run 'cd tests/tools && npm ci' (scripts/setup.sh --test does)"; echo "$passed passed, $failed failed"; exit 1; }
S="$src/docs/schemas"
for input in "$fix/app.cdx.json" "$fix/many.cdx.json" "$H" "$U"; do
  "$vigil" scan -q --sbom "$input" -f json -o scan.json --fail-on-kev
  check "vigil-scan/1 valid: $(basename "$input")" node "$validator" "$S/vigil-scan-1.schema.json" scan.json
done
run 0 "$vigil" sbom -q --no-cache -f json -o inventory.json dir:root
check "vigil-inventory/1 valid: dir:root" node "$validator" "$S/vigil-inventory-1.schema.json" inventory.json
"$vigil" scan -q --sbom "$fix/app.cdx.json" -f json -o scan.json
jq '.findings[0].severity = "SEVERE"' scan.json > bad.json
if node "$validator" "$S/vigil-scan-1.schema.json" bad.json > /dev/null 2>&1; then
  fail "the scan schema accepted a bad severity"
else
  pass "the scan schema rejects a bad severity"
fi
jq 'del(.packages[0].layer)' inventory.json > bad.json
if node "$validator" "$S/vigil-inventory-1.schema.json" bad.json > /dev/null 2>&1; then
  fail "the inventory schema accepted a package without its layer"
else
  pass "the inventory schema rejects a package without its layer"
fi

# --- the layer cache: info, clean, a size bound ---------------------------------------------------
# Three docker-archives of one layer each (a root folder has no stored layer to cache).
python3 - "$PWD" <<'PY'
import hashlib, io, json, sys, tarfile, os
base = sys.argv[1]
for n in range(3):
    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w") as t:
        data = ("Package: p%d\nStatus: install ok installed\nVersion: 1.%d\n\n" % (n, n)).encode()
        info = tarfile.TarInfo("var/lib/dpkg/status"); info.size = len(data); t.addfile(info, io.BytesIO(data))
    layer = layer.getvalue()
    diff = "sha256:" + hashlib.sha256(layer).hexdigest()
    cfg = json.dumps({"os": "linux", "architecture": "amd64", "rootfs": {"type": "layers", "diff_ids": [diff]}}).encode()
    cfg_name = hashlib.sha256(cfg).hexdigest() + ".json"
    manifest = json.dumps([{"Config": cfg_name, "RepoTags": ["c%d:1" % n], "Layers": ["l/layer.tar"]}]).encode()
    with tarfile.open(os.path.join(base, "c%d.tar" % n), "w") as t:
        for name, b in (("manifest.json", manifest), (cfg_name, cfg), ("l/layer.tar", layer)):
            info = tarfile.TarInfo(name); info.size = len(b); t.addfile(info, io.BytesIO(b))
PY
export VIGIL_CACHE_DIR="$PWD/layer-cache"
rm -rf "$VIGIL_CACHE_DIR"
run 0 "$vigil" cache info
check "cache info: an empty cache" has out.txt "layers: 0"
for n in 0 1 2; do run 0 "$vigil" sbom -q -f json -o "c$n.json" "c$n.tar"; sleep 1; done
run 0 "$vigil" cache info
check "cache info: three layers cached" has out.txt "layers: 3"
one="$(stat -c %s "$VIGIL_CACHE_DIR"/layers/v*/* | sort -n | tail -1)"
run 0 "$vigil" sbom -q -f json -o c0.json c0.tar  # c0 used again: now the most recent
run 0 "$vigil" sbom -q -f json -o c1.json --cache-max-size $((one * 2)) c1.tar
run 0 "$vigil" cache info
check "--cache-max-size: the bound kept (two of three layers)" has out.txt "layers: 2"
check "  ... the least recently used (c2) evicted" \
  bash -c "$vigil sbom -q -f json c2.tar | jq -e '.layers[0].from_cache == false' >/dev/null"
run 0 "$vigil" cache clean
check "cache clean: says what it removed" has out.txt "removed"
run 0 "$vigil" cache --cache-dir "$VIGIL_CACHE_DIR" info
check "cache clean: nothing left" has out.txt "layers: 0"
unset VIGIL_CACHE_DIR

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
