// A scan: an inventory matched against the advisory index, each finding explained (layer, base
// image, severity, known exploitation), suppressed where a VEX statement or an ignore entry says
// so, and judged against the user's policy (the CI gate).
//
//   ScanOptions options;
//   options.base = InferBaseImage(inventory.image);
//   options.policy.fail_on = vulndb::Rating::kHigh;
//   VIGIL_ASSIGN_OR_RETURN(ScanReport report, Scan(inventory, index, store.get(), options));
//   return report.policy.failed ? 1 : 0;
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "catalog/inventory.h"
#include "common/status.h"
#include "match/base_image.h"
#include "match/ignore.h"
#include "match/license_policy.h"
#include "match/matcher.h"
#include "match/vex.h"
#include "vulndb/enrichment.h"
#include "vulndb/index.h"
#include "vulndb/severity.h"

namespace vigil::vulndb {
class Store;
}

namespace vigil::match {

// Why a finding is not counted.
struct Suppression {
  enum class Kind { kNone, kVex, kIgnore };
  Kind kind = Kind::kNone;
  std::string status;  // the VEX status ("not_affected", "fixed"); "ignored" for the ignore file
  std::string reason;  // VEX justification (+ impact statement) or the ignore entry's reason
  std::string source;  // where: "vex.json:statements[2]", ".vigilignore.yaml:4:5"
  bool suppressed() const { return kind != Kind::kNone; }
};

struct ScanFinding {
  Finding finding;
  // The severity reports and the gate use, first found of (docs/SCAN.md): the vendor's rating,
  // the CVSS of the finding's advisory, the CVSS the CVE records in the database give
  // (vulndb::ChooseCvss: CNA, NVD, CISA-ADP, others), else kUnknown. rating_source names where it
  // came from: "Debian urgency", "GHSA-xxxx-xxxx-xxxx CVSS 3.1", "NVD CVSS 3.1",
  // "CNA (redhat) CVSS 3.1", "CISA-ADP CVSS 3.1"; "" only when kUnknown.
  vulndb::Rating rating = vulndb::Rating::kUnknown;
  std::string rating_source;
  // What the CVE records (NVD, CVE5) stored for the finding's CVE say: the metric ChooseCvss
  // chose (enrichment_score -1 when none), whether the CVE was rejected, its CWE ids.
  double enrichment_score = -1;
  std::string enrichment_vector, enrichment_version, enrichment_severity, enrichment_source;
  std::string enrichment_cve;  // the CVE id the records are of ("" when none was found)
  bool cve_rejected = false;
  std::vector<std::string> cwes;
  // CISA's SSVC decision points for the CVE (CVE JSON 5 ADP "Vulnrichment", also in NVD's copy):
  // from the first record that has them; empty when none does.
  vulndb::SsvcPoints ssvc;
  // CISA KEV (when the database has the catalog and lists the CVE).
  bool kev = false;
  std::string kev_date_added, kev_due_date;
  bool kev_ransomware = false;
  // EPSS probability and percentile in [0, 1]; -1 when the database has no score for the CVE.
  double epss = -1, epss_percentile = -1;
  // The layer that introduced the package (-1 unknown) and whether it is a base-image layer.
  int layer = -1;
  bool base = false;
  Suppression suppression;
  // VEX statements that name the finding but do not suppress it (affected,
  // under_investigation), each "<status> (<source>)[: <statement>]".
  std::vector<std::string> vex_notes;
};

// A component the license policy (ScanOptions::license_policy) does not allow.
struct LicenseFinding {
  size_t package = 0;   // index into Inventory::packages
  std::string license;  // the SPDX expression judged ("" when none was found)
  // "denied" or "unknown" (LicenseVerdict::Kind), and what the policy does with it: "deny" fails
  // the gate, "warn" is reported only (unknown: warn).
  std::string verdict, action;
  std::string reason;
  std::vector<std::string> offending;
  int layer = -1;
  bool base = false;
};

// The CI gate. Suppressed findings never fail it.
struct Policy {
  // Fail when a finding rates at least this.
  std::optional<vulndb::Rating> fail_on;
  // The rating a finding of UNKNOWN severity counts as for `fail_on` (docs/SCAN.md). The default,
  // kCritical, makes every unrated finding fail any `fail_on`: no source rated it, which does not
  // make it harmless. kUnknown leaves such findings below every level but "unknown".
  vulndb::Rating unknown_as = vulndb::Rating::kCritical;
  bool fail_on_kev = false;   // fail when a finding is in CISA KEV
  bool exclude_base = false;  // findings of base-image layers are neither reported nor gated
  // When false (the default), a gate (fail_on or fail_on_kev set) also fails when the scan could
  // not check everything: MatchStats::unchecked_reasons (an unsupported distribution, an
  // ecosystem without advisories) or an incomplete inventory (Inventory::unread).
  bool accept_incomplete = false;
};

struct PolicyResult {
  bool failed = false;
  size_t violations = 0;             // findings that failed the gate
  std::vector<std::string> reasons;  // one line per rule that failed, with its count
};

struct ScanOptions {
  MatchOptions match;  // include_unfixed = false for --only-fixed
  BaseImage base;
  std::vector<VexDocument> vex;
  IgnoreFile ignore;
  Policy policy;
  // When not empty, only findings rated one of these are reported and gated; the others are
  // counted in ScanSummary::severity_filtered.
  std::vector<vulndb::Rating> severities;
  // When set, every component's license is judged (EvaluateLicense): denied ones, and unknown
  // ones unless the policy allows them, become LicenseFindings; a "deny" one fails the gate, as
  // an incomplete inventory does (unless accept_incomplete).
  std::optional<LicensePolicy> license_policy;
};

// Counts for summaries.
struct ScanSummary {
  size_t findings = 0;  // reported, suppressed ones included
  size_t suppressed = 0;
  size_t base = 0;               // unsuppressed findings in base-image layers
  size_t fixable = 0;            // unsuppressed findings with a fixed version
  size_t kev = 0;                // unsuppressed findings in KEV
  size_t by_rating[6] = {};      // unsuppressed findings per vulndb::Rating
  size_t excluded_base = 0;      // left out by Policy::exclude_base
  size_t severity_filtered = 0;  // left out by ScanOptions::severities
};

struct ScanReport {
  // Ordered by layer, then rating (highest first), package name, id.
  std::vector<ScanFinding> findings;
  BaseImage base;
  MatchStats stats;
  ScanSummary summary;
  PolicyResult policy;
  std::vector<std::string> warnings;  // expired ignore entries, KEV/EPSS lookup failures
  // License policy results (empty without a policy), in package order; license_checked counts
  // the components judged, license_policy_given whether there was a policy at all.
  std::vector<LicenseFinding> licenses;
  size_t license_checked = 0;
  bool license_policy_given = false;
};

// Matches `inventory` against `index` and builds the report. `intel`, when not null, is the
// store the index came from, asked for KEV, EPSS and CVE records (enrichment) by the finding's
// CVE id, else its CVE aliases. Suppression: a VEX statement
// applies when one of its ids names the finding (id or alias) and a product or subcomponent
// purl names the package, or a product names this image (pkg:oci purl or reference whose digest
// is the image's manifest or config digest) and it has no subcomponents; of several, the newest
// by timestamp decides (the later one on ties). not_affected and fixed suppress; affected and
// under_investigation become notes. Then ignore entries (IgnoreApplies on the package's
// location). Errors: those of Match.
Result<ScanReport> Scan(const catalog::Inventory& inventory, const vulndb::Index& index, vulndb::Store* intel,
                        const ScanOptions& options);

// "critical", "high", "medium", "low", "negligible", "unknown" (any case) → the rating;
// kInvalidArgument naming the accepted values otherwise.
Result<vulndb::Rating> ParseSeverityFlag(std::string_view text);

}  // namespace vigil::match
