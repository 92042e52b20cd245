// RubyGems versions, parsed and ordered as Gem::Version does (RubyGems 3.x).
//
// Valid: optional whitespace, then N(.X)*(-X(.X)*)? where N is digits, X after '.' is
// alphanumeric and X after '-' may also hold '-'. Each '-' stands for ".pre." (RubyGems
// rewrites it so), so "1.0-1" is the prerelease 1.0.pre.1. The version is then the list of its
// digit runs (numbers) and letter runs (strings), in order; any string makes it a prerelease.
// Trailing zeros are dropped from the numeric part (before the first string) and from the rest,
// and the two lists are compared item by item, missing items being 0: numbers numerically,
// strings byte-wise (case-sensitive), a string below any number.
#include <cassert>
#include <cstring>
#include <string>

#include "version/internal/scheme_util.h"
#include "version/internal/schemes.h"

namespace vigil::version {
namespace {

using internal::IsAlnum;
using internal::IsDigit;

// Tokens are the canonical segments only. kPre is the "pre" that RubyGems puts where a '-' was;
// its text slice is the '-' itself, so it is compared as the literal "pre".
enum : uint8_t { kNumber = 0, kString = 1, kPre = 2 };

// Ruby's \s (what Gem::Version's pattern allows around the version).
bool IsRubySpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

std::string_view SegmentText(const Version& v, const Token& t) {
  return t.kind == kPre ? std::string_view("pre") : v.TokenText(t);
}

int Sign(int c) { return c < 0 ? -1 : (c > 0 ? 1 : 0); }

class GemSchemeImpl final : public Scheme {
 public:
  std::string_view name() const override { return "gem"; }

  Result<Version> Parse(std::string_view text) const override {
    if (auto p = internal::CommonProblem(text); !p.empty()) return Invalid(text, p);
    size_t begin = 0, end = text.size();
    while (begin < end && IsRubySpace(text[begin])) ++begin;
    while (end > begin && IsRubySpace(text[end - 1])) --end;
    // Gem::Version reads a blank string as "0"; a blank version in a feed or a database is a
    // mistake, not version 0, so we refuse it (docs/VERSIONS.md).
    if (begin == end) return Invalid(text, "blank version");
    if (auto p = Grammar(text.substr(begin, end - begin)); !p.empty()) return Invalid(text, p);

    // Segments: digit runs and letter runs; '.' separates; '-' is a "pre" string segment.
    std::vector<Token> segs;
    internal::AppendDigitAlphaRuns(
        text, begin, end, kNumber, kString,
        [](char c) -> uint8_t {
          if (c == '-') return kPre;
          return internal::kSeparatorByte;  // '.'
        },
        segs);

    // canonical_segments: drop trailing zeros from the numeric part and from the rest.
    size_t first_string = 0;
    while (first_string < segs.size() && segs[first_string].kind == kNumber) ++first_string;
    std::vector<Token> tokens;
    tokens.reserve(segs.size());
    auto append_trimmed = [&tokens](const Token* b, const Token* e) {
      while (e > b && e[-1].kind == kNumber && e[-1].length == 0) --e;
      tokens.insert(tokens.end(), b, e);
    };
    append_trimmed(segs.data(), segs.data() + first_string);
    append_trimmed(segs.data() + first_string, segs.data() + segs.size());
    return MakeVersion(text, std::move(tokens));
  }

  int Compare(const Version& a, const Version& b) const override {
    assert(a.scheme() == this && b.scheme() == this);
    static const Token kZero{};
    const auto& ta = a.tokens();
    const auto& tb = b.tokens();
    size_t n = ta.size() > tb.size() ? ta.size() : tb.size();
    for (size_t i = 0; i < n; ++i) {
      const Token& x = i < ta.size() ? ta[i] : kZero;
      const Token& y = i < tb.size() ? tb[i] : kZero;
      bool xs = x.kind != kNumber, ys = y.kind != kNumber;
      if (xs != ys) return xs ? -1 : 1;  // a string sorts below a number
      int c = xs ? Sign(SegmentText(a, x).compare(SegmentText(b, y))) : internal::CompareNumber(a, x, b, y);
      if (c != 0) return c;
    }
    return 0;
  }

  // The canonical segments joined with '.': "1.0-1" -> "1.pre.1", "1.0a" -> "1.a"; "0" before
  // them when they do not start with a number ("0.0.pre" -> "0.pre"). Versions Gem::Version
  // holds equal have the same canonical segments, so the same Format.
  std::string Format(const Version& v) const override {
    std::string out;
    if (v.tokens().empty() || v.tokens()[0].kind != kNumber) out.push_back('0');
    for (const Token& t : v.tokens()) {
      if (!out.empty()) out += '.';
      if (t.kind == kNumber && t.length == 0) {
        out += '0';
      } else {
        out += SegmentText(v, t);
      }
    }
    return out;
  }

 private:
  // Gem::Version's pattern: [0-9]+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?
  static std::string_view Grammar(std::string_view s) {
    size_t i = 0;
    if (i >= s.size() || !IsDigit(s[i])) return "must start with a digit";
    while (i < s.size() && IsDigit(s[i])) ++i;
    while (i < s.size() && s[i] == '.') {
      size_t j = ++i;
      while (i < s.size() && IsAlnum(s[i])) ++i;
      if (i == j) return "empty segment after '.'";
    }
    if (i == s.size()) return {};
    if (s[i] != '-') return "unexpected character (allowed: digits, letters, '.', '-')";
    for (;;) {
      size_t j = ++i;  // past '-' or '.'
      while (i < s.size() && (IsAlnum(s[i]) || s[i] == '-')) ++i;
      if (i == j) return "empty prerelease segment";
      if (i == s.size()) return {};
      if (s[i] != '.') return "unexpected character (allowed: digits, letters, '.', '-')";
    }
  }

  Error Invalid(std::string_view text, std::string_view reason) const { return InvalidVersion(name(), text, reason); }
};

}  // namespace

const Scheme* GemScheme() {
  static const GemSchemeImpl kScheme;
  return &kScheme;
}

}  // namespace vigil::version
