// libFuzzer target for the CVSS vector parser and scorer (src/vulndb/cvss.h).
//
// The input is one vector string. Whatever it is, ScoreCvss must not crash; a refusal is
// kInvalidArgument with an "invalid CVSS" message. An accepted vector must give scores of one
// decimal in 0-10 with the matching severities, and its canonical form must be no longer than
// the input, be accepted again with the same scores, and be its own canonical form. Any
// violation aborts. Seeds: fuzz/corpus/cvss/.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "vulndb/cvss.h"

namespace {

[[noreturn]] void Fail(std::string_view what, std::string_view input) {
  std::fprintf(stderr, "cvss_fuzz: %.*s: '%.*s'\n", static_cast<int>(what.size()), what.data(),
               static_cast<int>(input.size()), input.data());
  std::abort();
}

bool ValidScore(double x) { return x >= 0.0 && x <= 10.0 && std::round(x * 10) / 10 == x; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil::vulndb;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  vigil::Result<CvssScore> s = ScoreCvss(input);
  if (!s.ok()) {
    if (s.error().code() != vigil::ErrorCode::kInvalidArgument) Fail("refusal is not kInvalidArgument", input);
    if (!s.error().message().starts_with("invalid CVSS ")) Fail("refusal without the usual message", input);
    return 0;
  }
  if (!ValidScore(s->base_score) || !ValidScore(s->score)) Fail("score out of range or not one decimal", input);
  if (s->severity != SeverityFromScore(s->version, s->base_score)) Fail("severity does not match", input);
  if (s->score_severity != SeverityFromScore(s->version, s->score)) Fail("score severity does not match", input);
  if (s->version != CvssVersion::kV40 && s->score != s->base_score) Fail("v2/v3 score differs from base", input);
  if (s->vector.size() > input.size()) Fail("canonical form longer than the input", input);
  vigil::Result<CvssScore> again = ScoreCvss(s->vector);
  if (!again.ok()) Fail("canonical form refused", input);
  if (again->vector != s->vector) Fail("canonical form is not its own canonical form", input);
  if (again->version != s->version || again->base_score != s->base_score || again->score != s->score ||
      again->nomenclature != s->nomenclature) {
    Fail("canonical form scores differently", input);
  }
  return 0;
}
