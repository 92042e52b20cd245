#include "catalog/catalogers/rpm.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "catalog/catalogers/rpm_internal.h"
#include "common/path.h"

namespace vigil::catalog {
namespace rpm_internal {

std::string Hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

Status ErrorCollector::ToStatus() const {
  if (count_ == 0) return OkStatus();
  if (count_ == 1) return first_;
  return Error(first_.code(), first_.message() + " (and " + std::to_string(count_ - 1) + " more " +
                                  (count_ == 2 ? "error)" : "errors)"));
}

}  // namespace rpm_internal

namespace {

using rpm_internal::ErrorCollector;

constexpr std::string_view kSqliteMagic("SQLite format 3\0", 16);
constexpr uint32_t kBdbHashMagic = 0x061561;
constexpr uint32_t kBdbBtreeMagic = 0x053162;

bool BdbMagicIs(std::string_view b, uint32_t magic) {
  if (b.size() < 16) return false;
  return rpm_internal::Load32(b.data() + 12, false) == magic || rpm_internal::Load32(b.data() + 12, true) == magic;
}

class RpmCataloger : public Cataloger {
 public:
  std::string_view name() const override { return "rpm"; }
  bool Wants(const FileRef& f) const override {
    std::string_view dir = ParentPath(f.path);
    if (dir != "var/lib/rpm" && dir != "usr/lib/sysimage/rpm") return false;
    std::string_view base = BaseName(f.path);
    return base == "rpmdb.sqlite" || base == "Packages" || base == "Packages.db";
  }
  bool IsPackageDatabase(const FileRef&) const override { return true; }
  // Databases of large installations pass 100 MiB; the readers stay linear in the input.
  uint64_t MaxSize() const override { return 512u << 20; }
  Status Parse(const FileRef&, std::string_view content, FileResult& out) const override {
    return ParseRpmDb(content, out.packages);
  }
};

}  // namespace

RpmDbFormat DetectRpmDbFormat(std::string_view bytes) {
  if (bytes.substr(0, kSqliteMagic.size()) == kSqliteMagic) return RpmDbFormat::kSqlite;
  if (bytes.substr(0, 4) == "RpmP") return RpmDbFormat::kNdb;
  if (BdbMagicIs(bytes, kBdbHashMagic)) return RpmDbFormat::kBerkeleyDb;
  return RpmDbFormat::kUnknown;
}

namespace {

// ForEachRpmHeaderBlob with the caller's collector, so ParseRpmDb can report container and
// header errors in the order they happened.
Status ForEachBlob(std::string_view db, const RpmBlobVisitor& visit, ErrorCollector& errors) {
  Status st;
  switch (DetectRpmDbFormat(db)) {
    case RpmDbFormat::kSqlite:
      st = rpm_internal::ReadSqliteBlobs(db, visit, errors);
      break;
    case RpmDbFormat::kBerkeleyDb:
      st = rpm_internal::ReadBerkeleyDbBlobs(db, visit, errors);
      break;
    case RpmDbFormat::kNdb:
      st = rpm_internal::ReadNdbBlobs(db, visit, errors);
      break;
    case RpmDbFormat::kUnknown:
      if (db.empty()) {
        st = Corrupt("rpm database is an empty file");
      } else if (BdbMagicIs(db, kBdbBtreeMagic)) {
        st = Unsupported("rpm database is a Berkeley DB btree; rpm's Packages is a hash");
      } else {
        st = Corrupt("not an rpm database: no SQLite, Berkeley DB hash or NDB magic in the first " +
                     std::to_string(std::min<size_t>(db.size(), 16)) + " bytes");
      }
  }
  // A fatal error ends the pass; the record errors before it happened first.
  errors.Add(st);
  return errors.ToStatus();
}

}  // namespace

Status ForEachRpmHeaderBlob(std::string_view db, const RpmBlobVisitor& visit) {
  ErrorCollector errors;
  return ForEachBlob(db, visit, errors);
}

Status ParseRpmDb(std::string_view db, std::vector<Package>& out) {
  std::vector<std::pair<uint32_t, Package>> found;
  ErrorCollector errors;
  size_t file_budget = kRpmMaxFileBytesPerDb;
  bool files_capped = false;
  bool too_many = false;
  // Every error, the container's and the headers', lands in `errors`.
  (void)ForEachBlob(
      db,
      [&](uint32_t instance, std::string_view blob) {
        if (found.size() == kRpmMaxPackages) {
          too_many = true;
          return;
        }
        size_t cap = std::min(file_budget, kRpmMaxFileBytesPerPackage);
        Result<RpmHeader> h = ParseRpmHeader(blob, cap);
        if (!h.ok() && h.error().code() == ErrorCode::kLimitExceeded) {
          // Either this package's file list is over the per-package caps (report it) or the
          // database's file budget ran out (note it once, read no more file lists); either way the
          // package itself is kept, without files.
          bool own_limit = cap == kRpmMaxFileBytesPerPackage || !ParseRpmHeader(blob, kRpmMaxFileBytesPerPackage).ok();
          if (own_limit) {
            errors.Add(std::move(h.error().Context("rpm header of instance " + std::to_string(instance))));
          } else {
            files_capped = true;
            file_budget = 0;
          }
          h = ParseRpmHeader(blob, 0);
        }
        if (!h.ok()) {
          errors.Add(std::move(h.error().Context("rpm header of instance " + std::to_string(instance))));
          return;
        }
        for (const auto& f : h->files) file_budget -= std::min(file_budget, f.size());
        if (h->name == "gpg-pubkey") return;
        found.emplace_back(instance, RpmHeaderToPackage(std::move(*h)));
      },
      errors);
  // Install order, whatever order the format keeps records in (hash order for Berkeley DB).
  std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [instance, pkg] : found) out.push_back(std::move(pkg));
  if (too_many) {
    errors.Add(LimitExceeded("rpm database: more than " + std::to_string(kRpmMaxPackages) +
                             " packages; the first ones are listed"));
  }
  if (files_capped) {
    errors.Add(LimitExceeded("rpm database: file lists exceed " + std::to_string(kRpmMaxFileBytesPerDb) +
                             " bytes in total; later packages are listed without files"));
  }
  return errors.ToStatus();
}

std::unique_ptr<Cataloger> NewRpmCataloger() { return std::make_unique<RpmCataloger>(); }

}  // namespace vigil::catalog
