#include "catalog/catalogers/npm.h"

#include "common/json.h"
#include "common/path.h"

namespace vigil::catalog {
namespace {

class NpmCataloger : public Cataloger {
 public:
  std::string_view name() const override { return "npm"; }
  bool Wants(const FileRef& f) const override { return IsInstalledPackageJson(f.path); }
  uint64_t MaxSize() const override { return 8u << 20; }
  Status Parse(const FileRef&, std::string_view content, FileResult& out) const override {
    return ParsePackageJson(content, out.packages);
  }
};

void AddLicense(const nlohmann::json& v, std::vector<std::string>& out) {
  if (v.is_string()) {
    out.push_back(v.get<std::string>());
  } else if (v.is_object()) {
    std::string t = JsonString(v, "type");
    if (!t.empty()) out.push_back(t);
  }
}

}  // namespace

bool IsInstalledPackageJson(std::string_view path) {
  if (BaseName(path) != "package.json") return false;
  std::string_view dir = ParentPath(path);  // .../node_modules/[@scope/]name
  std::string_view up = ParentPath(dir);    // .../node_modules or .../node_modules/@scope
  if (BaseName(up) == "node_modules") return BaseName(dir).front() != '@' && BaseName(dir).front() != '.';
  std::string_view scope = BaseName(up);
  return !scope.empty() && scope.front() == '@' && BaseName(ParentPath(up)) == "node_modules";
}

Status ParsePackageJson(std::string_view text, std::vector<Package>& out) {
  VIGIL_ASSIGN_OR_RETURN(nlohmann::json j, ParseJson(text, "package.json"));
  if (!j.is_object()) return Corrupt("package.json: top level is not an object");
  std::string name = JsonString(j, "name");
  std::string version = JsonString(j, "version");
  if (name.empty() || version.empty()) return OkStatus();
  Package p;
  p.type = "npm";
  if (name.front() == '@') {
    size_t slash = name.find('/');
    if (slash != std::string::npos) {
      p.name_space = name.substr(0, slash);
      p.name = name.substr(slash + 1);
    } else {
      p.name = name;
    }
  } else {
    p.name = name;
  }
  p.version = version;
  if (auto it = j.find("license"); it != j.end()) AddLicense(*it, p.licenses);
  if (auto it = j.find("licenses"); it != j.end() && it->is_array()) {
    for (const auto& l : *it) AddLicense(l, p.licenses);
  }
  if (auto it = j.find("private"); it != j.end() && it->is_boolean() && it->get<bool>()) {
    p.properties["npm:private"] = "true";
  }
  if (j.contains("workspaces")) p.properties["npm:workspace-root"] = "true";
  out.push_back(std::move(p));
  return OkStatus();
}

std::unique_ptr<Cataloger> NewNpmCataloger() { return std::make_unique<NpmCataloger>(); }

}  // namespace vigil::catalog
