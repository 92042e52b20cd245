#include "match/ignore.h"

#include <algorithm>
#include <set>
#include <utility>

#include "catalog/purl.h"
#include "common/strings.h"
#include "common/vuln_id.h"
#include "common/yaml_node.h"
#include "match/internal/yaml_reader.h"

namespace vigil::match {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAlnum(char c) { return IsDigit(c) || IsAlpha(c); }

// "" if `id` is a usable vulnerability id, else why not. CVE and GHSA ids are checked for their
// exact shape; other OSV-style ids (GO-…, RUSTSEC-…, PYSEC-…, DSA-…) only for PREFIX-rest.
std::string IdError(std::string_view id) {
  std::string lower = AsciiLower(id);
  if (lower.starts_with("cve-")) {
    // CVE-YYYY-NNNN with four or more digits at the end.
    std::string_view rest = std::string_view(lower).substr(4);
    bool ok = rest.size() >= 9 && std::all_of(rest.begin(), rest.begin() + 4, IsDigit) && rest[4] == '-' &&
              std::all_of(rest.begin() + 5, rest.end(), IsDigit);
    return ok ? "" : "'" + Clip(id) + "' is not a CVE id (CVE-YYYY-NNNN)";
  }
  if (lower.starts_with("ghsa-")) {
    // GHSA-xxxx-xxxx-xxxx.
    std::string_view rest = std::string_view(lower).substr(5);
    bool ok = rest.size() == 14;
    for (size_t i = 0; ok && i < rest.size(); ++i) {
      ok = (i == 4 || i == 9) ? rest[i] == '-' : IsAlnum(rest[i]);
    }
    return ok ? "" : "'" + Clip(id) + "' is not a GHSA id (GHSA-xxxx-xxxx-xxxx)";
  }
  size_t dash = id.find('-');
  bool ok = dash != std::string_view::npos && dash > 0 && dash + 1 < id.size() && IsAlpha(id[0]) &&
            std::all_of(id.begin(), id.begin() + dash, IsAlnum) &&
            std::all_of(id.begin() + dash + 1, id.end(),
                        [](char c) { return IsAlnum(c) || c == '-' || c == '.' || c == '_' || c == ':'; });
  return ok ? "" : "'" + Clip(id) + "' is not a vulnerability id (CVE-…, GHSA-… or an OSV id)";
}

// Path segments, without empty and "." ones, so "/a//./b" and "a/b" compare alike.
std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  for (std::string_view seg : Split(path, '/')) {
    if (seg.empty() || seg == ".") continue;
    out.push_back(seg);
  }
  return out;
}

// '*' and '?' within one segment. The classic greedy matcher: on a mismatch, only the most
// recent '*' is widened by one, which is enough because an earlier '*' could only hand over
// characters the later one can take as well. O(len(p) * len(s)), no recursion.
bool SegmentMatches(std::string_view p, std::string_view s) {
  size_t i = 0, j = 0;
  size_t star = std::string_view::npos, mark = 0;
  while (j < s.size()) {
    if (i < p.size() && (p[i] == '?' || p[i] == s[j])) {
      ++i;
      ++j;
    } else if (i < p.size() && p[i] == '*') {
      star = i++;
      mark = j;
    } else if (star != std::string_view::npos) {
      i = star + 1;
      j = ++mark;
    } else {
      return false;
    }
  }
  while (i < p.size() && p[i] == '*') ++i;
  return i == p.size();
}

void ParseEntry(YamlReader& r, const YAML::Node& node, std::string_view today, IgnoreFile& out) {
  if (!node.IsMap()) {
    r.Error(node.Mark(), "an ignore entry must be a mapping (id, reason, …), found " + std::string(NodeKind(node)));
    return;
  }
  size_t errors_before = r.error_count();
  IgnoreEntry e;
  e.location = r.Location(node);
  std::set<std::string> seen;
  std::set<std::string> mistyped;  // already reported; not to be reported again as missing
  YAML::Mark id_mark = node.Mark(), expires_mark = node.Mark();
  // yaml-cpp iterators hand out temporaries: copy the (cheap, shared) nodes, never bind
  // references to them.
  for (const auto& kv : node) {
    const YAML::Node k = kv.first;
    const YAML::Node v = kv.second;
    if (!k.IsScalar()) {
      r.Error(k.Mark(), "keys must be plain names, found " + std::string(NodeKind(k)));
      continue;
    }
    std::string key = k.Scalar();
    std::string* slot = key == "id"        ? &e.id
                        : key == "package" ? &e.package
                        : key == "path"    ? &e.path
                        : key == "expires" ? &e.expires
                        : key == "reason"  ? &e.reason
                                           : nullptr;
    if (slot == nullptr) {
      // An error, not a warning: a misspelt "package:" or "path:" would otherwise widen the
      // entry to every package or path.
      r.Error(k.Mark(), "unknown key '" + Clip(key) + "' (id, package, path, expires, reason)");
      continue;
    }
    if (!seen.insert(key).second) {
      r.Error(k.Mark(), "duplicate key '" + key + "'");
      continue;
    }
    if (v.IsNull()) continue;  // reported below as missing where that matters
    if (!v.IsScalar()) {
      r.Error(v.Mark(), "'" + key + "' must be a string, found " + std::string(NodeKind(v)));
      mistyped.insert(key);
      continue;
    }
    *slot = std::string(Trim(v.Scalar()));
    if (key == "id") id_mark = v.Mark();
    if (key == "expires") expires_mark = v.Mark();
    if (key == "package" && slot->starts_with("pkg:") && !catalog::IsPurl(*slot)) {
      r.Error(v.Mark(), "'" + Clip(*slot) + "' is not a purl (pkg:type/namespace/name@version)");
    }
    if (key == "path") {
      if (std::string why = GlobError(*slot); !why.empty()) r.Error(v.Mark(), "bad path glob: " + why);
    }
  }
  if (e.id.empty()) {
    if (!mistyped.contains("id")) r.Error(node.Mark(), "'id' is required");
  } else if (std::string why = IdError(e.id); !why.empty()) {
    r.Error(id_mark, why);
  }
  if (e.reason.empty() && !mistyped.contains("reason"))
    r.Error(node.Mark(), "'reason' is required: say why this finding is accepted");
  if (!e.expires.empty()) {
    if (!IsValidDate(e.expires)) {
      r.Error(expires_mark, "'" + Clip(e.expires) + "' is not a date (YYYY-MM-DD)");
    } else if (e.expires < today) {
      e.expired = true;
      r.Warning(expires_mark, "entry for " + e.id + " expired on " + e.expires + "; it no longer applies");
    }
  }
  if (r.error_count() == errors_before) out.entries.push_back(std::move(e));
}

}  // namespace

bool IsValidDate(std::string_view d) {
  if (d.size() != 10 || d[4] != '-' || d[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!IsDigit(d[i])) return false;
  }
  int y = (d[0] - '0') * 1000 + (d[1] - '0') * 100 + (d[2] - '0') * 10 + (d[3] - '0');
  int m = (d[5] - '0') * 10 + (d[6] - '0');
  int day = (d[8] - '0') * 10 + (d[9] - '0');
  if (y < 1 || m < 1 || m > 12 || day < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  int max = kDays[m - 1] + (m == 2 && leap ? 1 : 0);
  return day <= max;
}

std::string GlobError(std::string_view glob) {
  if (Segments(glob).empty()) return "empty glob";
  for (char c : glob) {
    if (c == '[' || c == '{' || c == '\\') {
      return std::string("'") + c + "' is not supported (only '*', '**' and '?') in '" + Clip(glob) + "'";
    }
    if (c == '\0') return "NUL byte in glob";
  }
  for (std::string_view seg : Segments(glob)) {
    if (seg.find("***") != std::string_view::npos) return "'***' in '" + Clip(glob) + "'";
    if (seg != "**" && seg.find("**") != std::string_view::npos) {
      return "'**' must be a whole path segment (a/**/b) in '" + Clip(glob) + "'";
    }
  }
  return "";
}

bool GlobMatches(std::string_view glob, std::string_view path) {
  // The segment-level twin of SegmentMatches: '**' is the star over whole segments and every
  // other glob segment matches one path segment. Same greedy argument, same bound.
  std::vector<std::string_view> p = Segments(glob);
  std::vector<std::string_view> s = Segments(path);
  size_t i = 0, j = 0;
  size_t star = SIZE_MAX, mark = 0;
  while (j < s.size()) {
    if (i < p.size() && p[i] != "**" && SegmentMatches(p[i], s[j])) {
      ++i;
      ++j;
    } else if (i < p.size() && p[i] == "**") {
      star = i++;
      mark = j;
    } else if (star != SIZE_MAX) {
      i = star + 1;
      j = ++mark;
    } else {
      return false;
    }
  }
  while (i < p.size() && p[i] == "**") ++i;
  return i == p.size();
}

Result<IgnoreFile> ParseIgnoreFile(std::string_view text, std::string_view what, std::string_view today) {
  if (!IsValidDate(today)) {
    return InvalidArgument("today '" + Clip(today) + "' is not a date (YYYY-MM-DD)");
  }
  if (text.size() > kMaxIgnoreFileBytes) {
    return LimitExceeded(std::string(what) + ": ignore file of " + std::to_string(text.size()) +
                         " bytes exceeds the limit of " + std::to_string(kMaxIgnoreFileBytes));
  }
  // The YAML guard first (aliases, expanded size, nesting: common/yaml.h); a refused file is
  // never built.
  YamlLimits limits;
  limits.max_bytes = kMaxIgnoreFileBytes;
  VIGIL_ASSIGN_OR_RETURN(YAML::Node root, LoadYaml(text, what, limits));
  YamlReader r(what);
  IgnoreFile out;
  // Adapter boundary: yaml-cpp's node accessors report misuse by throwing.
  try {
    if (root.IsNull()) return out;
    if (!root.IsMap()) {
      r.Error(root.Mark(), "expected a mapping with an 'ignore' list, found " + std::string(NodeKind(root)));
    } else {
      bool have_ignore = false;
      for (const auto& kv : root) {
        const YAML::Node k = kv.first;
        const YAML::Node v = kv.second;
        if (!k.IsScalar() || k.Scalar() != "ignore") {
          r.Warning(k.Mark(), k.IsScalar() ? "unknown key '" + Clip(k.Scalar()) + "' (expected 'ignore')"
                                           : "unknown non-scalar key (expected 'ignore')");
          continue;
        }
        if (have_ignore) {
          r.Error(k.Mark(), "duplicate key 'ignore'");
          continue;
        }
        have_ignore = true;
        if (v.IsNull()) continue;
        if (!v.IsSequence()) {
          r.Error(v.Mark(), "'ignore' must be a list of entries, found " + std::string(NodeKind(v)));
          continue;
        }
        for (const auto& e : v) ParseEntry(r, YAML::Node(e), today, out);
      }
    }
  } catch (const YAML::Exception& e) {
    std::string where = e.mark.is_null() ? std::string(what) : r.Location(e.mark);
    return Corrupt(where + ": malformed YAML: " + e.msg);
  }
  out.diagnostics = r.TakeDiagnostics();
  return out;
}

bool IgnoreApplies(const IgnoreEntry& entry, std::string_view id, const std::vector<std::string>& aliases,
                   std::string_view package_name, std::string_view package_purl, std::string_view path) {
  if (entry.expired) return false;
  bool id_matches = SameVulnerabilityId(entry.id, id) ||
                    std::any_of(aliases.begin(), aliases.end(),
                                [&](const std::string& a) { return SameVulnerabilityId(entry.id, a); });
  if (!id_matches) return false;
  if (!entry.package.empty()) {
    bool ok = entry.package.starts_with("pkg:") ? catalog::PurlMatches(entry.package, package_purl)
                                                : entry.package == package_name;
    if (!ok) return false;
  }
  if (!entry.path.empty() && (path.empty() || !GlobMatches(entry.path, path))) return false;
  return true;
}

}  // namespace vigil::match
