#include "catalog/catalogers/apk.h"

#include "common/strings.h"

namespace vigil::catalog {
namespace {

class ApkCataloger : public Cataloger {
 public:
  std::string_view name() const override { return "apk"; }
  // lib/apk/db/installed (Alpine), usr/lib/apk/db/installed (Wolfi, usr-merged Alpine with
  // apk-tools 3). An image with both is resolved after the merge (analyzer.cc kSameDatabase).
  bool Wants(const FileRef& f) const override {
    return f.path == "lib/apk/db/installed" || f.path == "usr/lib/apk/db/installed";
  }
  uint64_t MaxSize() const override { return 256u << 20; }
  bool IsPackageDatabase(const FileRef&) const override { return true; }
  // A record without a name or version (apk-tools never writes one; Trivy's fixtures hold one)
  // is skipped with a warning naming its line, as dpkg's bad stanzas are; a database in which no
  // record can be read is not read at all (Inventory::unread), never an empty database.
  Status Parse(const FileRef&, std::string_view content, FileResult& out) const override {
    Status st = ParseApkInstalled(content, out.packages);
    if (st.ok()) return st;
    if (out.packages.empty()) return st;
    out.warnings.push_back(st.error().message() + " (skipped; the other records are read)");
    return OkStatus();
  }
};

}  // namespace

Status ParseApkInstalled(std::string_view text, std::vector<Package>& out) {
  Package cur;
  std::string dir;
  std::string first_error;
  size_t line_no = 0;
  bool any = false;
  auto flush = [&]() {
    if (!any) return;
    if (cur.name.empty() || cur.version.empty()) {
      if (first_error.empty()) {
        first_error = "record ending at line " + std::to_string(line_no) + " has no " +
                      (cur.name.empty() ? "P: (name)" : "V: (version)") + " line";
      }
    } else {
      cur.type = "apk";
      if (cur.source_name.empty()) cur.source_name = cur.name;
      cur.source_version = cur.version;
      out.push_back(std::move(cur));
    }
    cur = Package{};
    dir.clear();
    any = false;
  };
  ForEachLine(text, [&](std::string_view line) {
    ++line_no;
    if (Trim(line).empty()) {
      flush();
      return;
    }
    if (line.size() < 2 || line[1] != ':') {
      if (first_error.empty()) {
        first_error = "line " + std::to_string(line_no) + " is not a 'X:value' field: '" + Clip(line, 60) + "'";
      }
      return;
    }
    any = true;
    std::string value(line.substr(2));
    switch (line[0]) {
      case 'P':
        cur.name = value;
        break;
      case 'V':
        cur.version = value;
        break;
      case 'A':
        cur.arch = value;
        break;
      case 'o':
        cur.source_name = value;
        break;
      case 'L':
        if (!value.empty()) cur.licenses.push_back(value);
        break;
      case 'F':
        dir = value;
        break;
      case 'R':
        cur.files.push_back(dir.empty() ? value : dir + "/" + value);
        break;
      default:
        break;
    }
  });
  flush();
  if (!first_error.empty()) return Corrupt(first_error);
  return OkStatus();
}

std::unique_ptr<Cataloger> NewApkCataloger() { return std::make_unique<ApkCataloger>(); }

}  // namespace vigil::catalog
