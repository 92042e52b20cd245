// apk versions (Alpine, Wolfi, Chainguard):
//   digit{.digit}...{letter}{_suffix{number}}...{~hash}{-r number}
// validated and ordered as apk-tools 3 does (src/version.c; its test/unit/version.data is our
// test corpus). Semantics summary, since apk has no written spec:
// - tokens come in a fixed order of kinds: initial number, ".number"s, one lower-case letter,
//   "_suffix[number]"s, "~hexhash", "-rN"; anything else (upper case, a second letter, "_foo",
//   "-1") makes the version invalid;
// - equal kinds compare by value: numbers numerically, except that a ".number" with a leading
//   zero on either side compares as a string (Gentoo's rule); suffixes by rank
//   alpha < beta < pre < rc < (none) < cvs < svn < git < hg < p; hashes as strings;
// - at the first position where the kinds differ, a pre-release suffix (alpha..rc) loses;
//   otherwise the kind that comes earlier in the order above wins ("1.0.1" > "1.0_p1" >
//   "1.0~ab" > "1.0-r1" > "1.0").
#include "version/internal/apk.h"

#include <cassert>
#include <cstring>

#include "version/internal/scheme_util.h"
#include "version/internal/schemes.h"

namespace vigil::version {
namespace {

using internal::IsDigit;

// The token kinds in apk's order; kEnd is implicit (past the last token).
enum : uint8_t {
  kInitialDigit = 0,
  kDigit = 1,
  kLetter = 2,
  kSuffix = 3,
  kSuffixNo = 4,
  kCommitHash = 5,
  kRevisionNo = 6,
  kEnd = 7,
};
// Suffix ranks; kSuffixNone is the pivot between pre-release and post-release suffixes.
constexpr uint64_t kSuffixNone = 5;
constexpr uint8_t kLeadingZero = 1;  // flags: a kDigit token whose text starts with '0'

struct SuffixName {
  const char* name;
  uint64_t rank;
};
constexpr SuffixName kSuffixes[] = {{"alpha", 1}, {"beta", 2}, {"pre", 3}, {"rc", 4}, {"cvs", 6},
                                    {"svn", 7},   {"git", 8},  {"hg", 9},  {"p", 10}};

bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f'); }

int CompareRaw(const Version& va, const Token& a, const Version& vb, const Token& b) {
  return internal::CompareBytes(va, a, vb, b);
}

int CompareToken(const Version& va, const Token& a, const Version& vb, const Token& b) {
  switch (a.kind) {
    case kDigit:
      if ((a.flags & kLeadingZero) != 0 || (b.flags & kLeadingZero) != 0) {
        return CompareRaw(va, a, vb, b);
      }
      [[fallthrough]];
    case kInitialDigit:
    case kSuffixNo:
    case kRevisionNo:
    case kLetter:
    case kSuffix:
      return a.number < b.number ? -1 : (a.number > b.number ? 1 : 0);
    default:  // kCommitHash
      return CompareRaw(va, a, vb, b);
  }
}

// apk_version_compare_fuzzy: with `fuzzy`, b being a prefix of a (token-wise) counts as equal.
int CompareImpl(const Version& a, const Version& b, bool fuzzy) {
  const auto& ta = a.tokens();
  const auto& tb = b.tokens();
  size_t i = 0;
  const size_t na = ta.size(), nb = tb.size();
  for (; i < na && i < nb && ta[i].kind == tb[i].kind; ++i) {
    if (int c = CompareToken(a, ta[i], b, tb[i]); c != 0) return c;
  }
  uint8_t ak = i < na ? ta[i].kind : uint8_t{kEnd};
  uint8_t bk = i < nb ? tb[i].kind : uint8_t{kEnd};
  if (ak == bk) return 0;
  if (bk == kEnd && fuzzy) return 0;
  if (ak == kSuffix && ta[i].number < kSuffixNone) return -1;
  if (bk == kSuffix && tb[i].number < kSuffixNone) return 1;
  return ak > bk ? -1 : 1;
}

class ApkSchemeImpl final : public Scheme {
 public:
  std::string_view name() const override { return "apk"; }

  Result<Version> Parse(std::string_view text) const override {
    if (auto p = internal::CommonProblem(text); !p.empty()) return Invalid(text, p);
    std::vector<Token> tokens;
    tokens.reserve(8);
    size_t i = 0;
    const size_t n = text.size();
    uint8_t prev = kInitialDigit;
    // The initial number.
    {
      Token t;
      t.kind = kInitialDigit;
      if (auto p = ReadNumber(text, i, t); !p.empty()) return Invalid(text, p);
      tokens.push_back(t);
    }
    while (i < n) {
      char c = text[i];
      Token t;
      if (c >= 'a' && c <= 'z') {
        if (prev > kDigit) return Invalid(text, Misplaced("a letter", prev));
        t.kind = kLetter;
        t.offset = static_cast<uint16_t>(i);
        t.length = 1;
        t.number = static_cast<unsigned char>(c);
        ++i;
      } else if (c == '.' || IsDigit(c)) {
        if (c == '.') {
          if (prev > kDigit) return Invalid(text, Misplaced("'.'", prev));
          ++i;
          t.kind = kDigit;
        } else if (prev == kSuffix) {
          t.kind = kSuffixNo;
        } else {
          return Invalid(text, Misplaced("a digit", prev));
        }
        if (auto p = ReadNumber(text, i, t); !p.empty()) return Invalid(text, p);
        if (t.kind == kDigit && text[t.offset] == '0') t.flags = kLeadingZero;
      } else if (c == '_') {
        if (prev > kSuffixNo) return Invalid(text, Misplaced("a '_' suffix", prev));
        size_t j = ++i;
        while (j < n && text[j] >= 'a' && text[j] <= 'z') ++j;
        std::string_view word = text.substr(i, j - i);
        t.kind = kSuffix;
        t.offset = static_cast<uint16_t>(i);
        t.length = static_cast<uint16_t>(j - i);
        for (const auto& s : kSuffixes) {
          if (word == s.name) t.number = s.rank;
        }
        if (t.number == 0) {
          return Invalid(text, "unknown suffix '_" + std::string(word) +
                                   "' (apk knows _alpha _beta _pre _rc _cvs _svn _git _hg _p)");
        }
        i = j;
      } else if (c == '~') {
        if (prev >= kCommitHash) return Invalid(text, Misplaced("a '~' commit hash", prev));
        size_t j = ++i;
        while (j < n && IsHex(text[j])) ++j;
        if (j == i) return Invalid(text, "'~' must be followed by a lower-case hex commit hash");
        t.kind = kCommitHash;
        t.offset = static_cast<uint16_t>(i);
        t.length = static_cast<uint16_t>(j - i);
        i = j;
      } else if (c == '-') {
        if (prev >= kRevisionNo) return Invalid(text, "a second '-r' revision");
        if (i + 1 >= n || text[i + 1] != 'r') return Invalid(text, "'-' must start a '-rN' revision");
        i += 2;
        t.kind = kRevisionNo;
        if (auto p = ReadNumber(text, i, t); !p.empty()) return Invalid(text, "'-r' must be followed by a number");
      } else {
        return Invalid(text, internal::FindNonPrintable(text.substr(i, 1)) == 0
                                 ? "contains a byte outside printable ASCII"
                                 : "invalid character '" + std::string(1, c) + "'");
      }
      prev = t.kind;
      tokens.push_back(t);
    }
    return MakeVersion(text, std::move(tokens));
  }

  int Compare(const Version& a, const Version& b) const override {
    assert(a.scheme() == this && b.scheme() == this);
    return CompareImpl(a, b, /*fuzzy=*/false);
  }

 private:
  Error Invalid(std::string_view text, std::string_view reason) const { return InvalidVersion(name(), text, reason); }

  static std::string Misplaced(std::string_view what, uint8_t prev) {
    static constexpr const char* kNames[] = {"the first number", "a number",        "the letter",  "a suffix",
                                             "a suffix number",  "the commit hash", "the revision"};
    return std::string(what) + " cannot follow " + kNames[prev];
  }

  // Reads the digits at text[i...] into t (value, and the raw digits as its slice).
  static std::string_view ReadNumber(std::string_view text, size_t& i, Token& t) {
    size_t j = i;
    uint64_t v = 0;
    while (j < text.size() && IsDigit(text[j])) {
      uint64_t d = static_cast<uint64_t>(text[j] - '0');
      // apk accumulates in a uint64_t and silently wraps; a wrapped number would compare as a
      // small one, so refuse it instead.
      if (v > (UINT64_MAX - d) / 10) return "number does not fit in 64 bits";
      v = v * 10 + d;
      ++j;
    }
    if (j == i) return i < text.size() ? "expected a number" : "expected a number at the end";
    t.offset = static_cast<uint16_t>(i);
    t.length = static_cast<uint16_t>(j - i);
    t.number = v;
    i = j;
    return {};
  }
};

}  // namespace

const Scheme* ApkScheme() {
  static const ApkSchemeImpl kScheme;
  return &kScheme;
}

int ApkCompareFuzzy(const Version& a, const Version& b) {
  assert(a.scheme() == ApkScheme() && b.scheme() == ApkScheme());
  return CompareImpl(a, b, /*fuzzy=*/true);
}

}  // namespace vigil::version
