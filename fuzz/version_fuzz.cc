// libFuzzer target for every version scheme (src/version/) and the OSV range evaluator.
//
// The input is split at '\n' into up to three texts a, b, c. Each registered scheme parses
// them; for every pair that parses, the target checks what must hold for any total order:
// Compare is antisymmetric and reflexive, transitive over a, b, c, Format round-trips
// (Parse(Format(x)) is valid and equal to x, and Format is idempotent), and an OSV range
// "introduced a, fixed b" contains exactly the versions v with a <= v < b (v >= a if a > b). Any violation aborts.
// Seeds: fuzz/corpus/version/.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "version/internal/apk.h"
#include "version/osv_range.h"
#include "version/version.h"

namespace {

int Sign(int c) { return c < 0 ? -1 : (c > 0 ? 1 : 0); }

[[noreturn]] void Fail(std::string_view scheme, std::string_view what, std::string_view a, std::string_view b) {
  std::fprintf(stderr, "version_fuzz: %.*s: %.*s: '%.*s' vs '%.*s'\n", static_cast<int>(scheme.size()), scheme.data(),
               static_cast<int>(what.size()), what.data(), static_cast<int>(a.size()), a.data(),
               static_cast<int>(b.size()), b.data());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil::version;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> texts;
  while (texts.size() < 2) {
    size_t nl = input.find('\n');
    if (nl == std::string_view::npos) break;
    texts.push_back(input.substr(0, nl));
    input.remove_prefix(nl + 1);
  }
  texts.push_back(input);

  for (std::string_view name : SchemeNames()) {
    const Scheme& s = *FindScheme(name);
    std::vector<std::optional<Version>> v;
    for (auto t : texts) {
      auto p = s.Parse(t);
      if (p.ok()) {
        v.emplace_back(std::move(p).value());
      } else {
        // Errors must name the scheme.
        if (p.error().message().rfind("invalid " + std::string(name) + " version '", 0) != 0) {
          Fail(name, "error message does not name the scheme", t, p.error().message());
        }
        v.emplace_back();
      }
    }
    for (size_t i = 0; i < v.size(); ++i) {
      if (!v[i]) continue;
      const Version& x = *v[i];
      if (s.Compare(x, x) != 0) Fail(name, "not reflexive", x.text(), x.text());
      std::string f = s.Format(x);
      // A 256-byte npm loose version whose pre-release has no '-' gains one in its canonical
      // form and then exceeds npm's 256-character limit (version.h, Format).
      if (name == "semver" && f.size() > 256) continue;
      auto back = s.Parse(f);
      if (!back.ok()) Fail(name, "Format does not parse back", x.text(), f);
      if (s.Compare(*back, x) != 0) Fail(name, "Format changes the version", x.text(), f);
      if (s.Format(*back) != f) Fail(name, "Format is not idempotent", x.text(), f);
      for (size_t j = 0; j < v.size(); ++j) {
        if (!v[j] || i == j) continue;
        const Version& y = *v[j];
        int xy = Sign(s.Compare(x, y)), yx = Sign(s.Compare(y, x));
        if (xy != -yx) Fail(name, "not antisymmetric", x.text(), y.text());
        if (name == "apk") (void)ApkCompareFuzzy(x, y);
        for (size_t k = 0; k < v.size(); ++k) {
          if (!v[k] || k == i || k == j) continue;
          const Version& z = *v[k];
          if (xy <= 0 && Sign(s.Compare(y, z)) <= 0 && s.Compare(x, z) > 0) {
            Fail(name, "not transitive", x.text(), z.text());
          }
        }
        // The OSV evaluator agrees with the order: [x, y) contains exactly x <= v < y.
        AffectedSpec spec;
        RangeSpec range;
        range.events.push_back({RangeEvent::Kind::kFixed, y.text()});
        range.events.push_back({RangeEvent::Kind::kIntroduced, x.text()});
        spec.ranges.push_back(range);
        if (name == "go" || x.text() == "0") continue;  // OSV spellings differ there
        // A version the reference only warns about (dpkg's "invalid character") is ordered when
        // installed but refused as an advisory bound (version.h, RefuseWarned).
        if (!s.Warning(x).empty() || !s.Warning(y).empty()) continue;
        auto entry = AffectedRanges::Build(s, spec);
        if (!entry.ok()) Fail(name, "range of valid versions refused", x.text(), y.text());
        for (const auto& w : v) {
          if (!w) continue;
          // Events are sorted first: with x > y the fix comes before the introduction, which
          // then stays open; with x == y the introduction sorts first and the fix closes it.
          bool want = xy < 0 ? s.Compare(*w, x) >= 0 && s.Compare(*w, y) < 0 : xy > 0 && s.Compare(*w, x) >= 0;
          if (entry->IsAffected(*w) != want) Fail(name, "range disagrees with Compare", x.text(), y.text());
        }
      }
    }
  }
  return 0;
}
