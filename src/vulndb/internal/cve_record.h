// CVE records as enrichment (vulndb/enrichment.h): the parsers of
//
//   NVD CVE JSON 2.0 (https://csrc.nist.gov/schema/nvd/api/2.0/cve_api_json_2.0.schema): one CVE
//     record ({"id": "CVE-...", "vulnStatus": ..., "metrics": {...}, ...}, as the
//     fkie-cad/nvd-json-data-feeds repository keeps one per file), or the API/feed envelope
//     ({"format": "NVD_CVE", "version": "2.0", "vulnerabilities": [{"cve": {...}}, ...]}; a
//     "cve_items" array of records is read the same way);
//       Result<CveRecords> r = ParseNvdCveJson(text, "nvd-page-1.json");
//   CVE JSON 5 (CVEProject/cvelistV5 cves/YYYY/NNxxx/CVE-....json): one record;
//       Result<CveRecords> r = ParseCve5Json(text, "CVE-2024-3094.json");
//
// Both follow the feed rule (feed.h): an error only when the document as a whole is unusable
// (too large, not JSON, not such a record), otherwise what is wrong is dropped and listed as a
// problem naming the file and the field ("x.json: vulnerabilities[3].cve.metrics.cvssMetricV31[0]
// .cvssData.vectorString"). Limits apply before anything is parsed (document size) or walked
// (array lengths).
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "vulndb/enrichment.h"
#include "vulndb/feed.h"

namespace vigil::vulndb {

// A document larger than this is refused before parsing (kLimitExceeded): an NVD API page of
// 2,000 records is ~10-30 MiB, a yearly NVD feed ~100-250 MiB uncompressed.
inline constexpr size_t kMaxCveDocumentBytes = size_t{512} << 20;
// An NVD envelope with more records than this is refused (kLimitExceeded).
inline constexpr size_t kMaxCveRecordsPerDocument = 500'000;
// Per record: more entries than these in one list are not read (a problem says so).
inline constexpr size_t kMaxCvssMetricsPerList = 64;  // one NVD metrics list, one container's metrics
inline constexpr size_t kMaxAdpContainers = 32;
inline constexpr size_t kMaxWeaknesses = 256;         // weaknesses / problemTypes entries
inline constexpr size_t kMaxReferencesRead = 10'000;  // kMaxStoredReferences of them are kept
// JSON nesting allowed (records nest ~8 deep).
inline constexpr int kMaxCveJsonDepth = 64;

// Identifier NVD gives CISA-ADP's metrics as their "source".
inline constexpr std::string_view kCisaAdpNvdSource = "134c704f-9b21-4f2e-91b3-4a467353bcc0";

struct CveRecords {
  std::vector<CveEnrichment> records;  // in document order, origin "nvd" or "cve5"
  FeedProblems problems;
};

// Errors: kLimitExceeded "<what>: ..." for a document over kMaxCveDocumentBytes or an envelope
// over kMaxCveRecordsPerDocument records; kCorrupt "<what>: ..." when the text is not JSON or is
// neither an NVD record nor an envelope. Problems (the record or the field skipped):
// a record without a valid CVE id; a metrics list or metric that is not the JSON type the schema
// says; a vectorString missing or refused by ScoreCvss (the ScoreCvss message is quoted); a
// vector of another CVSS version than its list (cvssMetricV31 holding CVSS:3.0/...); a baseScore
// that differs from the vector's score (kept, the vector's score used); lists over their limits.
Result<CveRecords> ParseNvdCveJson(std::string_view text, std::string_view what);

// Errors as above (kCorrupt when there is no cveMetadata object with a valid cveId). Problems
// likewise, for containers.cna.metrics[], containers.adp[].metrics[] (cvssV4_0, cvssV3_1,
// cvssV3_0, cvssV2_0; "other" of type ssvc gives SsvcPoints), problemTypes and references.
Result<CveRecords> ParseCve5Json(std::string_view text, std::string_view what);

}  // namespace vigil::vulndb
