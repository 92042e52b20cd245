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
