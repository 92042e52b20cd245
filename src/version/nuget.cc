// NuGet versions, parsed and ordered as NuGet.Versioning's NuGetVersion.TryParse and
// VersionComparer.Default do: SemVer 2.0 with a fourth (revision) number.
//
//   N[.N[.N[.N]]][-label(.label)*][+metadata(.metadata)*]
//
// Numbers are 32-bit, leading zeros allowed ("1.01" = 1.1.0); missing ones are 0. Labels are
// [0-9A-Za-z-]+ without leading zeros when numeric; a prerelease sorts before the release;
// labels compare numerically when both are integers, a numeric label before a text one, text
// labels case-insensitively; fewer labels first when one list is a prefix of the other. Build
// metadata is checked but ignored when comparing.
#include <cassert>
#include <cstdint>
#include <string>

#include "version/internal/scheme_util.h"
#include "version/internal/schemes.h"

namespace vigil::version {
namespace {

using internal::Cmp;

using internal::IsAlnum;
using internal::IsDigit;

// Token layout: [0..3] major, minor, patch, revision (number = value); then one token per
// release label: kind kNumeric (number = value + 2^31, so that negative labels order right)
// or kText (slice of the text).
enum : uint8_t { kVersionPart = 0, kNumeric = 1, kText = 2 };
constexpr int64_t kInt32Max = 2147483647;

char Upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

// int.TryParse with NumberStyles.Integer (what System.Version and NuGet's label comparison
// use): optional ASCII white space around, an optional sign, decimal digits, in int32 range.
bool ParseInt32(std::string_view s, int64_t* out) {
  size_t b = 0, e = s.size();
  auto ws = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
  while (b < e && ws(s[b])) ++b;
  while (e > b && ws(s[e - 1])) --e;
  bool negative = false;
  if (b < e && (s[b] == '-' || s[b] == '+')) negative = s[b++] == '-';
  if (b == e) return false;
  int64_t v = 0;
  for (size_t i = b; i < e; ++i) {
    if (!IsDigit(s[i])) return false;
    v = v * 10 + (s[i] - '0');
    if (v > kInt32Max + 1) return false;
  }
  if (negative) v = -v;
  if (v > kInt32Max) return false;
  *out = v;
  return true;
}

// SemanticVersion.IsValidPart: non-empty, [0-9A-Za-z-], and (for labels) no leading zero on an
// all-digit part.
bool ValidPart(std::string_view s, bool allow_leading_zeros) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsAlnum(c) && c != '-') return false;
  }
  if (!allow_leading_zeros && s.size() > 1 && s[0] == '0') {
    bool all_digits = true;
    for (char c : s.substr(1)) all_digits = all_digits && IsDigit(c);
    if (all_digits) return false;
  }
  return true;
}

// StringComparer.OrdinalIgnoreCase: both sides upper-cased, then ordinal.
int CompareLabelText(const Version& va, const Token& a, const Version& vb, const Token& b) {
  return internal::CompareFolded(va, a, vb, b, Upper);
}

class NugetSchemeImpl final : public Scheme {
 public:
  std::string_view name() const override { return "nuget"; }

  Result<Version> Parse(std::string_view text) const override {
    if (auto p = internal::CommonProblem(text); !p.empty()) return Invalid(text, p);
    // NuGet trims the value (String.Trim: Unicode white space); the rest must be ASCII.
    bool non_ascii = false;
    std::string_view trimmed = internal::TrimUnicodeSpace(text, false, &non_ascii);
    if (non_ascii) return Invalid(text, "non-ASCII character");
    size_t begin = static_cast<size_t>(trimmed.data() - text.data()), end = begin + trimmed.size();
    std::string_view v = text.substr(begin, end - begin);
    if (v.empty()) return Invalid(text, "blank version");

    // Sections: the version runs to the first '-' or '+'; labels to the next '+'; then metadata.
    // A separator at the very end stays in the section before it, which then fails to parse.
    size_t cut = v.find_first_of("-+");
    if (cut == v.size() - 1) return Invalid(text, "nothing after '" + std::string(1, v[cut]) + "'");
    std::string_view numbers = v.substr(0, cut);
    std::string_view labels, metadata;
    bool has_labels = false, has_metadata = false;
    if (cut != std::string_view::npos) {
      std::string_view rest = v.substr(cut + 1);
      if (v[cut] == '-') {
        size_t plus = rest.find('+');
        has_labels = true;
        labels = rest.substr(0, plus);
        if (plus != std::string_view::npos) {
          if (plus == rest.size() - 1) return Invalid(text, "nothing after '+'");
          has_metadata = true;
          metadata = rest.substr(plus + 1);
        }
      } else {
        has_metadata = true;
        metadata = rest;
      }
    }
    if (numbers.empty()) return Invalid(text, "no version number before '-' or '+'");

    std::vector<Token> tokens(4);
    // System.Version.TryParse: 2 to 4 parts (NuGet appends ".0" to a lone number), each a
    // non-negative int32 (white space around a part and a '+' sign are allowed by int.TryParse).
    size_t part = 0;
    for (size_t b = 0;; ++part) {
      size_t e = numbers.find('.', b);
      std::string_view p = numbers.substr(b, e == std::string_view::npos ? e : e - b);
      if (part >= 4) return Invalid(text, "more than 4 version numbers");
      int64_t n;
      if (!ParseInt32(p, &n) || n < 0) {
        return Invalid(text, "version number '" + std::string(p) + "' is not a 32-bit integer");
      }
      tokens[part].number = static_cast<uint64_t>(n);
      if (e == std::string_view::npos) break;
      b = e + 1;
    }

    if (has_labels) {
      for (size_t b = 0;;) {
        size_t e = labels.find('.', b);
        std::string_view l = labels.substr(b, e == std::string_view::npos ? e : e - b);
        if (!ValidPart(l, false)) {
          return Invalid(text, "invalid release label '" + std::string(l) + "'");
        }
        Token t;
        int64_t n;
        if (ParseInt32(l, &n)) {
          // int.TryParse decides what is numeric: "-1" is, "99999999999" is not.
          t.kind = kNumeric;
          t.number = static_cast<uint64_t>(n + kInt32Max + 1);
        } else {
          t.kind = kText;
        }
        t.offset = static_cast<uint16_t>(begin + cut + 1 + b);
        t.length = static_cast<uint16_t>(l.size());
        tokens.push_back(t);
        if (e == std::string_view::npos) break;
        b = e + 1;
      }
    }
    if (has_metadata) {
      for (size_t b = 0;;) {
        size_t e = metadata.find('.', b);
        std::string_view m = metadata.substr(b, e == std::string_view::npos ? e : e - b);
        if (!ValidPart(m, true)) return Invalid(text, "invalid build metadata '" + std::string(m) + "'");
        if (e == std::string_view::npos) break;
        b = e + 1;
      }
    }
    return MakeVersion(text, std::move(tokens));
  }

  int Compare(const Version& a, const Version& b) const override {
    assert(a.scheme() == this && b.scheme() == this);
    const auto& ta = a.tokens();
    const auto& tb = b.tokens();
    for (size_t i = 0; i < 4; ++i) {
      if (int c = Cmp(ta[i].number, tb[i].number); c != 0) return c;
    }
    size_t na = ta.size() - 4, nb = tb.size() - 4;
    if ((na == 0) != (nb == 0)) return na == 0 ? 1 : -1;  // a prerelease sorts first
    for (size_t i = 4; i < ta.size() && i < tb.size(); ++i) {
      const Token& x = ta[i];
      const Token& y = tb[i];
      int c;
      if (x.kind != y.kind) {
        c = x.kind == kNumeric ? -1 : 1;
      } else if (x.kind == kNumeric) {
        c = Cmp(x.number, y.number);
      } else {
        c = CompareLabelText(a, x, b, y);
      }
      if (c != 0) return c;
    }
    return Cmp(na, nb);
  }

  // NuGet's normalized form (ToNormalizedString: three numbers, the fourth when not 0, the
  // labels), without the build metadata and with the labels in lower case, so that versions
  // NuGet holds equal get the same text. Numeric labels are written as the numbers NuGet reads
  // ("-01" as -1).
  std::string Format(const Version& v) const override {
    const auto& t = v.tokens();
    // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on operator+ chains here.
    std::string out;
    for (size_t i = 0; i < 4; ++i) {
      if (i == 3 && t[3].number == 0) break;
      if (i != 0) out.push_back('.');
      out.append(std::to_string(t[i].number));
    }
    for (size_t i = 4; i < t.size(); ++i) {
      out += i == 4 ? '-' : '.';
      if (t[i].kind == kNumeric) {
        out += std::to_string(static_cast<int64_t>(t[i].number) - kInt32Max - 1);
      } else {
        for (char c : v.TokenText(t[i])) out += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
      }
    }
    return out;
  }

 private:
  Error Invalid(std::string_view text, std::string_view reason) const { return InvalidVersion(name(), text, reason); }
};

}  // namespace

const Scheme* NugetScheme() {
  static const NugetSchemeImpl kScheme;
  return &kScheme;
}

}  // namespace vigil::version
