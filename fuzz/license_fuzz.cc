// libFuzzer target for license texts (src/license) and the license policy (src/match).
//
// The first byte selects the parser: 'e' ParseExpression, 'n' NormalizeOne, 'c'
// ReadDebianCopyright (and ClassifyText), anything else ParseLicensePolicy; the rest is the input.
// Whatever it is, nothing may crash or throw, and results must keep their promises: a parsed
// expression formats to text that parses to the same text; what Normalize and ReadDebianCopyright
// return is empty or a valid expression; a refused policy is kCorrupt or kLimitExceeded, and an
// accepted one judges any expression without failing. Any violation aborts.
// Seeds: fuzz/corpus/license/.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "license/license.h"
#include "match/license_policy.h"

namespace {

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "license_fuzz: %s\n", what);
  std::abort();
}

void CheckExpression(const std::string& e) {
  if (e.empty()) return;
  auto parsed = vigil::license::ParseExpression(e);
  if (!parsed.ok()) Fail("a normalised expression does not parse");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  char mode = static_cast<char>(data[0]);
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  if (mode == 'e') {
    auto e = vigil::license::ParseExpression(text);
    if (e.ok()) {
      std::string once = vigil::license::Format(*e);
      auto again = vigil::license::ParseExpression(once);
      if (!again.ok() || vigil::license::Format(*again) != once) Fail("Format does not round-trip");
      for (const auto& id : vigil::license::LicenseIds(*e)) (void)vigil::license::CategoryOf(id);
    } else if (e.error().code() != vigil::ErrorCode::kCorrupt && e.error().code() != vigil::ErrorCode::kLimitExceeded) {
      Fail("unexpected error code from ParseExpression");
    }
  } else if (mode == 'n') {
    CheckExpression(vigil::license::NormalizeOne(text));
    CheckExpression(vigil::license::Normalize({std::string(text), "MIT"}));
  } else if (mode == 'c') {
    auto c = vigil::license::ReadDebianCopyright(text);
    CheckExpression(c.expression);
    (void)vigil::license::ClassifyText(text);
  } else {
    auto p = vigil::match::ParseLicensePolicy(text, "policy.yaml");
    if (!p.ok()) {
      if (p.error().code() != vigil::ErrorCode::kCorrupt && p.error().code() != vigil::ErrorCode::kLimitExceeded) {
        Fail("unexpected error code from ParseLicensePolicy");
      }
      return 0;
    }
    for (const char* e :
         {"", "MIT", "GPL-2.0-only OR LicenseRef-x", "(MIT AND AGPL-3.0-only) OR BSD-3-Clause", "bad ("}) {
      (void)vigil::match::EvaluateLicense(*p, e, "bash", "pkg:deb/debian/bash@5.2");
    }
  }
  return 0;
}
