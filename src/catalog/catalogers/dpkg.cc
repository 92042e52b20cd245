#include "catalog/catalogers/dpkg.h"

#include "common/path.h"
#include "common/strings.h"

namespace vigil::catalog {
namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

class DpkgCataloger : public Cataloger {
 public:
  std::string_view name() const override { return "dpkg"; }
  bool Wants(const FileRef& f) const override {
    std::string_view p = f.path;
    if (p == "var/lib/dpkg/status") return true;
    std::string_view dir = ParentPath(p);
    if (dir == "var/lib/dpkg/status.d") return true;
    if (dir == "var/lib/dpkg/info") return EndsWith(p, ".list");
    return false;
  }
  bool IsPackageDatabase(const FileRef& f) const override {
    return f.path == "var/lib/dpkg/status" || ParentPath(f.path) == "var/lib/dpkg/status.d";
  }
  Status Parse(const FileRef& f, std::string_view content, FileResult& out) const override {
    std::string_view dir = ParentPath(f.path);
    std::string_view base = BaseName(f.path);
    if (dir == "var/lib/dpkg/info" || EndsWith(base, ".md5sums")) {
      bool md5 = EndsWith(base, ".md5sums");
      std::string_view stem = base.substr(0, base.size() - (md5 ? 8 : 5));
      out.owner_key = "deb:" + std::string(stem);
      out.owned_files = ParseDpkgFileList(content, md5);
      return OkStatus();
    }
    return ParseDpkgStatus(content, out.packages);
  }
};

struct Stanza {
  std::string package, version, arch, source, status, license;
  bool has_status = false;
  size_t line = 0;
};

void SplitSource(const std::string& field, std::string& name, std::string& version) {
  std::string_view s = Trim(field);
  size_t paren = s.find('(');
  if (paren == std::string_view::npos) {
    name = std::string(s);
    return;
  }
  name = std::string(Trim(s.substr(0, paren)));
  std::string_view rest = s.substr(paren + 1);
  size_t close = rest.find(')');
  version = std::string(Trim(rest.substr(0, close)));
}

}  // namespace

Status ParseDpkgStatus(std::string_view text, std::vector<Package>& out) {
  Stanza st;
  std::string first_error;
  size_t line_no = 0;
  auto flush = [&]() {
    if (st.package.empty() && st.version.empty() && !st.has_status) {
      st = Stanza{};
      return;
    }
    bool installed = !st.has_status;
    if (st.has_status) {
      auto words = Split(Trim(st.status), ' ');
      installed = !words.empty() && (words.back() == "installed");
    }
    if (st.package.empty() || st.version.empty()) {
      if (first_error.empty()) {
        first_error = "stanza ending at line " + std::to_string(line_no) + " has no " +
                      (st.package.empty() ? "Package" : "Version") + " field";
      }
    } else if (installed) {
      Package p;
      p.type = "deb";
      p.name = st.package;
      p.version = st.version;
      p.arch = st.arch;
      if (!st.source.empty()) {
        SplitSource(st.source, p.source_name, p.source_version);
      }
      if (p.source_name.empty()) p.source_name = p.name;
      if (p.source_version.empty()) p.source_version = p.version;
      out.push_back(std::move(p));
    }
    st = Stanza{};
  };
  ForEachLine(text, [&](std::string_view line) {
    ++line_no;
    if (Trim(line).empty()) {
      flush();
      return;
    }
    // Continuation lines only matter for multi-line fields, none of which we keep.
    if (line.front() == ' ' || line.front() == '\t') return;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      if (first_error.empty()) {
        first_error =
            "line " + std::to_string(line_no) + " is neither a field nor a continuation: '" + Clip(line, 60) + "'";
      }
      return;
    }
    std::string key = AsciiLower(line.substr(0, colon));
    std::string value(Trim(line.substr(colon + 1)));
    std::string* last = nullptr;
    if (key == "package")
      last = &st.package;
    else if (key == "version")
      last = &st.version;
    else if (key == "architecture")
      last = &st.arch;
    else if (key == "source")
      last = &st.source;
    else if (key == "status") {
      last = &st.status;
      st.has_status = true;
    }
    if (last != nullptr) *last = value;
  });
  flush();
  if (!first_error.empty()) return Corrupt(first_error);
  return OkStatus();
}

std::vector<std::string> ParseDpkgFileList(std::string_view text, bool md5sums) {
  std::vector<std::string> files;
  ForEachLine(text, [&](std::string_view line) {
    if (md5sums) {
      size_t sp = line.find("  ");
      if (sp == std::string_view::npos) return;
      line = line.substr(sp + 2);
    }
    line = Trim(line);
    while (!line.empty() && line.front() == '/') line.remove_prefix(1);
    if (line.empty() || line == ".") return;
    files.emplace_back(line);
  });
  return files;
}

std::unique_ptr<Cataloger> NewDpkgCataloger() { return std::make_unique<DpkgCataloger>(); }

}  // namespace vigil::catalog
