// Maven versions, ordered as org.apache.maven.artifact.versioning.ComparableVersion does in
// Maven 4 (and 3.9 where they agree): the behaviour that ComparableVersionTest pins down
// (tests/version/testdata/comparable-version.tsv) and the POM reference's "Version Order
// Specification" describes.
//
// A version is split into a tree of items: numbers, qualifiers ("alpha", "sp", "foo") and
// "combinations" (a qualifier directly followed by a number, "rc1" or "beta-2"); '-' and a
// switch from digits to letters open a nested list. Trailing nulls (0, "", "ga", "final",
// "release") are trimmed from each list. Qualifiers order alpha < beta < milestone < rc = cr <
// snapshot < "" = ga = final = release < sp < anything else (lexically, case-insensitive).
//
// Maven accepts any string. We refuse only what no repository can carry and a reader of lines
// cannot pass: empty text, more than kMaxVersionLength bytes, invalid UTF-8 and control
// characters. Everything else is ordered as Maven orders it (docs/VERSIONS.md lists the few
// non-ASCII corner cases where we differ).
#include <cassert>
#include <cstring>
#include <string>

#include "version/internal/scheme_util.h"
#include "version/internal/schemes.h"

namespace vigil::version {
namespace {

using internal::IsDigit;

// Token kinds. The tree is stored in preorder; a list token's `number` is the count of tokens
// in its subtree (not counting itself), so siblings can be skipped without recursion.
enum : uint8_t { kList = 0, kNumber = 1, kString = 2, kCombination = 3 };

// Qualifier ranks (a StringItem's comparable value): known qualifiers by their place in
// Maven's list, every other string above them all and ordered lexically.
enum : uint8_t {
  kAlpha = 0,
  kBeta = 1,
  kMilestone = 2,
  kRc = 3,
  kSnapshot = 4,
  kRelease = 5,  // "", "ga", "final", "release": the same as no qualifier
  kSp = 6,
  kUnknown = 7,
};

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsLower(std::string_view text, std::string_view word) {
  if (text.size() != word.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (Lower(text[i]) != word[i]) return false;
  }
  return true;
}

// The rank of a qualifier. `followed_by_digit`: the string part of a combination, where the
// one-letter aliases a, b and m stand for alpha, beta and milestone ("1a1" = "1-alpha-1").
uint8_t Rank(std::string_view q, bool followed_by_digit) {
  if (followed_by_digit && q.size() == 1) {
    char c = Lower(q[0]);
    if (c == 'a') return kAlpha;
    if (c == 'b') return kBeta;
    if (c == 'm') return kMilestone;
  }
  struct Known {
    std::string_view word;
    uint8_t rank;
  };
  static constexpr Known kKnown[] = {{"alpha", kAlpha},     {"beta", kBeta},  {"milestone", kMilestone},
                                     {"rc", kRc},           {"cr", kRc},      {"snapshot", kSnapshot},
                                     {"", kRelease},        {"ga", kRelease}, {"final", kRelease},
                                     {"release", kRelease}, {"sp", kSp}};
  for (const auto& k : kKnown) {
    if (EqualsLower(q, k.word)) return k.rank;
  }
  return kUnknown;
}

// ---- Lower-casing as Java's String.toLowerCase(Locale.ENGLISH), for ordering unknown
// qualifiers. It covers ASCII, Latin-1, Latin Extended-A, Greek, Cyrillic and the KELVIN and
// ANGSTROM signs; capitals of other scripts are compared as written (docs/VERSIONS.md).
uint32_t LowerCodePoint(uint32_t c) {
  if (c < 0x80) return c >= 'A' && c <= 'Z' ? c + 32 : c;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;
  if (c >= 0x100 && c <= 0x137 && c != 0x130) return c | 1;
  if (c >= 0x139 && c <= 0x148) return (c & 1) != 0 ? c + 1 : c;
  if (c >= 0x14A && c <= 0x177) return c | 1;
  if (c == 0x178) return 0xFF;
  if (c >= 0x179 && c <= 0x17E) return (c & 1) != 0 ? c + 1 : c;
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 32;
  if (c == 0x386) return 0x3AC;
  if (c >= 0x388 && c <= 0x38A) return c + 37;
  if (c == 0x38C) return 0x3CC;
  if (c == 0x38E || c == 0x38F) return c + 63;
  if (c >= 0x410 && c <= 0x42F) return c + 32;
  if (c >= 0x400 && c <= 0x40F) return c + 80;
  if (c == 0x212A) return 'k';
  if (c == 0x212B) return 0xE5;
  return c;
}

// Decodes the (already validated) UTF-8 code point at text[*i] and advances *i.
uint32_t DecodeUtf8(const char* text, size_t* i) {
  unsigned char c = static_cast<unsigned char>(text[*i]);
  if (c < 0x80) {
    ++*i;
    return c;
  }
  int extra = c >= 0xF0 ? 3 : (c >= 0xE0 ? 2 : 1);
  uint32_t cp = c & (0x3F >> extra);
  for (int k = 1; k <= extra; ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[*i + k]) & 0x3F);
  *i += static_cast<size_t>(extra) + 1;
  return cp;
}

// Yields the UTF-16 code units of the lower-cased text, the units Java's String.compareTo
// orders by. U+0130 lower-cases to two characters ("i" and U+0307), as in Java.
class LowerUtf16 {
 public:
  LowerUtf16(const char* text, size_t length) : text_(text), length_(length) {}
  bool Done() const { return pending_ == 0 && i_ >= length_; }
  uint16_t Next() {
    if (pending_ != 0) {
      uint16_t u = pending_;
      pending_ = 0;
      return u;
    }
    uint32_t cp = DecodeUtf8(text_, &i_);
    if (cp == 0x130) {
      pending_ = 0x307;
      return 'i';
    }
    cp = LowerCodePoint(cp);
    if (cp < 0x10000) return static_cast<uint16_t>(cp);
    cp -= 0x10000;
    pending_ = static_cast<uint16_t>(0xDC00 + (cp & 0x3FF));
    return static_cast<uint16_t>(0xD800 + (cp >> 10));
  }

 private:
  const char* text_;
  size_t length_;
  size_t i_ = 0;
  uint16_t pending_ = 0;
};

int Cmp(int a, int b) { return a < b ? -1 : (a > b ? 1 : 0); }

// ---- Comparison over the flattened tree. `i` is the index of an item's token.
size_t Next(const Version& v, size_t i) {
  const Token& t = v.tokens()[i];
  if (t.kind == kList) return i + 1 + t.number;
  return t.kind == kCombination ? i + 2 : i + 1;
}

// Two qualifiers (StringItems, or the string parts of combinations).
int CompareQualifier(const Version& a, const Token& x, const Version& b, const Token& y) {
  if (x.flags != y.flags) return Cmp(x.flags, y.flags);
  if (x.flags != kUnknown) return 0;
  LowerUtf16 p(a.text().data() + x.offset, x.length);
  LowerUtf16 q(b.text().data() + y.offset, y.length);
  while (!p.Done() && !q.Done()) {
    uint16_t u = p.Next(), w = q.Next();
    if (u != w) return u < w ? -1 : 1;
  }
  return p.Done() ? (q.Done() ? 0 : -1) : 1;
}

// A qualifier against the absence of one: before the release, equal to it, or after it.
int QualifierVsNull(const Token& t) { return Cmp(t.flags, kRelease); }

// item.compareTo(null): how the item compares to padding.
int VsNull(const Version& v, size_t i) {
  const Token& t = v.tokens()[i];
  switch (t.kind) {
    case kNumber:
      return t.length == 0 ? 0 : 1;
    case kString:
      return QualifierVsNull(t);
    case kCombination: {
      // 1-rc1 < 1; 1-ga1 > 1 (the number decides when the qualifier is the release's).
      int r = QualifierVsNull(t);
      return r != 0 ? r : VsNull(v, i + 1);
    }
    default: {
      size_t end = i + 1 + t.number;
      for (size_t c = i + 1; c < end; c = Next(v, c)) {
        if (int r = VsNull(v, c); r != 0) return r;
      }
      return 0;
    }
  }
}

int CompareItem(const Version& a, size_t i, const Version& b, size_t j) {
  const Token& x = a.tokens()[i];
  const Token& y = b.tokens()[j];
  switch (x.kind) {
    case kNumber:
      // Numbers sort above everything else; Int < Long < BigInteger is magnitude order.
      return y.kind == kNumber ? internal::CompareNumber(a, x, b, y) : 1;

    case kString:
      switch (y.kind) {
        case kNumber:
          return -1;
        case kString:
          return CompareQualifier(a, x, b, y);
        case kCombination: {
          // X < X1, except that for a release qualifier the number decides (ga = ga0 < ga1).
          int r = CompareQualifier(a, x, b, y);
          if (r != 0) return r;
          return QualifierVsNull(x) == 0 ? -VsNull(b, j + 1) : -1;
        }
        default:
          return -CompareItem(b, j, a, i);
      }

    case kCombination:
      switch (y.kind) {
        case kNumber:
          return -1;
        case kString: {
          int r = CompareQualifier(a, x, b, y);
          if (r != 0) return r;
          return QualifierVsNull(x) == 0 ? VsNull(a, i + 1) : 1;
        }
        case kCombination: {
          int r = CompareQualifier(a, x, b, y);
          return r != 0 ? r : internal::CompareNumber(a, a.tokens()[i + 1], b, b.tokens()[j + 1]);
        }
        default:
          return -CompareItem(b, j, a, i);
      }

    default: {  // a list
      size_t a_end = i + 1 + x.number;
      if (y.kind == kNumber) return -1;  // 1-1 < 1.1
      if (y.kind == kString || y.kind == kCombination) {
        // The list's first item against the scalar, then the rest against padding.
        if (a_end == i + 1) return -VsNull(b, j);
        int r = CompareItem(a, i + 1, b, j);
        for (size_t c = Next(a, i + 1); r == 0 && c < a_end; c = Next(a, c)) r = VsNull(a, c);
        return r;
      }
      size_t b_end = j + 1 + y.number;
      size_t p = i + 1, q = j + 1;
      while (p < a_end || q < b_end) {
        int r;
        if (p >= a_end) {
          r = -VsNull(b, q);
        } else if (q >= b_end) {
          r = VsNull(a, p);
        } else {
          r = CompareItem(a, p, b, q);
        }
        if (r != 0) return r;
        if (p < a_end) p = Next(a, p);
        if (q < b_end) q = Next(b, q);
      }
      return 0;
    }
  }
}

// ---- Parsing: Maven's state machine builds the tree; normalize() trims it; then it is
// flattened into tokens.
struct Node {
  uint8_t kind = kList;
  Token token;                 // number, string, or a combination's string part
  Token digits;                // a combination's number
  std::vector<Node> children;  // a list's items
};

bool IsNull(const Node& n) {
  switch (n.kind) {
    case kNumber:
      return n.token.length == 0;
    case kString:
      return n.token.flags == kRelease && n.token.length == 0;
    case kCombination:
      return false;
    default:
      return n.children.empty();
  }
}

// ListItem.normalize(): drop null items at the end, or before a qualifier (or a sublist that
// starts with one); then a list left holding just one sublist takes its items.
void Normalize(Node& list) {
  auto& c = list.children;
  for (size_t k = c.size(); k-- > 0;) {
    if (!IsNull(c[k])) continue;
    if (k + 1 == c.size() || c[k + 1].kind == kString) {
      c.erase(c.begin() + static_cast<std::ptrdiff_t>(k));
    } else if (c[k + 1].kind == kList && !c[k + 1].children.empty()) {
      uint8_t first = c[k + 1].children.front().kind;
      if (first == kCombination || first == kString) c.erase(c.begin() + static_cast<std::ptrdiff_t>(k));
    }
  }
  if (c.size() == 1 && c[0].kind == kList) {
    std::vector<Node> inner = std::move(c[0].children);
    c = std::move(inner);
  }
}

void Flatten(const Node& n, std::vector<Token>& out) {
  switch (n.kind) {
    case kNumber:
    case kString:
      out.push_back(n.token);
      return;
    case kCombination:
      out.push_back(n.token);
      out.push_back(n.digits);
      return;
    default: {
      size_t at = out.size();
      Token t;
      t.kind = kList;
      out.push_back(t);
      for (const Node& c : n.children) Flatten(c, out);
      out[at].number = out.size() - at - 1;
    }
  }
}

Token NumberToken(std::string_view text, size_t b, size_t e) {
  Token t;
  t.kind = kNumber;
  internal::SetNumber(t, text, b, e);
  return t;
}

Token StringToken(std::string_view text, size_t b, size_t e, bool followed_by_digit) {
  Token t;
  t.kind = kString;
  t.offset = static_cast<uint16_t>(b);
  t.length = static_cast<uint16_t>(e - b);
  t.flags = Rank(text.substr(b, e - b), followed_by_digit);
  return t;
}

// parseItem(): text[b, e) as a combination, a number or a qualifier.
Node ParseItem(std::string_view text, size_t b, size_t e, bool combination, bool digit) {
  Node n;
  if (combination) {
    // "rc1", or "rc-1" (Maven drops the '-'): the string part runs to the first digit.
    size_t d = b;
    while (d < e && !IsDigit(text[d])) ++d;
    size_t s_end = d > b && text[d - 1] == '-' ? d - 1 : d;
    n.kind = kCombination;
    n.token = StringToken(text, b, s_end, true);
    n.token.kind = kCombination;
    n.digits = NumberToken(text, d, e);
  } else if (digit) {
    n.kind = kNumber;
    n.token = NumberToken(text, b, e);
  } else {
    n.kind = kString;
    n.token = StringToken(text, b, e, false);
  }
  return n;
}

// Checks UTF-8 and refuses control characters; returns the reason, or an empty view.
std::string_view TextProblem(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7F) return "control character";
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t extra;
    uint32_t min;
    if (c >= 0xC2 && c <= 0xDF) {
      extra = 1, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3, min = 0x10000;
    } else {
      return "invalid UTF-8";
    }
    if (s.size() - i <= extra) return "invalid UTF-8";
    uint32_t cp = c & (0x3F >> extra);
    for (size_t k = 1; k <= extra; ++k) {
      unsigned char d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return "invalid UTF-8";
      cp = (cp << 6) | (d & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return "invalid UTF-8";
    if (cp >= 0x80 && cp < 0xA0) return "control character";
    i += extra + 1;
  }
  return {};
}

class MavenSchemeImpl final : public Scheme {
 public:
  std::string_view name() const override { return "maven"; }

  Result<Version> Parse(std::string_view text) const override {
    if (auto p = internal::CommonProblem(text); !p.empty()) return Invalid(text, p);
    if (auto p = TextProblem(text); !p.empty()) return Invalid(text, p);

    // ComparableVersion.parseVersion(), step for step. Lists only ever nest as a chain (each
    // new list is the last item of the current one), so `chain` holds the path to the current
    // list. Only '.', '-' and ASCII digits steer it; lower-casing cannot create them, so the
    // original text is walked and case is folded where items are compared.
    Node root;
    std::vector<Node*> chain = {&root};
    auto open_list = [&chain]() {
      Node* cur = chain.back();
      cur->children.emplace_back();
      chain.push_back(&cur->children.back());
    };
    bool digit = false, combination = false;
    size_t start = 0;
    const size_t n = text.size();
    for (size_t i = 0; i < n; ++i) {
      char c = text[i];
      Node* list = chain.back();
      if (c == '.') {
        if (i == start) {
          list->children.push_back(ParseItem(text, i, i, false, true));  // IntItem.ZERO
        } else {
          list->children.push_back(ParseItem(text, start, i, combination, digit));
        }
        combination = false;
        start = i + 1;
      } else if (c == '-') {
        if (i == start) {
          list->children.push_back(ParseItem(text, i, i, false, true));
        } else {
          // "X-1" is read as "X1".
          if (!digit && i + 1 < n && IsDigit(text[i + 1])) {
            combination = true;
            continue;
          }
          list->children.push_back(ParseItem(text, start, i, combination, digit));
        }
        start = i + 1;
        if (!list->children.empty()) open_list();
        combination = false;
      } else if (IsDigit(c)) {
        if (!digit && i > start) {
          combination = true;  // "X1"
          if (!list->children.empty()) open_list();
        }
        digit = true;
      } else {
        if (digit && i > start) {
          list->children.push_back(ParseItem(text, start, i, combination, true));
          start = i;
          open_list();
          combination = false;
        }
        digit = false;
      }
      // Pointers into children stay valid: a list only grows while it is the last in the
      // chain, and its parent never grows again.
    }
    if (n > start) {
      // "1.0.0.X1 < 1.0.0-X2": a trailing ".X" is read as "-X".
      if (!digit && !chain.back()->children.empty()) open_list();
      chain.back()->children.push_back(ParseItem(text, start, n, combination, digit));
    }
    for (size_t k = chain.size(); k-- > 0;) Normalize(*chain[k]);

    std::vector<Token> tokens;
    tokens.reserve(text.size() + 2);
    Flatten(root, tokens);
    return MakeVersion(text, std::move(tokens));
  }

  int Compare(const Version& a, const Version& b) const override {
    assert(a.scheme() == this && b.scheme() == this);
    int c = CompareItem(a, 0, b, 0);
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }

 private:
  Error Invalid(std::string_view text, std::string_view reason) const { return InvalidVersion(name(), text, reason); }
};

}  // namespace

const Scheme* MavenScheme() {
  static const MavenSchemeImpl kScheme;
  return &kScheme;
}

}  // namespace vigil::version
