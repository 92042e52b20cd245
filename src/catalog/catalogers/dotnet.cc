#include "catalog/catalogers/dotnet.h"

#include "catalog/catalogers/lock_util.h"
#include "common/json.h"
#include "common/path.h"

namespace vigil::catalog {
namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

class DotnetCataloger : public Cataloger {
 public:
  std::string_view name() const override { return "dotnet"; }
  bool Wants(const FileRef& f) const override { return IsDotnetDepsJson(f.path) || IsNugetPackagesLock(f.path); }
  uint64_t MaxSize() const override { return 32u << 20; }
  Status Parse(const FileRef& f, std::string_view content, FileResult& out) const override {
    return IsNugetPackagesLock(f.path) ? ParseNugetPackagesLock(content, out.packages)
                                       : ParseDepsJson(content, out.packages);
  }
};

}  // namespace

bool IsDotnetDepsJson(std::string_view path) {
  std::string_view base = BaseName(path);
  return base.size() > 10 && EndsWith(base, ".deps.json");
}

bool IsNugetPackagesLock(std::string_view path) { return BaseName(path) == "packages.lock.json"; }

Status ParseDepsJson(std::string_view text, std::vector<Package>& out) {
  VIGIL_ASSIGN_OR_RETURN(nlohmann::json j, ParseJson(text, "deps.json"));
  if (!j.is_object()) return Corrupt("deps.json: top level is not an object");
  auto libs = j.find("libraries");
  if (libs == j.end()) return OkStatus();
  if (!libs->is_object()) return Corrupt("deps.json: \"libraries\" is not an object");
  constexpr std::string_view kRuntimePackPrefix = "runtimepack.";
  for (const auto& [key, lib] : libs->items()) {
    std::string type = JsonString(lib, "type");
    bool runtime_pack = type == "runtimepack";
    if (type != "package" && !runtime_pack) continue;
    // NuGet ids contain no '/', versions neither; the last '/' splits them.
    size_t slash = key.rfind('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == key.size()) continue;
    Package p;
    p.type = "nuget";
    p.name = key.substr(0, slash);
    p.version = key.substr(slash + 1);
    if (runtime_pack) {
      // A self-contained app carries the .NET runtime it bundles as a "runtimepack" library
      // whose id the SDK prefixes with "runtimepack." (no NuGet id starts so). Without the
      // prefix it is the runtime pack package (Microsoft.NETCore.App.Runtime.linux-x64), the
      // name a framework-dependent install's own deps.json gives and advisories use.
      if (p.name.starts_with(kRuntimePackPrefix)) p.name.erase(0, kRuntimePackPrefix.size());
      if (p.name.empty()) continue;
      p.properties["nuget:runtimepack"] = "true";
    }
    out.push_back(std::move(p));
  }
  return OkStatus();
}

Status ParseNugetPackagesLock(std::string_view text, std::vector<Package>& out) {
  VIGIL_ASSIGN_OR_RETURN(nlohmann::json j, ParseJson(text, "packages.lock.json"));
  if (!j.is_object()) return Corrupt("packages.lock.json: top level is not an object");
  auto deps = j.find("dependencies");
  if (deps == j.end() || !deps->is_object()) return OkStatus();
  UniquePackages pkgs;
  for (const auto& [framework, entries] : deps->items()) {
    if (!entries.is_object()) continue;
    for (const auto& [name, entry] : entries.items()) {
      if (!entry.is_object() || JsonString(entry, "type") == "Project") continue;
      std::string version = JsonString(entry, "resolved");
      if (name.empty() || version.empty()) continue;
      pkgs.Add(LockPackage("nuget", "", name, version));
    }
  }
  pkgs.MoveTo(out);
  return OkStatus();
}

std::unique_ptr<Cataloger> NewDotnetCataloger() { return std::make_unique<DotnetCataloger>(); }

}  // namespace vigil::catalog
