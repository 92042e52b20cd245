// What CVE records say about a CVE beyond packages: the CVSS metrics each provider gave (NVD, the
// CNA that assigned the CVE, CISA's ADP "Vulnrichment"), CWE ids, reference URLs, SSVC decision
// points, and whether the CVE was rejected. Read from NVD CVE JSON 2.0 and CVE JSON 5 records
// (vulndb_feeds, docs/FEEDS.md), kept by the Store per CVE and origin, and used by the scan to
// rate findings whose advisory carries no severity (docs/SCAN.md).
//
//   std::vector<CveEnrichment> recs = ...;      // Store::GetEnrichment("CVE-2024-22365")
//   std::optional<ChosenCvss> c = ChooseCvss(recs);
//   c->source == "NVD CVSS 3.1", c->rating == Rating::kMedium
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "vulndb/cvss.h"
#include "vulndb/severity.h"

namespace vigil::vulndb {

// Who gave a CVSS metric, in the order ChooseCvss prefers them (docs/SCAN.md says why).
enum class CvssProvider : uint8_t {
  kCna,      // the CNA that assigned the CVE (CVE5 containers.cna; NVD: a metric whose source is
             // the record's sourceIdentifier)
  kNvd,      // NVD's own analysis (NVD: source nvd@nist.gov, type Primary)
  kCisaAdp,  // CISA-ADP Vulnrichment (CVE5 adp with shortName CISA-ADP; NVD: CISA-ADP's source id)
  kOther,    // any other ADP or secondary source
};

// "CNA", "NVD", "CISA-ADP", "other".
std::string_view CvssProviderName(CvssProvider provider);

// One CVSS metric as a record gives it, its vector checked and scored by ScoreCvss.
struct CvssMetric {
  CvssProvider provider = CvssProvider::kOther;
  // The provider as the record names it: "nvd@nist.gov", "secalert@redhat.com", "redhat",
  // "CISA-ADP", a source UUID.
  std::string source;
  // NVD's metric type: "Primary" or "Secondary"; "" for CVE5 records.
  std::string type;
  CvssVersion version = CvssVersion::kV31;
  std::string vector;  // canonical form (CvssScore::vector)
  double base_score = 0;
  std::string severity;  // "CRITICAL", ... (from the score, SeverityFromScore)
};

// CISA's SSVC decision points (CVE5 adp metrics[].other, type "ssvc"); "" when absent.
struct SsvcPoints {
  std::string exploitation;      // "none", "poc", "active"
  std::string automatable;       // "yes", "no"
  std::string technical_impact;  // "partial", "total"
  bool empty() const { return exploitation.empty() && automatable.empty() && technical_impact.empty(); }
};

// What one record (one origin) says about one CVE.
struct CveEnrichment {
  std::string cve;       // "CVE-2024-22365"
  std::string origin;    // "nvd" (NVD CVE JSON 2.0) or "cve5" (CVE JSON 5)
  std::string modified;  // NVD lastModified / CVE5 cveMetadata.dateUpdated, as written
  // NVD vulnStatus ("Analyzed", "Awaiting Analysis", "Rejected", ...) or CVE5 cveMetadata.state
  // ("PUBLISHED", "REJECTED").
  std::string status;
  bool rejected = false;                // status Rejected / REJECTED: the CVE is not a vulnerability
  std::string assigner;                 // NVD sourceIdentifier / CVE5 assignerShortName
  std::vector<CvssMetric> cvss;         // in record order
  std::vector<std::string> cwes;        // "CWE-79", distinct, in record order
  std::vector<std::string> references;  // URLs, distinct, at most kMaxStoredReferences
  SsvcPoints ssvc;
};

// References kept per record (an NVD record can list hundreds; reports show a few).
inline constexpr size_t kMaxStoredReferences = 64;

// The stored form: compact JSON of the fields above. EnrichmentFromJson reads what
// EnrichmentToJson wrote; kCorrupt naming `what` when the text is not that.
std::string EnrichmentToJson(const CveEnrichment& e);
Result<CveEnrichment> EnrichmentFromJson(std::string_view json, std::string_view what);

// The CVSS a finding is rated by when neither its vendor nor its advisory rates it.
struct ChosenCvss {
  Rating rating = Rating::kUnknown;
  // "CNA (redhat) CVSS 3.1", "NVD CVSS 3.1", "CISA-ADP CVSS 3.1", "secalert@redhat.com CVSS 3.0".
  std::string source;
  const CvssMetric* metric = nullptr;  // into the records given to ChooseCvss
};

// The preferred metric of `records` (any origins, one CVE), nullopt when none has one or every
// record is rejected. Order: CNA, then NVD, then CISA-ADP, then others; within a provider the
// newest CVSS version (4.0, 3.1, 3.0); v2 only when no provider gave v3 or v4. Among metrics of the
// same provider and version, the CVE5 record's before NVD's copy, then record order. Rejected
// records are ignored.
std::optional<ChosenCvss> ChooseCvss(const std::vector<CveEnrichment>& records);

}  // namespace vigil::vulndb
