#!/usr/bin/env bash
# Writes <fixture>.expected.tsv beside each lock-file fixture: the (name, version) pairs the
# catalog parsers must find, derived with other tools (node, @yarnpkg/lockfile, PyYAML, Python's
# tomllib, jq) and never with vigil's own parsers. The rules written here are the ones the
# headers in src/catalog/*.h document (which entries are skipped, how aliases resolve).
#
# Needs: node, jq, python3 >= 3.11 with PyYAML, and @yarnpkg/lockfile (the parser yarn 1 itself
# uses) in NODE_PATH, e.g. `npm install --prefix /tmp/derive @yarnpkg/lockfile@1.1.0` and
# NODE_PATH=/tmp/derive/node_modules. Run from anywhere; review the diff before committing.
set -euo pipefail
cd "$(dirname "$0")"

emit() {  # emit <fixture> <tool>: sorted, unique stdin -> <fixture>.expected.tsv
  { printf '# name\tversion; derived by derive-expected.sh with %s from %s\n' "$2" "$(basename "$1")"
    LC_ALL=C sort -u; } > "$1.expected.tsv"
}

# package-lock.json: "packages" (v2, v3) when present, else the nested "dependencies" (v1).
for f in npm/*/package-lock*.json; do
  node -e '
    const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const out = [];
    const alias = (n, v) => {
      if (typeof v !== "string" || !v.startsWith("npm:")) return [n, v];
      const s = v.slice(4), i = s.indexOf("@", 1);
      return [s.slice(0, i), s.slice(i + 1)];
    };
    if (j.packages && typeof j.packages === "object" && !Array.isArray(j.packages)) {
      for (const [k, v] of Object.entries(j.packages)) {
        if (!k.includes("node_modules/")) continue;          // root "" and workspace folders
        let name = k.slice(k.lastIndexOf("node_modules/") + "node_modules/".length), ver;
        if (v.link) ver = (j.packages[v.resolved] || {}).version;   // version of the linked folder
        else [name, ver] = alias(v.name || name, v.version);
        if (ver) out.push(name + "\t" + ver);
      }
    } else {
      const walk = (deps) => {
        for (const [k, v] of Object.entries(deps || {})) {
          const [name, ver] = alias(k, v.version);
          if (ver && !ver.startsWith("file:")) out.push(name + "\t" + ver);
          walk(v.dependencies);
        }
      };
      walk(j.dependencies);
    }
    console.log(out.join("\n"));
  ' "$f" | emit "$f" node
done

# yarn.lock classic (v1): yarn's own parser; the name follows an npm: alias; link: and file: skipped (a local folder or tarball, as package-lock.json's "file:" versions).
for f in npm/*/yarn*.lock; do
  grep -q '^__metadata:' "$f" && continue
  node -e '
    const lf = require("@yarnpkg/lockfile");
    const r = lf.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    if (r.type !== "success") throw new Error(r.type);
    const out = [];
    for (const [spec, e] of Object.entries(r.object)) {
      const at = spec.indexOf("@", 1);
      let name = spec.slice(0, at);
      const range = spec.slice(at + 1);
      if (range.startsWith("link:") || range.startsWith("file:")) continue;
      if (range.startsWith("npm:")) {
        const t = range.slice(4);
        if (t.startsWith("@") || t.indexOf("@", 1) > 0) name = t.slice(0, t.indexOf("@", 1) > 0 ? t.indexOf("@", 1) : t.length);
      }
      out.push(name + "\t" + e.version);
    }
    console.log(out.join("\n"));
  ' "$f" | emit "$f" @yarnpkg/lockfile
done

# yarn.lock berry (v2+) is YAML: name from "resolution"; workspace/link/portal skipped; a patch:
# entry counts as the package it patches.
for f in npm/*/yarn*.lock; do
  grep -q '^__metadata:' "$f" || continue
  python3 - "$f" <<'EOF' | emit "$f" PyYAML
import re, sys, yaml
doc = yaml.load(open(sys.argv[1]), Loader=yaml.BaseLoader)   # BaseLoader: every scalar a string
for key, e in doc.items():
    if key == "__metadata":
        continue
    res = e.get("resolution") or key.split(",")[0].strip()
    m = re.match(r"^(@?[^@]+)@(.*)$", res)
    name, rng = m.group(1), m.group(2)
    if rng.split(":")[0] in ("workspace", "link", "portal"):
        continue
    if rng.startswith("npm:") and (rng[4:].startswith("@") or "@" in rng[5:]):
        name = re.match(r"^(@?[^@]+)", rng[4:]).group(1)
    print(f"{name}\t{e['version']}")
EOF
done

# pnpm-lock.yaml: the "packages" keys, the entry's name/version fields winning; versions must
# start with a digit; directory packages skipped. In a file of several documents, pnpm's env
# document (importers holding only packageManagerDependencies / configDependencies) is skipped.
for f in npm/*/pnpm-lock*.yaml; do
  python3 - "$f" <<'EOF' | emit "$f" PyYAML
import re, sys, yaml
docs = [d or {} for d in yaml.load_all(open(sys.argv[1]), Loader=yaml.BaseLoader)]
def env(d):
    imps = d.get("importers")
    return isinstance(imps, dict) and len(imps) > 0 and all(
        isinstance(i, dict) and set(i) <= {"packageManagerDependencies", "configDependencies"} for i in imps.values())
for doc in docs:
  if len(docs) > 1 and env(doc):
    continue
  m = re.match(r"\d+", str(doc.get("lockfileVersion", "")))
  major = int(m.group()) if m else 0
  for key, e in (doc.get("packages") or {}).items():
      e = e if isinstance(e, dict) else {}
      if isinstance(e.get("resolution"), dict) and e["resolution"].get("type") == "directory":
          continue
      name = version = None
      if key.startswith("/") or 0 < major < 9:
          k = key[1:] if key.startswith("/") else key.partition("/")[2]   # drop a registry host
          m = re.match(r"^((?:@[^/]+/)?[^/@]+)([/@])(.*)$", k)
          if m:
              name = m.group(1)
              version = m.group(3).split("_")[0] if m.group(2) == "/" else m.group(3).split("(")[0]
      else:
          m = re.match(r"^(@?[^@]+)@(.*)$", key)
          if m:
              name, version = m.group(1), m.group(2).split("(")[0]
      name = e.get("name") or name
      version = e.get("version") or version
      if name and version and version[0].isdigit():
          print(f"{name}\t{version}")
EOF
done

# Gemfile.lock: 4-space "name (version)" lines of the GEM, GIT and PATH specs; the version ends
# at the first "-" (what follows is the platform).
f=ruby/syft/Gemfile.lock
python3 - "$f" <<'EOF' | emit "$f" python3-regex
import re, sys
section = None
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if line and not line.startswith(" "):
        section = line.strip()
        continue
    m = re.match(r"^    ([^ ]+) \(([^)]*)\)$", line)
    if m and section in ("GEM", "GIT", "PATH"):
        print(f"{m.group(1)}\t{m.group(2).split('-')[0]}")
EOF

# gemspec: the string assigned to <var>.name and <var>.version.
for f in ruby/*/*.gemspec; do
  python3 - "$f" <<'EOF' | emit "$f" python3-regex
import re, sys
text = open(sys.argv[1]).read()
var = re.search(r"Gem::Specification\.new\s*(?:do|\{)\s*\|\s*(\w+)\s*\|", text).group(1)
get = lambda field: re.search(rf"^\s*{var}\.{field}\s*=\s*\"([^\"]*)\"", text, re.M).group(1)
print(f"{get('name')}\t{get('version')}")
EOF
done

# composer: installed.json (v1 array, v2 {"packages"}), composer.lock packages + packages-dev.
for f in php/syft/*/installed.json; do
  jq -r '(if type == "array" then . else .packages end)[] | [.name, .version] | @tsv' "$f" | emit "$f" jq
done
f=php/trivy/composer_happy.lock
jq -r '(.packages + ."packages-dev")[] | [.name, .version] | @tsv' "$f" | emit "$f" jq

# .NET: deps.json libraries of type "package" or "runtimepack" split at the last "/" (a
# runtimepack's "runtimepack." prefix removed); packages.lock.json entries of every framework
# except type "Project".
for f in dotnet/*/*.deps.json; do
  jq -r '.libraries | to_entries[] | select(.value.type == "package" or .value.type == "runtimepack") | .key
         | capture("^(?<n>.*)/(?<v>[^/]*)$") | [(.n | sub("^runtimepack[.]"; "")), .v] | @tsv' "$f" | emit "$f" jq
done
f=dotnet/syft/packages.lock.json
jq -r '.dependencies[] | to_entries[] | select(.value.type != "Project") | [.key, .value.resolved] | @tsv' "$f" \
  | emit "$f" jq

# Cargo.lock and poetry.lock: every [[package]] table.
for f in rust/*/*.lock python/*/poetry*.lock; do
  python3 - "$f" <<'EOF' | emit "$f" tomllib
import sys, tomllib
for p in tomllib.load(open(sys.argv[1], "rb")).get("package", []):
    print(f"{p['name']}\t{p['version']}")
EOF
done

# Pipfile.lock: "default" and "develop" entries with a "==" version.
f=python/trivy/Pipfile_many.lock
jq -r '[.default, .develop][] | to_entries[] | select(.value.version | type == "string")
       | [.key, (.value.version | ltrimstr("=="))] | @tsv' "$f" | emit "$f" jq
