#include "catalog/purl.h"

#include <optional>
#include <set>

#include "common/strings.h"

namespace vigil::catalog {

std::string PurlEncode(std::string_view s, bool keep_colon) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
                 c == '_' || c == '~' || (keep_colon && c == ':');
    if (plain) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string BuildPurl(std::string_view type, std::string_view name_space, std::string_view name,
                      std::string_view version, const std::map<std::string, std::string>& qualifiers) {
  std::string out = "pkg:" + AsciiLower(type) + "/";
  if (!name_space.empty()) {
    for (std::string_view seg : Split(name_space, '/')) {
      if (seg.empty()) continue;
      out += PurlEncode(seg);
      out.push_back('/');
    }
  }
  out += PurlEncode(name);
  if (!version.empty()) {
    out.push_back('@');
    out += PurlEncode(version, /*keep_colon=*/true);
  }
  char sep = '?';
  for (const auto& [k, v] : qualifiers) {
    if (v.empty()) continue;
    out.push_back(sep);
    sep = '&';
    out += AsciiLower(k);
    out.push_back('=');
    out += PurlEncode(v, /*keep_colon=*/true);
  }
  return out;
}

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> PurlDecode(std::string_view s, std::string_view part) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    int hi = i + 2 < s.size() ? HexValue(s[i + 1]) : -1;
    int lo = i + 2 < s.size() ? HexValue(s[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      return InvalidArgument("bad percent-encoding in the purl " + std::string(part) + " at '" + Clip(s.substr(i), 12) +
                             "'");
    }
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

bool ValidKey(std::string_view k, bool is_type) {
  if (k.empty()) return false;
  if (k.front() >= '0' && k.front() <= '9') return false;
  for (char c : k) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
              (is_type ? c == '+' : c == '_');
    if (!ok) return false;
  }
  return true;
}

}  // namespace

Result<ParsedPurl> ParsePurl(std::string_view purl) {
  ParsedPurl out;
  std::string_view rest = Trim(purl);
  // Right to left as the specification says: subpath, qualifiers, then the scheme from the left.
  if (size_t hash = rest.find('#'); hash != std::string_view::npos) {
    std::string_view sub = rest.substr(hash + 1);
    rest = rest.substr(0, hash);
    std::string joined;
    for (std::string_view seg : Split(sub, '/')) {
      if (seg.empty() || seg == "." || seg == "..") continue;
      VIGIL_ASSIGN_OR_RETURN(std::string d, PurlDecode(seg, "subpath"));
      if (!joined.empty()) joined.push_back('/');
      joined += d;
    }
    out.subpath = std::move(joined);
  }
  if (size_t q = rest.find('?'); q != std::string_view::npos) {
    std::string_view qs = rest.substr(q + 1);
    rest = rest.substr(0, q);
    for (std::string_view kv : Split(qs, '&')) {
      if (kv.empty()) continue;
      size_t eq = kv.find('=');
      if (eq == std::string_view::npos) {
        return InvalidArgument("purl qualifier '" + Clip(kv, 40) + "' has no '='");
      }
      std::string_view key = kv.substr(0, eq);
      if (!ValidKey(key, false)) return InvalidArgument("bad purl qualifier key '" + Clip(key, 40) + "'");
      VIGIL_ASSIGN_OR_RETURN(std::string value, PurlDecode(kv.substr(eq + 1), "qualifier"));
      if (!value.empty()) out.qualifiers[AsciiLower(key)] = std::move(value);
    }
  }
  if (rest.size() < 4 || AsciiLower(rest.substr(0, 4)) != "pkg:") {
    return InvalidArgument("not a purl (no 'pkg:' scheme): '" + Clip(purl, 60) + "'");
  }
  rest.remove_prefix(4);
  while (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return InvalidArgument("purl has no type: '" + Clip(purl, 60) + "'");
  std::string_view type = rest.substr(0, slash);
  if (!ValidKey(type, true)) return InvalidArgument("bad purl type '" + Clip(type, 40) + "'");
  out.type = AsciiLower(type);
  rest = rest.substr(slash + 1);
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  // The version follows the last '@' after the last '/', so an unencoded npm scope ("@types/")
  // is not mistaken for one.
  size_t last_slash = rest.rfind('/');
  size_t at = rest.rfind('@');
  if (at != std::string_view::npos && (last_slash == std::string_view::npos || at > last_slash)) {
    VIGIL_ASSIGN_OR_RETURN(out.version, PurlDecode(rest.substr(at + 1), "version"));
    rest = rest.substr(0, at);
    last_slash = rest.rfind('/');
  }
  std::string_view name = last_slash == std::string_view::npos ? rest : rest.substr(last_slash + 1);
  VIGIL_ASSIGN_OR_RETURN(out.name, PurlDecode(name, "name"));
  if (out.name.empty()) return InvalidArgument("purl has no name: '" + Clip(purl, 60) + "'");
  if (last_slash != std::string_view::npos) {
    for (std::string_view seg : Split(rest.substr(0, last_slash), '/')) {
      if (seg.empty()) continue;
      VIGIL_ASSIGN_OR_RETURN(std::string d, PurlDecode(seg, "namespace"));
      if (!out.name_space.empty()) out.name_space.push_back('/');
      out.name_space += d;
    }
  }
  return out;
}

std::string PackagePurl(const Package& p, const Distro& distro) {
  std::map<std::string, std::string> q;
  std::string ns = p.name_space;
  std::string name = p.name;
  if (p.type == "deb" || p.type == "apk" || p.type == "rpm") {
    std::string id = distro.id.empty() ? std::string(p.type == "apk" ? "alpine" : "") : distro.id;
    if (id == "rhel") id = "redhat";
    if (ns.empty()) ns = id;
    q["arch"] = p.arch;
    if (!distro.id.empty()) {
      q["distro"] = distro.version_id.empty() ? distro.id : distro.id + "-" + distro.version_id;
    }
    if (p.type == "rpm") q["epoch"] = p.epoch;
    if (p.type == "deb" && !p.source_name.empty() && p.source_name != p.name) {
      q["upstream"] = p.source_name;
    }
  } else if (p.type == "pypi") {
    std::string n = AsciiLower(name);
    for (char& c : n) {
      if (c == '_' || c == '.') c = '-';
    }
    name = n;
  }
  std::string version = p.version;
  if (p.type == "deb" && !p.epoch.empty()) version = p.epoch + ":" + version;
  return BuildPurl(p.type, ns, name, version, q);
}

namespace {

// ---- matching -----------------------------------------------------------------------------------

// A purl as matching reads it: lenient (no validation beyond the shape), with the per-type
// normalisation of the purl specification applied.
struct MatchKey {
  std::string type;
  std::string name_space;
  std::string name;
  std::string version;  // "" when absent
};

// Lenient percent-decoding: a malformed escape is kept as written.
std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = HexValue(s[i + 1]);
      int lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

// PEP 503: lower case, runs of '-', '_' and '.' become one '-'.
std::string NormalizePypiName(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '-' || c == '_' || c == '.') {
      if (out.empty() || out.back() != '-') out.push_back('-');
    } else {
      out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    }
  }
  return out;
}

std::optional<MatchKey> ParseForMatching(std::string_view s) {
  if (s.size() < 4 || AsciiLower(s.substr(0, 4)) != "pkg:") return std::nullopt;
  s.remove_prefix(4);
  while (!s.empty() && s.front() == '/') s.remove_prefix(1);
  if (size_t h = s.find('#'); h != std::string_view::npos) s = s.substr(0, h);
  if (size_t q = s.find('?'); q != std::string_view::npos) s = s.substr(0, q);
  MatchKey p;
  size_t at = s.rfind('@');
  size_t last_slash = s.rfind('/');
  if (at != std::string_view::npos && last_slash != std::string_view::npos && at > last_slash) {
    p.version = PercentDecode(s.substr(at + 1));
    s = s.substr(0, at);
  }
  while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  size_t first = s.find('/');
  if (first == std::string_view::npos || first == 0) return std::nullopt;
  p.type = AsciiLower(s.substr(0, first));
  std::string_view rest = s.substr(first + 1);
  size_t last = rest.rfind('/');
  std::string_view ns = last == std::string_view::npos ? std::string_view() : rest.substr(0, last);
  std::string_view name = last == std::string_view::npos ? rest : rest.substr(last + 1);
  if (name.empty()) return std::nullopt;
  // Namespace segments are decoded one by one; empty segments carry no meaning.
  for (std::string_view seg : Split(ns, '/')) {
    if (seg.empty()) continue;
    if (!p.name_space.empty()) p.name_space += '/';
    p.name_space += PercentDecode(seg);
  }
  p.name = PercentDecode(name);

  // Per-type rules of the purl spec: these types are case-insensitive in namespace and name.
  static const std::set<std::string, std::less<>> kLowerBoth = {"alpm", "apk", "bitbucket", "composer", "deb", "github",
                                                                "hex",  "npm", "oci",       "pypi",     "pub"};
  if (kLowerBoth.contains(p.type)) {
    p.name_space = AsciiLower(p.name_space);
    p.name = AsciiLower(p.name);
  }
  if (p.type == "nuget") p.name = AsciiLower(p.name);  // NuGet ids are case-insensitive
  if (p.type == "pypi") p.name = NormalizePypiName(p.name);
  return p;
}

}  // namespace

bool IsPurl(std::string_view s) { return ParseForMatching(s).has_value(); }

bool PurlMatches(std::string_view pattern, std::string_view purl) {
  std::optional<MatchKey> want = ParseForMatching(pattern);
  std::optional<MatchKey> have = ParseForMatching(purl);
  if (!want || !have) return false;
  if (want->type != have->type || want->name_space != have->name_space || want->name != have->name) {
    return false;
  }
  return want->version.empty() || want->version == have->version;
}

}  // namespace vigil::catalog
