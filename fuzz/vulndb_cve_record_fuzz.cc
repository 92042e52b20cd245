// Fuzzes the CVE record parsers of src/vulndb (NVD CVE JSON 2.0, CVE JSON 5) and the stored form
// of their results. The first byte picks the parser (its low bit); the seeds start with an ASCII
// digit so that they stay readable: '0' NVD, '1' CVE5.
// Besides "no crash, no sanitizer report", the limits and the round trip are checked.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "vulndb/enrichment.h"
#include "vulndb/internal/cve_record.h"

namespace {

using namespace vigil::vulndb;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  vigil::Result<CveRecords> r = (data[0] & 1) ? ParseCve5Json(text, "fuzz.json") : ParseNvdCveJson(text, "fuzz.json");
  if (!r.ok()) return 0;
  Check(r->problems.list().size() <= FeedProblems::kMaxListedProblems);
  for (const CveEnrichment& e : r->records) {
    Check(e.cve.starts_with("CVE-"));
    Check(e.references.size() <= kMaxStoredReferences);
    for (const CvssMetric& m : e.cvss) {
      Check(m.base_score >= 0 && m.base_score <= 10);
      Check(!m.severity.empty());
    }
    // What the store keeps reads back to the same metrics.
    vigil::Result<CveEnrichment> back = EnrichmentFromJson(EnrichmentToJson(e), "stored");
    Check(back.ok());
    Check(back->cvss.size() == e.cvss.size());
    Check(back->rejected == e.rejected);
    std::optional<ChosenCvss> c = ChooseCvss({e});
    Check(!c || (!e.rejected && !c->source.empty()));
  }
  return 0;
}
