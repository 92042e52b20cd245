#include "match/scan_image.h"

#include <chrono>

#include "common/file.h"
#include "image/image.h"
#include "match/base_image.h"
#include "match/matcher.h"
#include "sbom/reader.h"
#include "vulndb/index.h"
#include "vulndb/sqlite_store.h"
#include "vulndb/store.h"

namespace vigil::match {
namespace {

class PhaseClock {
 public:
  explicit PhaseClock(Phases* out) : out_(out) {}
  void Mark(std::string name) {
    auto now = std::chrono::steady_clock::now();
    out_->emplace_back(std::move(name), std::chrono::duration<double>(now - last_).count());
    last_ = now;
  }

 private:
  Phases* out_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

Result<catalog::Inventory> ReadInventory(const ScanRequest& r) {
  if (r.inventory != nullptr) return *r.inventory;
  if (!r.sbom_path.empty()) {
    // Every message of ReadSbomFile starts with the path already.
    return sbom::ReadSbomFile(r.sbom_path, r.sbom_limits);
  }
  catalog::AnalyzeImageRequest a;
  a.ref = r.image;
  a.platform = r.platform;
  a.options = r.analyze;
  auto inv = catalog::AnalyzeImage(a);
  if (!inv.ok()) return inv.error().Context(r.image);
  return inv;
}

Result<BaseImage> FindBase(const ScanRequest& r, const catalog::Inventory& inventory) {
  if (r.base.empty()) return InferBaseImage(inventory.image);
  if (!r.sbom_path.empty() && inventory.layers.empty())
    return InvalidArgument("--base needs layer digests, and this SBOM has none");
  auto base = image::Image::Open(r.base, image::OpenOptions{r.platform});
  if (!base.ok()) return base.error().Context("--base " + r.base);
  std::vector<std::string> image_ids, base_ids;
  for (const auto& l : inventory.layers) image_ids.push_back(l.layer.diff_id);
  for (const auto& l : (*base)->info().layers) base_ids.push_back(l.diff_id);
  auto b = BaseFromImage(image_ids, base_ids, r.base);
  if (!b.ok()) return InvalidArgument("--base: " + b.error().message());
  return b;
}

}  // namespace

Result<Database> OpenDatabase(const std::string& dir) {
  auto store = vulndb::SqliteStore::Open(dir, vulndb::Store::Mode::kReadOnly);
  if (!store.ok()) {
    if (store.error().code() == ErrorCode::kNotFound) {
      return NotFound("no vulnerability database at " + dir +
                      ": run `vigil db update` (or `vigil db import FILES`) first, or give --db DIR");
    }
    return store.error();
  }
  VIGIL_ASSIGN_OR_RETURN(vulndb::Store::Summary summary, (*store)->GetSummary());
  if (summary.empty) {
    return NotFound("the vulnerability database at " + dir +
                    " holds no advisories: run `vigil db update` (or `vigil db import FILES`) first");
  }
  Database db;
  db.path = (*store)->path();
  db.built_at = summary.built_at;
  db.records = summary.records;
  db.store = std::move(*store);
  return db;
}

Result<VexDocument> LoadVexFile(const std::string& path, std::vector<Diagnostic>* diagnostics) {
  auto text = ReadFile(path, kMaxVexBytes);
  if (!text.ok()) return text.error().Context("--vex");
  VIGIL_ASSIGN_OR_RETURN(VexDocument doc, ParseVex(*text, path));
  bool errors = HasErrors(doc.diagnostics);
  diagnostics->insert(diagnostics->end(), doc.diagnostics.begin(), doc.diagnostics.end());
  if (errors) return InvalidArgument(path + ": not used, it has errors (above)");
  return doc;
}

Result<IgnoreFile> LoadIgnoreFile(const std::string& path, const std::string& today,
                                  std::vector<Diagnostic>* diagnostics) {
  auto text = ReadFile(path, kMaxIgnoreFileBytes);
  if (!text.ok()) return text.error().Context("ignore file");
  VIGIL_ASSIGN_OR_RETURN(IgnoreFile file, ParseIgnoreFile(*text, path, today));
  bool errors = HasErrors(file.diagnostics);
  diagnostics->insert(diagnostics->end(), file.diagnostics.begin(), file.diagnostics.end());
  if (errors) return InvalidArgument(path + ": not used, it has errors (above)");
  return file;
}

Result<LicensePolicy> LoadLicensePolicy(const std::string& path, std::vector<Diagnostic>* diagnostics) {
  auto text = ReadFile(path, kMaxLicensePolicyBytes);
  if (!text.ok()) return text.error().Context("license policy");
  VIGIL_ASSIGN_OR_RETURN(LicensePolicy policy, ParseLicensePolicy(*text, path));
  bool errors = HasErrors(policy.diagnostics);
  diagnostics->insert(diagnostics->end(), policy.diagnostics.begin(), policy.diagnostics.end());
  if (errors) return InvalidArgument(path + ": not used, it has errors (above)");
  return policy;
}

Result<ScanResult> ScanImage(const ScanRequest& request) {
  int inputs = !request.image.empty() + !request.sbom_path.empty() + (request.inventory != nullptr);
  if (inputs != 1) return InvalidArgument("give either an IMAGE or --sbom FILE");
  if (request.store == nullptr) return InvalidArgument("no vulnerability database to scan against");
  ScanResult out;
  PhaseClock clock(&out.phases);
  VIGIL_ASSIGN_OR_RETURN(out.inventory, ReadInventory(request));
  clock.Mark(request.sbom_path.empty() ? "image analysis" : "SBOM read");

  ScanOptions options = request.options;
  VIGIL_ASSIGN_OR_RETURN(options.base, FindBase(request, out.inventory));

  IndexNeeds needs = NeedsOf(out.inventory);
  std::unique_ptr<vulndb::Index> index;
  if (needs.scopes.empty()) {
    index = vulndb::Index::Build({});
  } else {
    VIGIL_ASSIGN_OR_RETURN(index, vulndb::Index::Load(*request.store, needs.scopes, needs.names));
  }
  out.index_advisories = index->stats().advisories;
  out.index_entries = index->stats().entries;
  out.index_scopes = needs.scopes.size();
  out.index_names = needs.names.size();
  clock.Mark("index load");
  VIGIL_ASSIGN_OR_RETURN(out.report, Scan(out.inventory, *index, request.store, options));
  clock.Mark("match");
  return out;
}

}  // namespace vigil::match
