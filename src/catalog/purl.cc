#include "catalog/purl.h"

#include "common/strings.h"

namespace vigil::catalog {

std::string PurlEncode(std::string_view s, bool keep_colon) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '-' || c == '_' || c == '~' || (keep_colon && c == ':');
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
      return InvalidArgument("bad percent-encoding in the purl " + std::string(part) + " at '" +
                             Clip(s.substr(i), 12) + "'");
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
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || (is_type ? c == '+' : c == '_');
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

}  // namespace vigil::catalog
