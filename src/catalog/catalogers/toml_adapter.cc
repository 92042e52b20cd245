#include "catalog/catalogers/toml_adapter.h"

namespace vigil::catalog {
namespace {

constexpr int kMaxDotsPerLine = 32;

// toml++ 3.3 bounds nested arrays and inline tables (256) but not tables made by dotted keys:
// "a.a.a.…= 1" or "[a.a.a.…]" with some 50,000 parts overflows the stack (seen in a test on
// this build). Real lock files have a few dots per line outside strings, so a line with more
// than kMaxDotsPerLine is refused before toml++ sees it. Strings and comments are skipped, as
// they may hold any number of dots.
Status CheckDottedKeys(std::string_view text, std::string_view what) {
  enum class In { kCode, kBasic, kLiteral, kMultiBasic, kMultiLiteral, kComment } in = In::kCode;
  int dots = 0;
  size_t line = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n') {
      ++line;
      dots = 0;
      if (in == In::kBasic || in == In::kLiteral || in == In::kComment) in = In::kCode;
      continue;
    }
    switch (in) {
      case In::kCode:
        if (c == '#') {
          in = In::kComment;
        } else if (c == '"' || c == '\'') {
          bool triple = text.substr(i, 3) == std::string(3, c);
          in = c == '"' ? (triple ? In::kMultiBasic : In::kBasic) : (triple ? In::kMultiLiteral : In::kLiteral);
          if (triple) i += 2;
        } else if (c == '.' && ++dots > kMaxDotsPerLine) {
          return Corrupt(std::string(what) + ": TOML line " + std::to_string(line) + " has more than " +
                         std::to_string(kMaxDotsPerLine) + " dots outside strings (dotted keys)");
        }
        break;
      case In::kBasic:
        if (c == '\\')
          ++i;
        else if (c == '"')
          in = In::kCode;
        break;
      case In::kLiteral:
        if (c == '\'') in = In::kCode;
        break;
      case In::kMultiBasic:
        if (c == '\\')
          ++i;
        else if (text.substr(i, 3) == "\"\"\"") {
          in = In::kCode;
          i += 2;
        }
        break;
      case In::kMultiLiteral:
        if (text.substr(i, 3) == "\'\'\'") {
          in = In::kCode;
          i += 2;
        }
        break;
      case In::kComment:
        break;
    }
  }
  return OkStatus();
}

}  // namespace

Result<toml::table> ParseToml(std::string_view text, std::string_view what) {
  VIGIL_RETURN_IF_ERROR(CheckDottedKeys(text, what));
  // The Debian build has exceptions on (the toml::ex ABI): parse errors are thrown.
  try {
    return toml::parse(text);
  } catch (const toml::parse_error& e) {
    return Corrupt(std::string(what) + ": malformed TOML at line " + std::to_string(e.source().begin.line) + ": " +
                   std::string(e.description()));
  } catch (const std::exception& e) {
    return Corrupt(std::string(what) + ": malformed TOML: " + e.what());
  }
}

std::string TomlString(const toml::table& t, std::string_view key) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return {};
  if (const auto* s = n->as_string()) return s->get();
  return {};
}

Status ForEachTomlPackage(
    std::string_view text, std::string_view what,
    const std::function<void(const toml::table& t, const std::string& name, const std::string& version)>& each) {
  VIGIL_ASSIGN_OR_RETURN(toml::table doc, ParseToml(text, what));
  const toml::node* packages = doc.get("package");
  if (packages == nullptr) return OkStatus();
  const toml::array* list = packages->as_array();
  if (list == nullptr) return Corrupt(std::string(what) + ": \"package\" is not an array of tables");
  for (const toml::node& n : *list) {
    const toml::table* t = n.as_table();
    if (t == nullptr) continue;
    std::string name = TomlString(*t, "name");
    std::string version = TomlString(*t, "version");
    if (name.empty() || version.empty()) continue;
    each(*t, name, version);
  }
  return OkStatus();
}

}  // namespace vigil::catalog
