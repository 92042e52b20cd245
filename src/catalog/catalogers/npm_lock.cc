#include "catalog/catalogers/npm_lock.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "catalog/catalogers/lock_util.h"
#include "common/json.h"
#include "common/path.h"
#include "common/strings.h"
#include "common/yaml_node.h"

namespace vigil::catalog {
namespace {

constexpr std::string_view kDev = "npm:dev";

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

bool LooksLikeVersion(std::string_view v) { return !v.empty() && v.front() >= '0' && v.front() <= '9'; }

Package NpmPackage(std::string_view full_name, std::string_view version) {
  std::string ns, name;
  SplitNpmName(full_name, ns, name);
  return LockPackage("npm", ns, name, version);
}

// "name@range" -> name; the '@' of a scope is not a separator. Returns "" when there is no name.
std::string_view NameOfSpecifier(std::string_view spec) {
  size_t at = spec.find('@', 1);
  return at == std::string_view::npos ? spec : spec.substr(0, at);
}

// For "name@range" returns the range ("" when there is none).
std::string_view RangeOfSpecifier(std::string_view spec) {
  size_t at = spec.find('@', 1);
  return at == std::string_view::npos ? std::string_view() : spec.substr(at + 1);
}

// ---- package-lock.json -------------------------------------------------------------------

// npm writes an aliased dependency's version in lockfile v1 as "npm:<real name>@<version>".
void ResolveNpmAlias(std::string& name, std::string& version) {
  if (!StartsWith(version, "npm:")) return;
  std::string_view spec = std::string_view(version).substr(4);
  std::string real(NameOfSpecifier(spec));
  std::string v(RangeOfSpecifier(spec));
  name = std::move(real);
  version = std::move(v);
}

bool JsonTrue(const nlohmann::json& j, std::string_view key) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

// The installed name of a "packages" key: what follows its last "node_modules" component
// ("a/node_modules/@s/b" -> "@s/b"). "" when the key has no node_modules component, which is a
// workspace folder or the root.
std::string NameFromPackagesKey(std::string_view key) {
  std::vector<std::string_view> parts = Split(key, '/');
  for (size_t i = parts.size(); i-- > 0;) {
    if (parts[i] != "node_modules") continue;
    if (i + 1 >= parts.size()) return {};
    std::string name(parts[i + 1]);
    if (!name.empty() && name.front() == '@') {
      if (i + 2 >= parts.size()) return {};
      name += "/" + std::string(parts[i + 2]);
    }
    return name;
  }
  return {};
}

void ParsePackagesSection(const nlohmann::json& packages, UniquePackages& pkgs) {
  for (const auto& [key, v] : packages.items()) {
    if (key.empty() || !v.is_object()) continue;
    std::string name = NameFromPackagesKey(key);
    if (name.empty()) continue;  // the root or a workspace folder; links point at them
    std::string version;
    bool link = JsonTrue(v, "link");
    if (link) {
      // A workspace package: node_modules/<name> is a symlink to the folder "resolved" names,
      // whose own entry holds the version.
      std::string target = JsonString(v, "resolved");
      auto t = packages.find(target);
      if (t != packages.end() && t->is_object()) version = JsonString(*t, "version");
    } else {
      std::string alias_of = JsonString(v, "name");
      if (!alias_of.empty()) name = alias_of;
      version = JsonString(v, "version");
      ResolveNpmAlias(name, version);
    }
    if (name.empty() || version.empty()) continue;
    Package p = NpmPackage(name, version);
    if (link) p.properties["npm:workspace"] = "true";
    if (JsonTrue(v, "dev")) p.properties[std::string(kDev)] = "true";
    if (JsonTrue(v, "inBundle")) p.properties["npm:bundled"] = "true";
    pkgs.Add(std::move(p));
  }
}

// lockfileVersion 1: {"dependencies": {name: {"version", "dev", "dependencies": {...}}}}, nested
// as node_modules folders nest. Walked with an explicit stack; ParseJson bounds the depth anyway.
// An entry nested under a dev entry's "dependencies" sits in that dev package's own node_modules:
// only the dev package can load it, so it is dev too, whatever its own flag says (npm writes
// "dev": true there, but not every writer of v1 locks does: osv-scanner's
// same-package-different-groups fixture has one without).
void ParseDependenciesTree(const nlohmann::json& deps, UniquePackages& pkgs) {
  std::vector<std::pair<const nlohmann::json*, bool>> stack{{&deps, false}};  // level, under a dev entry
  while (!stack.empty()) {
    auto [level, under_dev] = stack.back();
    stack.pop_back();
    if (!level->is_object()) continue;
    for (const auto& [key, v] : level->items()) {
      if (!v.is_object()) continue;
      std::string name = key;
      std::string version = JsonString(v, "version");
      ResolveNpmAlias(name, version);
      bool dev = under_dev || JsonTrue(v, "dev");
      // "file:" versions are local folders linked into node_modules: no published version.
      if (!name.empty() && !version.empty() && !StartsWith(version, "file:")) {
        Package p = NpmPackage(name, version);
        if (dev) p.properties[std::string(kDev)] = "true";
        if (JsonTrue(v, "bundled")) p.properties["npm:bundled"] = "true";
        pkgs.Add(std::move(p));
      }
      if (auto it = v.find("dependencies"); it != v.end()) stack.push_back({&*it, dev});
    }
  }
}

// ---- YAML adapter --------------------------------------------------------------------------

// Documents are loaded by LoadYaml (common/yaml_node.h), behind the YAML guard: aliases that
// multiply, deep nesting and oversized text are refused before a tree is built. yaml-cpp's
// accessors report misuse by throwing; every call into them stays inside a try block of this file.

// node[key] as a string when it is a scalar, else "". `node` is const so a lookup never inserts.
std::string YamlString(const YAML::Node& node, const char* key) {
  if (!node.IsMap()) return {};
  const YAML::Node v = node[key];
  if (!v || !v.IsScalar()) return {};
  return v.Scalar();
}

std::string YamlScalar(const YAML::Node& node) { return node.IsScalar() ? node.Scalar() : std::string(); }

// ---- yarn.lock -----------------------------------------------------------------------------

// Reads one token of a classic yarn.lock line: a "quoted string" (with \ escapes) or a bare
// word up to white space or `stop`. Advances `s` past it.
std::string YarnToken(std::string_view& s, char stop) {
  std::string out;
  s = Trim(s);
  if (!s.empty() && s.front() == '"') {
    size_t i = 1;
    for (; i < s.size() && s[i] != '"'; ++i) {
      if (s[i] == '\\' && i + 1 < s.size()) ++i;
      out.push_back(s[i]);
    }
    s.remove_prefix(std::min(i + 1, s.size()));
    return out;
  }
  size_t i = 0;
  while (i < s.size() && s[i] != ' ' && s[i] != '\t' && s[i] != stop) ++i;
  out = std::string(s.substr(0, i));
  s.remove_prefix(i);
  return out;
}

// The real package name behind a specifier, following an "npm:" alias
// ("alias@npm:@babel/x@^7" -> "@babel/x").
std::string RealNameOfSpecifier(std::string_view spec) {
  std::string_view range = RangeOfSpecifier(spec);
  if (StartsWith(range, "npm:")) {
    std::string_view target = range.substr(4);
    // "npm:^1.0.0" (berry's plain range) names no other package; an alias is "npm:name@range"
    // or a scoped "npm:@scope/name".
    if (!target.empty() && (target.front() == '@' || target.find('@', 1) != std::string_view::npos)) {
      return std::string(NameOfSpecifier(target));
    }
  }
  return std::string(NameOfSpecifier(spec));
}

Status ParseYarnClassic(std::string_view text, std::vector<Package>& out) {
  UniquePackages pkgs;
  enum class State { kStart, kEntry, kSkipped } state = State::kStart;
  std::string name, version;
  size_t line_no = 0;
  Status status;
  auto flush = [&]() {
    if (state == State::kEntry && !name.empty() && !version.empty()) pkgs.Add(NpmPackage(name, version));
    name.clear();
    version.clear();
  };
  ForEachLine(text, [&](std::string_view line) {
    ++line_no;
    if (!status.ok()) return;
    std::string_view t = Trim(line);
    if (t.empty() || t.front() == '#') return;
    size_t indent = 0;
    while (indent < line.size() && line[indent] == ' ') ++indent;
    if (indent == 0) {
      // An entry header: `"a@^1", a@~1.2:`, the specifiers that resolved to this package.
      flush();
      if (t.back() != ':') {
        status = Corrupt("yarn.lock line " + std::to_string(line_no) + ": expected an entry header, got '" +
                         Clip(t, 60) + "'");
        return;
      }
      std::string_view header = t.substr(0, t.size() - 1);
      std::string first = YarnToken(header, ',');
      // link: entries are folders of the project itself, not packages with a version; file:
      // entries are local folders or tarballs, skipped as package-lock.json's "file:" versions
      // are: no registry published them, so their name says nothing about their content.
      std::string_view spec = RangeOfSpecifier(first);
      state = StartsWith(spec, "link:") || StartsWith(spec, "file:") ? State::kSkipped : State::kEntry;
      name = RealNameOfSpecifier(first);
      return;
    }
    if (state == State::kStart) {
      status = Corrupt("yarn.lock line " + std::to_string(line_no) + ": indented line before any entry");
      return;
    }
    if (indent != 2 || state != State::kEntry) return;  // nested lists such as dependencies
    std::string_view rest = t;
    std::string key = YarnToken(rest, ' ');
    if (key == "version") version = YarnToken(rest, ' ');
  });
  flush();
  pkgs.MoveTo(out);
  return status;
}

bool IsYarnBerry(std::string_view text) {
  return StartsWith(text, "__metadata:") || text.find("\n__metadata:") != std::string_view::npos;
}

Status ParseYarnBerry(std::string_view text, std::vector<Package>& out) {
  VIGIL_ASSIGN_OR_RETURN(const YAML::Node root, LoadYaml(text, "yarn.lock"));
  UniquePackages pkgs;
  Status status;
  try {
    if (!root.IsMap()) return Corrupt("yarn.lock: top level is not a mapping");
    for (auto it = root.begin(); it != root.end(); ++it) {
      std::string key = YamlScalar(it->first);
      if (key == "__metadata") continue;
      const YAML::Node entry = it->second;
      if (!entry.IsMap()) continue;
      std::string version = YamlString(entry, "version");
      // The resolution names the package actually installed, after aliases
      // ("ansi-regex@npm:5.0.1" for a key "ansi-regex-cjs@npm:ansi-regex@^5.0.0").
      std::string locator = YamlString(entry, "resolution");
      if (locator.empty()) {
        std::string_view k = key;
        locator = YarnToken(k, ',');
      }
      std::string_view range = RangeOfSpecifier(locator);
      std::string_view protocol = range.substr(0, range.find(':'));
      // The project's own folders. A patch: entry is kept: it is the package it patches, with the
      // same name and version (and merges with that package's own entry).
      if (protocol == "workspace" || protocol == "link" || protocol == "portal") continue;
      std::string name = RealNameOfSpecifier(locator);
      if (name.empty() || version.empty()) continue;
      pkgs.Add(NpmPackage(name, version));
    }
  } catch (const std::exception& e) {
    status = Corrupt(std::string("yarn.lock: ") + e.what());
  }
  pkgs.MoveTo(out);
  return status;
}

// ---- pnpm-lock.yaml ------------------------------------------------------------------------

// The major lockfileVersion (5.4 -> 5, '6.0' -> 6, '9.0' -> 9); 0 when absent or unreadable.
int PnpmMajor(const YAML::Node& root) {
  std::string v = YamlString(root, "lockfileVersion");
  int major = 0;
  for (char c : v) {
    if (c < '0' || c > '9') break;
    major = major * 10 + (c - '0');
    if (major > 1000) break;
  }
  return major;
}

// Removes a peer-dependency suffix "(peer@1)(other@2)" from a version or snapshot key.
std::string_view StripPeers(std::string_view s) { return s.substr(0, s.find('(')); }

// Splits a pnpm package key into name and version; false if it holds none.
//   5.x  "/name/1.0.0", "/@s/name/1.0.0_peer@2.0.0", "host/name/1.0.0"
//   6.x  "/name@1.0.0(peer@2.0.0)", "/@s/name@1.0.0"
//   9.x  "name@1.0.0", "@s/name@1.0.0", "name@https://host/x.tgz"
bool ParsePnpmKey(std::string_view key, int major, std::string& name, std::string& version) {
  std::string_view s = key;
  bool slash = !s.empty() && s.front() == '/';
  if (slash) {
    s.remove_prefix(1);
  } else if (major == 0 || major >= 9) {
    std::string_view n = NameOfSpecifier(s);
    if (n.size() == s.size() || n.empty()) return false;
    name = std::string(n);
    version = std::string(StripPeers(RangeOfSpecifier(s)));
    return true;
  } else {
    // A package from another registry: the key starts with the registry's host.
    size_t host_end = s.find('/');
    if (host_end == std::string_view::npos) return false;
    s.remove_prefix(host_end + 1);
  }
  size_t start = 0;
  if (!s.empty() && s.front() == '@') {
    size_t scope_end = s.find('/');
    if (scope_end == std::string_view::npos) return false;
    start = scope_end + 1;
  }
  size_t end = s.find_first_of("/@", start);
  if (end == std::string_view::npos || end == start) return false;
  name = std::string(s.substr(0, end));
  std::string_view rest = s.substr(end + 1);
  rest = s[end] == '/' ? rest.substr(0, rest.find('_')) : StripPeers(rest);
  version = std::string(rest);
  return true;
}

// pnpm 9 no longer marks dev packages; they are those reached from an importer's
// devDependencies and not from its dependencies or optionalDependencies. Walks "snapshots"
// breadth-first from the importers and returns the package keys (peer suffix removed) reached
// from each kind of root.
void PnpmReachable(const YAML::Node& root, std::set<std::string>& prod, std::set<std::string>& dev) {
  const YAML::Node importers = root["importers"];
  const YAML::Node snapshots = root["snapshots"];
  if (!importers || !importers.IsMap() || !snapshots || !snapshots.IsMap()) return;
  // yaml-cpp looks keys up linearly; index the snapshots once.
  std::map<std::string, YAML::Node> index;
  for (auto it = snapshots.begin(); it != snapshots.end(); ++it) {
    index.emplace(YamlScalar(it->first), it->second);
  }
  auto resolve = [&](const std::string& dep, const std::string& version) -> std::string {
    if (version.empty() || StartsWith(version, "link:")) return {};
    std::string key = dep + "@" + version;
    if (index.count(key) != 0) return key;
    if (index.count(version) != 0) return version;  // an alias: version is "<real>@<version>"
    return {};
  };
  auto walk = [&](bool want_dev, std::set<std::string>& reached) {
    std::set<std::string> seen;
    std::vector<std::string> queue;
    for (auto imp = importers.begin(); imp != importers.end(); ++imp) {
      const YAML::Node importer = imp->second;
      if (!importer.IsMap()) continue;
      for (const char* group : {"dependencies", "optionalDependencies", "devDependencies"}) {
        bool is_dev = std::string_view(group) == "devDependencies";
        if (is_dev != want_dev) continue;
        const YAML::Node deps = importer[group];
        if (!deps || !deps.IsMap()) continue;
        for (auto d = deps.begin(); d != deps.end(); ++d) {
          const YAML::Node spec = d->second;
          std::string version = spec.IsMap() ? YamlString(spec, "version") : YamlScalar(spec);
          std::string key = resolve(YamlScalar(d->first), version);
          if (!key.empty() && seen.insert(key).second) queue.push_back(key);
        }
      }
    }
    for (size_t i = 0; i < queue.size(); ++i) {
      reached.insert(std::string(StripPeers(queue[i])));
      const YAML::Node snap = index.find(queue[i])->second;
      if (!snap.IsMap()) continue;
      for (const char* group : {"dependencies", "optionalDependencies"}) {
        const YAML::Node deps = snap[group];
        if (!deps || !deps.IsMap()) continue;
        for (auto d = deps.begin(); d != deps.end(); ++d) {
          std::string key = resolve(YamlScalar(d->first), YamlScalar(d->second));
          if (!key.empty() && seen.insert(key).second) queue.push_back(key);
        }
      }
    }
  };
  walk(false, prod);
  walk(true, dev);
}

}  // namespace

JsLockKind ClassifyJsLockFile(std::string_view path) {
  std::string_view base = BaseName(path);
  JsLockKind kind = JsLockKind::kNone;
  if (base == "package-lock.json" || base == "npm-shrinkwrap.json") {
    kind = JsLockKind::kPackageLock;
  } else if (base == "yarn.lock") {
    kind = JsLockKind::kYarn;
  } else if (base == "pnpm-lock.yaml") {
    kind = JsLockKind::kPnpm;
  } else {
    return JsLockKind::kNone;
  }
  for (std::string_view part : Split(ParentPath(path), '/')) {
    if (part == "node_modules") return JsLockKind::kNone;
  }
  return kind;
}

Status ParsePackageLock(std::string_view text, std::vector<Package>& out) {
  VIGIL_ASSIGN_OR_RETURN(nlohmann::json j, ParseJson(text, "package-lock.json"));
  if (!j.is_object()) return Corrupt("package-lock.json: top level is not an object");
  UniquePackages pkgs(std::string{kDev});
  // lockfileVersion 2 carries both sections; "packages" is the complete one.
  if (auto it = j.find("packages"); it != j.end() && it->is_object()) {
    ParsePackagesSection(*it, pkgs);
  } else if (auto deps = j.find("dependencies"); deps != j.end()) {
    ParseDependenciesTree(*deps, pkgs);
  }
  pkgs.MoveTo(out);
  return OkStatus();
}

Status ParseYarnLock(std::string_view text, std::vector<Package>& out) {
  return IsYarnBerry(text) ? ParseYarnBerry(text, out) : ParseYarnClassic(text, out);
}

namespace {

// One document of a pnpm-lock.yaml: its packages are added to `pkgs`.
Status ParsePnpmDocument(const YAML::Node& root, UniquePackages& pkgs) {
  if (root.IsNull()) return OkStatus();  // an empty file or document
  if (!root.IsMap()) return Corrupt("pnpm-lock.yaml: top level is not a mapping");
  int major = PnpmMajor(root);
  const YAML::Node packages = root["packages"];
  if (!packages || packages.IsNull()) return OkStatus();
  if (!packages.IsMap()) return Corrupt("pnpm-lock.yaml: \"packages\" is not a mapping");
  std::set<std::string> prod, dev;
  bool graph = major >= 9;
  if (graph) PnpmReachable(root, prod, dev);
  for (auto it = packages.begin(); it != packages.end(); ++it) {
    std::string key = YamlScalar(it->first);
    const YAML::Node entry = it->second;
    std::string name, version;
    bool from_key = ParsePnpmKey(key, major, name, version);
    if (entry.IsMap()) {
      // Tarball and git packages carry their real name and version as fields.
      if (std::string n = YamlString(entry, "name"); !n.empty()) name = n;
      if (std::string v = YamlString(entry, "version"); !v.empty()) version = v;
      const YAML::Node res = entry["resolution"];
      if (res && res.IsMap() && YamlString(res, "type") == "directory") continue;  // a local folder
    } else if (!from_key) {
      continue;
    }
    if (name.empty() || !LooksLikeVersion(version)) continue;
    Package p = NpmPackage(name, version);
    bool is_dev = false;
    if (graph) {
      std::string pkg_key(StripPeers(key));
      is_dev = dev.count(pkg_key) != 0 && prod.count(pkg_key) == 0;
    } else {
      is_dev = YamlString(entry, "dev") == "true";
    }
    if (is_dev) p.properties[std::string(kDev)] = "true";
    pkgs.Add(std::move(p));
  }
  return OkStatus();
}

// True for pnpm's "env lockfile" document: one whose importers hold nothing but
// packageManagerDependencies (pnpm itself and its platform binaries, when the project pins its
// pnpm version) and configDependencies (packages pnpm loads to configure itself). pnpm 11+ writes
// it first, then "---" and the project's lock (pnpm/pnpm#10964; trivy and nx read it the same
// way). Its packages are the package manager's own tooling, installed into pnpm's store and
// node_modules/.pnpm-config, not the project's dependency graph.
bool IsPnpmEnvDocument(const YAML::Node& root) {
  if (!root.IsMap()) return false;
  const YAML::Node importers = root["importers"];
  if (!importers || !importers.IsMap() || importers.size() == 0) return false;
  for (auto imp = importers.begin(); imp != importers.end(); ++imp) {
    const YAML::Node importer = imp->second;
    if (!importer.IsMap()) return false;
    for (auto f = importer.begin(); f != importer.end(); ++f) {
      std::string field = YamlScalar(f->first);
      if (field != "packageManagerDependencies" && field != "configDependencies") return false;
    }
  }
  return true;
}

}  // namespace

Status ParsePnpmLock(std::string_view text, std::vector<Package>& out) {
  // Recent pnpm may write several YAML documents into one pnpm-lock.yaml; all are loaded (each
  // through the YAML guard) and the project's packages are taken from every document that is
  // not pnpm's env document. With one document, that document is the lock, whatever it holds.
  VIGIL_ASSIGN_OR_RETURN(const std::vector<YAML::Node> docs, LoadAllYaml(text, "pnpm-lock.yaml"));
  UniquePackages pkgs(std::string{kDev});
  Status status;
  try {
    for (const YAML::Node& root : docs) {
      if (docs.size() > 1 && IsPnpmEnvDocument(root)) continue;
      status = ParsePnpmDocument(root, pkgs);
      if (!status.ok()) break;
    }
  } catch (const std::exception& e) {
    status = Corrupt(std::string("pnpm-lock.yaml: ") + e.what());
  }
  pkgs.MoveTo(out);
  return status;
}

namespace {

class JsLockCataloger : public Cataloger {
 public:
  using ParseFn = Status (*)(std::string_view, std::vector<Package>&);
  JsLockCataloger(std::string_view name, JsLockKind kind, uint64_t max_size, ParseFn parse)
      : name_(name), kind_(kind), max_size_(max_size), parse_(parse) {}

  std::string_view name() const override { return name_; }
  bool Wants(const FileRef& f) const override { return ClassifyJsLockFile(f.path) == kind_; }
  uint64_t MaxSize() const override { return max_size_; }
  Status Parse(const FileRef&, std::string_view content, FileResult& out) const override {
    return parse_(content, out.packages);
  }

 private:
  std::string_view name_;
  JsLockKind kind_;
  uint64_t max_size_;
  ParseFn parse_;
};

}  // namespace

std::unique_ptr<Cataloger> NewNpmLockCataloger() {
  return std::make_unique<JsLockCataloger>("npm-lock", JsLockKind::kPackageLock, 64u << 20, ParsePackageLock);
}

// A YAML document tree costs yaml-cpp many times the text's size in memory, hence the lower cap.
std::unique_ptr<Cataloger> NewYarnLockCataloger() {
  return std::make_unique<JsLockCataloger>("yarn-lock", JsLockKind::kYarn, 32u << 20, ParseYarnLock);
}

std::unique_ptr<Cataloger> NewPnpmLockCataloger() {
  return std::make_unique<JsLockCataloger>("pnpm-lock", JsLockKind::kPnpm, 32u << 20, ParsePnpmLock);
}

}  // namespace vigil::catalog
