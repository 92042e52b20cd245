// dpkg versions (Debian, Ubuntu): [epoch:]upstream[-revision], ordered as dpkg's verrevcmp does.
// Semantics from deb-version(7) and dpkg's own tests (scripts/t/Dpkg_Version.t).
#include <cassert>
#include <cstring>
#include <limits>

#include "version/internal/scheme_util.h"
#include "version/internal/schemes.h"

namespace vigil::version {
namespace {

using internal::IsAlpha;
using internal::IsDigit;

// Token kinds. Each part (upstream, revision) is a list of (non-digit run, digit run) pairs,
// either of which may be empty; that is exactly the unit verrevcmp compares.
enum : uint8_t { kHeader = 0, kText = 1, kNumber = 2 };

// dpkg's order(): '~' sorts before the end of the string, which sorts before letters, which sort
// before everything else (by ASCII code within each class). Digits never reach it: they are in
// number tokens. As byte ranks: '~' 1, end 2, letters 3.., others after.
constexpr uint8_t kEndRank = 2;
struct RankTable {
  uint8_t r[256];
  constexpr RankTable() : r() {
    int next = 3;
    for (int c = 'A'; c <= 'Z'; ++c) r[c] = static_cast<uint8_t>(next++);
    for (int c = 'a'; c <= 'z'; ++c) r[c] = static_cast<uint8_t>(next++);
    for (int c = 0x21; c < 0x7f; ++c) {
      bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      bool digit = c >= '0' && c <= '9';
      if (!letter && !digit && c != '~') r[c] = static_cast<uint8_t>(next++);
    }
    r[static_cast<int>('~')] = 1;
  }
};
constexpr RankTable kRank;

uint8_t Rank(unsigned char c) { return kRank.r[c]; }

// A missing pair compares as ("", 0).
constexpr uint64_t kEmptyText = 0x0202020202020202ull;
static_assert(kEndRank == 2, "kEmptyText is eight end ranks");

// The slow path for text tokens longer than 8 bytes whose first 8 bytes tie.
int CompareLongText(const Version& va, const Token* a, const Version& vb, const Token* b) {
  size_t la = a == nullptr ? 0 : a->length, lb = b == nullptr ? 0 : b->length;
  const char* pa = a == nullptr ? "" : va.text().data() + a->offset;
  const char* pb = b == nullptr ? "" : vb.text().data() + b->offset;
  for (size_t i = 0; i < la || i < lb; ++i) {
    int wa = i < la ? Rank(static_cast<unsigned char>(pa[i])) : kEndRank;
    int wb = i < lb ? Rank(static_cast<unsigned char>(pb[i])) : kEndRank;
    if (wa != wb) return wa < wb ? -1 : 1;
  }
  return 0;
}

// verrevcmp over the token pairs [a, a_end) and [b, b_end).
int ComparePart(const Version& va, const Token* a, const Token* a_end, const Version& vb, const Token* b,
                const Token* b_end) {
  static const Token kZero{};
  while (a < a_end || b < b_end) {
    const Token* at = a < a_end ? a : nullptr;
    const Token* bt = b < b_end ? b : nullptr;
    uint64_t ka = at != nullptr ? at->number : kEmptyText;
    uint64_t kb = bt != nullptr ? bt->number : kEmptyText;
    if (ka != kb) return ka < kb ? -1 : 1;
    if (((at != nullptr ? at->flags : 0) | (bt != nullptr ? bt->flags : 0)) & internal::kLongText) {
      if (int c = CompareLongText(va, at, vb, bt); c != 0) return c;
    }
    // Tokenize always emits pairs, so a number token follows every text token.
    const Token& na = at != nullptr ? a[1] : kZero;
    const Token& nb = bt != nullptr ? b[1] : kZero;
    if (na.length != nb.length) return na.length < nb.length ? -1 : 1;
    if (na.number != nb.number) return na.number < nb.number ? -1 : 1;
    if (na.length > internal::kMaxExactDigits) {
      if (int c = internal::CompareNumber(va, na, vb, nb); c != 0) return c;
    }
    if (at != nullptr) a += 2;
    if (bt != nullptr) b += 2;
  }
  return 0;
}

// Appends the (text, number) pairs of part = text[begin, end).
void Tokenize(std::string_view text, size_t begin, size_t end, std::vector<Token>& out) {
  size_t i = begin;
  while (i < end) {
    size_t j = i;
    while (j < end && !IsDigit(text[j])) ++j;
    Token t;
    t.kind = kText;
    internal::PackText(t, text, i, j, Rank, kEndRank);
    out.push_back(t);
    size_t k = j;
    while (k < end && IsDigit(text[k])) ++k;
    Token n;
    n.kind = kNumber;
    internal::SetNumber(n, text, j, k);
    out.push_back(n);
    i = k;
  }
}

// The warning dpkg's parseversion() gives for `text` (which Parse accepted), in dpkg's order:
// the first problem only. "" when there is none.
std::string DpkgWarning(std::string_view text) {
  size_t begin = 0, end = text.size();
  while (begin < end && (text[begin] == ' ' || text[begin] == '\t')) ++begin;
  while (end > begin && (text[end - 1] == ' ' || text[end - 1] == '\t')) --end;
  std::string_view v = text.substr(begin, end - begin);
  size_t colon = v.find(':');
  size_t up_begin = colon == std::string_view::npos ? 0 : colon + 1;
  size_t hyphen = v.rfind('-');
  size_t up_end = hyphen != std::string_view::npos && hyphen >= up_begin ? hyphen : v.size();
  if (up_begin < up_end && !IsDigit(v[up_begin])) return "version number does not start with digit";
  for (size_t i = up_begin; i < up_end; ++i) {
    char c = v[i];
    if (!IsDigit(c) && !IsAlpha(c) && std::strchr(".-+~:", c) == nullptr) return "invalid character in version number";
  }
  for (size_t i = up_end + 1; i < v.size() && up_end < v.size(); ++i) {
    char c = v[i];
    if (!IsDigit(c) && !IsAlpha(c) && std::strchr(".+~", c) == nullptr) return "invalid character in revision number";
  }
  return {};
}

class DpkgSchemeImpl final : public Scheme {
 public:
  std::string_view name() const override { return "dpkg"; }

  Result<Version> Parse(std::string_view text) const override {
    if (auto p = internal::CommonProblem(text); !p.empty()) return Invalid(text, p);
    // dpkg's parseversion() ignores leading and trailing blanks, so do we.
    size_t begin = 0, end = text.size();
    while (begin < end && (text[begin] == ' ' || text[begin] == '\t')) ++begin;
    while (end > begin && (text[end - 1] == ' ' || text[end - 1] == '\t')) --end;
    if (begin == end) return Invalid(text, "version string is empty");
    std::string_view v = text.substr(begin, end - begin);
    for (size_t i = 0; i < v.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(v[i]);
      if (c == ' ' || c == '\t') return Invalid(text, "version string has embedded spaces");
      if (c < 0x21 || c > 0x7e) return Invalid(text, "invalid character in version number");
    }

    Token header;
    header.kind = kHeader;
    size_t colon = v.find(':');
    size_t up_begin = 0;
    if (colon != std::string_view::npos) {
      // dpkg reads the epoch with strtol and insists that it end exactly at the colon. We refuse
      // the sign strtol would accept: Dpkg::Version does too, and no archive carries one.
      if (colon == 0) return Invalid(text, "epoch in version is empty");
      uint64_t epoch = 0;
      for (size_t i = 0; i < colon; ++i) {
        if (!IsDigit(v[i])) return Invalid(text, "epoch in version is not number");
        epoch = epoch * 10 + static_cast<uint64_t>(v[i] - '0');
        if (epoch > static_cast<uint64_t>(std::numeric_limits<int>::max())) {
          return Invalid(text, "epoch in version is too big");
        }
      }
      if (colon + 1 == v.size()) return Invalid(text, "nothing after colon in version number");
      header.number = epoch;
      up_begin = colon + 1;
    }
    size_t hyphen = v.rfind('-');
    size_t up_end = v.size();
    bool has_revision = false;
    if (hyphen != std::string_view::npos && hyphen >= up_begin) {
      if (hyphen + 1 == v.size()) return Invalid(text, "revision number is empty");
      up_end = hyphen;
      has_revision = true;
    }
    if (up_begin == up_end) return Invalid(text, "upstream version is empty");
    // dpkg's parseversion() only warns about a version that does not start with a digit or has
    // characters outside the grammar (printable ones: the loop above refused the others), and
    // orders it all the same (`dpkg --compare-versions a1.0 gt 1.0` is true, with a warning).
    // So does this scheme; Warning() says what dpkg would warn about.
    std::vector<Token> tokens;
    tokens.reserve(2 + (v.size() + 1) / 2 * 2);
    tokens.push_back(header);
    Tokenize(text, begin + up_begin, begin + up_end, tokens);
    tokens[0].offset = static_cast<uint16_t>(tokens.size());  // first revision token
    if (has_revision) Tokenize(text, begin + hyphen + 1, end, tokens);
    return MakeVersion(text, std::move(tokens));
  }

  std::string Warning(const Version& v) const override { return DpkgWarning(v.text()); }

  int Compare(const Version& a, const Version& b) const override {
    assert(a.scheme() == this && b.scheme() == this);
    const Token* ta = a.tokens().data();
    const Token* tb = b.tokens().data();
    if (ta[0].number != tb[0].number) return ta[0].number < tb[0].number ? -1 : 1;
    const Token* a_rev = ta + ta[0].offset;
    const Token* b_rev = tb + tb[0].offset;
    if (int c = ComparePart(a, ta + 1, a_rev, b, tb + 1, b_rev); c != 0) return c;
    return ComparePart(a, a_rev, ta + a.tokens().size(), b, b_rev, tb + b.tokens().size());
  }

 private:
  Error Invalid(std::string_view text, std::string_view reason) const { return InvalidVersion(name(), text, reason); }
};

}  // namespace

const Scheme* DpkgScheme() {
  static const DpkgSchemeImpl kScheme;
  return &kScheme;
}

}  // namespace vigil::version
