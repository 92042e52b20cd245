// SemVer 2.0 as npm's `semver` package (node-semver 7) accepts and orders it in loose mode,
// which is what npm applies to versions found in the wild; crates.io versions (strict SemVer,
// Cargo's `semver` crate) are a subset and order the same way.
//
// Accepted (node-semver's LOOSE pattern, after String.prototype.trim):
//   [v=\s]* MAJOR.MINOR.PATCH [ [-] PRERELEASE ] [ +BUILD ]
// numbers may carry leading zeros (a numeric pre-release identifier may not: "1.0.0-01" is refused,
// as semver.org, Cargo and node-semver's strict mode do) and must not exceed 2^53-1; the hyphen before a pre-release
// may be omitted ("1.2.3beta"); at most 256 characters before trimming. The regex's
// backtracking has visible effects that we reproduce: "1.2.34.5" is 1.2.3-4.5 and "1.2.3-" has
// the pre-release "-". Build metadata is validated and ignored.
#include <cassert>

#include "version/internal/scheme_util.h"
#include "version/internal/schemes.h"

namespace vigil::version {
namespace {

using internal::IsDigit;

constexpr size_t kNpmMaxLength = 256;
constexpr uint64_t kMaxSafeInteger = (uint64_t{1} << 53) - 1;

bool IsJsSpace(char c) {  // the ASCII part of ECMAScript's WhiteSpace and LineTerminator
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// Whether rest = text[begin, end) can follow PATCH: [-]PRERELEASE? (+BUILD)?. On success sets the
// pre-release to [*pre_begin, *pre_end) (empty when absent).
bool MatchTail(std::string_view text, size_t begin, size_t end, bool may_take_hyphen, size_t* pre_begin,
               size_t* pre_end) {
  size_t plus = text.find('+', begin);
  if (plus >= end) plus = end;
  if (plus < end && !internal::IsIdentList(text, plus + 1, end)) return false;
  *pre_begin = *pre_end = plus;
  if (begin == plus) return true;
  // The regex tries "-" as the separator first, then as the start of an identifier.
  if (may_take_hyphen && text[begin] == '-' && internal::IsIdentList(text, begin + 1, plus)) {
    *pre_begin = begin + 1;
    return true;
  }
  if (internal::IsIdentList(text, begin, plus)) {
    *pre_begin = begin;
    return true;
  }
  return false;
}

// The value of the digits text[begin, end), or kMaxSafeInteger + 1 if it is larger.
uint64_t Value(std::string_view text, size_t begin, size_t end) {
  uint64_t v = 0;
  for (size_t i = begin; i < end; ++i) {
    v = v * 10 + static_cast<uint64_t>(text[i] - '0');
    if (v > kMaxSafeInteger) return kMaxSafeInteger + 1;
  }
  return v;
}

class SemverSchemeImpl final : public Scheme {
 public:
  std::string_view name() const override { return "semver"; }

  Result<Version> Parse(std::string_view text) const override {
    if (auto p = internal::CommonProblem(text); !p.empty()) return Invalid(text, p);
    if (text.size() > kNpmMaxLength) return Invalid(text, "longer than 256 characters (npm's limit)");
    for (char c : text) {
      if (static_cast<unsigned char>(c) >= 0x80) return Invalid(text, "contains a byte outside ASCII");
    }
    size_t b = 0, e = text.size();
    while (b < e && IsJsSpace(text[b])) ++b;
    while (e > b && IsJsSpace(text[e - 1])) --e;
    if (b == e) return Invalid(text, "only white space");
    while (b < e && (text[b] == 'v' || text[b] == '=' || IsJsSpace(text[b]))) ++b;

    size_t pos = b;
    size_t num[3][2];
    for (int k = 0; k < 3; ++k) {
      size_t s = pos;
      while (pos < e && IsDigit(text[pos])) ++pos;
      if (pos == s) return Invalid(text, "expected MAJOR.MINOR.PATCH");
      num[k][0] = s;
      num[k][1] = pos;
      if (k < 2) {
        if (pos == e || text[pos] != '.') return Invalid(text, "expected MAJOR.MINOR.PATCH");
        ++pos;
      }
    }
    size_t pre_begin = 0, pre_end = 0;
    if (!MatchTail(text, pos, e, true, &pre_begin, &pre_end)) {
      // Like the regex, give one digit of PATCH to the pre-release and try again; fewer digits
      // cannot succeed where one failed.
      if (num[2][1] - num[2][0] < 2 || !MatchTail(text, pos - 1, e, false, &pre_begin, &pre_end)) {
        return Invalid(text,
                       "not MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD] (identifiers are [0-9A-Za-z-], separated by '.')");
      }
      num[2][1] = pos - 1;
    }
    static constexpr const char* kPart[] = {"major", "minor", "patch"};
    for (int k = 0; k < 3; ++k) {
      if (Value(text, num[k][0], num[k][1]) > kMaxSafeInteger) {
        return Invalid(text, std::string(kPart[k]) + " version is larger than 2^53-1");
      }
    }

    // A numeric pre-release identifier must not have a leading zero (semver.org rule 9). node-semver
    // refuses "1.0.0-01" except in loose mode, where it reads it as "1.0.0-1"; Cargo's semver crate
    // refuses it. Unlike a leading zero in MAJOR.MINOR.PATCH (kept, as loose mode does: "01.2.3"
    // is "1.2.3"), it changes which version is meant ("1.0.0-01" and "1.0.0-1" are two different
    // tags on the registry side, one number to the comparator), so it is refused.
    for (size_t i = pre_begin; i < pre_end;) {
      size_t j = i;
      bool numeric = true;
      while (j < pre_end && text[j] != '.') numeric &= IsDigit(text[j++]);
      if (numeric && j - i > 1 && text[i] == '0') {
        return Invalid(text, "numeric pre-release identifier '" + std::string(text.substr(i, j - i)) +
                                 "' has a leading zero (semver.org rule 9)");
      }
      i = j + 1;
    }

    std::vector<Token> tokens;
    tokens.reserve(4);
    for (int k = 0; k < 3; ++k) {
      Token t;
      internal::SetNumber(t, text, num[k][0], num[k][1]);
      tokens.push_back(t);
    }
    if (pre_begin < pre_end) internal::AppendPrerelease(text, pre_begin, pre_end, tokens);
    return MakeVersion(text, std::move(tokens));
  }

  int Compare(const Version& a, const Version& b) const override {
    assert(a.scheme() == this && b.scheme() == this);
    return internal::CompareSemverTokens(a, b);
  }

  // node-semver's SemVer.version: numbers without leading zeros, build metadata dropped, and
  // numeric pre-release identifiers printed as numbers when below 2^53-1 (as strings otherwise).
  std::string Format(const Version& v) const override {
    std::string out;
    const auto& t = v.tokens();
    for (size_t k = 0; k < t.size(); ++k) {
      if (k > 0) out += k < 3 ? "." : (k == 3 ? "-" : ".");
      bool number = k < 3 || t[k].kind == internal::kPreNumber;
      if (number && (k < 3 || (t[k].length <= internal::kMaxExactDigits && t[k].number < kMaxSafeInteger))) {
        out += std::to_string(t[k].number);
      } else if (number) {
        // Keep the original digits, leading zeros included, as node-semver does.
        size_t s = t[k].offset;
        while (s > 0 && v.text()[s - 1] == '0') --s;
        out += v.text().substr(s, t[k].offset + t[k].length - s);
      } else {
        out += v.TokenText(t[k]);
      }
    }
    return out;
  }

 private:
  Error Invalid(std::string_view text, std::string_view reason) const { return InvalidVersion(name(), text, reason); }
};

}  // namespace

const Scheme* SemverScheme() {
  static const SemverSchemeImpl kScheme;
  return &kScheme;
}

}  // namespace vigil::version
