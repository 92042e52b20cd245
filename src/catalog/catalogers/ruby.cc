#include "catalog/catalogers/ruby.h"

#include <cstdint>

#include "catalog/catalogers/lock_util.h"
#include "common/path.h"
#include "common/strings.h"

namespace vigil::catalog {
namespace {

class RubyCataloger : public Cataloger {
 public:
  std::string_view name() const override { return "ruby"; }
  bool Wants(const FileRef& f) const override { return IsInstalledGemspec(f.path) || IsGemfileLock(f.path); }
  uint64_t MaxSize() const override { return 8u << 20; }
  Status Parse(const FileRef& f, std::string_view content, FileResult& out) const override {
    return IsGemfileLock(f.path) ? ParseGemfileLock(content, out.packages) : ParseGemspec(content, out.packages);
  }
};

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool IsIdentChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

void AppendUtf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Reads a Ruby string literal starting at s[i] ("…", '…', %q{…}, %Q(…), %{…}); on success
// stores its text in `out`, moves `i` past it and returns true. Escapes are decoded only as far
// as names, versions and licenses need (\" \\ \n \t \uXXXX); interpolation stays as written.
bool ReadRubyString(std::string_view s, size_t& i, std::string& out) {
  out.clear();
  if (i >= s.size()) return false;
  char open = s[i];
  size_t j = i + 1;
  bool double_quoted = open == '"';
  if (open == '%') {
    if (j < s.size() && (s[j] == 'q' || s[j] == 'Q')) {
      double_quoted = s[j] == 'Q';
      ++j;
    } else {
      double_quoted = true;
    }
    if (j >= s.size() || IsIdentChar(s[j]) || s[j] == ' ') return false;
    open = s[j++];
  } else if (open != '"' && open != '\'') {
    return false;
  }
  char close = open;
  switch (open) {
    case '{':
      close = '}';
      break;
    case '(':
      close = ')';
      break;
    case '[':
      close = ']';
      break;
    case '<':
      close = '>';
      break;
    default:
      break;
  }
  int depth = 0;
  for (; j < s.size(); ++j) {
    char c = s[j];
    if (c == '\\' && j + 1 < s.size()) {
      char e = s[++j];
      if (!double_quoted) {
        if (e != '\\' && e != close) out.push_back('\\');
        out.push_back(e);
      } else if (e == 'n') {
        out.push_back('\n');
      } else if (e == 't') {
        out.push_back('\t');
      } else if (e == 'u' && j + 4 < s.size()) {
        uint32_t cp = 0;
        bool hex = true;
        for (size_t k = j + 1; k <= j + 4; ++k) {
          char h = s[k];
          cp <<= 4;
          if (h >= '0' && h <= '9')
            cp |= h - '0';
          else if (h >= 'a' && h <= 'f')
            cp |= h - 'a' + 10;
          else if (h >= 'A' && h <= 'F')
            cp |= h - 'A' + 10;
          else
            hex = false;
        }
        if (hex) {
          AppendUtf8(cp, out);
          j += 4;
        } else {
          out.push_back(e);
        }
      } else {
        out.push_back(e);
      }
      continue;
    }
    if (c == open && open != close) {
      ++depth;
    } else if (c == close) {
      if (depth == 0) {
        i = j + 1;
        return true;
      }
      --depth;
    }
    out.push_back(c);
  }
  return false;  // unterminated
}

// Every string literal in `value`, left to right, up to a comment or, for an array, its end.
std::vector<std::string> RubyStrings(std::string_view value) {
  std::vector<std::string> out;
  std::string s;
  int brackets = 0;
  for (size_t i = 0; i < value.size();) {
    char c = value[i];
    if (c == '#') break;
    if (c == '"' || c == '\'' || c == '%') {
      size_t before = i;
      if (ReadRubyString(value, i, s)) {
        out.push_back(s);
        continue;
      }
      i = before + 1;
      if (c != '%') break;  // an unterminated string: nothing more to trust
      continue;
    }
    if (c == '[') ++brackets;
    if (c == ']' && --brackets <= 0) break;
    ++i;
  }
  return out;
}

// The variable name of `Gem::Specification.new do |s|` / `{ |spec|`, or "" when absent.
std::string SpecVariable(std::string_view text) {
  size_t at = text.find("Gem::Specification.new");
  if (at == std::string_view::npos) return {};
  std::string_view rest = text.substr(at, 300);
  size_t bar = rest.find('|');
  if (bar == std::string_view::npos) return {};
  size_t end = rest.find('|', bar + 1);
  if (end == std::string_view::npos) return {};
  std::string_view var = Trim(rest.substr(bar + 1, end - bar - 1));
  for (char c : var) {
    if (!IsIdentChar(c)) return {};
  }
  return std::string(var);
}

// For a line "<var>.<field> = <value>" returns true and sets field and value (the rest of the
// line). "==" comparisons and other receivers do not match.
bool SpecAssignment(std::string_view line, std::string_view var, std::string_view& field, std::string_view& value) {
  line = Trim(line);
  if (line.size() <= var.size() + 1 || line.substr(0, var.size()) != var || line[var.size()] != '.') {
    return false;
  }
  size_t i = var.size() + 1;
  size_t start = i;
  while (i < line.size() && IsIdentChar(line[i])) ++i;
  field = line.substr(start, i - start);
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  if (i >= line.size() || line[i] != '=' || (i + 1 < line.size() && (line[i + 1] == '=' || line[i + 1] == '~'))) {
    return false;
  }
  value = line.substr(i + 1);
  return !field.empty();
}

}  // namespace

bool IsInstalledGemspec(std::string_view path) {
  if (!EndsWith(path, ".gemspec")) return false;
  std::string_view dir = ParentPath(path);
  if (BaseName(dir) == "default") dir = ParentPath(dir);
  return BaseName(dir) == "specifications";
}

bool IsGemfileLock(std::string_view path) {
  std::string_view base = BaseName(path);
  return base == "Gemfile.lock" || base == "gems.locked";
}

Status ParseGemspec(std::string_view text, std::vector<Package>& out) {
  std::string var = SpecVariable(text);
  if (var.empty()) return Corrupt("gemspec: no `Gem::Specification.new do |var|` block");
  std::string name, version;
  std::vector<std::string> licenses;
  bool have_licenses = false;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    std::string_view field, value;
    if (SpecAssignment(line, var, field, value)) {
      if (field == "licenses" && !have_licenses && value.find('[') != std::string_view::npos &&
          value.find(']') == std::string_view::npos) {
        // An array spread over several lines: read on to its "]" (within reason).
        size_t start = static_cast<size_t>(value.data() - text.data());
        size_t close = text.find(']', start);
        if (close != std::string_view::npos && close - start < 4096) {
          value = text.substr(start, close - start + 1);
          eol = close;
        }
      }
      std::vector<std::string> strings = RubyStrings(value);
      if (field == "name" && name.empty() && !strings.empty()) {
        name = strings.front();
      } else if (field == "version" && version.empty() && !strings.empty()) {
        version = strings.front();
      } else if ((field == "licenses" || field == "license") && !have_licenses && !strings.empty()) {
        licenses = std::move(strings);
        have_licenses = true;
      }
    }
    pos = eol + 1;
  }
  if (name.empty() || version.empty()) {
    return Corrupt(std::string("gemspec: no ") + (name.empty() ? "name" : "version") + " assigned to " + var);
  }
  Package p;
  p.type = "gem";
  p.name = name;
  p.version = version;
  p.licenses = std::move(licenses);
  out.push_back(std::move(p));
  return OkStatus();
}

Status ParseGemfileLock(std::string_view text, std::vector<Package>& out) {
  // A gem built for several platforms is listed once per platform: one package.
  UniquePackages pkgs;
  std::string section;
  bool in_specs = false;
  size_t line_no = 0;
  Status status;
  ForEachLine(text, [&](std::string_view line) {
    ++line_no;
    if (!status.ok() || Trim(line).empty()) return;
    size_t indent = 0;
    while (indent < line.size() && line[indent] == ' ') ++indent;
    if (indent == 0) {
      section = std::string(Trim(line));
      in_specs = false;
      return;
    }
    if (section != "GEM" && section != "GIT" && section != "PATH") return;
    if (indent == 2) {
      in_specs = Trim(line) == "specs:";
      return;
    }
    if (indent != 4 || !in_specs) return;  // 6 spaces: the dependencies of a spec
    std::string_view spec = Trim(line);
    size_t open = spec.find(" (");
    if (open == std::string_view::npos || open == 0 || spec.back() != ')' ||
        spec.substr(0, open).find(' ') != std::string_view::npos || open + 3 > spec.size() - 1) {
      status = Corrupt("Gemfile.lock line " + std::to_string(line_no) + ": expected 'name (version)', got '" +
                       Clip(spec, 60) + "'");
      return;
    }
    std::string_view full = spec.substr(open + 2, spec.size() - open - 3);
    std::string_view version = full.substr(0, full.find('-'));
    if (version.empty()) {
      status = Corrupt("Gemfile.lock line " + std::to_string(line_no) + ": empty version");
      return;
    }
    Package p = LockPackage("gem", "", spec.substr(0, open), version);
    if (version.size() < full.size()) p.properties["gem:platform"] = std::string(full.substr(version.size() + 1));
    if (section == "GIT") p.properties["gem:git"] = "true";
    if (section == "PATH") p.properties["gem:local"] = "true";
    pkgs.Add(std::move(p));
  });
  pkgs.MoveTo(out);
  return status;
}

std::unique_ptr<Cataloger> NewRubyCataloger() { return std::make_unique<RubyCataloger>(); }

}  // namespace vigil::catalog
