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

#include "common/time.h"     // IsRfc3339, IsIsoDate (feed parsers check dates)
#include "common/vuln_id.h"  // IsCveId
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

// `s` in single quotes for a message: clipped to `max` bytes ("..." marks the cut), bytes outside
// printable ASCII shown as \xNN, so feed text can be printed safely.
std::string QuoteForMessage(std::string_view s, size_t max = 80);

// Splits on runs of ASCII white space (space, tab, CR, LF, VT, FF); no empty pieces.
std::vector<std::string_view> SplitWhitespace(std::string_view s);

}  // namespace vigil::vulndb
