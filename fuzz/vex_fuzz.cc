// libFuzzer target for the suppression inputs (src/match): VEX documents and .vigilignore.yaml.
//
// The first byte selects the parser (even: ParseVex, odd: ParseIgnoreFile), the rest is the
// document. Whatever it is, the parsers must not crash or throw. A refused VEX document is
// kCorrupt, kUnsupported or kLimitExceeded; a refused ignore file is kCorrupt or
// kLimitExceeded. Accepted results must keep their promises: statements and entries only
// when their part of the input had no error, every diagnostic located under `what`, every kept
// statement applying to its own id and purl products, every kept glob valid. Any violation
// aborts. Seeds: fuzz/corpus/vex/ (first byte 'v' or 'i').
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "catalog/purl.h"
#include "match/ignore.h"
#include "match/vex.h"

namespace {

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "vex_fuzz: %s\n", what);
  std::abort();
}

void CheckDiagnostics(const std::vector<vigil::Diagnostic>& diagnostics, std::string_view what) {
  for (const vigil::Diagnostic& d : diagnostics) {
    if (!d.location.starts_with(what)) Fail("diagnostic not located under `what`");
    if (d.message.empty()) Fail("diagnostic without a message");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil::match;
  if (size == 0) return 0;
  const bool vex = (data[0] & 1) == 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (vex) {
    vigil::Result<VexDocument> r = ParseVex(input, "f.json");
    if (!r.ok()) {
      vigil::ErrorCode c = r.error().code();
      if (c != vigil::ErrorCode::kCorrupt && c != vigil::ErrorCode::kUnsupported &&
          c != vigil::ErrorCode::kLimitExceeded) {
        Fail("unexpected VEX error code");
      }
      return 0;
    }
    CheckDiagnostics(r->diagnostics, "f.json");
    for (const VexStatement& s : r->statements) {
      if (s.vulnerability.empty()) Fail("statement without a vulnerability");
      if (s.products.empty() && s.subcomponents.empty()) Fail("statement without products");
      for (const std::string& p : s.products) {
        if (vigil::catalog::IsPurl(p) && !VexApplies(s, s.vulnerability, {}, p))
          Fail("statement does not apply to itself");
      }
    }
  } else {
    vigil::Result<IgnoreFile> r = ParseIgnoreFile(input, "f.yaml", "2026-06-15");
    if (!r.ok()) {
      vigil::ErrorCode c = r.error().code();
      if (c != vigil::ErrorCode::kCorrupt && c != vigil::ErrorCode::kLimitExceeded) {
        Fail("unexpected ignore-file error code");
      }
      return 0;
    }
    CheckDiagnostics(r->diagnostics, "f.yaml");
    for (const IgnoreEntry& e : r->entries) {
      if (e.id.empty() || e.reason.empty()) Fail("entry without id or reason");
      if (!e.path.empty() && !GlobError(e.path).empty()) Fail("entry with an invalid glob");
      if (!e.expires.empty() && !IsValidDate(e.expires)) Fail("entry with an invalid date");
      // An unexpired entry without path or purl applies to a finding of its own id and name.
      if (!e.expired && e.path.empty() && !e.package.starts_with("pkg:") &&
          !IgnoreApplies(e, e.id, {}, e.package, "", "")) {
        Fail("entry does not apply to itself");
      }
    }
  }
  return 0;
}
