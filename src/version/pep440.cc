// PEP 440 versions (PyPI), parsed, normalised and ordered as pypa/packaging's Version does
// (packaging >= 22: no LegacyVersion fallback). Semantics from PEP 440 ("Version scheme",
// "Normalization") and packaging's documented behaviour and tests.
//
//   [v][N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]
//
// with the spellings the normalisation section allows: any case, `-`/`_`/`.` separators or none,
// alpha/beta/c/pre/preview, rev/r, the implicit post release `1.0-1`, missing numbers (= 0) and
// surrounding whitespace.
#include <cassert>
#include <string>

#include "version/internal/scheme_util.h"
#include "version/internal/schemes.h"

namespace vigil::version {
namespace {

using internal::Cmp;

using internal::IsAlnum;
using internal::IsDigit;

// Token layout (fixed head, then the variable parts):
//   [0] meta:   number = count of release tokens
//   [1] epoch:  numeric token
//   [2] pre:    kind = pre rank (kPreA/kPreB/kPreRc) or kAbsent; numeric token
//   [3] post:   kind = kPresent or kAbsent; numeric token
//   [4] dev:    kind = kPresent or kAbsent; numeric token
//   [5, 5 + release count)  release numbers
//   [5 + release count, end) local segments: kind kLocalNumber or kLocalText
enum : uint8_t { kAbsent = 0, kPresent = 1, kPreA = 1, kPreB = 2, kPreRc = 3 };
enum : uint8_t { kLocalText = 0, kLocalNumber = 1 };
constexpr size_t kHead = 5;

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool IsSep(char c) { return c == '.' || c == '-' || c == '_'; }

// Does text[i, ...) start with `word` (lower-case), ignoring ASCII case?
bool StartsWithWord(std::string_view text, size_t i, std::string_view word) {
  if (text.size() - i < word.size()) return false;
  for (size_t k = 0; k < word.size(); ++k) {
    if (Lower(text[i + k]) != word[k]) return false;
  }
  return true;
}

size_t ScanDigits(std::string_view text, size_t i) {
  while (i < text.size() && IsDigit(text[i])) ++i;
  return i;
}

struct Label {
  std::string_view word;
  uint8_t rank;
};
// The regular expression's alternation order: the first word that matches wins. No later
// component can start with the letters a shorter match would leave behind ("lpha", "eta",
// "view"), so taking the first match never loses a parse that backtracking would find.
constexpr Label kPreLabels[] = {{"alpha", kPreA},    {"a", kPreA},    {"beta", kPreB}, {"b", kPreB},
                                {"preview", kPreRc}, {"pre", kPreRc}, {"c", kPreRc},   {"rc", kPreRc}};
constexpr std::string_view kPostLabels[] = {"post", "rev", "r"};

// Parses "[sep]label[sep][digits]" at *i for one of `labels`. On a match fills `number` (an
// empty digit run when there is no number, which SetNumber makes the value 0) and advances *i.
// The separator after the label is consumed even when no number follows ("1.0a." is 1.0a0):
// every later component may start with its own separator, so this loses nothing.
template <typename Labels, typename RankOf>
bool ParseLetterPart(std::string_view s, size_t* i, const Labels& labels, RankOf rank_of, Token* number,
                     uint8_t* rank) {
  size_t j = *i;
  if (j < s.size() && IsSep(s[j])) ++j;
  for (const auto& label : labels) {
    std::string_view word = rank_of(label, rank);
    if (!StartsWithWord(s, j, word)) continue;
    j += word.size();
    if (j < s.size() && IsSep(s[j])) ++j;
    size_t d = ScanDigits(s, j);
    internal::SetNumber(*number, s, j, d);
    *i = d;
    return true;
  }
  return false;
}

int CompareLocalText(const Version& va, const Token& a, const Version& vb, const Token& b) {
  return internal::CompareFolded(va, a, vb, b, Lower);
}

class Pep440SchemeImpl final : public Scheme {
 public:
  std::string_view name() const override { return "pep440"; }

  Result<Version> Parse(std::string_view text) const override {
    if (auto p = internal::CommonProblem(text); !p.empty()) return Invalid(text, p);
    // packaging strips Unicode whitespace around the version (its own tests check it), so do
    // we; inside, PEP 440 is ASCII. (packaging's case-insensitive pattern also lets KELVIN SIGN
    // pass as 'k' and LONG S as 's'; we do not: docs/VERSIONS.md.)
    bool non_ascii = false;
    std::string_view trimmed = internal::TrimUnicodeSpace(text, true, &non_ascii);
    if (non_ascii) return Invalid(text, "non-ASCII character");
    size_t begin = static_cast<size_t>(trimmed.data() - text.data()), end = begin + trimmed.size();
    if (begin == end) return Invalid(text, "only whitespace");
    // Offsets stay relative to the full text so TokenText() works on the original string.
    const std::string_view s = text.substr(0, end);
    size_t i = begin;

    std::vector<Token> tokens(kHead);
    if (i < end && (s[i] == 'v' || s[i] == 'V')) ++i;

    // Epoch: digits directly followed by '!'.
    size_t d = ScanDigits(s, i);
    if (d > i && d < end && s[d] == '!') {
      internal::SetNumber(tokens[1], s, i, d);
      i = d + 1;
    }

    // Release: N(.N)*
    if (i >= end || !IsDigit(s[i])) return Invalid(text, "expected a release number (N.N...)");
    for (;;) {
      d = ScanDigits(s, i);
      Token t;
      internal::SetNumber(t, s, i, d);
      tokens.push_back(t);
      i = d;
      if (i + 1 < end && s[i] == '.' && IsDigit(s[i + 1])) {
        ++i;
        continue;
      }
      break;
    }
    tokens[0].number = tokens.size() - kHead;

    uint8_t rank = kAbsent;
    auto pre_rank = [](const Label& l, uint8_t* r) {
      *r = l.rank;
      return l.word;
    };
    if (ParseLetterPart(s, &i, kPreLabels, pre_rank, &tokens[2], &rank)) tokens[2].kind = rank;

    // Post: the implicit "-N" form is tried first, as the pattern's alternation does.
    auto plain = [](std::string_view w, uint8_t*) { return w; };
    if (i + 1 < end && s[i] == '-' && IsDigit(s[i + 1])) {
      d = ScanDigits(s, i + 1);
      internal::SetNumber(tokens[3], s, i + 1, d);
      tokens[3].kind = kPresent;
      i = d;
    } else if (ParseLetterPart(s, &i, kPostLabels, plain, &tokens[3], &rank)) {
      tokens[3].kind = kPresent;
    }

    constexpr std::string_view kDev[] = {"dev"};
    if (ParseLetterPart(s, &i, kDev, plain, &tokens[4], &rank)) tokens[4].kind = kPresent;

    if (i < end && s[i] == '+') {
      ++i;
      for (;;) {
        size_t j = i;
        while (j < end && IsAlnum(s[j])) ++j;
        if (j == i) return Invalid(text, "empty or invalid local version segment");
        Token t;
        if (ScanDigits(s, i) == j) {
          internal::SetNumber(t, s, i, j);
          t.kind = kLocalNumber;
        } else {
          t.offset = static_cast<uint16_t>(i);
          t.length = static_cast<uint16_t>(j - i);
          t.kind = kLocalText;
        }
        tokens.push_back(t);
        i = j;
        if (i < end && IsSep(s[i])) {
          ++i;
          continue;
        }
        break;
      }
    }
    if (i != end) {
      return Invalid(text,
                     "unexpected '" + std::string(1, s[i]) + "' at offset " + std::to_string(i) + " (not PEP 440)");
    }
    return MakeVersion(text, std::move(tokens));
  }

  int Compare(const Version& a, const Version& b) const override {
    assert(a.scheme() == this && b.scheme() == this);
    const Token* ta = a.tokens().data();
    const Token* tb = b.tokens().data();
    if (int c = internal::CompareNumber(a, ta[1], b, tb[1]); c != 0) return c;

    // Release, as if the shorter one were padded with zeros.
    static const Token kZero{};
    size_t ra = ta[0].number, rb = tb[0].number;
    for (size_t k = 0; k < ra || k < rb; ++k) {
      const Token& x = k < ra ? ta[kHead + k] : kZero;
      const Token& y = k < rb ? tb[kHead + k] : kZero;
      if (int c = internal::CompareNumber(a, x, b, y); c != 0) return c;
    }

    // Pre: a bare dev release (no pre, no post) sorts before every pre-release; no pre-release
    // at all sorts after them.
    auto pre_class = [](const Token* t) -> int {
      if (t[2].kind != kAbsent) return t[2].kind;
      if (t[3].kind == kAbsent && t[4].kind != kAbsent) return 0;
      return 4;
    };
    if (int c = Cmp(pre_class(ta), pre_class(tb)); c != 0) return c;
    if (ta[2].kind != kAbsent) {
      if (int c = internal::CompareNumber(a, ta[2], b, tb[2]); c != 0) return c;
    }
    // Post: absent sorts first.
    if (int c = Cmp(ta[3].kind, tb[3].kind); c != 0) return c;
    if (ta[3].kind != kAbsent) {
      if (int c = internal::CompareNumber(a, ta[3], b, tb[3]); c != 0) return c;
    }
    // Dev: absent sorts last.
    if (int c = Cmp(tb[4].kind, ta[4].kind); c != 0) return c;
    if (ta[4].kind != kAbsent) {
      if (int c = internal::CompareNumber(a, ta[4], b, tb[4]); c != 0) return c;
    }

    // Local: absent first; then segment by segment, numbers above text, a prefix first.
    const Token* la = ta + kHead + ra;
    const Token* lb = tb + kHead + rb;
    size_t na = a.tokens().size() - kHead - ra;
    size_t nb = b.tokens().size() - kHead - rb;
    for (size_t k = 0; k < na && k < nb; ++k) {
      if (int c = Cmp(la[k].kind, lb[k].kind); c != 0) return c;
      int c = la[k].kind == kLocalNumber ? internal::CompareNumber(a, la[k], b, lb[k])
                                         : CompareLocalText(a, la[k], b, lb[k]);
      if (c != 0) return c;
    }
    return Cmp(na, nb);
  }

  std::string Format(const Version& v) const override {
    const Token* t = v.tokens().data();
    auto number = [&v](const Token& n) { return n.length == 0 ? std::string("0") : std::string(v.TokenText(n)); };
    std::string out;
    if (t[1].length != 0) out += number(t[1]) + "!";
    size_t r = t[0].number;
    for (size_t k = 0; k < r; ++k) {
      if (k != 0) out += '.';
      out += number(t[kHead + k]);
    }
    if (t[2].kind != kAbsent) {
      out += t[2].kind == kPreA ? "a" : (t[2].kind == kPreB ? "b" : "rc");
      out += number(t[2]);
    }
    if (t[3].kind != kAbsent) out += ".post" + number(t[3]);
    if (t[4].kind != kAbsent) out += ".dev" + number(t[4]);
    for (size_t k = kHead + r; k < v.tokens().size(); ++k) {
      out += k == kHead + r ? '+' : '.';
      if (t[k].kind == kLocalNumber) {
        out += number(t[k]);
      } else {
        for (char c : v.TokenText(t[k])) out += Lower(c);
      }
    }
    return out;
  }

 private:
  Error Invalid(std::string_view text, std::string_view reason) const { return InvalidVersion(name(), text, reason); }
};

}  // namespace

const Scheme* Pep440Scheme() {
  static const Pep440SchemeImpl kScheme;
  return &kScheme;
}

}  // namespace vigil::version
