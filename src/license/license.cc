// SPDX expressions, normalisation of declared licenses and the category table.
#include "license/license.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <string>
#include <unordered_map>
#include <utility>

namespace vigil::license {
namespace {

constexpr size_t kMaxExpression = 4096;
constexpr int kMaxDepth = 64;

constexpr LicenseInfo kLicenses[] = {
#define VIGIL_SPDX_LICENSE(id, name, osi, deprecated) {id, name, osi, deprecated},
#include "license/spdx_ids.inc"
#undef VIGIL_SPDX_LICENSE
};

struct ExceptionInfo {
  std::string_view id;
  std::string_view name;
};
constexpr ExceptionInfo kExceptions[] = {
#define VIGIL_SPDX_EXCEPTION(id, name) {id, name},
#include "license/spdx_ids.inc"
#undef VIGIL_SPDX_EXCEPTION
};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

bool IStartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && IEquals(s.substr(0, prefix.size()), prefix);
}

const std::unordered_map<std::string, const LicenseInfo*>& LicenseIndex() {
  static const auto* index = [] {
    auto* m = new std::unordered_map<std::string, const LicenseInfo*>();
    for (const auto& l : kLicenses) m->emplace(Lower(l.id), &l);
    return m;
  }();
  return *index;
}

// Deprecated ids and their successors (SPDX License List 3.0 renamed the GNU ids).
std::string_view Successor(std::string_view id) {
  static constexpr std::pair<std::string_view, std::string_view> kRenamed[] = {
      {"AGPL-1.0", "AGPL-1.0-only"},
      {"AGPL-3.0", "AGPL-3.0-only"},
      {"GFDL-1.1", "GFDL-1.1-only"},
      {"GFDL-1.2", "GFDL-1.2-only"},
      {"GFDL-1.3", "GFDL-1.3-only"},
      {"GPL-1.0", "GPL-1.0-only"},
      {"GPL-1.0+", "GPL-1.0-or-later"},
      {"GPL-2.0", "GPL-2.0-only"},
      {"GPL-2.0+", "GPL-2.0-or-later"},
      {"GPL-3.0", "GPL-3.0-only"},
      {"GPL-3.0+", "GPL-3.0-or-later"},
      {"LGPL-2.0", "LGPL-2.0-only"},
      {"LGPL-2.0+", "LGPL-2.0-or-later"},
      {"LGPL-2.1", "LGPL-2.1-only"},
      {"LGPL-2.1+", "LGPL-2.1-or-later"},
      {"LGPL-3.0", "LGPL-3.0-only"},
      {"LGPL-3.0+", "LGPL-3.0-or-later"},
      {"StandardML-NJ", "SMLNJ"},
      {"eCos-2.0", "GPL-2.0-or-later WITH eCos-exception-2.0"},
  };
  for (const auto& [from, to] : kRenamed) {
    if (IEquals(from, id)) return to;
  }
  return {};
}

bool IsIdChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.'; }

bool IsRef(std::string_view id) { return IStartsWith(id, "LicenseRef-") || IStartsWith(id, "DocumentRef-"); }

// ----- the expression parser ------------------------------------------------------------------

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Result<Expression> Run() {
    auto e = ParseOr(0);
    if (!e.ok()) return e;
    SkipSpace();
    if (pos_ != text_.size()) return Fail("unexpected '" + std::string(1, text_[pos_]) + "'");
    return e;
  }

 private:
  Error Fail(const std::string& what) const {
    std::string shown(text_.substr(0, 120));
    for (char& c : shown) {
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
    }
    return Error(ErrorCode::kCorrupt,
                 "license expression '" + shown + "': " + what + " at offset " + std::to_string(pos_));
  }

  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }

  // The next word (an id or an operator) without consuming it.
  std::string_view PeekWord() {
    SkipSpace();
    size_t end = pos_;
    while (end < text_.size() && (IsIdChar(text_[end]) || text_[end] == ':')) ++end;
    return text_.substr(pos_, end - pos_);
  }

  // SPDX allows operators in upper case or all lower case.
  static bool IsOperator(std::string_view w, std::string_view op) { return w == op || w == Lower(op); }

  // OR of ANDs: AND binds tighter. A chain of one operator becomes one node with every operand.
  Result<Expression> ParseOr(int depth) { return ParseChain(depth, "OR", Expression::Kind::kOr); }
  Result<Expression> ParseAnd(int depth) { return ParseChain(depth, "AND", Expression::Kind::kAnd); }

  Result<Expression> ParseChain(int depth, std::string_view op, Expression::Kind kind) {
    auto next = [&]() { return kind == Expression::Kind::kOr ? ParseAnd(depth) : ParseWith(depth); };
    auto left = next();
    if (!left.ok()) return left;
    Expression e = std::move(*left);
    for (;;) {
      std::string_view w = PeekWord();
      if (!IsOperator(w, op)) break;
      pos_ += w.size();
      auto right = next();
      if (!right.ok()) return right;
      if (e.kind != kind) {
        Expression group;
        group.kind = kind;
        group.operands.push_back(std::move(e));
        e = std::move(group);
      }
      e.operands.push_back(std::move(*right));
    }
    return e;
  }

  Result<Expression> ParseWith(int depth) {
    auto simple = ParsePrimary(depth);
    if (!simple.ok()) return simple;
    std::string_view w = PeekWord();
    if (!IsOperator(w, "WITH")) return simple;
    if (simple->kind != Expression::Kind::kLicense || !simple->exception.empty()) {
      return Fail("WITH must follow a single license");
    }
    pos_ += w.size();
    std::string_view ex = PeekWord();
    if (ex.empty()) return Fail("expected an exception after WITH");
    std::string canonical;
    if (!IsException(ex, &canonical)) return Fail("unknown license exception '" + std::string(ex) + "'");
    pos_ += ex.size();
    simple->exception = canonical;
    return simple;
  }

  Result<Expression> ParsePrimary(int depth) {
    if (depth >= kMaxDepth) return Fail("parentheses nested deeper than 64");
    SkipSpace();
    if (pos_ >= text_.size()) return Fail("expected a license");
    if (text_[pos_] == '(') {
      ++pos_;
      auto inner = ParseOr(depth + 1);
      if (!inner.ok()) return inner;
      SkipSpace();
      if (pos_ >= text_.size() || text_[pos_] != ')') return Fail("expected ')'");
      ++pos_;
      return inner;
    }
    std::string_view w = PeekWord();
    if (w.empty()) return Fail("unexpected '" + std::string(1, text_[pos_]) + "'");
    if (IsOperator(w, "AND") || IsOperator(w, "OR") || IsOperator(w, "WITH")) {
      return Fail("expected a license, found operator '" + std::string(w) + "'");
    }
    Expression e;
    if (IsRef(w)) {
      if (IStartsWith(w, "DocumentRef-") && w.find(":LicenseRef-") == std::string_view::npos) {
        return Fail("DocumentRef- without :LicenseRef-");
      }
      e.id = std::string(w);
    } else {
      if (w.find(':') != std::string_view::npos) return Fail("unexpected ':'");
      const LicenseInfo* info = FindLicense(w);
      bool plus = pos_ + w.size() < text_.size() && text_[pos_ + w.size()] == '+';
      // "GPL-2.0+" is a deprecated id of its own; the successor table knows it.
      if (info != nullptr && plus) {
        std::string with_plus = std::string(info->id) + "+";
        if (std::string_view s = Successor(with_plus); !s.empty()) {
          pos_ += w.size() + 1;
          auto sub = ParseExpression(s);
          if (!sub.ok()) return Fail("internal: bad successor");
          return sub;
        }
      }
      if (info == nullptr) return Fail("unknown license id '" + std::string(w) + "'");
      if (std::string_view s = Successor(info->id); !s.empty()) {
        pos_ += w.size();
        auto sub = ParseExpression(s);
        if (!sub.ok()) return Fail("internal: bad successor");
        e = std::move(*sub);
        if (pos_ < text_.size() && text_[pos_] == '+') {
          ++pos_;
          e.or_later = true;
        }
        return e;
      }
      e.id = std::string(info->id);
    }
    pos_ += w.size();
    if (pos_ < text_.size() && text_[pos_] == '+') {
      ++pos_;
      e.or_later = true;
    }
    return e;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

void FormatInto(const Expression& e, bool parenthesise, std::string& out) {
  if (e.kind == Expression::Kind::kLicense) {
    out += e.id;
    if (e.or_later) out += '+';
    if (!e.exception.empty()) out += " WITH " + e.exception;
    return;
  }
  if (parenthesise) out += '(';
  const char* op = e.kind == Expression::Kind::kAnd ? " AND " : " OR ";
  for (size_t i = 0; i < e.operands.size(); ++i) {
    if (i > 0) out += op;
    const Expression& o = e.operands[i];
    // Every nested group in parentheses: AND binds tighter than OR, but readers should not need
    // to know that ("(MIT AND Apache-2.0) OR BSD-3-Clause").
    bool inner = o.kind != Expression::Kind::kLicense;
    FormatInto(o, inner, out);
  }
  if (parenthesise) out += ')';
}

void CollectIds(const Expression& e, std::vector<std::string>& out) {
  if (e.kind == Expression::Kind::kLicense) {
    std::string id = e.id + (e.or_later ? "+" : "");
    if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(std::move(id));
    return;
  }
  for (const auto& o : e.operands) CollectIds(o, out);
}

// ----- normalisation of declared texts --------------------------------------------------------

// A key for alias lookup: lower case, "the"/"license"/"licence"/"version" and punctuation gone,
// "v2" -> "2". "Apache License, Version 2.0" -> "apache2.0"; "GNU GPLv2+" -> "gnugpl2+".
std::string AliasKey(std::string_view text) {
  std::string lower = Lower(text);
  std::string words;
  size_t i = 0;
  while (i < lower.size()) {
    while (i < lower.size() &&
           !(std::isalnum(static_cast<unsigned char>(lower[i])) || lower[i] == '.' || lower[i] == '+')) {
      ++i;
    }
    size_t start = i;
    while (i < lower.size() &&
           (std::isalnum(static_cast<unsigned char>(lower[i])) || lower[i] == '.' || lower[i] == '+')) {
      ++i;
    }
    std::string w = lower.substr(start, i - start);
    while (!w.empty() && w.back() == '.') w.pop_back();
    if (w.empty() || w == "the" || w == "license" || w == "licence" || w == "licensed" || w == "version" ||
        w == "ver" || w == "v" || w == "under" || w == "of") {
      continue;
    }
    // "v2", "v2.0" -> "2", "2.0"; "gplv2" -> "gpl2".
    if (w.size() >= 2 && w[0] == 'v' && std::isdigit(static_cast<unsigned char>(w[1]))) w.erase(0, 1);
    for (size_t k = 1; k + 1 < w.size(); ++k) {
      if (w[k] == 'v' && std::isalpha(static_cast<unsigned char>(w[k - 1])) &&
          std::isdigit(static_cast<unsigned char>(w[k + 1]))) {
        w.erase(k, 1);
        break;
      }
    }
    words += w;
  }
  // "2.0" and "2" name the same version in every alias below.
  std::string out;
  for (size_t k = 0; k < words.size(); ++k) {
    if (words.compare(k, 2, ".0") == 0 && k > 0 && std::isdigit(static_cast<unsigned char>(words[k - 1])) &&
        (k + 2 == words.size() || !std::isdigit(static_cast<unsigned char>(words[k + 2])))) {
      ++k;
      continue;
    }
    out += words[k];
  }
  return out;
}

// Aliases seen in package metadata (npm, PyPI classifiers and License fields, gemspecs, Maven
// POMs, rpm headers, apk L:) and Debian's copyright short names (DEP-5 section "License short
// name"), keyed by AliasKey. Values are SPDX expressions.
const std::unordered_map<std::string, std::string_view>& Aliases() {
  static const auto* table = [] {
    static constexpr std::pair<std::string_view, std::string_view> kAliases[] = {
        // Debian short names (DEP-5) and their common spellings.
        {"Expat", "MIT"},
        {"MIT", "MIT"},
        {"MIT/X11", "MIT"},
        {"X11", "X11"},
        {"MIT-style", "MIT"},
        {"BSD-2-clause", "BSD-2-Clause"},
        {"BSD-3-clause", "BSD-3-Clause"},
        {"BSD-4-clause", "BSD-4-Clause"},
        {"Simplified BSD", "BSD-2-Clause"},
        {"FreeBSD", "BSD-2-Clause"},
        {"New BSD", "BSD-3-Clause"},
        {"Modified BSD", "BSD-3-Clause"},
        {"Revised BSD", "BSD-3-Clause"},
        {"BSD 3-Clause", "BSD-3-Clause"},
        {"BSD 2-Clause", "BSD-2-Clause"},
        {"3-clause BSD", "BSD-3-Clause"},
        {"2-clause BSD", "BSD-2-Clause"},
        {"Apache", "Apache-2.0"},
        {"Apache 2", "Apache-2.0"},
        {"Apache Software", "Apache-2.0"},
        {"Apache Software 2", "Apache-2.0"},
        {"ASL 2", "Apache-2.0"},
        {"ASF 2", "Apache-2.0"},
        {"Apache 1.1", "Apache-1.1"},
        {"Artistic", "Artistic-1.0-Perl"},  // Debian's common-licenses/Artistic is Perl's
        {"Artistic 2", "Artistic-2.0"},
        {"Perl", "Artistic-1.0-Perl OR GPL-1.0-or-later"},
        {"same as Perl itself", "Artistic-1.0-Perl OR GPL-1.0-or-later"},
        {"GPL", "GPL-1.0-or-later"},
        {"GPL+", "GPL-1.0-or-later"},
        {"GPL-1", "GPL-1.0-only"},
        {"GPL-1+", "GPL-1.0-or-later"},
        {"GPL-2", "GPL-2.0-only"},
        {"GPL-2+", "GPL-2.0-or-later"},
        {"GPL-3", "GPL-3.0-only"},
        {"GPL-3+", "GPL-3.0-or-later"},
        {"GNU GPL", "GPL-1.0-or-later"},
        {"GNU GPL 2", "GPL-2.0-only"},
        {"GNU GPL 2+", "GPL-2.0-or-later"},
        {"GNU GPL 3", "GPL-3.0-only"},
        {"GNU GPL 3+", "GPL-3.0-or-later"},
        {"GNU General Public", "GPL-1.0-or-later"},
        {"GNU General Public 2", "GPL-2.0-only"},
        {"GNU General Public 3", "GPL-3.0-only"},
        {"GNU General Public v2 or later (GPLv2+)", "GPL-2.0-or-later"},
        {"GNU General Public v3 or later (GPLv3+)", "GPL-3.0-or-later"},
        {"GNU General Public v2 (GPLv2)", "GPL-2.0-only"},
        {"GNU General Public v3 (GPLv3)", "GPL-3.0-only"},
        {"GNU General Public 2 or later", "GPL-2.0-or-later"},
        {"GNU General Public 3 or later", "GPL-3.0-or-later"},
        {"GPL 2 or later", "GPL-2.0-or-later"},
        {"GPL 3 or later", "GPL-3.0-or-later"},
        {"LGPL", "LGPL-2.0-or-later"},
        {"LGPL-2", "LGPL-2.0-only"},
        {"LGPL-2+", "LGPL-2.0-or-later"},
        {"LGPL-2.1", "LGPL-2.1-only"},
        {"LGPL-2.1+", "LGPL-2.1-or-later"},
        {"LGPL-3", "LGPL-3.0-only"},
        {"LGPL-3+", "LGPL-3.0-or-later"},
        {"GNU LGPL", "LGPL-2.0-or-later"},
        {"GNU Lesser General Public", "LGPL-2.1-or-later"},
        {"GNU Lesser General Public 2.1", "LGPL-2.1-only"},
        {"GNU Lesser General Public 3", "LGPL-3.0-only"},
        {"GNU Library or Lesser General Public (LGPL)", "LGPL-2.0-or-later"},
        {"GNU Lesser General Public v2 or later (LGPLv2+)", "LGPL-2.0-or-later"},
        {"GNU Lesser General Public v3 or later (LGPLv3+)", "LGPL-3.0-or-later"},
        {"GNU Lesser General Public v3 (LGPLv3)", "LGPL-3.0-only"},
        {"GNU Lesser General Public v2 (LGPLv2)", "LGPL-2.0-only"},
        {"AGPL-3", "AGPL-3.0-only"},
        {"AGPL-3+", "AGPL-3.0-or-later"},
        {"GNU Affero General Public v3", "AGPL-3.0-only"},
        {"GNU Affero General Public v3 or later (AGPLv3+)", "AGPL-3.0-or-later"},
        {"GFDL", "GFDL-1.1-or-later"},
        {"GFDL-1.2", "GFDL-1.2-only"},
        {"GFDL-1.2+", "GFDL-1.2-or-later"},
        {"GFDL-1.3", "GFDL-1.3-only"},
        {"GFDL-1.3+", "GFDL-1.3-or-later"},
        {"MPL", "MPL-2.0"},
        {"MPL 1.1", "MPL-1.1"},
        {"MPL 2", "MPL-2.0"},
        {"Mozilla Public 2", "MPL-2.0"},
        {"Mozilla Public 2.0 (MPL 2.0)", "MPL-2.0"},
        {"Mozilla Public 1.1 (MPL 1.1)", "MPL-1.1"},
        {"EPL", "EPL-1.0"},
        {"Eclipse Public 1", "EPL-1.0"},
        {"Eclipse Public 2", "EPL-2.0"},
        {"CDDL", "CDDL-1.0"},
        {"CC0", "CC0-1.0"},
        {"CC0 1.0 Universal", "CC0-1.0"},
        {"CC0 1.0 Universal (CC0 1.0) Public Domain Dedication", "CC0-1.0"},
        {"ISC", "ISC"},
        {"ISC (ISCL)", "ISC"},
        {"ISCL", "ISC"},
        {"Zlib", "Zlib"},
        {"zlib/libpng", "Zlib"},
        {"Boost", "BSL-1.0"},
        {"Boost Software 1", "BSL-1.0"},
        {"Python", "PSF-2.0"},
        {"PSF", "PSF-2.0"},
        {"PSFL", "PSF-2.0"},
        {"Python Software Foundation", "PSF-2.0"},
        {"Unlicense", "Unlicense"},
        {"The Unlicense (Unlicense)", "Unlicense"},
        {"WTFPL", "WTFPL"},
        {"Zope", "ZPL-2.1"},
        {"ZPL", "ZPL-2.1"},
        {"Zope Public", "ZPL-2.1"},
        {"Ruby", "Ruby"},
        {"OpenSSL", "OpenSSL"},
        {"PostgreSQL", "PostgreSQL"},
        {"Unicode", "Unicode-DFS-2016"},
        {"public-domain", "LicenseRef-public-domain"},
        {"Public Domain", "LicenseRef-public-domain"},
        {"PD", "LicenseRef-public-domain"},
        {"MIT No Attribution", "MIT-0"},
        {"Blue Oak Model 1.0.0", "BlueOak-1.0.0"},
        {"Universal Permissive 1", "UPL-1.0"},
        {"Academic Free 3", "AFL-3.0"},
        {"Historical Permission Notice and Disclaimer (HPND)", "HPND"},
        {"Server Side Public", "SSPL-1.0"},
        {"European Union Public 1.2", "EUPL-1.2"},
    };
    auto* m = new std::unordered_map<std::string, std::string_view>();
    for (const auto& [alias, spdx] : kAliases) m->emplace(AliasKey(alias), spdx);
    // Every SPDX name ("MIT License", "Apache License 2.0") is an alias of its id.
    for (const auto& l : kLicenses) {
      if (!l.deprecated) m->emplace(AliasKey(l.name), l.id);
    }
    return m;
  }();
  return *table;
}

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (std::isspace(static_cast<unsigned char>(s[b])) || s[b] == '"' || s[b] == '\'')) ++b;
  while (e > b && (std::isspace(static_cast<unsigned char>(s[e - 1])) || s[e - 1] == '"' || s[e - 1] == '\'' ||
                   s[e - 1] == ';' || s[e - 1] == ',')) {
    --e;
  }
  return std::string(s.substr(b, e - b));
}

// One license name to an SPDX expression, or "" when neither the list nor an alias knows it.
std::string NameToSpdx(std::string_view name) {
  std::string t = Trim(name);
  if (t.empty()) return {};
  if (t.size() > 2 && t.front() == '(' && t.back() == ')') t = Trim(std::string_view(t).substr(1, t.size() - 2));
  if (auto e = ParseExpression(t); e.ok()) return Format(*e);
  // SPDX URLs: https://spdx.org/licenses/MIT.html, opensource.org/licenses/MIT.
  for (std::string_view marker : {"spdx.org/licenses/", "opensource.org/licenses/", "opensource.org/license/"}) {
    if (size_t at = Lower(t).find(marker); at != std::string::npos) {
      std::string rest = t.substr(at + marker.size());
      for (std::string_view suffix : {".html", ".php", ".txt", "/"}) {
        if (rest.size() > suffix.size() &&
            IEquals(std::string_view(rest).substr(rest.size() - suffix.size()), suffix)) {
          rest.resize(rest.size() - suffix.size());
        }
      }
      if (const LicenseInfo* info = FindLicense(rest); info != nullptr) {
        if (auto e = ParseExpression(info->id); e.ok()) return Format(*e);
      }
      if (std::string via = NameToSpdx(rest); !via.empty() && !IsRef(via)) return via;
    }
  }
  for (std::string_view url : {"apache.org/licenses/license-2.0", "www.apache.org/licenses/license-2.0"}) {
    if (Lower(t).find(url) != std::string::npos) return "Apache-2.0";
  }
  // DEP-5 "GPL-3+ with Bison exception", rpm "GPLv2 with exceptions": an SPDX exception when one
  // is named that way ("Bison-exception-2.2"), otherwise not a name vigil knows.
  if (size_t with = Lower(t).find(" with "); with != std::string::npos) {
    std::string left = NameToSpdx(t.substr(0, with));
    std::string right = Trim(std::string_view(t).substr(with + 6));
    auto single = ParseExpression(left);
    if (!left.empty() && single.ok() && single->kind == Expression::Kind::kLicense && !IsRef(left) &&
        single->exception.empty()) {
      std::string canonical;
      if (IsException(right, &canonical)) return left + " WITH " + canonical;
      std::string word = Lower(right);
      if (word.size() > 10 && word.compare(word.size() - 10, 10, " exception") == 0) {
        word.resize(word.size() - 10);
        for (char& c : word) c = c == ' ' ? '-' : c;
        std::string prefix = word + "-exception";
        for (const auto& e : kExceptions) {
          if (IStartsWith(e.id, prefix)) return left + " WITH " + std::string(e.id);
        }
      }
    }
    return {};
  }
  const auto& aliases = Aliases();
  std::string key = AliasKey(t);
  if (auto it = aliases.find(key); it != aliases.end()) return std::string(it->second);
  // PyPI classifiers: "License :: OSI Approved :: MIT License".
  if (size_t colon = t.rfind("::"); colon != std::string::npos) return NameToSpdx(t.substr(colon + 2));
  // "GPL-2.0-or-later" spelled "GPL-2.0-or-later" is on the list; "GPL-2 or later" and
  // "GPL 2 or later" reach the alias table above; "GPLv2 or later" too.
  return {};
}

// Splits `text` at the lower- or upper-case words "or"/"and" outside parentheses (Debian and rpm
// write "GPL-2+ or Artistic", "MIT and BSD"), or at " / " and ", " (rpm, gemspecs). Returns
// false when there is nothing to split.
struct Split {
  std::vector<std::string> parts;
  std::vector<std::string> ops;  // "AND" / "OR" between parts
};

bool SplitWords(std::string_view text, Split& out) {
  std::string cur;
  int depth = 0;
  size_t i = 0;
  auto flush = [&](const char* op) {
    out.parts.push_back(Trim(cur));
    out.ops.emplace_back(op);
    cur.clear();
  };
  while (i < text.size()) {
    char c = text[i];
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (depth == 0 && std::isspace(static_cast<unsigned char>(c))) {
      size_t j = i;
      while (j < text.size() && std::isspace(static_cast<unsigned char>(text[j]))) ++j;
      size_t w = j;
      while (w < text.size() && std::isalpha(static_cast<unsigned char>(text[w]))) ++w;
      std::string word = Lower(text.substr(j, w - j));
      bool at_space = w < text.size() && std::isspace(static_cast<unsigned char>(text[w]));
      if (at_space && (word == "or" || word == "and")) {
        // "or later" and "or any later version" belong to the license before.
        size_t k = w;
        while (k < text.size() && std::isspace(static_cast<unsigned char>(text[k]))) ++k;
        std::string next = Lower(text.substr(k, 5));
        if (!(word == "or" &&
              (next.rfind("later", 0) == 0 || next.rfind("any", 0) == 0 || next.rfind("newer", 0) == 0))) {
          flush(word == "or" ? "OR" : "AND");
          i = w;
          continue;
        }
      }
    }
    if (depth == 0 && (c == '/' || c == ',' || c == ';') && i + 1 < text.size() &&
        std::isspace(static_cast<unsigned char>(text[i + 1]))) {
      // "zlib/libpng" has no space after '/'; "MIT / Apache" has.
      flush(c == '/' ? "OR" : "AND");
      ++i;
      continue;
    }
    if (depth == 0 && c == '|') {
      flush("OR");
      ++i;
      if (i < text.size() && text[i] == '|') ++i;
      continue;
    }
    cur += c;
    ++i;
  }
  if (out.parts.empty()) return false;
  out.parts.push_back(Trim(cur));
  // A trailing "and later" style fragment or an empty part means this was no list.
  for (const auto& p : out.parts) {
    if (p.empty()) return false;
  }
  return true;
}

std::string Parenthesise(const std::string& expr) {
  auto e = ParseExpression(expr);
  if (e.ok() && e->kind != Expression::Kind::kLicense) return "(" + expr + ")";
  return expr;
}

}  // namespace

std::string_view CategoryName(Category category) {
  switch (category) {
    case Category::kPublicDomain:
      return "public-domain";
    case Category::kPermissive:
      return "permissive";
    case Category::kWeakCopyleft:
      return "weak-copyleft";
    case Category::kStrongCopyleft:
      return "strong-copyleft";
    case Category::kNetworkCopyleft:
      return "network-copyleft";
    case Category::kOther:
      return "other";
    case Category::kUnknown:
      return "unknown";
  }
  return "unknown";
}

std::optional<Category> ParseCategory(std::string_view name) {
  for (Category c : {Category::kPublicDomain, Category::kPermissive, Category::kWeakCopyleft, Category::kStrongCopyleft,
                     Category::kNetworkCopyleft, Category::kOther, Category::kUnknown}) {
    if (IEquals(CategoryName(c), name)) return c;
  }
  return std::nullopt;
}

const LicenseInfo* FindLicense(std::string_view id) {
  if (id.empty() || id.size() > 128) return nullptr;
  const auto& index = LicenseIndex();
  auto it = index.find(Lower(id));
  return it == index.end() ? nullptr : it->second;
}

bool IsException(std::string_view id, std::string* canonical) {
  for (const auto& e : kExceptions) {
    if (IEquals(e.id, id)) {
      if (canonical != nullptr) *canonical = std::string(e.id);
      return true;
    }
  }
  return false;
}

Category CategoryOf(std::string_view id_in) {
  std::string_view id = id_in;
  if (!id.empty() && id.back() == '+') id.remove_suffix(1);
  if (IEquals(id, "LicenseRef-public-domain")) return Category::kPublicDomain;
  const LicenseInfo* info = FindLicense(id);
  if (info == nullptr) return Category::kUnknown;
  std::string_view c = info->id;
  auto starts = [&](std::string_view p) { return c.substr(0, p.size()) == p; };
  // Order matters: AGPL before GPL, LGPL before GPL.
  if (starts("AGPL-") || c == "SSPL-1.0" || starts("OSL-") || starts("RPL-") || c == "CPAL-1.0") {
    return Category::kNetworkCopyleft;
  }
  if (starts("LGPL") || starts("MPL-") || starts("EPL-") || starts("CDDL-") || c == "CPL-1.0" || c == "IPL-1.0" ||
      c == "MS-RL" || starts("APSL-") || c == "CECILL-C" || starts("EUPL-1.0") || c == "LPL-1.02" || c == "SPL-1.0" ||
      starts("NPL-") || c == "ErlPL-1.1" || c == "Motosoto" || c == "Nokia" || c == "CATOSL-1.1" || c == "QPL-1.0" ||
      starts("GFDL-")) {
    return Category::kWeakCopyleft;
  }
  if (starts("GPL-") || starts("EUPL-") || starts("CC-BY-SA-") || c == "Sleepycat" || starts("CECILL-2") ||
      c == "CECILL-1.0" || c == "CECILL-1.1" || c == "eCos-2.0" || c == "RPSL-1.0" || c == "Watcom-1.0") {
    return Category::kStrongCopyleft;
  }
  if (c == "CC0-1.0" || c == "Unlicense" || c == "0BSD" || c == "PDDL-1.0" || c == "CC-PDDC") {
    return Category::kPublicDomain;
  }
  if (starts("CC-BY-NC") || starts("CC-BY-ND") || c == "JSON") return Category::kOther;
  if (starts("MIT") || starts("BSD-") || starts("Apache-") || c == "ISC" || c == "Zlib" ||
      c == "zlib-acknowledgement" || c == "X11" || c == "PSF-2.0" || c == "Python-2.0" || starts("Artistic-") ||
      c == "BSL-1.0" || c == "PostgreSQL" || c == "OpenSSL" || c == "NCSA" || starts("Unicode-") || c == "curl" ||
      starts("libpng") || c == "FTL" || starts("W3C") || c == "WTFPL" || starts("ZPL-") || starts("AFL-") ||
      c == "BlueOak-1.0.0" || starts("CC-BY-") || c == "UPL-1.0" || c == "HPND" || c == "Ruby" || c == "PHP-3.01" ||
      c == "PHP-3.0" || c == "Beerware" || c == "ICU" || c == "IJG" || c == "TCL" || c == "Vim" || c == "OFL-1.1" ||
      c == "bzip2-1.0.6" || c == "Info-ZIP" || c == "MS-PL" || c == "NTP" || c == "Xnet" || c == "ECL-2.0" ||
      c == "EFL-2.0" || c == "Fair" || c == "ImageMagick" || c == "OLDAP-2.8" || c == "SGI-B-2.0" || c == "Naumen" ||
      c == "AAL" || c == "Entessa" || c == "MirOS" || c == "PHP-3.01" || c == "Python-2.0.1" || c == "blessing" ||
      c == "GD" || c == "Spencer-94" || c == "Spencer-99" || c == "TCP-wrappers" || c == "Libpng") {
    return Category::kPermissive;
  }
  return Category::kOther;
}

Result<Expression> ParseExpression(std::string_view text) {
  if (text.size() > kMaxExpression) {
    return Error(ErrorCode::kLimitExceeded, "license expression longer than " + std::to_string(kMaxExpression) +
                                                " bytes (" + std::to_string(text.size()) + ")");
  }
  return Parser(text).Run();
}

std::string Format(const Expression& expression) {
  std::string out;
  FormatInto(expression, false, out);
  return out;
}

std::vector<std::string> LicenseIds(const Expression& expression) {
  std::vector<std::string> out;
  CollectIds(expression, out);
  return out;
}

std::string LicenseRefFor(std::string_view text) {
  std::string out = "LicenseRef-";
  bool dash = true;
  for (char c : text) {
    if (out.size() >= 11 + 64) break;
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '.') {
      out += c;
      dash = false;
    } else if (!dash) {
      out += '-';
      dash = true;
    }
  }
  while (out.size() > 11 && (out.back() == '-' || out.back() == '.')) out.pop_back();
  if (out.size() == 11) out += "unnamed";
  return out;
}

std::string NormalizeOne(std::string_view text_in) {
  std::string text = Trim(text_in.substr(0, std::min<size_t>(text_in.size(), kMaxExpression)));
  if (text.empty()) return {};
  if (std::string s = NameToSpdx(text); !s.empty()) return s;
  Split split;
  if (SplitWords(text, split) && split.parts.size() <= 32) {
    std::vector<std::string> mapped;
    bool all = true;
    for (const auto& part : split.parts) {
      std::string s = NameToSpdx(part);
      if (s.empty()) {
        // A part may itself be "A and B" inside parentheses.
        std::string inner = part;
        if (inner.size() > 2 && inner.front() == '(' && inner.back() == ')') inner = inner.substr(1, inner.size() - 2);
        Split sub;
        if (inner != part && SplitWords(inner, sub)) s = NormalizeOne(inner);
      }
      if (s.empty()) {
        all = false;
        s = LicenseRefFor(part);
      }
      mapped.push_back(s);
    }
    // A list where nothing was recognised is one unknown text, not many.
    bool any = false;
    for (const auto& m : mapped) any = any || !IsRef(m);
    if (any || all) {
      // AND binds tighter: group runs of AND, then join with OR.
      std::string out;
      std::string run;
      int run_len = 0;
      auto end_run = [&] {
        if (run.empty()) return;
        if (!out.empty()) out += " OR ";
        out += run_len > 1 && split.ops.size() > 0 && std::count(split.ops.begin(), split.ops.end(), "OR") > 0
                   ? "(" + run + ")"
                   : run;
        run.clear();
        run_len = 0;
      };
      for (size_t i = 0; i < mapped.size(); ++i) {
        if (i > 0 && split.ops[i - 1] == "OR") end_run();
        if (!run.empty()) run += " AND ";
        run += Parenthesise(mapped[i]);
        ++run_len;
      }
      end_run();
      if (auto e = ParseExpression(out); e.ok()) return Format(*e);
    }
  }
  return LicenseRefFor(text);
}

std::string Normalize(const std::vector<std::string>& declared) {
  std::vector<std::string> parts;
  for (const auto& d : declared) {
    std::string n = NormalizeOne(d);
    if (!n.empty() && std::find(parts.begin(), parts.end(), n) == parts.end()) parts.push_back(std::move(n));
    if (parts.size() >= 64) break;
  }
  if (parts.empty()) return {};
  if (parts.size() == 1) return parts[0];
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += " AND ";
    out += Parenthesise(p);
  }
  if (auto e = ParseExpression(out); e.ok()) return Format(*e);
  return out;
}

}  // namespace vigil::license
