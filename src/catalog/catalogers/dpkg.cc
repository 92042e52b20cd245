#include "catalog/catalogers/dpkg.h"

#include "common/path.h"
#include "common/strings.h"
#include "license/license.h"
#include "version/version.h"

namespace vigil::catalog {
namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// usr/share/doc/<package>/copyright, where Debian policy (12.5) puts every package's licensing.
bool IsCopyright(std::string_view p) {
  if (BaseName(p) != "copyright") return false;
  std::string_view dir = ParentPath(p);
  return ParentPath(dir) == "usr/share/doc" && !BaseName(dir).empty();
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
    return IsCopyright(p);
  }
  bool IsPackageDatabase(const FileRef& f) const override {
    return f.path == "var/lib/dpkg/status" || ParentPath(f.path) == "var/lib/dpkg/status.d";
  }
  Status Parse(const FileRef& f, std::string_view content, FileResult& out) const override {
    std::string_view dir = ParentPath(f.path);
    std::string_view base = BaseName(f.path);
    if (IsCopyright(f.path)) {
      // Read once per layer here (and cached with the layer); joined to the packages by name
      // after the merge (analyzer.cc).
      license::DebianCopyright c = license::ReadDebianCopyright(content);
      std::string declared;
      for (const auto& d : c.declared) declared += (declared.empty() ? "" : "\n") + d;
      out.facts["deb-copyright"] = declared;
      return OkStatus();
    }
    if (dir == "var/lib/dpkg/info" || EndsWith(base, ".md5sums")) {
      bool md5 = EndsWith(base, ".md5sums");
      std::string_view stem = base.substr(0, base.size() - (md5 ? 8 : 5));
      out.owner_key = "deb:" + std::string(stem);
      out.owned_files = ParseDpkgFileList(content, md5);
      return OkStatus();
    }
    DpkgStatusNotes notes;
    Status st = ParseDpkgStatus(content, out.packages, &notes, f.path == "var/lib/dpkg/status");
    for (std::string& w : notes.warnings) out.warnings.push_back(std::move(w));
    return st;
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

// Up to kNamed problems of one kind are named in a warning each; the rest are counted.
constexpr size_t kNamed = 10;

// Collects the problems of one kind and writes them as warnings.
class ProblemList {
 public:
  void Add(std::string what) {
    if (named_.size() < kNamed) named_.push_back(std::move(what));
    ++count_;
  }
  void WriteTo(std::vector<std::string>& out, std::string_view more) const {
    for (const std::string& w : named_) out.push_back(w);
    if (count_ > named_.size()) out.push_back(std::to_string(count_ - named_.size()) + " more " + std::string(more));
  }

 private:
  std::vector<std::string> named_;
  size_t count_ = 0;
};

}  // namespace

Status ParseDpkgStatus(std::string_view text, std::vector<Package>& out, DpkgStatusNotes* notes, bool status_required) {
  const version::Scheme* dpkg = version::FindScheme("dpkg");
  Stanza st;
  std::string first_error;
  size_t line_no = 0;
  size_t stanzas = 0, installed_count = 0;
  ProblemList no_status, bad_versions, incomplete;
  auto flush = [&]() {
    if (st.package.empty() && st.version.empty() && !st.has_status) {
      st = Stanza{};
      return;
    }
    ++stanzas;
    bool installed = !st.has_status;
    if (st.has_status) {
      auto words = Split(Trim(st.status), ' ');
      installed = !words.empty() && (words.back() == "installed");
    } else if (status_required && !st.package.empty() && !st.version.empty()) {
      no_status.Add("package '" + Clip(st.package, 80) + "' (stanza ending at line " + std::to_string(line_no) +
                    ") has no Status field: reported as installed, though dpkg would count it as not installed");
    }
    if (installed && !st.package.empty() && !st.version.empty()) {
      // The version as dpkg reads it: refused, or accepted with a warning, it is still what is
      // installed; the matcher then orders it as dpkg does, or says it could not.
      Result<version::Version> v = dpkg->Parse(st.version);
      std::string problem = v.ok() ? dpkg->Warning(*v) : v.error().message();
      if (!problem.empty()) {
        bad_versions.Add("package '" + Clip(st.package, 80) + "' (stanza ending at line " + std::to_string(line_no) +
                         "): version '" + Clip(st.version, 80) + "' is not a valid dpkg version (" + problem +
                         "); reported as written");
      }
    }
    if (st.package.empty() || st.version.empty()) {
      std::string what = "stanza ending at line " + std::to_string(line_no) + " has no " +
                         (st.package.empty() ? "Package" : "Version") + " field";
      if (notes != nullptr) {
        incomplete.Add(what + (st.package.empty() ? "" : " (package '" + Clip(st.package, 80) + "')") +
                       ": skipped, the other stanzas are read");
      } else if (first_error.empty()) {
        first_error = what;
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
      ++installed_count;
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
  if (notes != nullptr) {
    no_status.WriteTo(notes->warnings, "stanzas have no Status field (reported as installed)");
    bad_versions.WriteTo(notes->warnings, "packages have a version dpkg refuses or warns about");
    incomplete.WriteTo(notes->warnings, "stanzas have no Package or Version field (skipped)");
    if (installed_count == 0 && first_error.empty()) {
      notes->warnings.push_back(stanzas == 0 ? "lists no package at all: no installed package found"
                                             : "lists " + std::to_string(stanzas) +
                                                   " stanzas, none of them an installed package");
    }
  }
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
