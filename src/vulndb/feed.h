// What the distro-feed parsers (alpine_secdb.h, debian_tracker.h) and the enrichment parsers
// (enrich.h) share: the per-entry problem list and a few identifier checks.
//
// A feed is thousands of independent entries written by people; one malformed entry must not
// lose the others. So each parser returns an error only when the document as a whole is unusable
// (not JSON, wrong top-level shape) and otherwise skips the bad entry and lists it here.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "vulndb/advisory.h"

namespace vigil::vulndb {

// One entry that was skipped, or read in a repaired form.
struct FeedProblem {
  // The file (the parser's `what`) and where in it: "v3.11/main.yaml: packages[3].pkg.secfixes",
  // "DSA/list: line 17", "debian.json: chromium/CVE-2022-0456/releases/etch".
  std::string where;
  // What was wrong and what the parser did: "skipped: ..." or "read as ...".
  std::string reason;
};

// The problems of one parse. Only the first kMaxListedProblems are kept as text (a feed that is
// wrong on every line must not cost more memory as messages than as data); `total` counts all.
class FeedProblems {
 public:
  static constexpr size_t kMaxListedProblems = 1000;

  void Add(std::string where, std::string reason);

  const std::vector<FeedProblem>& list() const { return list_; }
  size_t total() const { return total_; }
  bool empty() const { return total_ == 0; }

 private:
  std::vector<FeedProblem> list_;
  size_t total_ = 0;
};

// Advisories read from one feed document, and the entries that were skipped.
struct FeedResult {
  std::vector<Advisory> advisories;  // sorted by id
  FeedProblems problems;
};

// True for a CVE identifier: "CVE-", four digits, "-", four to nineteen digits (the syntax of the
// CVE JSON 5 schema and of the CISA KEV schema, ^CVE-[0-9]{4}-[0-9]{4,19}$).
bool IsCveId(std::string_view s);

// True for an RFC 3339 date-time as OSV writes them: "2024-05-01T12:00:00Z", with optional
// fractional seconds and a "Z" or "+hh:mm"/"-hh:mm" offset. Field ranges are checked loosely
// (month 01-12, day 01-31, hour 00-23, minute 00-59, second 00-60).
bool IsRfc3339(std::string_view s);

// True for a calendar date "YYYY-MM-DD" (month 01-12, day 01-31).
bool IsIsoDate(std::string_view s);

// `s` in single quotes for a message: clipped to `max` bytes ("..." marks the cut), bytes outside
// printable ASCII shown as \xNN, so feed text can be printed safely.
std::string QuoteForMessage(std::string_view s, size_t max = 80);

// Splits on runs of ASCII white space (space, tab, CR, LF, VT, FF); no empty pieces.
std::vector<std::string_view> SplitWhitespace(std::string_view s);

}  // namespace vigil::vulndb
