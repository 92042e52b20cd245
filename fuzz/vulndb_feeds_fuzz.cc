// Fuzzes the distro-feed and enrichment parsers of src/vulndb. The first byte picks the parser
// (its low three bits; the seeds start with an ASCII digit so that they stay readable):
//   0 Alpine secdb JSON   1 Alpine secdb YAML     2 Debian tracker JSON   3 DSA/DLA list
//   4 security-support-ended + pattern matching  5 CISA KEV JSON        6 EPSS CSV, chunked
//   7 every parser on the same text
// Besides "no crash, no sanitizer report", a few invariants of the results are checked.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "vulndb/internal/alpine_secdb.h"
#include "vulndb/internal/debian_advisory_list.h"
#include "vulndb/internal/debian_tracker.h"
#include "vulndb/internal/enrich.h"

namespace {

using namespace vigil::vulndb;

constexpr const char* kWhen = "2024-01-01T00:00:00Z";

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

void CheckFeed(const vigil::Result<FeedResult>& r) {
  if (!r.ok()) return;
  Check(r->problems.list().size() <= FeedProblems::kMaxListedProblems);
  for (const Advisory& a : r->advisories) {
    Check(!a.id.empty());
    Check(a.modified == kWhen);
    for (const Affected& af : a.affected) {
      Check(!af.name.empty());
      Check(af.status != FixStatus::kUnspecified);
      // Not-affected entries carry no ranges; all others exactly one starting at "0".
      if (af.status == FixStatus::kNotAffected) {
        Check(af.spec.ranges.empty());
      } else {
        Check(af.spec.ranges.size() == 1 && !af.spec.ranges[0].events.empty() &&
              af.spec.ranges[0].events[0].version == "0");
      }
    }
  }
}

void Alpine(std::string_view text, bool yaml) {
  auto r = yaml ? ParseAlpineSecdbYaml(text, "fuzz", kWhen) : ParseAlpineSecdbJson(text, "fuzz", kWhen);
  CheckFeed(r);
  if (r.ok()) {
    for (const Advisory& a : r->advisories) Check(a.affected.size() == 1);
  }
}

void Tracker(std::string_view text) {
  DebianTrackerOptions o;
  o.modified = kWhen;
  o.support_ended["bookworm"] = {"node-.*", "zlib", "a*b.c"};
  o.support_ended["11"] = {"p"};
  CheckFeed(ParseDebianTrackerJson(text, "fuzz", o));
}

void SupportList(std::string_view text) {
  SupportEndedList l = ParseSecuritySupportEnded(text, "fuzz");
  (void)EndedPackages(l, "2024-01-01");
  size_t nl = text.find('\n');
  std::string_view pattern = text.substr(0, nl);
  std::string_view name = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
  (void)SupportPatternMatches(pattern.substr(0, 300), name.substr(0, 300));
}

void Epss(std::string_view text, size_t chunk) {
  size_t rows = 0;
  EpssReader reader("fuzz", [&](const EpssRow& row) {
    Check(row.epss >= 0 && row.epss <= 1 && row.percentile >= 0 && row.percentile <= 1);
    ++rows;
  });
  bool ok = true;
  for (size_t i = 0; ok && i < text.size(); i += chunk) ok = reader.Feed(text.substr(i, chunk)).ok();
  if (!ok) return;
  auto s = reader.Finish();
  if (s.ok()) Check(s->rows == rows);
  // The same text in one piece must give the same answer.
  auto whole = ParseEpssCsv(text, "fuzz");
  Check(whole.ok() == s.ok());
  if (whole.ok()) Check(whole->entries.size() == rows);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const unsigned selector = data[0] & 7;
  const size_t chunk = 1 + data[1] % 64;
  std::string_view text(reinterpret_cast<const char*>(data) + 2, size - 2);
  switch (selector) {
    case 0:
      Alpine(text, false);
      break;
    case 1:
      Alpine(text, true);
      break;
    case 2:
      Tracker(text);
      break;
    case 3:
      CheckFeed(ParseDebianAdvisoryList(text, "fuzz", kWhen));
      break;
    case 4:
      SupportList(text);
      break;
    case 5:
      (void)ParseKevJson(text, "fuzz");
      break;
    case 6:
      Epss(text, chunk);
      break;
    default:
      Alpine(text, false);
      Alpine(text, true);
      Tracker(text);
      CheckFeed(ParseDebianAdvisoryList(text, "fuzz", kWhen));
      SupportList(text);
      (void)ParseKevJson(text, "fuzz");
      Epss(text, chunk);
  }
  return 0;
}
