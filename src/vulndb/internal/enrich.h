// Enrichment feeds: facts about a CVE that are not about packages, used to rank findings.
//
//   CISA Known Exploited Vulnerabilities (KEV) catalog, JSON
//     (https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json):
//       Result<KevCatalog> kev = ParseKevJson(text, "known_exploited_vulnerabilities.json");
//   FIRST EPSS scores, CSV (https://epss.cyentia.com/epss_scores-YYYY-MM-DD.csv.gz, ~300,000 rows):
//       #model_version:v2023.03.01,score_date:2025-02-20T00:00:00+0000
//       cve,epss,percentile
//       CVE-1999-0001,0.00383,0.73075
//     Result<EpssScores> s = ParseEpssCsv(text, "epss.csv");          // whole file in memory
//     EpssReader r("epss.csv", [](const EpssRow& row) { ... });         // or chunk by chunk
//     r.Feed(chunk); ...; Result<EpssSummary> sum = r.Finish();
//
// Both follow the feed rule (feed.h): an error only when the document as a whole is unusable,
// otherwise bad entries are skipped and listed as problems with where they are.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "vulndb/feed.h"

namespace vigil::vulndb {

// ---- CISA KEV --------------------------------------------------------------------------------

// One catalog entry, fields as the catalog's JSON schema names them (cveID, vendorProject, ...).
struct KevEntry {
  std::string cve;                            // cveID, a valid CVE id
  std::string vendor_project;                 // vendorProject
  std::string product;                        // product
  std::string vulnerability_name;             // vulnerabilityName
  std::string date_added;                     // dateAdded, YYYY-MM-DD
  std::string due_date;                       // dueDate, YYYY-MM-DD ("" when invalid, reported)
  std::string known_ransomware_campaign_use;  // "Known" or "Unknown" as written
  std::string required_action;                // requiredAction
  std::string short_description;              // shortDescription
  std::string notes;                          // notes, "" when absent
  std::vector<std::string> cwes;              // cwes ("CWE-79"), empty when absent
};

struct KevCatalog {
  std::string title;
  std::string catalog_version;    // "2025.08.25"
  std::string date_released;      // "2025-08-25T17:04:19.9796Z" as written
  std::vector<KevEntry> entries;  // in catalog order
  FeedProblems problems;
};

// Parses the KEV catalog.
// Errors: kCorrupt "<what>: ..." when the text is not JSON or the top level is not an object with a
// "vulnerabilities" array. Problems, each "<what>: vulnerabilities[i]" (entry skipped unless
// said otherwise):
//   - an entry that is not an object, or whose cveID is missing or not a CVE id, or whose
//     dateAdded is not YYYY-MM-DD;
//   - a second entry for the same CVE (the first is kept);
//   - kept but reported: other required text fields missing or not strings (read as ""), a
//     dueDate that is not a date (read as ""), a knownRansomwareCampaignUse other than
//     Known/Unknown, cwes entries that are not "CWE-<digits>" (dropped);
//   - catalog level, reported as "<what>: catalogVersion" etc.: a missing catalogVersion or
//     dateReleased, a "count" that differs from the number of entries.
Result<KevCatalog> ParseKevJson(std::string_view text, std::string_view what);

// ---- FIRST EPSS --------------------------------------------------------------------------------

// One score row, as the reader hands it over: `cve` points into the reader's buffer and is valid
// only during the callback.
struct EpssRow {
  std::string_view cve;
  double epss = 0;        // probability of exploitation activity in the next 30 days, 0..1
  double percentile = 0;  // rank among all scored CVEs, 0..1
  size_t line = 0;        // 1-based line number in the file
};

// One score row, owned.
struct EpssEntry {
  std::string cve;
  double epss = 0;
  double percentile = 0;
};

// What the file says about itself, and what was wrong with it.
struct EpssSummary {
  std::string model_version;  // "v2023.03.01"; "" when the file has no "#model_version" line
  std::string score_date;     // "2025-02-20T00:00:00+0000" as written; "" likewise
  size_t rows = 0;            // valid rows handed over
  size_t bad_rows = 0;        // rows skipped (each also in problems, up to its cap)
  FeedProblems problems;      // "<what>: line 17": "epss '1.5' is outside 0..1", ...
};

// Reads an EPSS CSV incrementally: Feed() any split of the text (a decompressor's output
// chunks), then Finish(). The optional first line "#model_version:...,score_date:..." is read
// for the summary; the header line must name the columns cve, epss and percentile (any order,
// more columns allowed). A row is skipped and counted as bad when it has too few columns, a
// cve that is not a CVE id, a score that is not a finite decimal number in 0..1, or is longer
// than kMaxLineLength bytes. Numbers are read with std::from_chars (no locale, no allocation);
// no per-row allocation happens in the reader.
// Errors (from Feed or Finish, after which the reader stays failed): kCorrupt "<what>: line N:
// ..." when the header is missing or lacks a required column, or when the input ends before a
// header. Duplicate CVE rows are passed on as they come (the reader keeps no index).
class EpssReader {
 public:
  static constexpr size_t kMaxLineLength = 4096;

  using OnRow = std::function<void(const EpssRow&)>;

  EpssReader(std::string_view what, OnRow on_row);

  // Consumes `chunk`; calls on_row for every complete valid row in it.
  Status Feed(std::string_view chunk);
  // Handles a last line without a newline and returns the summary (moved out).
  Result<EpssSummary> Finish();

 private:
  Status Complete(std::string_view line, bool too_long);
  Status Line(std::string_view line);
  Status Header(std::string_view line);
  void Row(std::string_view line);
  void Bad(std::string reason);

  std::string what_;
  OnRow on_row_;
  EpssSummary summary_;
  Status failed_;
  std::string partial_;  // an incomplete line carried to the next Feed
  bool partial_too_long_ = false;
  bool have_header_ = false;
  size_t line_ = 0;
  size_t columns_ = 0;
  size_t cve_col_ = 0, epss_col_ = 0, percentile_col_ = 0;
};

// All rows of an EPSS CSV held in memory, in file order.
struct EpssScores {
  EpssSummary summary;
  std::vector<EpssEntry> entries;
};

// Parses a whole EPSS CSV with EpssReader and keeps every valid row.
Result<EpssScores> ParseEpssCsv(std::string_view text, std::string_view what);

}  // namespace vigil::vulndb
