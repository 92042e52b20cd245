// The scan pipeline as one call: what `vigil scan` does, and what the fleet server and the tests
// call. An image (any form image::Image::Open reads) or an SBOM document becomes an inventory;
// the base image is taken from `base` or inferred from the history; the advisory index is loaded
// for the inventory's ecosystems and names only; then Scan (scan.h) matches, enriches (KEV,
// EPSS), suppresses and gates.
//
//   VIGIL_ASSIGN_OR_RETURN(Database db, OpenDatabase(DefaultDbDir()));
//   ScanRequest req;
//   req.image = "app.tar";
//   req.store = db.store.get();
//   VIGIL_ASSIGN_OR_RETURN(ScanResult r, ScanImage(req));
//   return r.report.policy.failed ? 1 : 0;
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "catalog/analyzer.h"
#include "common/diagnostic.h"
#include "common/status.h"
#include "match/scan.h"
#include "sbom/reader.h"

namespace vigil::vulndb {
class Store;
}

namespace vigil::match {

// An advisory database opened for scanning, with what reports say of it.
struct Database {
  std::unique_ptr<vulndb::Store> store;
  std::string path;      // the database file
  std::string built_at;  // when the last import finished (RFC 3339), "" unknown
  uint64_t records = 0;  // advisory records stored (withdrawn ones included)
};

// Opens the database in `dir` read-only. kNotFound when there is none, kFailedPrecondition when
// it holds no advisory (each message says to run `vigil db update` or `vigil db import`); the
// store's own errors otherwise.
Result<Database> OpenDatabase(const std::string& dir);

// Reads and parses the VEX document at `path` (vex.h), appending its diagnostics to
// `diagnostics`. Errors: the file's (kNotFound, kIo, kLimitExceeded above kMaxVexBytes), those of
// ParseVex, and kInvalidArgument "<path>: not used, it has errors" when a diagnostic is an error.
Result<VexDocument> LoadVexFile(const std::string& path, std::vector<Diagnostic>* diagnostics);

// The same for the ignore file (ignore.h); entries expire relative to `today` ("YYYY-MM-DD").
Result<IgnoreFile> LoadIgnoreFile(const std::string& path, const std::string& today,
                                  std::vector<Diagnostic>* diagnostics);

// The same for a license policy (license_policy.h).
Result<LicensePolicy> LoadLicensePolicy(const std::string& path, std::vector<Diagnostic>* diagnostics);

struct ScanRequest {
  // What to scan: exactly one of an image reference, an SBOM file, or an inventory made already.
  std::string image;
  std::string sbom_path;
  // Limits on the SBOM file (size, component count, nesting), checked before it is parsed.
  sbom::ReadLimits sbom_limits;
  const catalog::Inventory* inventory = nullptr;
  // How an image is read: platform of a multi-platform index, cache, limits, progress.
  std::string platform;
  catalog::AnalyzeOptions analyze;
  // The base image (any image form): its layers' findings are marked as base. "" = inferred from
  // the image's history (InferBaseImage).
  std::string base;
  // The advisory database (required; not owned). KEV and EPSS records come from it too.
  vulndb::Store* store = nullptr;
  // Matching, suppression (VEX, ignore file) and the gate; `options.base` is filled in here.
  ScanOptions options;
};

// Where the time of a scan went, in order ("image analysis", "index load", "match").
using Phases = std::vector<std::pair<std::string, double>>;

struct ScanResult {
  catalog::Inventory inventory;  // a copy when the request gave one
  ScanReport report;
  // What the index held for this scan: advisories and entries loaded, for how many ecosystems
  // and names.
  size_t index_advisories = 0, index_entries = 0, index_scopes = 0, index_names = 0;
  Phases phases;  // seconds per phase
};

// Runs the pipeline. Errors: kInvalidArgument when the request names no input or several, or no
// store, or `base` is given for an SBOM without layer digests; an image's, an SBOM's or a base
// image's errors prefixed with what was being read ("<ref>: ..."); the index's and Scan's.
Result<ScanResult> ScanImage(const ScanRequest& request);

}  // namespace vigil::match
