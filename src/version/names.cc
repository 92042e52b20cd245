#include "version/names.h"

namespace vigil::version {
namespace {

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool IsSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

std::string LowerAll(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

enum class Kind { kPypi, kMaven, kNpm, kGo, kNuget, kPackagist, kRubygems, kCrates, kOther };

Kind KindOf(std::string_view ecosystem) {
  std::string_view base = Trim(ecosystem.substr(0, ecosystem.find(':')));
  struct Entry {
    std::string_view name;
    Kind kind;
  };
  static constexpr Entry kEntries[] = {{"PyPI", Kind::kPypi},
                                       {"pep440", Kind::kPypi},
                                       {"Maven", Kind::kMaven},
                                       {"npm", Kind::kNpm},
                                       {"Go", Kind::kGo},
                                       {"NuGet", Kind::kNuget},
                                       {"Packagist", Kind::kPackagist},
                                       {"composer", Kind::kPackagist},
                                       {"RubyGems", Kind::kRubygems},
                                       {"gem", Kind::kRubygems},
                                       {"crates.io", Kind::kCrates}};
  for (const auto& e : kEntries) {
    if (EqualsIgnoreCase(e.name, base)) return e.kind;
  }
  return Kind::kOther;
}

}  // namespace

std::string NormalizeName(std::string_view ecosystem, std::string_view raw) {
  std::string_view name = Trim(raw);
  switch (KindOf(ecosystem)) {
    case Kind::kPypi: {
      std::string out;
      bool in_run = false;
      for (char c : name) {
        bool sep = c == '-' || c == '_' || c == '.';
        if (!sep) {
          out += Lower(c);
        } else if (!in_run) {
          out += '-';
        }
        in_run = sep;
      }
      return out;
    }
    case Kind::kMaven: {
      size_t colon = name.find(':');
      if (colon == std::string_view::npos) return std::string(name);
      std::string_view group = Trim(name.substr(0, colon));
      std::string_view rest = name.substr(colon + 1);
      std::string_view artifact = Trim(rest.substr(0, rest.find(':')));
      // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on operator+ chains here.
      std::string out;
      out.reserve(group.size() + 1 + artifact.size());
      out.append(group);
      out.push_back(':');
      out.append(artifact);
      return out;
    }
    case Kind::kNpm: {
      // Registry paths carry the scope separator URL-encoded: "@babel%2fcore".
      size_t p = name.find("%2");
      if (!name.empty() && name[0] == '@' && p != std::string_view::npos && p + 2 < name.size() &&
          Lower(name[p + 2]) == 'f' && name.find('/') == std::string_view::npos) {
        std::string out;
        out.reserve(name.size());
        out.append(name.substr(0, p));
        out.push_back('/');
        out.append(name.substr(p + 3));
        return out;
      }
      return std::string(name);
    }
    case Kind::kGo: {
      // golang.org/x/mod/module.EscapePath writes an upper-case letter as '!' and its lower
      // case; anything else after a '!' is not an escape and is kept as it is.
      std::string out;
      for (size_t i = 0; i < name.size(); ++i) {
        if (name[i] == '!' && i + 1 < name.size() && name[i + 1] >= 'a' && name[i + 1] <= 'z') {
          out += static_cast<char>(name[++i] - 'a' + 'A');
        } else {
          out += name[i];
        }
      }
      return out;
    }
    case Kind::kNuget:
    case Kind::kPackagist:
      return LowerAll(name);
    case Kind::kCrates: {
      std::string out = LowerAll(name);
      for (char& c : out) {
        if (c == '-') c = '_';
      }
      return out;
    }
    case Kind::kRubygems:
    case Kind::kOther:
      break;
  }
  return std::string(name);
}

}  // namespace vigil::version
