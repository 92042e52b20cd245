#include "catalog/catalogers/python_lock.h"

#include "catalog/catalogers/lock_util.h"
#include "catalog/catalogers/toml_adapter.h"
#include "common/json.h"
#include "common/path.h"

namespace vigil::catalog {
namespace {

constexpr std::string_view kDev = "pypi:dev";

class PythonLockCataloger : public Cataloger {
 public:
  std::string_view name() const override { return "python-lock"; }
  bool Wants(const FileRef& f) const override { return IsPythonLockFile(f.path); }
  uint64_t MaxSize() const override { return 16u << 20; }
  Status Parse(const FileRef& f, std::string_view content, FileResult& out) const override {
    return BaseName(f.path) == "poetry.lock" ? ParsePoetryLock(content, out.packages)
                                             : ParsePipfileLock(content, out.packages);
  }
};

bool PoetryDevOnly(const toml::table& t) {
  if (TomlString(t, "category") == "dev") return true;
  const toml::node* groups = t.get("groups");
  const toml::array* list = groups == nullptr ? nullptr : groups->as_array();
  if (list == nullptr || list->empty()) return false;
  for (const toml::node& g : *list) {
    const auto* s = g.as_string();
    if (s != nullptr && s->get() == "main") return false;
  }
  return true;
}

}  // namespace

bool IsPythonLockFile(std::string_view path) {
  std::string_view base = BaseName(path);
  return base == "poetry.lock" || base == "Pipfile.lock";
}

Status ParsePoetryLock(std::string_view text, std::vector<Package>& out) {
  UniquePackages pkgs{std::string(kDev)};
  VIGIL_RETURN_IF_ERROR(ForEachTomlPackage(
      text, "poetry.lock", [&pkgs](const toml::table& t, const std::string& name, const std::string& version) {
        Package p = LockPackage("pypi", "", name, version);
        if (PoetryDevOnly(t)) p.properties[std::string(kDev)] = "true";
        pkgs.Add(std::move(p));
      }));
  pkgs.MoveTo(out);
  return OkStatus();
}

Status ParsePipfileLock(std::string_view text, std::vector<Package>& out) {
  VIGIL_ASSIGN_OR_RETURN(nlohmann::json j, ParseJson(text, "Pipfile.lock"));
  if (!j.is_object()) return Corrupt("Pipfile.lock: top level is not an object");
  UniquePackages pkgs{std::string(kDev)};
  for (const char* section : {"default", "develop"}) {
    auto s = j.find(section);
    if (s == j.end() || !s->is_object()) continue;
    bool dev = std::string_view(section) == "develop";
    for (const auto& [name, entry] : s->items()) {
      std::string version = JsonString(entry, "version");
      // Pipenv pins with "==" (or "===" for arbitrary equality); anything else is not a pin.
      if (version.rfind("===", 0) == 0) {
        version.erase(0, 3);
      } else if (version.rfind("==", 0) == 0) {
        version.erase(0, 2);
      } else {
        continue;
      }
      if (name.empty() || version.empty()) continue;
      Package p = LockPackage("pypi", "", name, version);
      if (dev) p.properties[std::string(kDev)] = "true";
      pkgs.Add(std::move(p));
    }
  }
  pkgs.MoveTo(out);
  return OkStatus();
}

std::unique_ptr<Cataloger> NewPythonLockCataloger() { return std::make_unique<PythonLockCataloger>(); }

}  // namespace vigil::catalog
