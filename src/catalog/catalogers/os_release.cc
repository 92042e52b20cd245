#include "catalog/catalogers/os_release.h"

#include <map>
#include <string>

#include "common/strings.h"

namespace vigil::catalog {
namespace {

std::string Unquote(std::string_view v) {
  v = Trim(v);
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) {
    char q = v.front();
    v = v.substr(1, v.size() - 2);
    std::string out;
    for (size_t i = 0; i < v.size(); ++i) {
      if (q == '"' && v[i] == '\\' && i + 1 < v.size()) {
        out.push_back(v[++i]);
      } else {
        out.push_back(v[i]);
      }
    }
    return out;
  }
  return std::string(v);
}

class OsReleaseCataloger : public Cataloger {
 public:
  std::string_view name() const override { return "os-release"; }
  bool Wants(const FileRef& f) const override { return f.path == "etc/os-release" || f.path == "usr/lib/os-release"; }
  uint64_t MaxSize() const override { return 64 << 10; }
  Status Parse(const FileRef&, std::string_view content, FileResult& out) const override {
    out.facts["os-release"] = std::string(content);
    return OkStatus();
  }
};

}  // namespace

Distro ParseOsRelease(std::string_view text) {
  std::map<std::string, std::string> kv;
  ForEachLine(text, [&](std::string_view line) {
    line = Trim(line);
    if (line.empty() || line.front() == '#') return;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) return;
    kv[std::string(Trim(line.substr(0, eq)))] = Unquote(line.substr(eq + 1));
  });
  Distro d;
  d.id = AsciiLower(kv["ID"]);
  d.version_id = kv["VERSION_ID"];
  d.version_codename = kv["VERSION_CODENAME"];
  d.name = kv["NAME"];
  d.pretty_name = kv["PRETTY_NAME"];
  d.id_like = kv["ID_LIKE"];
  return d;
}

std::unique_ptr<Cataloger> NewOsReleaseCataloger() { return std::make_unique<OsReleaseCataloger>(); }

}  // namespace vigil::catalog
