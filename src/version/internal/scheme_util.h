// Helpers shared by the scheme implementations (not part of the public API of vigil::version;
// include it only from src/version/*.cc and tests).
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "version/version.h"

namespace vigil::version::internal {

// Digits are held as a Token whose slice is the digit run without leading zeros and whose
// `number` is its value when the run has at most kMaxExactDigits digits. Two such tokens
// compare by length first, then by value (or bytes, for longer runs), which is exact for
// numbers of any size and needs no big-integer arithmetic.
inline constexpr size_t kMaxExactDigits = 19;

// Fills `t` from the decimal digits text[begin, end) (leading zeros are skipped).
inline void SetNumber(Token& t, std::string_view text, size_t begin, size_t end) {
  while (begin < end && text[begin] == '0') ++begin;
  t.offset = static_cast<uint16_t>(begin);
  t.length = static_cast<uint16_t>(end - begin);
  uint64_t v = 0;
  if (end - begin <= kMaxExactDigits) {
    for (size_t i = begin; i < end; ++i) v = v * 10 + static_cast<uint64_t>(text[i] - '0');
  }
  t.number = v;
}

// Orders two numeric tokens made by SetNumber: -1, 0 or 1.
inline int CompareNumber(const Version& va, const Token& a, const Version& vb, const Token& b) {
  if (a.length != b.length) return a.length < b.length ? -1 : 1;
  if (a.length <= kMaxExactDigits) return a.number < b.number ? -1 : (a.number > b.number ? 1 : 0);
  int c = std::memcmp(va.text().data() + a.offset, vb.text().data() + b.offset, a.length);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

// Byte-wise comparison of two token texts (shorter prefix first), as strcmp would order them.
inline int CompareBytes(const Version& va, const Token& a, const Version& vb, const Token& b) {
  size_t n = a.length < b.length ? a.length : b.length;
  int c = n == 0 ? 0 : std::memcmp(va.text().data() + a.offset, vb.text().data() + b.offset, n);
  if (c != 0) return c < 0 ? -1 : 1;
  if (a.length != b.length) return a.length < b.length ? -1 : 1;
  return 0;
}

// Text tokens keep up to 8 bytes of their text in `number`, big-endian, so that comparing two
// of them rarely needs the text itself (which would cost a cache miss per version). `map`
// turns a byte into an order-preserving nonzero rank; `pad` stands for "past the end".
// kLongText in flags marks a token longer than 8 bytes, whose packed prefix is not enough to
// decide equality.
inline constexpr uint8_t kLongText = 0x80;
template <typename Map>
inline void PackText(Token& t, std::string_view text, size_t begin, size_t end, Map map, uint8_t pad) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) {
    v = (v << 8) | (begin + i < end ? map(static_cast<unsigned char>(text[begin + i])) : pad);
  }
  t.number = v;
  t.offset = static_cast<uint16_t>(begin);
  t.length = static_cast<uint16_t>(end - begin);
  if (end - begin > 8) t.flags |= kLongText;
}

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline bool IsAlnum(char c) { return IsDigit(c) || IsAlpha(c); }

// What the `single` callback of AppendDigitAlphaRuns returns for a byte that only separates.
inline constexpr uint8_t kSeparatorByte = 0xff;

// Splits text[begin, end) into the segments rpmvercmp and Gem::Version compare (rpm.cc,
// gem.cc): a run of digits becomes a token of kind `number_kind` made by SetNumber; a run of
// ASCII letters a token of kind `alpha_kind` made by PackText in byte order with the end before
// any byte (strcmp order; a scheme that compares the letters by their text may ignore
// `number`); any other byte c a one-byte token of kind single(c) over that byte, or nothing
// when single(c) is kSeparatorByte. The tokens are appended to `out`.
template <typename Single>
inline void AppendDigitAlphaRuns(std::string_view text, size_t begin, size_t end, uint8_t number_kind,
                                 uint8_t alpha_kind, Single single, std::vector<Token>& out) {
  for (size_t i = begin, j; i < end; i = j) {
    j = i + 1;
    Token t;
    if (IsDigit(text[i])) {
      while (j < end && IsDigit(text[j])) ++j;
      t.kind = number_kind;
      SetNumber(t, text, i, j);
    } else if (IsAlpha(text[i])) {
      while (j < end && IsAlpha(text[j])) ++j;
      t.kind = alpha_kind;
      PackText(
          t, text, i, j, [](unsigned char c) { return c; }, 0);
    } else {
      uint8_t kind = single(text[i]);
      if (kind == kSeparatorByte) continue;
      t.kind = kind;
      t.offset = static_cast<uint16_t>(i);
      t.length = 1;
    }
    out.push_back(t);
  }
}

// The checks every scheme makes first: not empty, not longer than kMaxVersionLength. Returns
// the reason a text fails them, or an empty view.
inline std::string_view CommonProblem(std::string_view text) {
  if (text.empty()) return "empty version";
  if (text.size() > kMaxVersionLength) return "longer than 1024 bytes";
  return {};
}

// The first byte outside printable ASCII (0x21..0x7e), or npos.
inline size_t FindNonPrintable(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c <= 0x20 || c >= 0x7f) return i;
  }
  return std::string_view::npos;
}

// SemVer 2.0 pre-release identifiers (semver.cc, go.cc): kPreNumber tokens are made with
// SetNumber, kPreText tokens are slices. Numeric identifiers sort before alphanumeric ones,
// numbers numerically, text by ASCII bytes, and a shorter list before a longer one it prefixes.
inline constexpr uint8_t kPreNumber = 100;
inline constexpr uint8_t kPreText = 101;
inline int ComparePrerelease(const Version& va, const Token* a, const Token* a_end, const Version& vb, const Token* b,
                             const Token* b_end) {
  // A version without a pre-release sorts after one with.
  if (a == a_end || b == b_end) return (a == a_end) == (b == b_end) ? 0 : (a == a_end ? 1 : -1);
  for (; a != a_end && b != b_end; ++a, ++b) {
    if (a->kind != b->kind) return a->kind == kPreNumber ? -1 : 1;
    if (a->kind == kPreNumber) {
      if (int c = CompareNumber(va, *a, vb, *b); c != 0) return c;
    } else {
      if (a->number != b->number) return a->number < b->number ? -1 : 1;
      if (((a->flags | b->flags) & kLongText) != 0) {
        if (int c = CompareBytes(va, *a, vb, *b); c != 0) return c;
      }
    }
  }
  return (a == a_end) == (b == b_end) ? 0 : (a == a_end ? -1 : 1);
}

// Orders two versions whose tokens are MAJOR, MINOR and PATCH (made by SetNumber) followed by
// pre-release identifiers (made by AppendPrerelease), as SemVer 2.0 orders them with build
// metadata ignored (semver.cc, go.cc): -1, 0 or 1. Both must have at least three tokens.
inline int CompareSemverTokens(const Version& a, const Version& b) {
  const Token* ta = a.tokens().data();
  const Token* tb = b.tokens().data();
  for (int k = 0; k < 3; ++k) {
    if (int c = CompareNumber(a, ta[k], b, tb[k]); c != 0) return c;
  }
  return ComparePrerelease(a, ta + 3, ta + a.tokens().size(), b, tb + 3, tb + b.tokens().size());
}

// Appends the dot-separated pre-release identifiers text[begin, end) (already validated).
inline void AppendPrerelease(std::string_view text, size_t begin, size_t end, std::vector<Token>& out) {
  size_t i = begin;
  while (i <= end) {
    size_t j = i;
    bool numeric = true;
    while (j < end && text[j] != '.') {
      if (!IsDigit(text[j])) numeric = false;
      ++j;
    }
    Token t;
    if (numeric) {
      t.kind = kPreNumber;
      SetNumber(t, text, i, j);
    } else {
      t.kind = kPreText;
      PackText(
          t, text, i, j, [](unsigned char c) { return c; }, 0);
    }
    out.push_back(t);
    i = j + 1;
  }
}

// True if c may appear in a SemVer identifier: [0-9A-Za-z-].
inline bool IsIdentChar(char c) { return IsAlnum(c) || c == '-'; }

// True if text[begin, end) is a non-empty list of non-empty identifiers separated by '.'.
inline bool IsIdentList(std::string_view text, size_t begin, size_t end) {
  if (begin >= end) return false;
  size_t start = begin;
  for (size_t i = begin; i < end; ++i) {
    if (text[i] == '.') {
      if (i == start) return false;
      start = i + 1;
    } else if (!IsIdentChar(text[i])) {
      return false;
    }
  }
  return start < end;
}

// -1, 0 or 1 as a < b, a == b, a > b.
inline int Cmp(uint64_t a, uint64_t b) { return a < b ? -1 : (a > b ? 1 : 0); }

// Orders two token texts byte by byte after `fold` (a case folding: NuGet upper-cases, PEP 440
// lower-cases; the two order '_' and letters differently), shorter prefix first.
template <typename Fold>
inline int CompareFolded(const Version& va, const Token& a, const Version& vb, const Token& b, Fold fold) {
  const char* pa = va.text().data() + a.offset;
  const char* pb = vb.text().data() + b.offset;
  size_t n = a.length < b.length ? a.length : b.length;
  for (size_t i = 0; i < n; ++i) {
    char x = fold(pa[i]), y = fold(pb[i]);
    if (x != y) return static_cast<unsigned char>(x) < static_cast<unsigned char>(y) ? -1 : 1;
  }
  return Cmp(a.length, b.length);
}

// The length of the Unicode white-space character that starts at text[i] (UTF-8), or 0:
// ASCII tab..CR and space, U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F,
// U+205F, U+3000 — the set .NET's char.IsWhiteSpace and Python's str.isspace share — plus, when
// `info_separators` (Python), U+001C..U+001F.
inline size_t UnicodeSpaceAt(std::string_view text, size_t i, bool info_separators) {
  if (i >= text.size()) return 0;
  unsigned char c = static_cast<unsigned char>(text[i]);
  if (c == ' ' || (c >= '\t' && c <= '\r') || (info_separators && c >= 0x1c && c <= 0x1f)) return 1;
  auto at = [&](size_t k) { return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0; };
  if (c == 0xc2 && (at(1) == 0x85 || at(1) == 0xa0)) return 2;
  if (c == 0xe1 && at(1) == 0x9a && at(2) == 0x80) return 3;
  if (c == 0xe2 && at(1) == 0x80) {
    unsigned char d = at(2);
    if ((d >= 0x80 && d <= 0x8a) || d == 0xa8 || d == 0xa9 || d == 0xaf) return 3;
  }
  if (c == 0xe2 && at(1) == 0x81 && at(2) == 0x9f) return 3;
  if (c == 0xe3 && at(1) == 0x80 && at(2) == 0x80) return 3;
  return 0;
}

// `text` without the Unicode white space around it (UnicodeSpaceAt). Sets `*non_ascii` when
// what is left holds a byte >= 0x80.
inline std::string_view TrimUnicodeSpace(std::string_view text, bool info_separators, bool* non_ascii) {
  size_t begin = 0, end = text.size();
  for (size_t n; (n = UnicodeSpaceAt(text, begin, info_separators)) != 0;) begin += n;
  while (end > begin) {
    size_t n = 0;
    for (size_t k = 1; k <= 3 && k <= end - begin; ++k) {
      if (UnicodeSpaceAt(text.substr(0, end), end - k, info_separators) == k) {
        n = k;
        break;
      }
    }
    if (n == 0) break;
    end -= n;
  }
  *non_ascii = false;
  for (size_t k = begin; k < end; ++k) {
    if (static_cast<unsigned char>(text[k]) >= 0x80) *non_ascii = true;
  }
  return text.substr(begin, end - begin);
}

}  // namespace vigil::version::internal
