// Go module versions, with the semantics of golang.org/x/mod/semver: "v" MAJOR[.MINOR[.PATCH]]
// [-PRERELEASE][+BUILD], where the shorthands "v1" and "v1.2" mean v1.0.0 and v1.2.0 and take
// neither pre-release nor build; numbers have no leading zeros (nor do numeric pre-release
// identifiers); build metadata, including "+incompatible", is ignored when comparing.
// Pseudo-versions (v0.0.0-20191109021931-daa7c04131f5, v1.2.4-0.2019..., v1.2.3-pre.0.2019...)
// are ordinary pre-releases and sort exactly as Go sorts them with these rules.
// x/mod/semver treats an invalid version as smaller than every valid one; here it is an error.
#include <cassert>

#include "version/internal/scheme_util.h"
#include "version/internal/schemes.h"

namespace vigil::version {
namespace {

using internal::IsDigit;

// flags on tokens[0]: which parts the text left out ("v1" -> both).
constexpr uint8_t kNoMinor = 1;
constexpr uint8_t kNoPatch = 2;

class GoSchemeImpl final : public Scheme {
 public:
  std::string_view name() const override { return "go"; }

  Result<Version> Parse(std::string_view text) const override {
    if (auto p = internal::CommonProblem(text); !p.empty()) return Invalid(text, p);
    if (text[0] != 'v') return Invalid(text, "missing the 'v' prefix");
    size_t pos = 1;
    const size_t n = text.size();
    std::vector<Token> tokens;
    tokens.reserve(4);
    uint8_t short_flags = 0;
    for (int k = 0; k < 3; ++k) {
      if (k > 0) {
        if (pos == n) {
          short_flags = k == 1 ? (kNoMinor | kNoPatch) : kNoPatch;
          while (tokens.size() < 3) tokens.push_back(Token{});
          break;
        }
        if (text[pos] == '-' || text[pos] == '+') {
          return Invalid(text, "the shorthands vMAJOR and vMAJOR.MINOR take no suffix");
        }
        if (text[pos] != '.') {
          return Invalid(text,
                         k == 1 ? "expected '.' after the major version" : "expected '.' after the minor version");
        }
        ++pos;
      }
      size_t s = pos;
      while (pos < n && IsDigit(text[pos])) ++pos;
      if (pos == s) return Invalid(text, "expected a number");
      if (text[s] == '0' && pos - s > 1) return Invalid(text, "number with a leading zero");
      Token t;
      internal::SetNumber(t, text, s, pos);
      tokens.push_back(t);
    }
    tokens[0].flags = short_flags;
    if (short_flags == 0) {
      if (pos < n && text[pos] == '-') {
        size_t e = text.find('+', pos);
        if (e == std::string_view::npos) e = n;
        if (!internal::IsIdentList(text, pos + 1, e)) {
          return Invalid(text, "bad pre-release (identifiers are non-empty [0-9A-Za-z-], separated by '.')");
        }
        if (HasBadNumber(text, pos + 1, e)) {
          return Invalid(text, "numeric pre-release identifier with a leading zero");
        }
        internal::AppendPrerelease(text, pos + 1, e, tokens);
        pos = e;
      }
      if (pos < n && text[pos] == '+') {
        if (!internal::IsIdentList(text, pos + 1, n)) {
          return Invalid(text, "bad build metadata (identifiers are non-empty [0-9A-Za-z-], separated by '.')");
        }
        pos = n;
      }
    }
    if (pos != n) {
      return Invalid(text, short_flags != 0 ? "the shorthands vMAJOR and vMAJOR.MINOR take no suffix"
                                            : "unexpected text after the version");
    }
    return MakeVersion(text, std::move(tokens));
  }

  int Compare(const Version& a, const Version& b) const override {
    assert(a.scheme() == this && b.scheme() == this);
    return internal::CompareSemverTokens(a, b);
  }

  // semver.Canonical: fills in ".0" for missing parts and drops build metadata (so
  // "v2.0.0+incompatible" -> "v2.0.0").
  std::string Format(const Version& v) const override {
    const std::string& t = v.text();
    uint8_t f = v.tokens()[0].flags;
    if ((f & kNoMinor) != 0) return t + ".0.0";
    if ((f & kNoPatch) != 0) return t + ".0";
    return t.substr(0, t.find('+'));
  }

 private:
  Error Invalid(std::string_view text, std::string_view reason) const { return InvalidVersion(name(), text, reason); }

  // True if some all-digit identifier in text[begin, end) has a leading zero.
  static bool HasBadNumber(std::string_view text, size_t begin, size_t end) {
    size_t s = begin;
    for (size_t i = begin; i <= end; ++i) {
      if (i == end || text[i] == '.') {
        bool numeric = true;
        for (size_t j = s; j < i; ++j) numeric = numeric && IsDigit(text[j]);
        if (numeric && i - s > 1 && text[s] == '0') return true;
        s = i + 1;
      }
    }
    return false;
  }
};

}  // namespace

const Scheme* GoScheme() {
  static const GoSchemeImpl kScheme;
  return &kScheme;
}

}  // namespace vigil::version
