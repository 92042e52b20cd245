#include "catalog/catalogers/php.h"

#include <set>

#include "catalog/catalogers/lock_util.h"
#include "common/json.h"
#include "common/path.h"
#include "common/strings.h"

namespace vigil::catalog {
namespace {

class ComposerCataloger : public Cataloger {
 public:
  std::string_view name() const override { return "composer"; }
  bool Wants(const FileRef& f) const override { return IsComposerInstalledJson(f.path) || IsComposerLock(f.path); }
  uint64_t MaxSize() const override { return 32u << 20; }
  Status Parse(const FileRef& f, std::string_view content, FileResult& out) const override {
    return IsComposerLock(f.path) ? ParseComposerLock(content, out.packages)
                                  : ParseComposerInstalled(content, out.packages);
  }
};

// Appends the package an installed.json or composer.lock entry describes, if it has a name and
// a version.
void AddComposerPackage(const nlohmann::json& entry, bool lockfile, bool dev, std::vector<Package>& out) {
  if (!entry.is_object()) return;
  std::string full = JsonString(entry, "name");
  std::string version = JsonString(entry, "version");
  if (full.empty() || version.empty()) return;
  Package p;
  p.type = "composer";
  size_t slash = full.find('/');
  if (slash != std::string::npos && slash > 0 && slash + 1 < full.size()) {
    p.name_space = full.substr(0, slash);
    p.name = full.substr(slash + 1);
  } else {
    p.name = full;
  }
  p.version = version;
  if (auto it = entry.find("license"); it != entry.end()) {
    if (it->is_string()) {
      p.licenses.push_back(it->get<std::string>());
    } else if (it->is_array()) {
      for (const auto& l : *it) {
        if (l.is_string()) p.licenses.push_back(l.get<std::string>());
      }
    }
  }
  if (lockfile) p.properties["lockfile"] = "true";
  if (dev) p.properties["composer:dev"] = "true";
  out.push_back(std::move(p));
}

}  // namespace

bool IsComposerInstalledJson(std::string_view path) {
  return BaseName(path) == "installed.json" && BaseName(ParentPath(path)) == "composer";
}

bool IsComposerLock(std::string_view path) {
  if (BaseName(path) != "composer.lock") return false;
  for (std::string_view part : Split(ParentPath(path), '/')) {
    if (part == "vendor") return false;
  }
  return true;
}

Status ParseComposerInstalled(std::string_view text, std::vector<Package>& out) {
  VIGIL_ASSIGN_OR_RETURN(nlohmann::json j, ParseJson(text, "installed.json"));
  const nlohmann::json* packages = &j;
  std::set<std::string> dev_names;
  if (j.is_object()) {
    auto it = j.find("packages");
    if (it == j.end() || !it->is_array()) return Corrupt("installed.json: no \"packages\" array");
    packages = &*it;
    if (auto d = j.find("dev-package-names"); d != j.end() && d->is_array()) {
      for (const auto& n : *d) {
        if (n.is_string()) dev_names.insert(n.get<std::string>());
      }
    }
  } else if (!j.is_array()) {
    return Corrupt("installed.json: top level is neither an array nor an object");
  }
  for (const auto& entry : *packages) {
    AddComposerPackage(entry, false, dev_names.count(JsonString(entry, "name")) != 0, out);
  }
  return OkStatus();
}

Status ParseComposerLock(std::string_view text, std::vector<Package>& out) {
  VIGIL_ASSIGN_OR_RETURN(nlohmann::json j, ParseJson(text, "composer.lock"));
  if (!j.is_object()) return Corrupt("composer.lock: top level is not an object");
  auto packages = j.find("packages");
  if (packages == j.end() || !packages->is_array()) return Corrupt("composer.lock: no \"packages\" array");
  for (const auto& entry : *packages) AddComposerPackage(entry, true, false, out);
  if (auto dev = j.find("packages-dev"); dev != j.end() && dev->is_array()) {
    for (const auto& entry : *dev) AddComposerPackage(entry, true, true, out);
  }
  return OkStatus();
}

std::unique_ptr<Cataloger> NewComposerCataloger() { return std::make_unique<ComposerCataloger>(); }

}  // namespace vigil::catalog
