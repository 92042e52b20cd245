// Composer (Packagist) versions: normalised as composer/semver's VersionParser::normalize does,
// then ordered as Composer orders normalised versions: PHP's version_compare() on the
// normalised strings (Comparator::compare, Semver::sort). docs/VERSIONS.md has the details.
//
// Normalisation accepts:
//   [v]M[.m[.p[.b]]][modifier]   M of 1-5 digits; padded to four numbers: 1.2 -> 1.2.0.0
//   [v]YYYY[sep]MM...[modifier]  date versions, non-digits -> '.': 2010-01-02 -> 2010.01.02
//   N[.N|x|*]...-dev             numeric branches: 1.x-dev -> 1.9999999.9999999.9999999-dev
//   dev-NAME, master/trunk/default  branches (dev-master etc. sort as 9999999-dev)
// where modifier = [._-]?(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?\d+)*)? ([.-]?dev)?,
// plus " as ALIAS" and "@stability" suffixes and "+build" metadata, which are dropped.
//
// version_compare() splits the canonical string into numbers and names; names rank
// dev < alpha = a < beta = b < RC = rc < (number) < pl = p, anything else below dev; a longer
// version wins if its next item is a number or p*, loses otherwise (1.0-dev < 1.0 < 1.0-patch1).
#include <cassert>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>

#include "version/internal/scheme_util.h"
#include "version/internal/schemes.h"

namespace vigil::version {
namespace {

using internal::IsAlpha;
using internal::IsDigit;

// Tokens: version_compare's items of the normalised string, or one kBranch token whose slice is
// the branch name (dev-NAME) in the original text.
enum : uint8_t { kNumber = 0, kName = 1, kBranch = 2 };
// compare_special_version_forms() ranks, stored in flags as rank + 1 (0 = unknown, -1 in PHP).
constexpr int kNumberRank = 4;

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool StartsWithCi(std::string_view s, size_t i, std::string_view word) {
  if (s.size() - i < word.size() || i > s.size()) return false;
  for (size_t k = 0; k < word.size(); ++k) {
    if (Lower(s[i + k]) != Lower(word[k])) return false;
  }
  return true;
}

bool IsPhpTrim(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\0' || c == '\x0b'; }
bool IsPcreSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

std::string_view PhpTrim(std::string_view s) {
  while (!s.empty() && IsPhpTrim(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsPhpTrim(s.back())) s.remove_suffix(1);
  return s;
}

// The parts of modifierRegex that normalize() uses.
struct Modifier {
  std::string_view stability;  // as written (case kept)
  std::string_view numbers;    // ((?:[.-]?\d+)*), as written
  bool dev = false;
};

// Matches modifierRegex against all of r (case-insensitively), as PCRE would.
bool MatchModifier(std::string_view r, Modifier* m) {
  size_t i = 0;
  *m = Modifier();
  if (i < r.size() && (r[i] == '.' || r[i] == '_' || r[i] == '-')) ++i;
  // The pattern's alternation order. A shorter alternative would leave letters that nothing
  // after it can match, so the first match is the only one that can succeed.
  static constexpr std::string_view kWords[] = {"stable", "beta", "b", "RC", "alpha", "a", "patch", "pl", "p"};
  for (std::string_view w : kWords) {
    if (StartsWithCi(r, i, w)) {
      m->stability = r.substr(i, w.size());
      i += w.size();
      size_t n = i;
      for (;;) {
        size_t j = i;
        if (j < r.size() && (r[j] == '.' || r[j] == '-')) ++j;
        if (j >= r.size() || !IsDigit(r[j])) break;
        while (j < r.size() && IsDigit(r[j])) ++j;
        i = j;
      }
      m->numbers = r.substr(n, i - n);
      break;
    }
  }
  size_t j = i;
  if (j < r.size() && (r[j] == '.' || r[j] == '-')) ++j;
  if (StartsWithCi(r, j, "dev")) {
    m->dev = true;
    i = j + 3;
  }
  return i == r.size();
}

// The date pattern's core, \d{4}(?:[.:-]?\d{2}){1,6}(?:[.:-]?\d{1,3})?, against all of s:
// `groups` two-digit groups have been read and s[i] is next.
bool MatchDateRest(std::string_view s, size_t i, int groups) {
  auto digits = [&s](size_t k, size_t n) {
    if (k > s.size() || s.size() - k < n) return false;
    for (size_t d = 0; d < n; ++d) {
      if (!IsDigit(s[k + d])) return false;
    }
    return true;
  };
  bool sep = i < s.size() && (s[i] == '.' || s[i] == ':' || s[i] == '-');
  for (size_t start : {i, i + 1}) {
    if (start == i + 1 && !sep) break;
    if (groups < 6 && digits(start, 2) && MatchDateRest(s, start + 2, groups + 1)) return true;
    if (groups >= 1) {
      for (size_t n = 1; n <= 3; ++n) {
        if (start + n == s.size() && digits(start, n)) return true;
      }
    }
  }
  return groups >= 1 && i == s.size();
}

std::string ExpandStability(std::string_view s) {
  std::string l;
  for (char c : s) l += Lower(c);
  if (l == "a") return "alpha";
  if (l == "b") return "beta";
  if (l == "p" || l == "pl") return "patch";
  if (l == "rc") return "RC";
  return l;
}

// "-<stability><numbers>" and "-dev", as normalize() appends them.
void AppendModifier(const Modifier& m, std::string* out) {
  if (!m.stability.empty()) {
    if (m.stability == "stable") return;  // exactly "stable" (case-sensitive) drops it all
    *out += '-';
    *out += ExpandStability(m.stability);
    std::string_view n = m.numbers;
    while (!n.empty() && (n.front() == '.' || n.front() == '-')) n.remove_prefix(1);
    *out += n;
  }
  if (m.dev) *out += "-dev";
}

struct Normalized {
  std::string text;       // VersionParser::normalize() then normalizeDefaultBranch()
  bool branch = false;    // "dev-NAME"
  size_t name_begin = 0;  // NAME in the original text
  size_t name_end = 0;
  std::string_view problem;  // non-empty: invalid
};

Normalized Normalize(std::string_view original) {
  Normalized out;
  std::string_view v = PhpTrim(original);
  const size_t base = static_cast<size_t>(v.data() - original.data());

  // "X as Y" (aliases): keep X.
  {
    size_t x = 0;
    while (x < v.size() && v[x] != ',' && !IsPcreSpace(v[x])) ++x;
    size_t k = x, spaces = 0;
    while (k < v.size() && v[k] == ' ') ++k, ++spaces;
    if (x > 0 && spaces > 0 && v.substr(k, 2) == "as") {
      size_t y = k + 2, spaces2 = 0;
      while (y < v.size() && v[y] == ' ') ++y, ++spaces2;
      bool rest_ok = y < v.size();
      for (size_t t = y; t < v.size(); ++t) rest_ok = rest_ok && v[t] != ',' && !IsPcreSpace(v[t]);
      if (spaces2 > 0 && rest_ok) v = v.substr(0, x);
    }
  }
  // "@stability" flags.
  for (std::string_view w : {"stable", "RC", "beta", "alpha", "dev"}) {
    if (v.size() > w.size() && v[v.size() - w.size() - 1] == '@' && StartsWithCi(v, v.size() - w.size(), w)) {
      v.remove_suffix(w.size() + 1);
      break;
    }
  }
  if (v == "master" || v == "trunk" || v == "default") {
    out.text = "9999999-dev";  // dev-<name>, which normalizeDefaultBranch maps so
    return out;
  }
  if (StartsWithCi(v, 0, "dev-")) {
    out.text = "dev-" + std::string(v.substr(4));
    if (out.text == "dev-master" || out.text == "dev-default" || out.text == "dev-trunk") {
      out.text = "9999999-dev";
      return out;
    }
    out.branch = true;
    out.name_begin = base + 4;
    out.name_end = base + v.size();
    return out;
  }
  // "+build" metadata.
  {
    size_t x = 0;
    while (x < v.size() && v[x] != ',' && v[x] != '+' && !IsPcreSpace(v[x])) ++x;
    if (x > 0 && x + 1 < v.size() && v[x] == '+') {
      bool ok = true;
      for (size_t t = x + 1; t < v.size(); ++t) ok = ok && !IsPcreSpace(v[t]);
      if (ok) v = v.substr(0, x);
    }
  }

  size_t p = (!v.empty() && Lower(v[0]) == 'v') ? 1 : 0;
  Modifier m;
  // Classical: M (1-5 digits), up to three ".N", then the modifier.
  {
    size_t i = p;
    while (i < v.size() && IsDigit(v[i])) ++i;
    if (i > p && i - p <= 5) {
      std::string major(v.substr(p, i - p));
      std::string_view parts[3];
      size_t n = 0;
      while (n < 3 && i + 1 < v.size() && v[i] == '.' && IsDigit(v[i + 1])) {
        size_t j = i + 1;
        while (j < v.size() && IsDigit(v[j])) ++j;
        parts[n++] = v.substr(i, j - i);
        i = j;
      }
      if (MatchModifier(v.substr(i), &m)) {
        out.text = major;
        for (const auto& part : parts) out.text += part.empty() ? std::string_view(".0") : part;
        AppendModifier(m, &out.text);
        return out;
      }
    }
  }
  // Date based: the digits and separators up to the last digit before the modifier.
  {
    size_t run = p;
    while (run < v.size() && (IsDigit(v[run]) || v[run] == '.' || v[run] == ':' || v[run] == '-')) ++run;
    size_t j = run;
    while (j > p && !IsDigit(v[j - 1])) --j;
    std::string_view core = v.substr(p, j - p);
    if (core.size() >= 4 && IsDigit(core[0]) && IsDigit(core[1]) && IsDigit(core[2]) && IsDigit(core[3]) &&
        MatchDateRest(core, 4, 0) && MatchModifier(v.substr(j), &m)) {
      for (char c : core) out.text += IsDigit(c) ? c : '.';
      AppendModifier(m, &out.text);
      return out;
    }
  }
  // Numeric branches: "<N>[.N|x|*]{0,3}[.-]dev".
  if (v.size() >= 3 && StartsWithCi(v, v.size() - 3, "dev")) {
    std::string_view name = v.substr(0, v.size() - 3);
    if (!name.empty() && (name.back() == '.' || name.back() == '-')) name.remove_suffix(1);
    name = PhpTrim(name);
    size_t i = (!name.empty() && Lower(name[0]) == 'v') ? 1 : 0;
    size_t d = i;
    while (d < name.size() && IsDigit(name[d])) ++d;
    if (d > i) {
      std::string text(name.substr(i, d - i));
      size_t n = 0;
      i = d;
      while (n < 3 && i + 1 < name.size() && name[i] == '.') {
        char c = name[i + 1];
        if (c == 'x' || c == 'X' || c == '*') {
          text += ".x";
          i += 2;
        } else if (IsDigit(c)) {
          size_t j = i + 1;
          while (j < name.size() && IsDigit(name[j])) ++j;
          text.append(name.substr(i, j - i));
          i = j;
        } else {
          break;
        }
        ++n;
      }
      if (i == name.size()) {
        for (; n < 3; ++n) text += ".x";
        for (char c : text) {
          if (c == 'x') {
            out.text += "9999999";
          } else {
            out.text += c;
          }
        }
        out.text += "-dev";
        return out;
      }
    }
  }
  out.problem = "not a Composer version (e.g. 1.2.3, 1.2.3-beta2, 2023-01-31, 1.x-dev, dev-main)";
  return out;
}

// php_canonicalize_version() then the split into items that php_version_compare() walks.
void Items(std::string_view n, std::vector<Token>& out) {
  // Canonical form: '-', '_', '+' become '.'; a '.' goes between digits and non-digits; other
  // non-alphanumerics become '.'; runs of '.' collapse. Then items are split at '.'.
  auto is_dig = [](char c) { return IsDigit(c); };
  std::string canon;
  canon += n[0];
  char lp = n[0];
  for (size_t i = 1; i < n.size(); ++i) {
    char c = n[i];
    bool lp_ndig = !is_dig(lp) && lp != '.', c_ndig = !is_dig(c) && c != '.';
    if (c == '-' || c == '_' || c == '+') {
      if (canon.back() != '.') canon += '.';
    } else if ((lp_ndig && is_dig(c)) || (is_dig(lp) && c_ndig)) {
      if (canon.back() != '.') canon += '.';
      canon += c;
    } else if (!IsDigit(c) && !IsAlpha(c)) {
      if (canon.back() != '.') canon += '.';
    } else {
      canon += c;
    }
    lp = c;
  }
  for (size_t b = 0; b <= canon.size();) {
    size_t e = canon.find('.', b);
    if (e == std::string::npos) e = canon.size();
    std::string_view item(canon.data() + b, e - b);
    Token t;
    if (!item.empty() && IsDigit(item[0])) {
      // strtol: leading digits, saturating at LONG_MAX.
      uint64_t v = 0;
      constexpr uint64_t kMax = std::numeric_limits<int64_t>::max();
      for (char c : item) {
        if (!IsDigit(c)) break;
        v = v > (kMax - static_cast<uint64_t>(c - '0')) / 10 ? kMax : v * 10 + static_cast<uint64_t>(c - '0');
      }
      t.kind = kNumber;
      t.number = v;
    } else {
      // compare_special_version_forms(): the first form that is a prefix of the item.
      struct Form {
        std::string_view name;
        int order;
      };
      static constexpr Form kForms[] = {{"dev", 0}, {"alpha", 1}, {"a", 1}, {"beta", 2}, {"b", 2},
                                        {"RC", 3},  {"rc", 3},    {"#", 4}, {"pl", 5},   {"p", 5}};
      int rank = -1;
      for (const auto& f : kForms) {
        if (item.substr(0, f.name.size()) == f.name) {
          rank = f.order;
          break;
        }
      }
      t.kind = kName;
      t.flags = static_cast<uint8_t>(rank + 1);
    }
    out.push_back(t);
    if (e == canon.size()) break;
    b = e + 1;
  }
}

int Sign(int64_t v) { return v < 0 ? -1 : (v > 0 ? 1 : 0); }
int Rank(const Token& t) { return t.kind == kNumber ? kNumberRank : static_cast<int>(t.flags) - 1; }

class ComposerSchemeImpl final : public Scheme {
 public:
  std::string_view name() const override { return "composer"; }

  Result<Version> Parse(std::string_view text) const override {
    if (auto p = internal::CommonProblem(text); !p.empty()) return Invalid(text, p);
    // Composer works on bytes and would keep control characters inside a branch name; no
    // repository has them, and they cannot travel through a line-based tool, so we refuse them.
    for (char c : PhpTrim(text)) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return Invalid(text, "control character");
    }
    Normalized n = Normalize(text);
    if (!n.problem.empty()) return Invalid(text, n.problem);
    std::vector<Token> tokens;
    if (n.branch) {
      Token t;
      t.kind = kBranch;
      t.offset = static_cast<uint16_t>(n.name_begin);
      t.length = static_cast<uint16_t>(n.name_end - n.name_begin);
      tokens.push_back(t);
    } else {
      Items(n.text, tokens);
    }
    return MakeVersion(text, std::move(tokens));
  }

  int Compare(const Version& a, const Version& b) const override {
    assert(a.scheme() == this && b.scheme() == this);
    const auto& ta = a.tokens();
    const auto& tb = b.tokens();
    bool ba = ta[0].kind == kBranch, bb = tb[0].kind == kBranch;
    if (ba || bb) {
      // A branch canonicalises to "dev.<name>": its first item, "dev", is below any number, and
      // every other normalised version starts with a number. Two branches Composer does not
      // order at all (neither <, == nor > unless identical); we order them by name, byte-wise.
      if (ba != bb) return ba ? -1 : 1;
      int c = internal::CompareBytes(a, ta[0], b, tb[0]);
      return c;
    }
    size_t n = ta.size() < tb.size() ? ta.size() : tb.size();
    for (size_t i = 0; i < n; ++i) {
      const Token& x = ta[i];
      const Token& y = tb[i];
      int c;
      if (x.kind == kNumber && y.kind == kNumber) {
        c = x.number < y.number ? -1 : (x.number > y.number ? 1 : 0);
      } else {
        c = Sign(Rank(x) - Rank(y));
      }
      if (c != 0) return c;
    }
    // One has more items: a number there makes it greater; a name is weighed against a number
    // (so "-patch" makes it greater and "-dev", "-alpha" or an unknown word smaller).
    if (ta.size() > n) return ta[n].kind == kNumber ? 1 : Sign(Rank(ta[n]) - kNumberRank);
    if (tb.size() > n) return tb[n].kind == kNumber ? -1 : Sign(kNumberRank - Rank(tb[n]));
    return 0;
  }

  // Composer's normalised form: "1.2" -> "1.2.0.0", "v2.0.0-RC1" -> "2.0.0.0-RC1",
  // "1.x-dev" -> "1.9999999.9999999.9999999-dev", "dev-main" -> "dev-main". Numbers keep the
  // leading zeros they were written with, as Composer keeps them ("1.01" -> "1.01.0.0").
  // Composer's normalisation is not idempotent for date versions of two to four numbers: it
  // reads its own "2010.01.02" as a classical version and pads it to "2010.01.02.0", which
  // version_compare() orders after "2010.01.02". For those the text is returned as given
  // (trimmed), the only form that parses back to an equal version.
  std::string Format(const Version& v) const override {
    std::string normal = Normalize(v.text()).text;
    Result<Version> again = Parse(normal);
    if (again.ok() && Compare(*again, v) == 0) return normal;
    return std::string(PhpTrim(v.text()));
  }

 private:
  Error Invalid(std::string_view text, std::string_view reason) const { return InvalidVersion(name(), text, reason); }
};

}  // namespace

const Scheme* ComposerScheme() {
  static const ComposerSchemeImpl kScheme;
  return &kScheme;
}

}  // namespace vigil::version
