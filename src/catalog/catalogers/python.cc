#include "catalog/catalogers/python.h"

#include "common/path.h"
#include "common/strings.h"

namespace vigil::catalog {
namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

class PythonCataloger : public Cataloger {
 public:
  std::string_view name() const override { return "python"; }
  bool Wants(const FileRef& f) const override {
    return EndsWith(f.path, ".dist-info/METADATA") || EndsWith(f.path, ".egg-info/PKG-INFO") ||
           EndsWith(f.path, ".egg-info");
  }
  uint64_t MaxSize() const override { return 16u << 20; }
  Status Parse(const FileRef&, std::string_view content, FileResult& out) const override {
    return ParsePythonMetadata(content, out.packages);
  }
};

}  // namespace

Status ParsePythonMetadata(std::string_view text, std::vector<Package>& out) {
  std::string name, version, license, license_expr;
  std::vector<std::string> classifier_licenses;
  bool stop = false;
  ForEachLine(text, [&](std::string_view line) {
    if (stop) return;
    if (Trim(line).empty()) {
      stop = true;  // the body (long description) follows
      return;
    }
    if (line.front() == ' ' || line.front() == '\t') return;  // continuation
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return;
    std::string key = AsciiLower(Trim(line.substr(0, colon)));
    std::string_view value = Trim(line.substr(colon + 1));
    if (key == "name" && name.empty())
      name = std::string(value);
    else if (key == "version" && version.empty())
      version = std::string(value);
    else if (key == "license" && license.empty())
      license = std::string(value);
    else if (key == "license-expression")
      license_expr = std::string(value);
    else if (key == "classifier" && value.substr(0, 10) == "License ::") {
      size_t last = value.rfind("::");
      std::string_view l = Trim(value.substr(last + 2));
      if (!l.empty() && l != "OSI Approved") classifier_licenses.emplace_back(l);
    }
  });
  if (name.empty() || version.empty()) {
    return Corrupt(std::string("core metadata has no ") + (name.empty() ? "Name" : "Version") + " header");
  }
  Package p;
  p.type = "pypi";
  p.name = name;
  p.version = version;
  if (!license_expr.empty()) {
    p.licenses.push_back(license_expr);
  } else if (!license.empty() && license != "UNKNOWN" && license.size() < 200) {
    p.licenses.push_back(license);
  } else {
    p.licenses = classifier_licenses;
  }
  out.push_back(std::move(p));
  return OkStatus();
}

std::unique_ptr<Cataloger> NewPythonCataloger() { return std::make_unique<PythonCataloger>(); }

}  // namespace vigil::catalog
